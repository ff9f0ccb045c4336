// The Runs panel: pipeline runs of the file browser's current folder, read from the run catalog
// by the server extension (read-only), with links to each run's HTML report.
import { URLExt, PageConfig } from '@jupyterlab/coreutils';
import { Widget } from '@lumino/widgets';

import { IRun, requestAPI } from './api';

export class RunsPanel extends Widget {
  constructor(private readonly currentPath: () => string) {
    super();
    this.id = 'ai4s-lab-runs';
    this.title.caption = 'AI4S Lab runs';
    this.title.label = 'Runs';
    this.addClass('ai4s-RunsPanel');
    const header = document.createElement('div');
    header.className = 'ai4s-RunsPanel-header';
    this._heading = document.createElement('span');
    const refresh = document.createElement('button');
    refresh.className = 'jp-Button jp-mod-minimal ai4s-RunsPanel-refresh';
    refresh.textContent = '⟳';
    refresh.title = 'Refresh';
    refresh.onclick = () => void this.refresh();
    header.append(this._heading, refresh);
    this._body = document.createElement('div');
    this._body.className = 'ai4s-RunsPanel-body';
    this.node.append(header, this._body);
  }

  async refresh(): Promise<void> {
    const path = this.currentPath();
    this._heading.textContent = `Runs in /${path}`;
    try {
      const reply = await requestAPI<{ runs: IRun[] }>(
        `runs?path=${encodeURIComponent(path)}`
      );
      this.show_runs(reply.runs);
    } catch (err) {
      this._body.replaceChildren(this.message(`Cannot list runs: ${(err as Error).message}`));
      this._body.firstElementChild?.classList.add('ai4s-RunsPanel-error');
    }
  }

  protected onAfterShow(): void {
    void this.refresh();
  }

  private show_runs(runs: IRun[]): void {
    if (runs.length === 0) {
      this._body.replaceChildren(
        this.message('No runs here. `ai4s-lab run` or `ai4s-lab sweep` writes them.')
      );
      return;
    }
    const table = document.createElement('table');
    table.className = 'ai4s-RunsPanel-table';
    const head = table.createTHead().insertRow();
    for (const label of ['run', 'status', 'parameters', 's']) {
      const th = document.createElement('th');
      th.textContent = label;
      head.appendChild(th);
    }
    const body = table.createTBody();
    for (const run of runs) {
      const row = body.insertRow();
      row.dataset.status = run.status;
      const name = row.insertCell();
      const label = (run.sweep ? `${run.sweep}/` : '') + run.run_id.slice(0, 8);
      if (run.report) {
        const link = document.createElement('a');
        link.href = URLExt.join(PageConfig.getBaseUrl(), 'files', URLExt.encodeParts(run.report));
        link.target = '_blank';
        link.rel = 'noopener';
        link.textContent = label;
        link.title = 'Open the HTML report';
        name.appendChild(link);
      } else {
        name.textContent = label;
      }
      const status = row.insertCell();
      status.textContent = run.status;
      status.className = `ai4s-status-${run.status}`;
      if (run.error) {
        status.title = `${run.error.ename}: ${run.error.evalue}`;
      }
      row.insertCell().textContent = Object.entries(run.parameters)
        .map(([k, v]) => `${k}=${JSON.stringify(v)}`)
        .join(', ');
      row.insertCell().textContent =
        run.duration_s === null ? '' : Number(run.duration_s).toFixed(1);
    }
    this._body.replaceChildren(table);
  }

  private message(text: string): HTMLElement {
    const p = document.createElement('p');
    p.className = 'ai4s-RunsPanel-message';
    p.textContent = text;
    return p;
  }

  private _heading: HTMLSpanElement;
  private _body: HTMLDivElement;
}
