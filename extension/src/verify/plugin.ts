import type { ILabShell, JupyterFrontEnd, JupyterFrontEndPlugin } from '@jupyterlab/application';
import { ICommandPalette } from '@jupyterlab/apputils';
import { ICryoProtectConnection } from '../connection';
import { cryoprotectIcon } from '../icon';
import { VerificationQueue } from './widget';

namespace CommandIDs {
  export const openQueue = 'cryoprotect:open-verification-queue';
}

/**
 * Where the queue sits among the right panel's tabs (property inspector 100, debugger 1000): on
 * the right, so that it stays open beside the notebook or the lab's protocol while the left panel
 * keeps the file and database browsers.
 */
const RANK = 600;

/** The verification queue in the right panel, opened from the CryoProtect menu or the palette. */
export const verifyPlugin: JupyterFrontEndPlugin<void> = {
  id: '@cryoprotect/jupyterlab:verify',
  description:
    'Verification requests assigned to you, requested by you or in your projects: start, record the measurement, verify or reject.',
  autoStart: true,
  requires: [ICryoProtectConnection],
  optional: [ICommandPalette],
  activate: (
    app: JupyterFrontEnd,
    connection: ICryoProtectConnection,
    palette: ICommandPalette | null
  ) => {
    const queue = new VerificationQueue({ connection });
    queue.title.icon = cryoprotectIcon;
    app.shell.add(queue, 'right', { rank: RANK });
    // Another token is another user: the previous user's queue goes at once, also from a hidden
    // panel (shown again, it would list their requests and read the selected one with the new
    // token); the new user's is read now if on screen, else when shown (onAfterShow).
    connection.changed.connect(() => {
      queue.model.clear();
      if (queue.isVisible) {
        void queue.model.load();
      }
    });

    app.commands.addCommand(CommandIDs.openQueue, {
      label: args =>
        args.short ? 'Open Verification Queue' : 'CryoProtect: Open Verification Queue',
      caption:
        'Lab verifications of predictions: assigned to you, requested by you, in your projects',
      icon: args => (args.short ? undefined : cryoprotectIcon),
      execute: () => {
        (app.shell as ILabShell).expandRight?.();
        app.shell.activateById(queue.id);
      }
    });
    palette?.addItem({ command: CommandIDs.openQueue, category: 'CryoProtect' });
  }
};
