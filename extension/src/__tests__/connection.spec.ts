import { ServerConnection } from '@jupyterlab/services';
import { loadKernel } from '../chemistry';
import { CryoProtectConnection } from '../connection';

const KEY = 'LFQSCWFLJHTTHZ-UHFFFAOYSA-N';

describe('CryoProtect connection', () => {
  function connection(options: { serverUrl?: string; token?: string; embeddedToken?: string }) {
    const requests: Request[] = [];
    const jupyter = ServerConnection.makeSettings({
      baseUrl: 'http://localhost/lab-base/',
      token: 'jupyter-secret',
      fetch: (async (request: Request) => {
        requests.push(request);
        return new Response(JSON.stringify({ inchikey: KEY, registered: false, molecule: null }), {
          status: 200,
          headers: { 'content-type': 'application/json' }
        });
      }) as typeof fetch
    });
    const made = new CryoProtectConnection({
      serverUrl: options.serverUrl ?? '',
      token: options.token ?? '',
      baseUrl: 'http://localhost/lab-base/',
      embeddedPort: '8795',
      embeddedToken: options.embeddedToken ?? '',
      jupyter
    });
    return { made, requests };
  }

  it("reaches the embedded server through Jupyter with the CryoProtect token only, never Jupyter's", async () => {
    document.cookie = '_xsrf=xsrf-value';
    const { made, requests } = connection({ embeddedToken: 'embedded-token' });
    expect(made.serverUrl).toBe('http://localhost/lab-base/proxy/8795/');
    expect(made.tokenSource).toBe('embedded');
    const client = await made.client();
    await expect(client.moleculeRegistration(KEY)).resolves.toMatchObject({ registered: false });
    expect(requests).toHaveLength(1);
    const request = requests[0];
    // No cache-busting parameter: the server refuses parameters it does not know.
    expect(request.url).toBe(
      `http://localhost/lab-base/proxy/8795/api/molecules/registered?inchikey=${KEY}`
    );
    expect(request.headers.get('authorization')).toBe('Bearer embedded-token');
    expect(request.headers.get('x-xsrftoken')).toBe('xsrf-value');
  });

  it('prefers the token of the settings, and never sends the embedded one to another server', async () => {
    expect(connection({ token: ' mine ', embeddedToken: 'e' }).made.tokenSource).toBe('settings');
    const elsewhere = connection({ serverUrl: 'https://cryo.example.org', embeddedToken: 'e' });
    expect(elsewhere.made.tokenSource).toBe('none');
    expect(elsewhere.made.serverUrl).toBe('https://cryo.example.org/');
  });

  it('explains a failure in one sentence a researcher can act on', async () => {
    const { ApiError } = await loadKernel();
    const { made } = connection({});
    expect(made.explain(new TypeError('Failed to fetch'))).toMatch(
      /^No CryoProtect server answers at http:\/\/localhost\/lab-base\/proxy\/8795\/: start it with "npm start"/
    );
    const status = (code: number, type: string, detail: string) =>
      new ApiError({ type: `https://x/problems/${type}`, title: 't', status: code, detail });
    expect(made.explain(status(401, 'unauthorized', 'no token'))).toMatch(/needs you to sign in/);
    expect(made.explain(status(403, 'forbidden', 'the token lacks the write scope'))).toBe(
      'Not allowed with this token: the token lacks the write scope'
    );
    expect(
      made.explain(
        new ApiError({ type: 'unknown', title: 'HTTP 502', status: 502, detail: 'no document' })
      )
    ).toMatch(/^No CryoProtect server answers at .* \(HTTP 502\)/);
    const signedIn = connection({ token: 'old' }).made;
    expect(signedIn.explain(status(401, 'unauthorized', 'token revoked'))).toMatch(
      /refused the token \(token revoked\); sign in again/
    );
  });
});
