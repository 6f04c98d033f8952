import type { CryoProtectClient } from '@cryoprotect/kernel';
import { PageConfig } from '@jupyterlab/coreutils';
import { ServerConnection } from '@jupyterlab/services';
import { Token } from '@lumino/coreutils';
import { Signal, type ISignal } from '@lumino/signaling';
import { loadKernel } from './chemistry';
import { resolveServerUrl } from './health';

/** Where the token the extension sends comes from. */
export type TokenSource = 'settings' | 'embedded' | 'none';

/**
 * The CryoProtect server as the extension's widgets reach it: its URL, the token they send, a
 * typed client of the kernel library, and the one wording of "why it failed" every widget shows.
 */
export interface ICryoProtectConnection {
  readonly serverUrl: string;
  readonly tokenSource: TokenSource;
  /** Emitted when the URL or the token changes (settings edited, signed in or out). */
  readonly changed: ISignal<ICryoProtectConnection, void>;
  /** The kernel's client for the current URL and token (the kernel loads on first use). */
  client(): Promise<CryoProtectClient>;
  /** Sign in to the server with a password; the new token is kept in the user's settings. */
  signIn(
    username: string,
    password: string
  ): Promise<{ username: string; expiresAt: string | null }>;
  /** Revoke the token kept in the user's settings and forget it. */
  signOut(): Promise<void>;
  /** A sentence for a failed request: unreachable server, missing or refused token, or the server's problem. */
  explain(error: unknown): string;
}

export const ICryoProtectConnection = new Token<ICryoProtectConnection>(
  '@cryoprotect/jupyterlab:ICryoProtectConnection',
  'The CryoProtect server: URL, token and a typed client.'
);

/** What the connection needs from JupyterLab, so tests can give it plain values. */
export interface IConnectionOptions {
  serverUrl: string;
  token: string;
  /** The id of the settings' token on the server (set by signIn), so signOut can revoke it. */
  tokenId?: string;
  /** Persist a token and its id in the user's settings ('' forgets them). */
  saveToken?: (token: string, tokenId: string) => Promise<void>;
  /** JupyterLab's base URL and the page config values that `npm start` sets. */
  baseUrl?: string;
  embeddedPort?: string;
  embeddedToken?: string;
  jupyter?: ServerConnection.ISettings;
}

/** The connection of the running JupyterLab, re-read when the settings change. */
export class CryoProtectConnection implements ICryoProtectConnection {
  constructor(options: IConnectionOptions) {
    this._options = options;
  }

  get serverUrl(): string {
    return resolveServerUrl(
      this._options.serverUrl,
      this._options.baseUrl ?? PageConfig.getBaseUrl(),
      this._options.embeddedPort ?? PageConfig.getOption('cryoprotectServerPort')
    );
  }

  get tokenSource(): TokenSource {
    return Private.token(this._options).source;
  }

  get changed(): ISignal<this, void> {
    return this._changed;
  }

  /** New settings (server URL, token): clients made from now on use them. */
  update(options: Partial<IConnectionOptions>): void {
    this._options = { ...this._options, ...options };
    this._changed.emit();
  }

  async client(): Promise<CryoProtectClient> {
    const { CryoProtectClient } = await loadKernel();
    const token = Private.token(this._options).token;
    return new CryoProtectClient({
      serverUrl: this.serverUrl,
      token: token || undefined,
      fetch: Private.fetchThroughJupyter(this._options.jupyter ?? ServerConnection.makeSettings())
    });
  }

  async signIn(
    username: string,
    password: string
  ): Promise<{ username: string; expiresAt: string | null }> {
    const { CryoProtectClient } = await loadKernel();
    const jupyter = this._options.jupyter ?? ServerConnection.makeSettings();
    const client = await CryoProtectClient.login(this.serverUrl, username, password, {
      tokenName: `JupyterLab (${new Date().toISOString().slice(0, 10)})`,
      fetch: Private.fetchThroughJupyter(jupyter)
    });
    const me = await client.users.me();
    const created = (await client.tokens.list()).find(t => t.id === client.tokenId);
    await this._options.saveToken?.(client.token, client.tokenId);
    this.update({ token: client.token, tokenId: client.tokenId });
    return { username: me.username, expiresAt: created?.expiresAt ?? null };
  }

