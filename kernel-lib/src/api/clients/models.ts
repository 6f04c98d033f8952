import {
  DatasetPageSchema,
  DatasetSchema,
  ModelCoverageSchema,
  ModelVersionPageSchema,
  ModelVersionSchema,
  PredictionPageSchema,
  PredictionSchema,
  PredictionsCreatedSchema,
  SnapshotCreatedSchema,
  SnapshotSchema,
  VerificationPageSchema,
  VerificationSchema,
  type CreateDataset,
  type CreatePredictions,
  type CreateSnapshot,
  type CreateVerification,
  type Dataset,
  type ModelCoverage,
  type ModelVersion,
  type Prediction,
  type RegisterModel,
  type Snapshot,
  type SnapshotCreated,
  type UpdateDataset,
  type RecordMeasured,
  type Verification,
  type VerificationMeasurementInput,
  type VerificationRole,
  type VerificationState
} from '../models';
import { Transport, type Page, type PageQuery } from '../transport';

const at = (path: string, id: string | number) => `${path}/${encodeURIComponent(String(id))}`;

/** Datasets: named collections of immutable snapshots (training data). */
export class DatasetsApi {
  constructor(private readonly transport: Transport) {}

  create(dataset: CreateDataset): Promise<Dataset> {
    return this.transport.request('POST', '/api/datasets', DatasetSchema, dataset);
  }

  /** One dataset with summaries of its snapshots. */
  get(id: string): Promise<Dataset> {
    return this.transport.request('GET', at('/api/datasets', id), DatasetSchema);
  }

  /** Every visible dataset whose name contains `q`, page by page. */
  list(query: { q?: string; pageSize?: number } = {}): AsyncGenerator<Dataset> {
    return this.transport.paginate(
      '/api/datasets',
      { q: query.q, limit: query.pageSize ?? 100 },
      DatasetPageSchema
    );
  }

  /** One page of the visible datasets whose name contains `q`. */
  page(query: { q?: string } & PageQuery = {}): Promise<Page<Dataset>> {
    return this.transport.page(
      '/api/datasets',
      { q: query.q, limit: query.limit, cursor: query.cursor },
      DatasetPageSchema
    );
  }

  update(id: string, changes: UpdateDataset): Promise<Dataset> {
    return this.transport.request('PATCH', at('/api/datasets', id), DatasetSchema, changes);
  }

  /** Only a dataset without snapshots can be deleted (409 otherwise). */
  delete(id: string): Promise<void> {
    return this.transport.requestEmpty('DELETE', at('/api/datasets', id));
  }
}

/** Snapshots: immutable tables identified by their content hash (see snapshotHash). */
export class SnapshotsApi {
  constructor(private readonly transport: Transport) {}

  /** Freeze a table or a selection of measurements; the same content again returns the existing snapshot. */
  create(datasetId: string, snapshot: CreateSnapshot): Promise<SnapshotCreated> {
    return this.transport.request(
      'POST',
      `${at('/api/datasets', datasetId)}/snapshots`,
      SnapshotCreatedSchema,
      snapshot
    );
  }

  /** One snapshot with its rows (in canonical order). */
  get(id: string): Promise<Snapshot> {
    return this.transport.request('GET', at('/api/snapshots', id), SnapshotSchema);
  }

  /** The visible snapshot with this content hash (the oldest, if several datasets hold it). */
  getByHash(hash: string): Promise<Snapshot> {
    return this.transport.request('GET', at('/api/snapshots/by-hash', hash), SnapshotSchema);
  }
}

/** Model versions: immutable records of a trained model and how it was trained. */
export class ModelsApi {
  constructor(private readonly transport: Transport) {}

  /** Register a trained model; the server numbers versions per (owner, name). */
  register(model: RegisterModel): Promise<ModelVersion> {
    return this.transport.request('POST', '/api/models', ModelVersionSchema, model);
  }

  get(id: string): Promise<ModelVersion> {
    return this.transport.request('GET', at('/api/models', id), ModelVersionSchema);
  }

  /** Load a model by name and version number (or the latest version). */
  getVersion(
    name: string,
    version: number | 'latest' = 'latest',
    options: { ownerId?: string } = {}
  ): Promise<ModelVersion> {
    return this.transport.request(
      'GET',
      Transport.path(`${at('/api/models', name)}/versions/${encodeURIComponent(version)}`, {
        ownerId: options.ownerId
      }),
      ModelVersionSchema
    );
  }

  list(
    query: { name?: string; targetPropertyType?: string; ownerId?: string; pageSize?: number } = {}
  ): AsyncGenerator<ModelVersion> {
    return this.transport.paginate(
      '/api/models',
      {
        name: query.name,
        targetPropertyType: query.targetPropertyType,
        ownerId: query.ownerId,
        limit: query.pageSize ?? 100
      },
      ModelVersionPageSchema
    );
  }

  /** One page of the visible model versions (name is exact, as in list). */
  page(
    query: { name?: string; targetPropertyType?: string; ownerId?: string } & PageQuery = {}
  ): Promise<Page<ModelVersion>> {
    return this.transport.page(
      '/api/models',
      {
        name: query.name,
        targetPropertyType: query.targetPropertyType,
        ownerId: query.ownerId,
        limit: query.limit,
        cursor: query.cursor
      },
      ModelVersionPageSchema
    );
  }

