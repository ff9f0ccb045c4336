// Calls to the AI4S Lab server extension (under <base_url>/ai4s-lab/), authenticated like every
// Jupyter request.
import { URLExt } from '@jupyterlab/coreutils';
import { ServerConnection } from '@jupyterlab/services';

export async function requestAPI<T>(
  endpoint: string,
  init: RequestInit = {}
): Promise<T> {
  const settings = ServerConnection.makeSettings();
  const url = URLExt.join(settings.baseUrl, 'ai4s-lab', endpoint);
  const response = await ServerConnection.makeRequest(url, init, settings);
  const text = await response.text();
  let data: any = text;
  if (text.length > 0) {
    try {
      data = JSON.parse(text);
    } catch {
      // keep the text for the error message
    }
  }
  if (!response.ok) {
    const reason = (data && data.message) || response.statusText || String(response.status);
    throw new ServerConnection.ResponseError(response, reason);
  }
  return data as T;
}

export interface IRun {
  source: string | null;
  sweep: string | null;
  run_id: string;
  status: string;
  parameters: Record<string, unknown>;
  recorded: Record<string, unknown>;
  duration_s: number | null;
  finished: string | null;
  error: { ename?: string; evalue?: string } | null;
  folder: string | null;
  report: string | null;
}

export interface ITemplate {
  name: string;
  title: string;
  description: string;
}
