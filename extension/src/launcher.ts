import type { JupyterFrontEnd, JupyterFrontEndPlugin } from '@jupyterlab/application';
import { ICommandPalette } from '@jupyterlab/apputils';
import { ILauncher } from '@jupyterlab/launcher';
import { cryoprotectIcon } from './icon';

namespace CommandIDs {
  export const openTutorial = 'cryoprotect:open-tutorial';
  export const openComposer = 'cryoprotect:open-mixture-composer';
  export const openEditor = 'cryoprotect:open-molecule-editor';
}

/**
 * Where the tutorials are, seen from JupyterLab's root: `npm start` serves notebooks/ itself, a
 * `jupyter lab` started at the repository's root sees them in notebooks/.
 */
const TUTORIAL_PATHS = ['01-tutorial.ipynb', 'notebooks/01-tutorial.ipynb'];

/**
 * Launcher cards in a "CryoProtect" section: the first tutorial, the mixture composer and the
 * molecule editor; the
 * tutorial also from the palette.
 */
export const launcherPlugin: JupyterFrontEndPlugin<void> = {
  id: '@cryoprotect/jupyterlab:launcher',
  description: 'Launcher cards for the CryoProtect tutorial and the mixture composer.',
  autoStart: true,
  optional: [ILauncher, ICommandPalette],
  activate: (app: JupyterFrontEnd, launcher: ILauncher | null, palette: ICommandPalette | null) => {
    app.commands.addCommand(CommandIDs.openTutorial, {
      label: args =>
        args.isLauncher
          ? 'Tutorial'
          : args.short
            ? 'Open the Tutorial'
            : 'CryoProtect: Open the Tutorial',
      caption: 'Open the first CryoProtect tutorial notebook',
      icon: args => (args.isLauncher ? cryoprotectIcon : undefined),
      execute: async () => {
        for (const path of TUTORIAL_PATHS) {
          try {
            await app.serviceManager.contents.get(path, { content: false });
          } catch {
            continue;
          }
          return app.commands.execute('docmanager:open', { path });
        }
        throw new Error(
          `no tutorial found at ${TUTORIAL_PATHS.join(' or ')} from JupyterLab's root`
        );
      }
    });
    palette?.addItem({ command: CommandIDs.openTutorial, category: 'CryoProtect' });
    if (launcher) {
      launcher.add({
        command: CommandIDs.openTutorial,
        category: 'CryoProtect',
        rank: 0,
        args: { isLauncher: true }
      });
      launcher.add({
        command: CommandIDs.openComposer,
        category: 'CryoProtect',
        rank: 1,
        args: { isLauncher: true }
      });
      launcher.add({
        command: CommandIDs.openEditor,
        category: 'CryoProtect',
        rank: 2,
        args: { isLauncher: true }
      });
    }
  }
};
