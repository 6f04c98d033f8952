import { URLExt } from '@jupyterlab/coreutils';
import { ServerConnection } from '@jupyterlab/services';

/** What the status bar shows about the REST server. */
export interface IServerHealth {
  state: 'ready' | 'not-ready' | 'unreachable';
  /** 'pglite' or 'postgres' when the server answered. */
  databaseKind?: string;
  detail: string;
}

/** Port of the REST server when JupyterLab was not started by `cryoprotect start`. */
export const DEFAULT_SERVER_PORT = 8787;

/**
 * The REST server's base URL: the configured one, or else the server that `cryoprotect start`
 * launched with this JupyterLab (its port is in the page config) through jupyter-server-proxy.
 */
export function resolveServerUrl(
  serverUrl: string,
  baseUrl: string,
  pageConfigPort: string
): string {
  if (serverUrl.trim() !== '') {
    return serverUrl.trim().replace(/\/+$/, '') + '/';
  }
  const port = /^\d+$/.test(pageConfigPort) ? pageConfigPort : String(DEFAULT_SERVER_PORT);
  return URLExt.join(baseUrl, 'proxy', port) + '/';
}

/** Ask the server's readiness endpoint; never throws. */
export async function checkHealth(
  serverUrl: string,
  connection: ServerConnection.ISettings = ServerConnection.makeSettings()
): Promise<IServerHealth> {
  const url = URLExt.join(serverUrl, 'health', 'ready');
  let response: Response;
  try {
    // Same-origin requests need Jupyter's token and XSRF header; makeRequest adds both.
    response = url.startsWith(connection.baseUrl)
      ? await ServerConnection.makeRequest(url, {}, connection)
      : await fetch(url);
  } catch (error) {
    return { state: 'unreachable', detail: `no answer from ${url}: ${(error as Error).message}` };
  }
  let body: { ready?: boolean; database_kind?: string; problems?: string[] } = {};
  try {
    body = await response.json();
  } catch {
    return { state: 'unreachable', detail: `${url} answered ${response.status} without JSON` };
  }
  if (response.ok && body.ready) {
    return {
      state: 'ready',
      databaseKind: body.database_kind,
      detail: `ready (${body.database_kind})`
    };
  }
  if (response.status === 503) {
    return {
      state: 'not-ready',
      databaseKind: body.database_kind,
      detail: (body.problems ?? ['not ready']).join('; ')
    };
  }
  return { state: 'unreachable', detail: `${url} answered ${response.status}` };
}