  /**
   * Real coverage of a model version: the verified measurements of its predictions, MAE, RMSE and
   * the share inside the predicted intervals with a binomial confidence interval, overall and
   * cumulative by month.
   */
  coverage(
    name: string,
    version: number | 'latest' = 'latest',
    options: { ownerId?: string; confidence?: number } = {}
  ): Promise<ModelCoverage> {
    return this.transport.request(
      'GET',
      Transport.path(
        `${at('/api/models', name)}/versions/${encodeURIComponent(version)}/coverage`,
        { ownerId: options.ownerId, confidence: options.confidence }
      ),
      ModelCoverageSchema
    );
  }

  /** Only a model version without predictions can be deleted (409 otherwise). */
  delete(id: string): Promise<void> {
    return this.transport.requestEmpty('DELETE', at('/api/models', id));
  }
}

/** Predictions of a model version, stored one batch per transaction. */
export class PredictionsApi {
  constructor(private readonly transport: Transport) {}

  create(batch: CreatePredictions): Promise<Prediction[]> {
    return this.transport
      .request('POST', '/api/predictions', PredictionsCreatedSchema, batch)
      .then(result => result.items);
  }

  get(id: string): Promise<Prediction> {
    return this.transport.request('GET', at('/api/predictions', id), PredictionSchema);
  }

  list(
    query: {
      modelVersionId?: string;
      moleculeId?: string;
      mixtureId?: string;
      pageSize?: number;
    } = {}
  ): AsyncGenerator<Prediction> {
    return this.transport.paginate(
      '/api/predictions',
      {
        modelVersionId: query.modelVersionId,
        moleculeId: query.moleculeId,
        mixtureId: query.mixtureId,
        limit: query.pageSize ?? 100
      },
      PredictionPageSchema
    );
  }

  /** One page of the visible predictions, optionally of one model version, molecule or mixture. */
  page(
    query: { modelVersionId?: string; moleculeId?: string; mixtureId?: string } & PageQuery = {}
  ): Promise<Page<Prediction>> {
    return this.transport.page(
      '/api/predictions',
      {
        modelVersionId: query.modelVersionId,
        moleculeId: query.moleculeId,
        mixtureId: query.mixtureId,
        limit: query.limit,
        cursor: query.cursor
      },
      PredictionPageSchema
    );
  }
}

/** Lab verification of predictions: requested -> in_progress -> measured -> verified | rejected. */
export class VerificationsApi {
  constructor(private readonly transport: Transport) {}

  request(verification: CreateVerification): Promise<Verification> {
    return this.transport.request('POST', '/api/verifications', VerificationSchema, verification);
  }

  /** One verification with its history. */
  get(id: string): Promise<Verification> {
    return this.transport.request('GET', at('/api/verifications', id), VerificationSchema);
  }

  list(query: VerificationListQuery & { pageSize?: number } = {}): AsyncGenerator<Verification> {
    return this.transport.paginate(
      '/api/verifications',
      { ...Private.verificationQuery(query), limit: query.pageSize ?? 100 },
      VerificationPageSchema
    );
  }

  /** One page of the verifications visible to you (for a queue that pages). */
  page(query: VerificationListQuery & PageQuery = {}): Promise<Page<Verification>> {
    return this.transport.page(
      '/api/verifications',
      { ...Private.verificationQuery(query), limit: query.limit, cursor: query.cursor },
      VerificationPageSchema
    );
  }

  start(id: string): Promise<Verification> {
    return this.transition(id, 'start', {});
  }

  /**
   * Record the measurement made for the verification: an existing measurement's id, or the
   * measurement itself (value and unit, uncertainty, replicates, method, equipment, conditions),
   * recorded in the same transaction as the step.
   */
  measured(id: string, measurement: string | VerificationMeasurementInput): Promise<Verification> {
    const body: RecordMeasured =
      typeof measurement === 'string' ? { measurementId: measurement } : { measurement };
    return this.transition(id, 'measured', body);
  }

  /** Accept the measurement (someone other than who measured); the measurement becomes verified. */
  verify(id: string): Promise<Verification> {
    return this.transition(id, 'verify', {});
  }

  reject(id: string, reason: string): Promise<Verification> {
    return this.transition(id, 'reject', { reason });
  }

  private transition(id: string, action: string, body: object): Promise<Verification> {
    return this.transport.request(
      'POST',
      `${at('/api/verifications', id)}/${action}`,
      VerificationSchema,
      body
    );
  }
}

/** Filters of the verification list: state, your role, model. */
export interface VerificationListQuery {
  state?: VerificationState;
  predictionId?: string;
  /** assigned to you, requested by you, or in your projects */
  role?: VerificationRole;
  modelVersionId?: string;
  modelName?: string;
}

namespace Private {
  export function verificationQuery(query: VerificationListQuery) {
    return {
      state: query.state,
      predictionId: query.predictionId,
      role: query.role,
      modelVersionId: query.modelVersionId,
      modelName: query.modelName
    };
  }
}
