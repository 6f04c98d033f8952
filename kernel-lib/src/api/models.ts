import { z } from 'zod';
import { SNAPSHOT_COLUMN_TYPES } from '../datasets/canonical';
import { UuidSchema, VisibilitySchema, pageSchema } from './schemas';
import { ConditionsSchema } from './records';
import {
  JSON_FIELD_MAX_DEPTH,
  JsonObjectSchema,
  JsonValueSchema,
  jsonDepth,
  queryInteger,
  queryLimit,
  CursorSchema,
  DateTimeSchema
} from './limits';

/**
 * Shapes of the model side of the API: datasets and their immutable snapshots (training data),
 * model versions trained on a snapshot, predictions of a model version, and their lab
 * verification (requested -> in_progress -> measured -> verified | rejected).
 */

const ListQuery = {
  limit: queryLimit(200, 50),
  cursor: CursorSchema.optional()
};

const Owned = {
  visibility: VisibilitySchema,
  projectId: UuidSchema.nullable(),
  ownerId: UuidSchema,
  createdAt: z.string().describe('ISO 8601')
};

// ---------------------------------------------------------------------------- datasets

export const CreateDatasetSchema = z.strictObject({
  name: z.string().min(1).max(500),
  description: z.string().max(10_000).default(''),
  visibility: VisibilitySchema.default('private'),
  projectId: UuidSchema.optional().describe('required when visibility is project')
});
export type CreateDataset = z.input<typeof CreateDatasetSchema>;

export const UpdateDatasetSchema = z
  .strictObject({
    name: z.string().min(1).max(500).optional(),
    description: z.string().max(10_000).optional(),
    visibility: VisibilitySchema.optional(),
    projectId: UuidSchema.nullable()
      .optional()
      .describe('null detaches the dataset from its project')
  })
  .strict();
export type UpdateDataset = z.input<typeof UpdateDatasetSchema>;

export const SnapshotColumnSchema = z.object({
  name: z.string().min(1).max(200),
  type: z.enum(SNAPSHOT_COLUMN_TYPES)
});

export const SnapshotSummarySchema = z.object({
  id: UuidSchema,
  datasetId: UuidSchema,
  contentHash: z
    .string()
    .regex(/^[0-9a-f]{64}$/)
    .describe('SHA-256 of the canonical serialization (cryoprotect-snapshot/1, see snapshotHash)'),
  rowCount: z.number().int(),
  columns: z.array(SnapshotColumnSchema),
  source: z
    .unknown()
    .describe('how the rows were chosen: {"fromMeasurements": filters} or {"upload": true}'),
  createdBy: UuidSchema,
  createdAt: z.string()
});
export type SnapshotSummary = z.infer<typeof SnapshotSummarySchema>;

export const DatasetSchema = z.object({
  id: UuidSchema,
  name: z.string(),
  description: z.string(),
  ...Owned,
  snapshots: z.array(SnapshotSummarySchema).describe('oldest first')
});
export type Dataset = z.infer<typeof DatasetSchema>;
export const DatasetPageSchema = pageSchema(DatasetSchema);

export const DatasetQuerySchema = z.object({
  q: z.string().max(200).optional().describe('text in the name (case-insensitive)'),
  ...ListQuery
});

// ---------------------------------------------------------------------------- snapshots

/** The most rows one snapshot may hold; larger requests get 413. */
export const MAX_SNAPSHOT_ROWS = 100_000;

export const MeasurementFiltersSchema = z
  .object({
    propertyType: z
      .string()
      .regex(/^[a-z][a-z0-9_]*$/)
      .describe('key of the measured property, e.g. glass_transition'),
    verifiedOnly: z.boolean().default(false).describe('only measurements verified in the lab'),
    subject: z
      .enum(['any', 'molecule', 'mixture'])
      .default('any')
      .describe('measurements of pure molecules, of mixtures, or both'),
    moleculeIds: z.array(UuidSchema).max(10_000).optional(),
    mixtureIds: z.array(UuidSchema).max(10_000).optional(),
    projectId: UuidSchema.optional().describe('only measurements of this project'),
    referenceId: UuidSchema.optional(),
    experimentId: UuidSchema.optional()
  })
  .strict();
