import {
  BatchMeasurementReportSchema,
  ExperimentPageSchema,
  ExperimentSchema,
  MeasurementPageSchema,
  MeasurementSchema,
  PropertyTypeListSchema,
  PropertyTypeSchema,
  ReferencePageSchema,
  ReferenceSchema,
  SavedMeasurementSchema,
  type BatchMeasurementReport,
  type BatchMeasurements,
  type CreateExperiment,
  type CreateMeasurement,
  type CreateReference,
  type Experiment,
  type Measurement,
  type MeasurementQuery,
  type PropertyType,
  type Reference,
  type SavedMeasurement,
  type UpdateExperiment,
  type UpdateMeasurement,
  type UpdateReference
} from '../records';
import { Transport, type Page, type PageQuery } from '../transport';

const at = (base: string, id: string) => `${base}/${encodeURIComponent(id)}`;

/** Measured property types with their canonical and accepted units (read-only). */
export class PropertyTypesApi {
  constructor(private readonly transport: Transport) {}

  async list(): Promise<PropertyType[]> {
    return (await this.transport.request('GET', '/api/property-types', PropertyTypeListSchema))
      .items;
  }

  get(key: string): Promise<PropertyType> {
    return this.transport.request('GET', at('/api/property-types', key), PropertyTypeSchema);
  }
}

/** Literature references that measurements cite. */
export class ReferencesApi {
  constructor(private readonly transport: Transport) {}

  create(reference: CreateReference): Promise<Reference> {
    return this.transport.request('POST', '/api/references', ReferenceSchema, reference);
  }

  get(id: string): Promise<Reference> {
    return this.transport.request('GET', at('/api/references', id), ReferenceSchema);
  }

  update(id: string, changes: UpdateReference): Promise<Reference> {
    return this.transport.request('PATCH', at('/api/references', id), ReferenceSchema, changes);
  }

  /** Refused (409) while measurements cite the reference. */
  delete(id: string): Promise<void> {
    return this.transport.requestEmpty('DELETE', at('/api/references', id));
  }

  /** Every visible reference whose citation or DOI contains `q`, page by page. */
  list(query: { q?: string; pageSize?: number } = {}): AsyncGenerator<Reference> {
    return this.transport.paginate(
      '/api/references',
      { q: query.q, limit: query.pageSize ?? 100 },
      ReferencePageSchema
    );
  }

  /** One page of the visible references whose citation or DOI contains `q`. */
  page(query: { q?: string } & PageQuery = {}): Promise<Page<Reference>> {
    return this.transport.page(
      '/api/references',
      { q: query.q, limit: query.limit, cursor: query.cursor },
      ReferencePageSchema
    );
  }
}

/** Experiments: the lab provenance of measurements. */
export class ExperimentsApi {
  constructor(private readonly transport: Transport) {}

  create(experiment: CreateExperiment): Promise<Experiment> {
    return this.transport.request('POST', '/api/experiments', ExperimentSchema, experiment);
  }

  get(id: string): Promise<Experiment> {
    return this.transport.request('GET', at('/api/experiments', id), ExperimentSchema);
  }

  update(id: string, changes: UpdateExperiment): Promise<Experiment> {
    return this.transport.request('PATCH', at('/api/experiments', id), ExperimentSchema, changes);
  }

  /** Refused (409) while measurements refer to the experiment. */
  delete(id: string): Promise<void> {
    return this.transport.requestEmpty('DELETE', at('/api/experiments', id));
  }

  list(query: { q?: string; pageSize?: number } = {}): AsyncGenerator<Experiment> {
    return this.transport.paginate(
      '/api/experiments',
      { q: query.q, limit: query.pageSize ?? 100 },
      ExperimentPageSchema
    );
  }
}

/** Measured values of molecules and mixtures, with units checked and converted by the server. */
export class MeasurementsApi {
  constructor(private readonly transport: Transport) {}

  /** The answer says how a value in a convertible unit was converted (conversion). */
  create(measurement: CreateMeasurement): Promise<SavedMeasurement> {
    return this.transport.request('POST', '/api/measurements', SavedMeasurementSchema, measurement);
  }

  get(id: string): Promise<Measurement> {
    return this.transport.request('GET', at('/api/measurements', id), MeasurementSchema);
  }

  update(id: string, changes: UpdateMeasurement): Promise<SavedMeasurement> {
    return this.transport.request(
      'PATCH',
      at('/api/measurements', id),
      SavedMeasurementSchema,
      changes
    );
  }

  /** Refused (409) while a verification refers to the measurement. */
  delete(id: string): Promise<void> {
    return this.transport.requestEmpty('DELETE', at('/api/measurements', id));
  }

  /** Every visible measurement matching the filters, page by page. */
  list(query: MeasurementQuery & { pageSize?: number } = {}): AsyncGenerator<Measurement> {
    const { pageSize, ...filters } = query;
    return this.transport.paginate(
      '/api/measurements',
      { ...filters, limit: pageSize ?? 200 },
      MeasurementPageSchema
    );
  }

  /** Visible measurements of one molecule. */
  ofMolecule(moleculeId: string, pageSize = 200): AsyncGenerator<Measurement> {
    return this.transport.paginate(
      `${at('/api/molecules', moleculeId)}/measurements`,
      { limit: pageSize },
      MeasurementPageSchema
    );
  }

  /**
   * Import many rows: with dryRun a row-by-row report, otherwise one all-or-nothing write. Give
   * an idempotencyKey so a retried import after a network failure never writes twice.
   */
  batch(
    batch: BatchMeasurements,
    options: { idempotencyKey?: string } = {}
  ): Promise<BatchMeasurementReport> {
    return this.transport.request(
      'POST',
      '/api/measurements/batch',
      BatchMeasurementReportSchema,
      batch,
      options.idempotencyKey ? { 'idempotency-key': options.idempotencyKey } : {}
    );
  }
}
