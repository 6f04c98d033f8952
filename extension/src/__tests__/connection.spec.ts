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
      fetch: (async (input: RequestInfo, init?: RequestInit) => {
        requests.push(new Request(input, init));
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

describe('sign in and out', () => {
  it('trades a password for a token kept in the settings, and revokes exactly that token', async () => {
    const calls: string[] = [];
    const saved: [string, string][] = [];
    const tokenId = '22222222-2222-4222-8222-222222222222';
    const json = (body: unknown, status = 200) =>
      new Response(JSON.stringify(body), {
        status,
        headers: { 'content-type': 'application/json' }
      });
    const jupyter = ServerConnection.makeSettings({
      baseUrl: 'http://localhost/',
      fetch: (async (input: RequestInfo, init?: RequestInit) => {
        const request = new Request(input, init);
        const path = new URL(request.url).pathname;
        if (!request.body && request.headers.has('content-type')) {
          // What the server answers to a bodiless request that claims JSON.
          return json(
            {
              type: 'x/problems/bad-request',
              title: 'Bad request',
              status: 400,
              detail: 'Body cannot be empty'
            },
            400
          );
        }
        calls.push(`${request.method} ${path} ${request.headers.get('authorization') ?? '-'}`);
        if (path.endsWith('/api/auth/login')) {
          const body = await request.json();
          if (body.password !== 'right') {
            return json(
              {
                type: 'x/problems/unauthorized',
                title: 'Unauthorized',
                status: 401,
                detail: 'wrong username or password'
              },
              401
            );
          }
          return json(
            {
              id: tokenId,
              name: body.tokenName,
              scopes: ['read', 'write'],
              token: 'secret-1',
              createdAt: '2026-12-07T00:00:00Z',
              expiresAt: '2027-01-06T00:00:00Z',
              userId: '33333333-3333-4333-8333-333333333333'
            },
            201
          );
        }
        if (path.endsWith('/api/users/me')) {
          return json({
            id: '33333333-3333-4333-8333-333333333333',
            username: 'ada',
            displayName: 'Ada',
            isAdmin: false,
            active: true,
            email: null,
            createdAt: '2026-12-01T00:00:00Z',
            deactivatedAt: null,
            hasPassword: true
          });
        }
        if (path.endsWith('/api/tokens') && request.method === 'GET') {
          return json({
            items: [
              {
                id: tokenId,
                name: 'JupyterLab',
                scopes: ['read', 'write'],
                createdAt: '2026-12-07T00:00:00Z',
                lastUsedAt: null,
                expiresAt: '2027-01-06T00:00:00Z',
                revokedAt: null
              }
            ],
            nextCursor: null
          });
        }
        if (path.endsWith(`/api/tokens/${tokenId}`) && request.method === 'DELETE') {
          return new Response(null, { status: 204 });
        }
        return json(
          { type: 'x/problems/not-found', title: 'Not found', status: 404, detail: path },
          404
        );
      }) as typeof fetch
    });
    const connection = new CryoProtectConnection({
      serverUrl: '',
      token: '',
      baseUrl: 'http://localhost/',
      embeddedPort: '8795',
      embeddedToken: '',
      jupyter,
      saveToken: async (token, id) => {
        saved.push([token, id]);
      }
    });
    await expect(connection.signIn('ada', 'wrong')).rejects.toMatchObject({ status: 401 });
    expect(saved).toEqual([]);
    await expect(connection.signIn('ada', 'right')).resolves.toEqual({
      username: 'ada',
      expiresAt: '2027-01-06T00:00:00Z'
    });
    expect(saved).toEqual([['secret-1', tokenId]]);
    expect(connection.tokenSource).toBe('settings');
    await connection.signOut();
    expect(calls.at(-1)).toBe(`DELETE /proxy/8795/api/tokens/${tokenId} Bearer secret-1`);
    expect(saved.at(-1)).toEqual(['', '']);
    expect(connection.tokenSource).toBe('none');
  });
});