export type MeasurementFilters = z.input<typeof MeasurementFiltersSchema>;

/**
 * Columns of a snapshot taken from measurements, in this order. `components` lists a mixture's
 * components ([{inchikey, smiles, amount, unit, role}], by InChIKey) so a model can featurize
 * mixtures offline; the structure columns are null where the molecule is not visible to you.
 */
export const MEASUREMENT_SNAPSHOT_COLUMNS = [
  { name: 'measurement_id', type: 'text' },
  { name: 'property_type', type: 'text' },
  { name: 'molecule_id', type: 'text' },
  { name: 'inchikey', type: 'text' },
  { name: 'smiles', type: 'text' },
  { name: 'mixture_id', type: 'text' },
  { name: 'components', type: 'json' },
  { name: 'value', type: 'number' },
  { name: 'unit', type: 'text' },
  { name: 'uncertainty', type: 'number' },
  { name: 'conditions', type: 'json' },
  { name: 'method', type: 'text' },
  { name: 'verified', type: 'boolean' },
  { name: 'reference_id', type: 'text' },
  { name: 'experiment_id', type: 'text' }
] as const;

/**
 * Either a table ({columns, rows}) or a selection of the measurements visible to you
 * ({fromMeasurements}); exactly one of the two.
 */
export const CreateSnapshotSchema = z
  .strictObject({
    columns: z.array(SnapshotColumnSchema.strict()).min(1).max(1000).optional(),
    rows: z
      .array(z.array(z.unknown()))
      .superRefine((rows, ctx) => {
        // Each cell is free-form JSON two levels below the rows themselves.
        if (jsonDepth(rows) > JSON_FIELD_MAX_DEPTH) {
          ctx.addIssue({
            code: 'custom',
            message: `cells nested deeper than ${JSON_FIELD_MAX_DEPTH - 2} levels of arrays and objects`
          });
        }
      })
      .optional()
      .describe(`cells aligned with columns; at most ${MAX_SNAPSHOT_ROWS} rows`),
    fromMeasurements: MeasurementFiltersSchema.strict().optional()
  })
  .strict();
export type CreateSnapshot = z.input<typeof CreateSnapshotSchema>;

export const SnapshotSchema = SnapshotSummarySchema.extend({
  rows: z.array(z.array(z.unknown())).describe('in canonical order (sorted by canonical text)')
});
export type Snapshot = z.infer<typeof SnapshotSchema>;

export const SnapshotCreatedSchema = SnapshotSchema.extend({
  existing: z
    .boolean()
    .describe('true when the dataset already had a snapshot with this content: it is returned')
});
export type SnapshotCreated = z.infer<typeof SnapshotCreatedSchema>;

// ---------------------------------------------------------------------------- model versions

const VersionText = z.string().min(1).max(200);

