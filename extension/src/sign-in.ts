import type { JupyterFrontEnd, JupyterFrontEndPlugin } from '@jupyterlab/application';
import { Dialog, ICommandPalette, showDialog, showErrorMessage } from '@jupyterlab/apputils';
import { Widget } from '@lumino/widgets';
import { ICryoProtectConnection } from './connection';

namespace CommandIDs {
  export const signIn = 'cryoprotect:sign-in';
  export const signOut = 'cryoprotect:sign-out';
}

/**
 * Sign in to a shared CryoProtect server from JupyterLab: a username and password give a new API
 * token that is kept in the user's settings (never in a notebook); Sign Out revokes it.
 */
export const signInPlugin: JupyterFrontEndPlugin<void> = {
  id: '@cryoprotect/jupyterlab:sign-in',
  description: 'Sign in to a CryoProtect server with a password; the token goes to your settings.',
  autoStart: true,
  requires: [ICryoProtectConnection],
  optional: [ICommandPalette],
  activate: (
    app: JupyterFrontEnd,
    connection: ICryoProtectConnection,
    palette: ICommandPalette | null
  ) => {
    app.commands.addCommand(CommandIDs.signIn, {
      label: args => (args.short ? 'Sign In to Server…' : 'CryoProtect: Sign In to Server…'),
      caption: 'Username and password give an API token, kept in your JupyterLab settings',
      execute: async () => {
        const form = new Private.SignInForm(connection.serverUrl);
        const answer = await showDialog({
          title: 'Sign in to CryoProtect',
          body: form,
          focusNodeSelector: 'input[name="username"]',
          buttons: [Dialog.cancelButton(), Dialog.okButton({ label: 'Sign in' })]
        });
        if (!answer.button.accept || !answer.value) {
          return;
        }
        const missing = (['username', 'password'] as const).filter(f => answer.value![f] === '');
        if (missing.length > 0) {
          await showErrorMessage(
            'CryoProtect: sign-in failed',
            `give your ${missing.join(' and ')}: nothing was sent`
          );
          return;
        }
        try {
          const done = await connection.signIn(answer.value.username, answer.value.password);
          await showDialog({
            title: 'Signed in',
            body: `Signed in to ${connection.serverUrl} as ${done.username}. The token is kept in your JupyterLab settings${done.expiresAt ? ` until ${done.expiresAt.slice(0, 10)}` : ''}; CryoProtect → Sign Out revokes it.`,
            buttons: [Dialog.okButton()]
          });
        } catch (error) {
          // A refused password is the answer to this request, not a missing sign-in.
          const refused = error as { name?: string; status?: number; problem?: { detail: string } };
          await showErrorMessage(
            'CryoProtect: sign-in failed',
            refused.name === 'ApiError' && refused.status === 401 && refused.problem
              ? `${refused.problem.detail} (server ${connection.serverUrl})`
              : connection.explain(error)
          );
        }
      }
    });
    app.commands.addCommand(CommandIDs.signOut, {
      label: args => (args.short ? 'Sign Out' : 'CryoProtect: Sign Out'),
      caption: 'Revoke the token kept in your settings and forget it',
      isEnabled: () => connection.tokenSource === 'settings',
      execute: async () => {
        try {
          await connection.signOut();
        } catch (error) {
          await showErrorMessage(
            'CryoProtect: the token was forgotten, but not revoked',
            connection.explain(error)
          );
        }
      }
    });
    connection.changed.connect(() => app.commands.notifyCommandChanged(CommandIDs.signOut));
    for (const command of [CommandIDs.signIn, CommandIDs.signOut]) {
      palette?.addItem({ command, category: 'CryoProtect' });
    }
  }
};

namespace Private {
  /** Username and password; the dialog's value. */
  export class SignInForm
    extends Widget
    implements
      Dialog.IBodyWidget<{
        username: string;
        password: string;
      }>
  {
    constructor(serverUrl: string) {
      super();
      this.addClass('jp-cryoprotect-SignIn');
      const note = document.createElement('p');
      note.textContent = `Server: ${serverUrl}`;
      this._username = field(this.node, 'username', 'Username', 'text', 'username');
      this._password = field(this.node, 'password', 'Password', 'password', 'current-password');
      this.node.prepend(note);
    }

    getValue(): { username: string; password: string } {
      return { username: this._username.value.trim(), password: this._password.value };
    }

    private readonly _username: HTMLInputElement;
    private readonly _password: HTMLInputElement;
  }

  function field(
    parent: HTMLElement,
    name: string,
    label: string,
    type: string,
    autocomplete: string
  ): HTMLInputElement {
    const wrapper = document.createElement('label');
    wrapper.className = 'jp-cryoprotect-Field';
    const text = document.createElement('span');
    text.textContent = label;
    const input = document.createElement('input');
    input.className = 'jp-mod-styled';
    input.name = name;
    input.type = type;
    input.autocomplete = autocomplete;
    wrapper.append(text, input);
    parent.append(wrapper);
    return input;
  }
}
