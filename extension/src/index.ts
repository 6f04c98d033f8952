import { type JupyterFrontEnd, type JupyterFrontEndPlugin } from '@jupyterlab/application';
import { PageConfig } from '@jupyterlab/coreutils';
import { ISettingRegistry } from '@jupyterlab/settingregistry';
import { IStatusBar } from '@jupyterlab/statusbar';
import { ICommandPalette } from '@jupyterlab/apputils';
import { Widget } from '@lumino/widgets';
import { checkHealth, resolveServerUrl, type IServerHealth } from './health';

namespace CommandIDs {
  export const checkConnection = 'cryoprotect:check-connection';
}

const PLUGIN_ID = '@cryoprotect/jupyterlab:connection';

/**
 * Shows in the status bar whether the CryoProtect server and its database are ready, and offers
 * a palette command to check again.
 */
const connectionPlugin: JupyterFrontEndPlugin<void> = {
  id: PLUGIN_ID,
  description: 'Connection status of the CryoProtect REST server.',
  autoStart: true,
  optional: [ISettingRegistry, IStatusBar, ICommandPalette],
  activate: async (
    app: JupyterFrontEnd,
    settingRegistry: ISettingRegistry | null,
    statusBar: IStatusBar | null,
    palette: ICommandPalette | null
  ) => {
    const settings = { serverUrl: '', pollSeconds: 30 };
    const item = new Private.StatusItem();
    let timer: number | undefined;

    const refresh = async (): Promise<IServerHealth> => {
      const url = resolveServerUrl(
        settings.serverUrl,
        PageConfig.getBaseUrl(),
        PageConfig.getOption('cryoprotectServerPort')
      );
      const health = await checkHealth(url);
      item.setHealth(health);
      return health;
    };
    const schedule = (): void => {
      window.clearInterval(timer);
      timer = window.setInterval(() => void refresh(), settings.pollSeconds * 1000);
    };

    app.commands.addCommand(CommandIDs.checkConnection, {
      label: 'CryoProtect: Check Server Connection',
      execute: () => refresh()
    });
    palette?.addItem({ command: CommandIDs.checkConnection, category: 'CryoProtect' });
    item.node.addEventListener(
      'click',
      () => void app.commands.execute(CommandIDs.checkConnection)
    );

    statusBar?.registerStatusItem(PLUGIN_ID, { item, align: 'left', rank: 50 });

    if (settingRegistry) {
      const loaded = await settingRegistry.load(PLUGIN_ID);
      const apply = (): void => {
        settings.serverUrl = loaded.get('serverUrl').composite as string;
        settings.pollSeconds = loaded.get('pollSeconds').composite as number;
        schedule();
        void refresh();
      };
      loaded.changed.connect(apply);
      apply();
    } else {
      schedule();
      void refresh();
    }
  }
};

namespace Private {
  /** The status bar text; its title carries the detail for hover. */
  export class StatusItem extends Widget {
    constructor() {
      super();
      this.addClass('jp-cryoprotect-StatusItem');
      this.node.setAttribute('role', 'button');
      this.node.tabIndex = 0;
      this.node.textContent = 'CryoProtect: checking…';
    }

    setHealth(health: IServerHealth): void {
      const labels: Record<IServerHealth['state'], string> = {
        ready: `CryoProtect: ${health.databaseKind ?? 'server'} ready`,
        'not-ready': 'CryoProtect: database not ready',
        unreachable: 'CryoProtect: server unreachable',
        invalid: 'CryoProtect: unexpected answer'
      };
      this.node.textContent = labels[health.state];
      this.node.title = health.detail;
      this.node.dataset.state = health.state;
    }
  }
}

export default connectionPlugin;