export const RegisterModelSchema = z.strictObject({
  name: z
    .string()
    .regex(/^[A-Za-z0-9][A-Za-z0-9_.-]{0,199}$/)
    .describe('versions are numbered per (owner, name) by the server: 1, 2, ...'),
  snapshotId: UuidSchema.describe('the training data: a snapshot visible to you'),
  targetPropertyType: z
    .string()
    .regex(/^[a-z][a-z0-9_]*$/)
    .describe('property type key'),
  learner: z.string().min(1).max(200).describe('e.g. gaussian-process, random-forest, mlp'),
  featurizerVersion: VersionText,
  kernelVersion: VersionText.describe('@cryoprotect/kernel version that trained the model'),
  rdkitVersion: VersionText,
  tfjsVersion: VersionText.optional(),
  backend: z.string().min(1).max(100).optional().describe('e.g. tfjs-node, wasm, cpu'),
  params: JsonObjectSchema.default({}).describe('hyperparameters'),
  seed: z
    .number()
    .int()
    .min(-(2 ** 53) + 1)
    .max(2 ** 53 - 1),
  metrics: JsonObjectSchema.default({}).describe(
    'validation metrics, e.g. {"rmse": ..., "r2": ..., "split": "scaffold"}'
  ),
  codeCommit: z
    .string()
    .regex(/^[0-9a-f]{7,40}$/)
    .optional(),
  artifact: JsonValueSchema.optional().describe(
    'the trained model (weights or where they are), JSON; at most the body limit'
  ),
  visibility: VisibilitySchema.default('private'),
  projectId: UuidSchema.optional().describe('required when visibility is project')
});
export type RegisterModel = z.input<typeof RegisterModelSchema>;

export const ProportionIntervalSchema = z.object({
  lower: z.number(),
  upper: z.number(),
  confidence: z.number(),
  method: z.literal('Clopper-Pearson exact')
});

/** Error and coverage of a model version over the verified measurements of its predictions. */
export const RealCoverageSchema = z.object({
  count: z.number().int().describe('verified predictions counted'),
  mae: z.number().nullable().describe("in the target's unit"),
  rmse: z.number().nullable(),
  withInterval: z.number().int(),
  covered: z.number().int().describe('measured values inside the predicted interval'),
  coverage: z.number().nullable().describe('covered / withInterval'),
  coverageInterval: ProportionIntervalSchema.nullable(),
  promisedLevel: z.number().nullable().describe('the level the intervals promised'),
  belowPromise: z
    .boolean()
    .describe('true when even the upper confidence bound is below the promised level')
});
export type RealCoverageSummary = z.infer<typeof RealCoverageSchema>;

export const ModelVersionSchema = z.object({
  id: UuidSchema,
  name: z.string(),
  version: z.number().int(),
  snapshotId: UuidSchema,
  snapshotHash: z.string().describe('content hash of the training snapshot'),
  datasetId: UuidSchema,
  targetPropertyType: z.string(),
  targetUnit: z.string().describe('canonical unit of the target: predictions are in it'),
  learner: z.string(),
  featurizerVersion: z.string(),
  kernelVersion: z.string(),
  rdkitVersion: z.string(),
  tfjsVersion: z.string().nullable(),
  backend: z.string().nullable(),
  params: z.record(z.string(), z.unknown()),
  seed: z.number().int(),
  metrics: z.record(z.string(), z.unknown()),
  codeCommit: z.string().nullable(),
  artifact: z.unknown(),
  ...Owned,
  realCoverage: RealCoverageSchema.nullable().describe(
    'how its intervals held on the verified measurements of its predictions (null before any)'
  )
});
export type ModelVersion = z.infer<typeof ModelVersionSchema>;
export const ModelVersionPageSchema = pageSchema(ModelVersionSchema);

export const ModelQuerySchema = z.object({
  name: z.string().max(200).optional().describe('exact model name'),
  targetPropertyType: z.string().max(200).optional(),
  ownerId: UuidSchema.optional(),
  ...ListQuery
});

export const ModelByVersionParamsSchema = z.object({
  name: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_.-]{0,199}$/),
  version: z
    .union([z.literal('latest'), queryInteger(1, 2_147_483_647)])
    .describe('a version number, or latest')
});

export const ModelByVersionQuerySchema = z.object({
  ownerId: UuidSchema.optional().describe(
    'whose model; default: yours if you have one of that name, else the only visible one'
  )
});

// ---------------------------------------------------------------------------- predictions

/** How far the subject lies from the model's training data (see models/validation/adaptive.ts). */
const NoveltySchema = z
  .number()
  .nonnegative()
  .describe(
    "mean standardized distance to the model's 5 nearest training rows; null when not recorded (older clients, models without adaptive intervals)"
  );
