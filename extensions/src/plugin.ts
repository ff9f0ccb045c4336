// AI4S Lab in JupyterLab: the course launcher (cards that copy a lab notebook into the current
// folder and open it) and the Runs panel.
import {
  ILayoutRestorer,
  JupyterFrontEnd,
  JupyterFrontEndPlugin
} from '@jupyterlab/application';
import { IDefaultFileBrowser } from '@jupyterlab/filebrowser';
import { ILauncher } from '@jupyterlab/launcher';

import { ITemplate, requestAPI } from './api';
import { RunsPanel } from './runs_panel';

const CATEGORY = 'AI4S Lab';
const OPEN_TEMPLATE = 'ai4s-lab:open-template';
const SHOW_RUNS = 'ai4s-lab:show-runs';

const launcherPlugin: JupyterFrontEndPlugin<void> = {
  id: 'ai4s-lab:launcher',
  description: 'Launcher cards that copy an AI4S Lab notebook into the current folder.',
  autoStart: true,
  requires: [ILauncher],
  optional: [IDefaultFileBrowser],
  activate: async (
    app: JupyterFrontEnd,
    launcher: ILauncher,
    browser: IDefaultFileBrowser | null
  ) => {
    const titles = new Map<string, ITemplate>();
    app.commands.addCommand(OPEN_TEMPLATE, {
      label: args => titles.get(String(args.name))?.title ?? String(args.name),
      caption: args => titles.get(String(args.name))?.description ?? '',
      execute: async args => {
        const dir = String(args.dir ?? browser?.model.path ?? '');
        const reply = await requestAPI<{ path: string }>('templates', {
          method: 'POST',
          body: JSON.stringify({ name: args.name, dir })
        });
        await browser?.model.refresh();
        return app.commands.execute('docmanager:open', { path: reply.path });
      }
    });
    let templates: ITemplate[] = [];
    try {
      templates = (await requestAPI<{ templates: ITemplate[] }>('templates')).templates;
    } catch (err) {
      console.warn('AI4S Lab: the server extension is not enabled; no launcher cards', err);
      return;
    }
    templates.forEach((template, rank) => {
      titles.set(template.name, template);
      launcher.add({ command: OPEN_TEMPLATE, args: { name: template.name }, category: CATEGORY, rank });
    });
  }
};

const runsPlugin: JupyterFrontEndPlugin<void> = {
  id: 'ai4s-lab:runs',
  description: 'A panel listing the pipeline runs of the current folder.',
  autoStart: true,
  optional: [IDefaultFileBrowser, ILayoutRestorer],
  activate: (
    app: JupyterFrontEnd,
    browser: IDefaultFileBrowser | null,
    restorer: ILayoutRestorer | null
  ) => {
    const panel = new RunsPanel(() => browser?.model.path ?? '');
    app.shell.add(panel, 'left', { rank: 900 });
    restorer?.add(panel, panel.id);
    browser?.model.pathChanged.connect(() => {
      if (panel.isVisible) {
        void panel.refresh();
      }
    });
    app.commands.addCommand(SHOW_RUNS, {
      label: 'Show AI4S Lab runs',
      execute: () => {
        app.shell.activateById(panel.id);
        return panel.refresh();
      }
    });
  }
};

export default [launcherPlugin, runsPlugin];
