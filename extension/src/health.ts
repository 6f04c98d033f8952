import type { Readiness } from '@cryoprotect/kernel';
import { PageConfig, URLExt } from '@jupyterlab/coreutils';
import { ServerConnection } from '@jupyterlab/services';

/** What the status bar shows about the REST server. */
export interface IServerHealth {
  /** 'invalid': something answered, but not with a readiness report the kernel's schema accepts. */
  state: 'ready' | 'not-ready' | 'unreachable' | 'invalid';
  /** 'pglite' or 'postgres' when the server answered with a readiness report. */
  databaseKind?: Readiness['database_kind'];
  detail: string;
}

/** Port of the REST server when neither `cryoprotect start` nor the server extension said where it is. */
export const DEFAULT_SERVER_PORT = 8787;

/**
 * The REST server's base URL: the configured one; else the server that `cryoprotect start`
 * launched with this JupyterLab (its port is in the page config), through jupyter-server-proxy's
 * port proxy; else, in a plain `jupyter lab`, the named proxy entry the server extension announces
 * (`cryoprotectProxyPath`, started on first use); else the default port.
 */
export function resolveServerUrl(
  serverUrl: string,
  baseUrl: string,
  pageConfigPort: string,
  proxyPath: string = PageConfig.getOption('cryoprotectProxyPath')
): string {
  if (serverUrl.trim() !== '') {
    return serverUrl.trim().replace(/\/+$/, '') + '/';
  }
  if (/^\d+$/.test(pageConfigPort)) {
    return URLExt.join(baseUrl, 'proxy', pageConfigPort) + '/';
  }
  if (/^[A-Za-z0-9_-]+$/.test(proxyPath)) {
    return URLExt.join(baseUrl, proxyPath) + '/';
  }
  return URLExt.join(baseUrl, 'proxy', String(DEFAULT_SERVER_PORT)) + '/';
}

/**
 * Ask the server's readiness endpoint; never throws. The body is read with the kernel's
 * ReadinessSchema (the same shape on 200 and 503): a body it refuses is reported, never trusted.
 */
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
  let json: unknown;
  try {
    json = await response.json();
  } catch {
    return { state: 'unreachable', detail: `${url} answered ${response.status} without JSON` };
  }
  if (!response.ok && response.status !== 503) {
    return { state: 'unreachable', detail: `${url} answered ${response.status}` };
  }
  let parsed: Awaited<ReturnType<typeof Private.parseReadiness>>;
  try {
    parsed = await Private.parseReadiness(json);
  } catch (error) {
    return {
      state: 'invalid',
      detail: `${url} answered ${response.status}, but its body could not be checked: loading @cryoprotect/kernel failed (${(error as Error).message})`
    };
  }
  if (!parsed.success) {
    const issues = parsed.error.issues
      .slice(0, 3)
      .map(issue => `${issue.path.join('.') || '(body)'}: ${issue.message}`)
      .join('; ');
    return {
      state: 'invalid',
      detail: `${url} answered ${response.status} with a body that is not a readiness report (${issues})`
    };
  }
  const body = parsed.data;
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
      detail: body.problems.length > 0 ? body.problems.join('; ') : 'not ready'
    };
  }
  return { state: 'unreachable', detail: `${url} answered ${response.status}` };
}

namespace Private {
  /**
   * Read a body with the kernel's ReadinessSchema. The kernel (zod and every schema of the API) is
   * imported here, on the first check, so it loads after JupyterLab has started, not with its page.
   */
  export async function parseReadiness(json: unknown) {
    const { ReadinessSchema } = await import('@cryoprotect/kernel');
    return ReadinessSchema.safeParse(json);
  }
}