const InDomainSchema = z
  .boolean()
  .describe(
    'false outside the applicability domain: novelty above the 99th percentile of the out-of-fold distances of cross-validation, farther from the training data than cross-validation ever tested (the interval is wider but less to be trusted); null when not recorded'
  );

export const PredictionItemSchema = z.object({
  moleculeId: UuidSchema.optional(),
  mixtureId: UuidSchema.optional(),
  conditions: ConditionsSchema.default({}),
  value: z.number().describe("in the model target's canonical unit"),
  lower: z.number().optional(),
  upper: z.number().optional(),
  intervalLevel: z
    .number()
    .gt(0)
    .lt(1)
    .optional()
    .describe('coverage of [lower, upper], e.g. 0.95'),
  novelty: NoveltySchema.nullable().optional(),
  inDomain: InDomainSchema.nullable().optional()
});

export const CreatePredictionsSchema = z.strictObject({
  modelVersionId: UuidSchema,
  items: z.array(PredictionItemSchema.strict()).min(1).max(5000),
  visibility: VisibilitySchema.default('private'),
  projectId: UuidSchema.optional().describe('required when visibility is project')
});
export type CreatePredictions = z.input<typeof CreatePredictionsSchema>;

export const PredictionSchema = z.object({
  id: UuidSchema,
  modelVersionId: UuidSchema,
  moleculeId: UuidSchema.nullable(),
  mixtureId: UuidSchema.nullable(),
  conditions: z.record(z.string(), z.unknown()),
  value: z.number(),
  lower: z.number().nullable(),
  upper: z.number().nullable(),
  intervalLevel: z.number().nullable(),
  novelty: NoveltySchema.nullable(),
  inDomain: InDomainSchema.nullable(),
  ...Owned
});
export type Prediction = z.infer<typeof PredictionSchema>;
export const PredictionPageSchema = pageSchema(PredictionSchema);
export const PredictionsCreatedSchema = z.object({ items: z.array(PredictionSchema) });

export const PredictionQuerySchema = z.object({
  modelVersionId: UuidSchema.optional(),
  moleculeId: UuidSchema.optional(),
  mixtureId: UuidSchema.optional(),
  ...ListQuery
});

// ---------------------------------------------------------------------------- verifications

export const VERIFICATION_STATES = [
  'requested',
  'in_progress',
  'measured',
  'verified',
  'rejected'
] as const;
export const VerificationStateSchema = z.enum(VERIFICATION_STATES);
export type VerificationState = z.infer<typeof VerificationStateSchema>;

/** The legal next states of each state (the database trigger enforces the same). */
export const VERIFICATION_TRANSITIONS: Record<VerificationState, VerificationState[]> = {
  requested: ['in_progress'],
  in_progress: ['measured'],
  measured: ['verified', 'rejected'],
  verified: [],
  rejected: []
};

/** The actions a verification can offer, each the endpoint POST /api/verifications/:id/<action>. */
export const VERIFICATION_ACTIONS = ['start', 'measured', 'verify', 'reject'] as const;
export type VerificationAction = (typeof VERIFICATION_ACTIONS)[number];

const DateOnly = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/, 'must be a date, YYYY-MM-DD')
  .refine(
    text =>
      !Number.isNaN(Date.parse(`${text}T00:00:00Z`)) &&
      new Date(`${text}T00:00:00Z`).toISOString().startsWith(text),
    'is not a calendar date'
  );

export const CreateVerificationSchema = z.strictObject({
  predictionId: UuidSchema,
  plannedExperiment: z.string().max(10_000).default(''),
  conditions: ConditionsSchema.default({}),
  assigneeId: UuidSchema.optional().describe(
    'who does the experiment (starts and records the measurement); must be able to read the prediction'
  ),
  dueOn: DateOnly.optional().describe('when the result is wanted (YYYY-MM-DD)'),
  visibility: VisibilitySchema.default('private'),
  projectId: UuidSchema.optional().describe('required when visibility is project')
});
export type CreateVerification = z.input<typeof CreateVerificationSchema>;