  /**
   * Revoke the settings' token on the server and forget it. The token is forgotten even when the
   * server cannot be reached; the error then says it may still be valid.
   */
  async signOut(): Promise<void> {
    if (this._options.token.trim() === '') {
      return;
    }
    const client = await this.client();
    const tokenId = this._options.tokenId ?? '';
    try {
      if (tokenId === '') {
        throw new Error(
          'the token was not made by Sign In (no id kept): revoke it yourself with client.tokens.revoke'
        );
      }
      await client.tokens.revoke(tokenId);
    } finally {
      await this._options.saveToken?.('', '');
      this.update({ token: '', tokenId: '' });
    }
  }

  explain(error: unknown): string {
    return Private.explain(error, this.serverUrl, this.tokenSource);
  }

  private _options: IConnectionOptions;
  private readonly _changed = new Signal<this, void>(this);
}

namespace Private {
  export function token(options: IConnectionOptions): { token: string; source: TokenSource } {
    if (options.token.trim() !== '') {
      return { token: options.token.trim(), source: 'settings' };
    }
    // Only the embedded server that `npm start` launched with this JupyterLab has its token in
    // the page config; a server named in the settings never receives it.
    const embedded = options.embeddedToken ?? PageConfig.getOption('cryoprotectToken');
    if (options.serverUrl.trim() === '' && embedded !== '') {
      return { token: embedded, source: 'embedded' };
    }
    return { token: '', source: 'none' };
  }

  /**
   * Requests to the Jupyter origin (the embedded server behind jupyter-server-proxy) carry
   * Jupyter's XSRF header; Jupyter knows the browser by its login cookie. Not through
   * ServerConnection.makeRequest: it appends Jupyter's own token to the Authorization header (the
   * CryoProtect Bearer token rides there), a cache-busting query parameter (the server refuses
   * unknown parameters) and a JSON content type to bodiless requests (the server refuses an empty
   * JSON body). Other servers get plain fetch.
   */
  export function fetchThroughJupyter(settings: ServerConnection.ISettings): typeof fetch {
    return ((input: RequestInfo | URL, init: RequestInit = {}) => {
      const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
      const absolute = new URL(url, window.location.href).href;
      const base = new URL(settings.baseUrl, window.location.href).href;
      if (!absolute.startsWith(base)) {
        return fetch(input, init);
      }
      const headers = new Headers(init.headers);
      const xsrf = /(?:^|;\s*)_xsrf=([^;]*)/.exec(document.cookie)?.[1];
      if (xsrf !== undefined) {
        headers.set('X-XSRFToken', decodeURIComponent(xsrf));
      }
      return settings.fetch.call(null, absolute, {
        ...init,
        headers,
        credentials: 'same-origin',
        cache: 'no-cache'
      });
    }) as typeof fetch;
  }

  export function explain(error: unknown, serverUrl: string, source: TokenSource): string {
    const problem = error as {
      name?: string;
      status?: number;
      message?: string;
      problem?: { detail?: string };
    };
    if (problem?.name === 'ApiError') {
      if (problem.problem === undefined || (problem as { type?: string }).type === 'unknown') {
        // jupyter-server-proxy answers 5xx in HTML when nothing listens behind it.
        return `No CryoProtect server answers at ${serverUrl} (HTTP ${problem.status}): start it with "npm start", or set its URL in Settings → CryoProtect.`;
      }
      if (problem.status === 401) {
        return source === 'none'
          ? `The server at ${serverUrl} needs you to sign in (CryoProtect menu → Sign In).`
          : `The server at ${serverUrl} refused the token (${problem.problem?.detail ?? 'unknown token'}); sign in again.`;
      }
      if (problem.status === 403) {
        return `Not allowed with this token: ${problem.problem?.detail ?? problem.message ?? ''}`;
      }
      return problem.message ?? String(error);
    }
    if (error instanceof TypeError || problem?.name === 'NetworkError') {
      return `No CryoProtect server answers at ${serverUrl}: start it with "npm start", or set its URL in Settings → CryoProtect.`;
    }
    if (error instanceof Error && /^(Unexpected token|.*JSON)/.test(error.message)) {
      return `Something at ${serverUrl} answered, but not a CryoProtect server (${error.message}).`;
    }
    return error instanceof Error ? error.message : String(error);
  }
}
