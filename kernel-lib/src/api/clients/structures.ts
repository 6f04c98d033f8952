import {
  BatchReportSchema,
  MixtureRecordPageSchema,
  MixtureRecordSchema,
  SimilarityHitsSchema,
  SubstructureHitsSchema,
  type BatchRegisterMolecules,
  type BatchReport,
  type CreateMixture,
  type MixtureRecord,
  type Molecule,
  type SimilarityHits,
  type SubstructureHits,
  type UpdateMixture
} from '../schemas';
import { Transport, type Page, type PageQuery } from '../transport';

const at = (base: string, id: string) => `${base}/${encodeURIComponent(id)}`;

/** Molecule batch registration, structure searches and depictions. */
export class MoleculeSearchApi {
  constructor(private readonly transport: Transport) {}

  /**
   * Register many structures: `dryRun: true` reports row by row and writes nothing; the real run
   * is all-or-nothing. Give an idempotencyKey so a retried request never registers twice.
   */
  registerBatch(
    batch: BatchRegisterMolecules,
    options: { idempotencyKey?: string } = {}
  ): Promise<BatchReport> {
    return this.transport.request(
      'POST',
      '/api/molecules/batch',
      BatchReportSchema,
      batch,
      options.idempotencyKey ? { 'idempotency-key': options.idempotencyKey } : {}
    );
  }

  /** One page of the visible molecules containing a SMARTS pattern (pass nextCursor for the next). */
  substructure(
    smarts: string,
    options: { limit?: number; cursor?: string } = {}
  ): Promise<SubstructureHits> {
    return this.transport.request(
      'GET',
      Transport.path('/api/molecules/search/substructure', {
        smarts,
        limit: options.limit,
        cursor: options.cursor
      }),
      SubstructureHitsSchema
    );
  }

  /** Every visible molecule containing a SMARTS pattern, page by page. */
  substructureAll(smarts: string, options: { pageSize?: number } = {}): AsyncGenerator<Molecule> {
    return this.transport.paginate(
      '/api/molecules/search/substructure',
      { smarts, limit: options.pageSize ?? 100 },
      SubstructureHitsSchema
    );
  }

  /** The k visible molecules most similar to a structure (Tanimoto, Morgan r=2, 2048 bits). */
  similar(
    structure: string,
    options: { k?: number; minSimilarity?: number } = {}
  ): Promise<SimilarityHits> {
    return this.transport.request(
      'GET',
      Transport.path('/api/molecules/search/similar', { structure, ...options }),
      SimilarityHitsSchema
    );
  }

  /** SVG of a molecule, optionally highlighting a SMARTS. */
  depiction(
    id: string,
    options: { highlight?: string; width?: number; height?: number } = {}
  ): Promise<string> {
    return this.transport.requestText(
      Transport.path(`${at('/api/molecules', id)}/depiction.svg`, options)
    );
  }
}

/** Mixtures of registered molecules (water is the balance), with their canonical composition. */
export class MixturesApi {
  constructor(private readonly transport: Transport) {}

  create(mixture: CreateMixture): Promise<MixtureRecord> {
    return this.transport.request('POST', '/api/mixtures', MixtureRecordSchema, mixture);
  }

  get(id: string): Promise<MixtureRecord> {
    return this.transport.request('GET', at('/api/mixtures', id), MixtureRecordSchema);
  }

  /** Every visible mixture whose name contains `q`, page by page. */
  list(query: { q?: string; pageSize?: number } = {}): AsyncGenerator<MixtureRecord> {
    return this.transport.paginate(
      '/api/mixtures',
      { q: query.q, limit: query.pageSize ?? 100 },
      MixtureRecordPageSchema
    );
  }

  /** One page of the visible mixtures whose name contains `q`. */
  page(query: { q?: string } & PageQuery = {}): Promise<Page<MixtureRecord>> {
    return this.transport.page(
      '/api/mixtures',
      { q: query.q, limit: query.limit, cursor: query.cursor },
      MixtureRecordPageSchema
    );
  }

  /** Rename, describe or share; the components never change. */
  update(id: string, changes: UpdateMixture): Promise<MixtureRecord> {
    return this.transport.request('PATCH', at('/api/mixtures', id), MixtureRecordSchema, changes);
  }

  delete(id: string): Promise<void> {
    return this.transport.requestEmpty('DELETE', at('/api/mixtures', id));
  }
}