export const VerificationEventSchema = z.object({
  fromState: VerificationStateSchema.nullable(),
  toState: VerificationStateSchema,
  actorId: UuidSchema.nullable(),
  reason: z.string().nullable(),
  at: z.string()
});

/** The prediction a verification checks, with its model's identity. */
export const VerificationPredictionSchema = z.object({
  id: UuidSchema,
  modelVersionId: UuidSchema,
  modelName: z.string(),
  modelVersion: z.number().int(),
  targetPropertyType: z.string(),
  unit: z.string().describe("the target's canonical unit"),
  moleculeId: UuidSchema.nullable(),
  mixtureId: UuidSchema.nullable(),
  subjectName: z.string().nullable().describe('name of the molecule or mixture, when it has one'),
  smiles: z.string().nullable().describe('canonical SMILES of the molecule'),
  conditions: z.record(z.string(), z.unknown()),
  value: z.number(),
  lower: z.number().nullable(),
  upper: z.number().nullable(),
  intervalLevel: z.number().nullable(),
  novelty: NoveltySchema.nullable(),
  inDomain: InDomainSchema.nullable()
});
export type VerificationPrediction = z.infer<typeof VerificationPredictionSchema>;

/** The measurement recorded for a verification, in the target's canonical unit. */
export const VerificationMeasurementSchema = z.object({
  id: UuidSchema,
  value: z.number(),
  unit: z.string(),
  uncertainty: z.number().nullable(),
  method: z.string(),
  conditions: z.record(z.string(), z.unknown()),
  experimentId: UuidSchema.nullable(),
  equipment: z.string().nullable(),
  replicates: z.number().int().nullable(),
  performedAt: z.string().nullable(),
  ownerId: UuidSchema
});
export type VerificationMeasurement = z.infer<typeof VerificationMeasurementSchema>;

export const VerificationSchema = z.object({
  id: UuidSchema,
  predictionId: UuidSchema,
  state: VerificationStateSchema,
  plannedExperiment: z.string(),
  conditions: z.record(z.string(), z.unknown()),
  assigneeId: UuidSchema.nullable(),
  measurementId: UuidSchema.nullable(),
  measuredBy: UuidSchema.nullable(),
  reviewedBy: UuidSchema.nullable(),
  reviewReason: z.string().nullable(),
  dueOn: z.string().nullable().describe('YYYY-MM-DD'),
  updatedAt: z.string(),
  ...Owned,
  events: z.array(VerificationEventSchema).describe('the history, oldest first'),
  allowedActions: z
    .array(z.enum(VERIFICATION_ACTIONS))
    .describe('what you (the caller) may do next; anything else is refused'),
  prediction: VerificationPredictionSchema.nullable().describe(
    'what was predicted (null when the prediction is no longer visible to you)'
  ),
  measurement: VerificationMeasurementSchema.nullable().describe(
    'the measurement recorded (null before measured, or when not visible to you)'
  ),
  people: z
    .record(z.string(), z.string())
    .describe('user id -> username of the owner, assignee, measurer, reviewer and event actors')
});
export type Verification = z.infer<typeof VerificationSchema>;
export const VerificationPageSchema = pageSchema(VerificationSchema);

export const VERIFICATION_ROLES = ['assigned', 'requested', 'project'] as const;
export type VerificationRole = (typeof VERIFICATION_ROLES)[number];

export const VerificationQuerySchema = z.object({
  state: VerificationStateSchema.optional(),
  predictionId: UuidSchema.optional(),
  role: z
    .enum(VERIFICATION_ROLES)
    .optional()
    .describe(
      'assigned: assigned to you; requested: requested by you; project: in projects you are a member of'
    ),
  modelVersionId: UuidSchema.optional().describe(
    "only verifications of this model version's predictions"
  ),
  modelName: z
    .string()
    .max(200)
    .optional()
    .describe('only verifications of predictions by models of this name'),
  ...ListQuery
});

