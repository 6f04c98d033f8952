import type { z } from 'zod';
import {
  MoleculePageSchema,
  MoleculeSchema,
  ProblemSchema,
  RegistrationResultSchema,
  type Molecule,
  type Problem,
  type RegisterMolecule,
  type RegistrationResult
} from './schemas';

/** A problem+json answer of the server, as an exception. */
export class ApiError extends Error {
  readonly status: number;
  readonly type: string;
  readonly errors: { path: string; message: string }[];

  constructor(readonly problem: Problem) {
    super(`${problem.title}: ${problem.detail}`);
    this.name = 'ApiError';
    this.status = problem.status;
    this.type = problem.type.replace(/^.*\/problems\//, '');
    this.errors = problem.errors ?? [];
  }
}

export interface ClientOptions {
  /** Base URL of the REST server, e.g. http://127.0.0.1:8787 */
  serverUrl: string;
  /** API token; without one the client reads public data only. */
  token?: string;
  fetch?: typeof fetch;
}

/**
 * Typed client of the CryoProtect REST server: requests and answers are checked against the same
 * zod schemas the server validates with, so notebooks never hand-write fetch.
 */
export class CryoProtectClient {
  private readonly baseUrl: string;
  private readonly fetchImpl: typeof fetch;

  constructor(private readonly options: ClientOptions) {
    this.baseUrl = options.serverUrl.replace(/\/+$/, '');
    this.fetchImpl = options.fetch ?? fetch;
  }

  /**
   * The server `cryoprotect start` launched with this JupyterLab: kernels inherit
   * CRYOPROTECT_SERVER_URL and, in the embedded single-user mode, CRYOPROTECT_TOKEN.
   */
  static fromEnvironment(env: Record<string, string | undefined> = process.env): CryoProtectClient {
    const serverUrl = env.CRYOPROTECT_SERVER_URL;
    if (!serverUrl) {
      throw new Error(
        'CRYOPROTECT_SERVER_URL is not set: start JupyterLab with "npm start", or create the client with new CryoProtectClient({ serverUrl, token })'
      );
    }
    return new CryoProtectClient({ serverUrl, token: env.CRYOPROTECT_TOKEN });
  }

  /** Register a structure (standardized by the server); an identical existing one is returned with duplicate: true. */
  registerMolecule(molecule: RegisterMolecule): Promise<RegistrationResult> {
    return this.request('POST', '/api/molecules', RegistrationResultSchema, molecule);
  }

  getMolecule(id: string): Promise<Molecule> {
    return this.request('GET', `/api/molecules/${encodeURIComponent(id)}`, MoleculeSchema);
  }

  /** Every visible molecule matching `q` (name, synonym, InChIKey), page by page. */
  async *molecules(query: { q?: string; pageSize?: number } = {}): AsyncGenerator<Molecule> {
    let cursor: string | null = null;
    do {
      const params = new URLSearchParams();
      if (query.q) {
        params.set('q', query.q);
      }
      params.set('limit', String(query.pageSize ?? 100));
      if (cursor) {
        params.set('cursor', cursor);
      }
      const page: z.infer<typeof MoleculePageSchema> = await this.request(
        'GET',
        `/api/molecules?${params}`,
        MoleculePageSchema
      );
      for (const item of page.items) {
        yield item;
      }
      cursor = page.nextCursor;
    } while (cursor);
  }

  private async request<S extends z.ZodType>(
    method: string,
    path: string,
    schema: S,
    body?: unknown
  ): Promise<z.infer<S>> {
    const headers: Record<string, string> = { accept: 'application/json' };
    if (this.options.token) {
      headers.authorization = `Bearer ${this.options.token}`;
    }
    if (body !== undefined) {
      headers['content-type'] = 'application/json';
    }
    const response = await this.fetchImpl(this.baseUrl + path, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body)
    });
    const payload: unknown = await response.json().catch(() => undefined);
    if (!response.ok) {
      const problem = ProblemSchema.safeParse(payload);
      throw new ApiError(
        problem.success
          ? problem.data
          : {
              type: 'unknown',
              title: `HTTP ${response.status}`,
              status: response.status,
              detail: `${method} ${path} failed without a problem document`
            }
      );
    }
    return schema.parse(payload);
  }
}
