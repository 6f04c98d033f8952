import {
  ScreenPageSchema,
  ScreenResultPageSchema,
  ScreenSchema,
  type CreateScreen,
  type Screen,
  type ScreenMolecule,
  type ScreenRanking,
  type ScreenResult
} from '../screens';
import { Transport, type Page, type PageQuery } from '../transport';

const at = (id: string) => `/api/screens/${encodeURIComponent(id)}`;

/** Virtual screens: a library scored by a registered model version on the server's workers. */
export class ScreensApi {
  constructor(private readonly transport: Transport) {}

  /** A new screen of `moleculeCount` molecules; then upload its chunks (uploadChunk). */
  create(screen: CreateScreen): Promise<Screen> {
    return this.transport.request('POST', '/api/screens', ScreenSchema, screen);
  }

  /** Store chunk `seq` (from 0) and queue it; uploading the same chunk again changes nothing. */
  uploadChunk(id: string, seq: number, molecules: ScreenMolecule[]): Promise<Screen> {
    return this.transport.request('PUT', `${at(id)}/chunks/${seq}`, ScreenSchema, { molecules });
  }

  /** A screen with its progress. */
  get(id: string): Promise<Screen> {
    return this.transport.request('GET', at(id), ScreenSchema);
  }

  /** Your screens and your projects', newest first. */
  page(query: PageQuery = {}): Promise<Page<Screen>> {
    return this.transport.page('/api/screens', { ...query }, ScreenPageSchema);
  }

  /** The `k` best scored molecules by `by` (default: highest prediction first). */
  async top(
    id: string,
    k: number,
    options: { by?: ScreenRanking; order?: 'desc' | 'asc' } = {}
  ): Promise<ScreenResult[]> {
    const page = await this.transport.request(
      'GET',
      Transport.path(`${at(id)}/results`, {
        top: k,
        by: options.by ?? 'prediction',
        order: options.order ?? 'desc'
      }),
      ScreenResultPageSchema
    );
    return page.items;
  }

  /** Every row in line order (refused structures too, unless `errors` says otherwise). */
  results(
    id: string,
    options: { errors?: 'include' | 'only' | 'exclude'; pageSize?: number } = {}
  ): AsyncGenerator<ScreenResult> {
    return this.transport.paginate(
      `${at(id)}/results`,
      { errors: options.errors ?? 'include', limit: options.pageSize ?? 5000 },
      ScreenResultPageSchema
    );
  }

  /** Delete a screen with its chunks and results (its submitter or a project admin). */
  delete(id: string): Promise<void> {
    return this.transport.requestEmpty('DELETE', at(id));
  }

  /** Cancel: chunks not scored yet are not; the results so far stay. */
  cancel(id: string): Promise<Screen> {
    return this.transport.request('POST', `${at(id)}/cancel`, ScreenSchema);
  }
}