/**
 * A measurement made for a verification, recorded with the step: its property type is the model's
 * target and its subject the prediction's; the value may be sent in any unit convertible to the
 * canonical one. The experiment (method, equipment, replicates, when) is recorded beside it.
 */
export const VerificationMeasurementInputSchema = z.strictObject({
  value: z.number().describe('in unit'),
  unit: z
    .string()
    .min(1)
    .max(50)
    .describe("the target's canonical unit or an exactly convertible one"),
  uncertainty: z.number().nonnegative().optional().describe('in unit, like value'),
  replicates: z.number().int().min(1).max(100_000).optional(),
  method: z.string().max(5000).default(''),
  equipment: z.string().max(2000).default(''),
  conditions: ConditionsSchema.default({}),
  note: z.string().max(10_000).default(''),
  performedAt: DateTimeSchema.optional()
});
export type VerificationMeasurementInput = z.input<typeof VerificationMeasurementInputSchema>;

/**
 * Exactly one of the two. One object rather than a union, so that a wrong field inside the
 * measurement is reported at its own path (a union reports only that no branch fitted).
 */
export const RecordMeasuredSchema = z
  .strictObject({
    measurementId: UuidSchema.optional().describe(
      'an existing measurement you recorded for this verification: same property and subject as the prediction, shared as the verification is'
    ),
    measurement: VerificationMeasurementInputSchema.optional().describe(
      'the measurement made, recorded with this step'
    )
  })
  .superRefine((body, context) => {
    const given = [body.measurementId, body.measurement].filter(v => v !== undefined).length;
    if (given !== 1) {
      context.addIssue({
        code: 'custom',
        path: [given === 0 ? 'measurement' : 'measurementId'],
        message:
          given === 0
            ? 'give the measurement made (or measurementId, one you recorded)'
            : 'give either measurement or measurementId, not both'
      });
    }
  });
export type RecordMeasured = z.input<typeof RecordMeasuredSchema>;
export const RejectVerificationSchema = z.strictObject({
  reason: z.string().trim().min(1).max(10_000)
});

// ---------------------------------------------------------------------------- real coverage

export const VerifiedPredictionSchema = z.object({
  verificationId: UuidSchema,
  predictionId: UuidSchema,
  measurementId: UuidSchema,
  moleculeId: UuidSchema.nullable(),
  mixtureId: UuidSchema.nullable(),
  subjectName: z.string().nullable(),
  predicted: z.number(),
  lower: z.number().nullable(),
  upper: z.number().nullable(),
  level: z.number().nullable(),
  measured: z.number(),
  verifiedAt: z.string().describe('ISO 8601: when the verification became verified')
});
export type VerifiedPrediction = z.infer<typeof VerifiedPredictionSchema>;

export const ModelCoverageSchema = z.object({
  modelVersionId: UuidSchema,
  name: z.string(),
  version: z.number().int(),
  targetPropertyType: z.string(),
  unit: z.string(),
  confidence: z.number(),
  overall: RealCoverageSchema,
  byMonth: z
    .array(RealCoverageSchema.extend({ month: z.string().describe('YYYY-MM, UTC') }))
    .describe('cumulative: everything verified up to the end of each month'),
  results: z.array(VerifiedPredictionSchema).describe('oldest verification first')
});
export type ModelCoverage = z.infer<typeof ModelCoverageSchema>;

export const ModelCoverageQuerySchema = z.object({
  ownerId: UuidSchema.optional().describe(
    'whose model (as in GET /api/models/:name/versions/:version)'
  ),
  confidence: z.coerce
    .number()
    .gt(0)
    .lt(1)
    .default(0.95)
    .describe('confidence of the binomial interval')
});
