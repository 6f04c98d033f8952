import type { z } from 'zod';
import { ProblemSchema, type Problem } from './schemas';

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

/** One page of a listing; nextCursor is null on the last page. */
export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

/** Where a listing's page starts and how long it is (the server's default and maximum apply). */
export interface PageQuery {
  limit?: number;
  cursor?: string | null;
}

type QueryValue = string | number | boolean | undefined | null;

/**
 * The one place the client talks HTTP: every answer is parsed with the schema the server
 * validates with, and every failure becomes an ApiError carrying the problem document.
 * Resource clients (clients/*.ts) are thin typed wrappers over this.
 */
export class Transport {
  private readonly baseUrl: string;
  private readonly fetchImpl: typeof fetch;

  constructor(private readonly options: ClientOptions) {
    this.baseUrl = options.serverUrl.replace(/\/+$/, '');
    this.fetchImpl = options.fetch ?? fetch;
  }

  /** `/api/x` plus the defined query parameters. */
  static path(path: string, query: Record<string, QueryValue> = {}): string {
    const params = new URLSearchParams();
    for (const [key, value] of Object.entries(query)) {
      if (value !== undefined && value !== null) {
        params.set(key, String(value));
      }
    }
    const text = params.toString();
    return text ? `${path}?${text}` : path;
  }

  async request<S extends z.ZodType>(
    method: string,
    path: string,
    schema: S,
    body?: unknown,
    extraHeaders: Record<string, string> = {}
  ): Promise<z.infer<S>> {
    const response = await this.send(method, path, body, extraHeaders);
    const payload: unknown = await response.json().catch(() => undefined);
    return schema.parse(payload);
  }

  /** A request whose answer has no body (204). */
  async requestEmpty(method: string, path: string, body?: unknown): Promise<void> {
    await this.send(method, path, body, {});
  }

  /** The raw text of an answer (SVG depictions, CSV exports). */
  async requestText(path: string): Promise<string> {
    return (await this.send('GET', path, undefined, {})).text();
  }

  /** One page of a cursor-paginated listing: pass its nextCursor back for the next page. */
  page<T>(
    path: string,
    query: Record<string, QueryValue>,
    pageSchema: z.ZodType<{ items: T[]; nextCursor: string | null }>
  ): Promise<Page<T>> {
    return this.request('GET', Transport.path(path, query), pageSchema);
  }

  /** Every item of a cursor-paginated listing, page by page. */
  async *paginate<T>(
    path: string,
    query: Record<string, QueryValue>,
    pageSchema: z.ZodType<{ items: T[]; nextCursor: string | null }>
  ): AsyncGenerator<T> {
    let cursor: string | null = null;
    do {
      const page: { items: T[]; nextCursor: string | null } = await this.request(
        'GET',
        Transport.path(path, { ...query, cursor }),
        pageSchema
      );
      for (const item of page.items) {
        yield item;
      }
      cursor = page.nextCursor;
    } while (cursor);
  }

  private async send(
    method: string,
    path: string,
    body: unknown,
    extraHeaders: Record<string, string>
  ): Promise<Response> {
    const headers: Record<string, string> = { accept: 'application/json', ...extraHeaders };
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
    if (!response.ok) {
      const payload: unknown = await response.json().catch(() => undefined);
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
    return response;
  }
}
