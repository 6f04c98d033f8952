import { type JupyterFrontEnd, type JupyterFrontEndPlugin } from '@jupyterlab/application';
import { ISettingRegistry } from '@jupyterlab/settingregistry';
import { IStatusBar } from '@jupyterlab/statusbar';
import {
  Dialog,
  ICommandPalette,
  InputDialog,
  showDialog,
  showErrorMessage
} from '@jupyterlab/apputils';
import { Widget } from '@lumino/widgets';
import { chemistryInfo, depictMolecule, loadKernel } from './chemistry';
import { composerPlugin } from './composer/plugin';
import { editorPlugin } from './editor/plugin';
import { databasePlugin } from './database/plugin';
import { predictPlugin } from './predict/plugin';
import { renderersPlugin } from './display/plugin';
import { launcherPlugin } from './launcher';
import { CryoProtectConnection, ICryoProtectConnection } from './connection';
import { checkHealth, type IServerHealth } from './health';
import { signInPlugin } from './sign-in';
import { verifyPlugin } from './verify/plugin';

namespace CommandIDs {
  export const checkConnection = 'cryoprotect:check-connection';
  export const drawMolecule = 'cryoprotect:draw-molecule';
}

const PLUGIN_ID = '@cryoprotect/jupyterlab:connection';

/**
 * Shows in the status bar whether the CryoProtect server and its database are ready, and offers
 * a palette command to check again.
 */
const connectionPlugin: JupyterFrontEndPlugin<ICryoProtectConnection> = {
  id: PLUGIN_ID,
  description: 'The CryoProtect REST server: URL, token, a typed client and the status bar light.',
  autoStart: true,
  provides: ICryoProtectConnection,
  optional: [ISettingRegistry, IStatusBar, ICommandPalette],
  activate: async (
    app: JupyterFrontEnd,
    settingRegistry: ISettingRegistry | null,
    statusBar: IStatusBar | null,
    palette: ICommandPalette | null
  ) => {
    const settings = { pollSeconds: 30 };
    const item = new Private.StatusItem();
    let timer: number | undefined;
    const connection = new CryoProtectConnection({ serverUrl: '', token: '' });

    const refresh = async (): Promise<IServerHealth> => {
      const health = await checkHealth(connection.serverUrl);
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
        settings.pollSeconds = loaded.get('pollSeconds').composite as number;
        connection.update({
          serverUrl: loaded.get('serverUrl').composite as string,
          token: loaded.get('token').composite as string,
          tokenId: loaded.get('tokenId').composite as string,
          saveToken: async (token, tokenId) => {
            await loaded.set('token', token);
            await loaded.set('tokenId', tokenId);
          }
        });
        schedule();
        void refresh();
      };
      loaded.changed.connect(apply);
      apply();
    } else {
      schedule();
      void refresh();
    }
    return connection;
  }
};

/**
 * A palette command that draws a structure with the kernel's depiction (RDKit.js in the browser,
 * its WebAssembly served from the extension's static files), hydroxyl groups highlighted, and says
 * which RDKit runs. Nothing chemical loads until the command is first run.
 */
const chemistryPlugin: JupyterFrontEndPlugin<void> = {
  id: '@cryoprotect/jupyterlab:chemistry',
  description: 'Draw a molecule with the CryoProtect kernel (RDKit.js).',
  autoStart: true,
  optional: [ICommandPalette],
  activate: (app: JupyterFrontEnd, palette: ICommandPalette | null) => {
    app.commands.addCommand(CommandIDs.drawMolecule, {
      label: 'CryoProtect: Draw a Molecule (RDKit.js)',
      caption:
        'Draw a SMILES, MOL block or InChI with the CryoProtect kernel, hydroxyls highlighted',
      execute: async args => {
        let structure = typeof args.structure === 'string' ? args.structure : undefined;
        if (structure === undefined) {
          const answer = await InputDialog.getText({
            title: 'CryoProtect: Draw a Molecule',
            label: 'SMILES, MOL block or InChI',
            text: Private.GLYCEROL
          });
          if (!answer.button.accept || !answer.value?.trim()) {
            return;
          }
          structure = answer.value.trim();
        }
        try {
          const kernel = await loadKernel();
          const svg = await depictMolecule(structure, {
            width: 360,
            height: 240,
            highlight: kernel.HYDROXYL_SMARTS
          });
          const info = await chemistryInfo();
          await showDialog({
            title: structure,
            body: Private.depiction(svg, structure, info.rdkitVersion),
            buttons: [Dialog.okButton({ label: 'Close' })]
          });
        } catch (error) {
          await showErrorMessage('CryoProtect: could not draw the molecule', error as Error);
        }
      }
    });
    palette?.addItem({ command: CommandIDs.drawMolecule, category: 'CryoProtect' });
  }
};

namespace Private {
  export const GLYCEROL = 'OCC(O)CO';

  /** The depiction as an image (an SVG in an <img> runs no script), with what drew it. */
  export function depiction(svg: string, structure: string, rdkitVersion: string): Widget {
    const node = document.createElement('figure');
    node.className = 'jp-cryoprotect-Depiction';
    const image = document.createElement('img');
    image.src = `data:image/svg+xml;charset=utf-8,${encodeURIComponent(svg)}`;
    image.alt = `2D depiction of ${structure}`;
    const caption = document.createElement('figcaption');
    caption.textContent = `Hydroxyl groups, where there are any, highlighted. Drawn by RDKit.js ${rdkitVersion} (WebAssembly from the extension).`;
    node.append(image, caption);
    return new Widget({ node });
  }

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

export default [
  connectionPlugin,
  signInPlugin,
  chemistryPlugin,
  renderersPlugin,
  composerPlugin,
  editorPlugin,
  databasePlugin,
  verifyPlugin,
  predictPlugin,
  launcherPlugin
];
