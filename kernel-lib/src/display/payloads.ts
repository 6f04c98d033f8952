import { z } from 'zod';

import { DISPLAY_MIME } from './mime';

export { DISPLAY_MIME, type DisplayKind } from './mime';

/** A cited source of a value, as a reader of a methods section wants it. */
export const SourceSchema = z.object({
  citation: z.string(),
  doi: z.string().optional(),
  url: z.string().optional(),
  usedFor: z.string().optional()
});

/** A number with its unit; `digits` is how many significant figures it deserves. */
export const QuantitySchema = z.object({
  value: z.number(),
  unit: z.string(),
  digits: z.number().int().min(1).max(15).optional()
});

/** A column of a table: its key in each row, a title, the unit of its numbers. */
export const ColumnSchema = z.object({
  key: z.string(),
  title: z.string(),
  kind: z.enum(['text', 'number']),
  unit: z.string().optional(),
  /** Significant figures to show numbers with (the data keep full precision). */
  digits: z.number().int().min(1).max(15).optional(),
  description: z.string().optional()
});

const Cell = z.union([z.string(), z.number(), z.boolean(), z.null()]);

/** One named property of a molecule, with its unit and, for looked-up values, its source. */
export const PropertySchema = z.object({
  name: z.string(),
  value: Cell,
  unit: z.string().optional(),
  digits: z.number().int().min(1).max(15).optional(),
  source: z.string().optional()
});

export const MoleculePayloadSchema = z.object({
  /** Canonical SMILES: what renderers depict and what "copy as SMILES" copies. */
  smiles: z.string(),
  name: z.string().nullable(),
  /** The record's id in the database, when it is registered. */
  id: z.string().nullable(),
  inchikey: z.string().nullable(),
  /**
   * A SMARTS whose matches the depiction highlights (added after v1 was first published, hence
   * optional).
   */
  highlight: z.string().optional(),
  properties: z.array(PropertySchema)
});
export type MoleculePayload = z.infer<typeof MoleculePayloadSchema>;

/** The model a prediction, report or scored grid comes from. */
export const ModelRefSchema = z.object({
  name: z.string(),
  version: z.number().int().nullable(),
  learner: z.string().optional(),
  /** SHA-256 of the dataset snapshot it was trained on. */
  snapshot: z.string().optional()
});

/**
 * Molecules as a table (the grid): every row has a structure; `columns` describe the other
 * values (a score, properties with units). `rows` may hold fewer than `totalRows` when the
 * kernel capped them; renderers say so.
 */
export const MoleculesPayloadSchema = z.object({
  title: z.string().nullable(),
  /**
   * The model that scored the rows (a virtual screen's top hits), so that a renderer can offer to
   * predict a row with it. Added after v1 was first published, hence optional; absent when no
   * model scored them.
   */
  model: ModelRefSchema.optional(),
  columns: z.array(ColumnSchema),
  rows: z.array(
    z.object({
      smiles: z.string(),
      id: z.string().nullable(),
      name: z.string().nullable(),
      values: z.record(z.string(), Cell)
    })
  ),
  totalRows: z.number().int().min(0)
});
export type MoleculesPayload = z.infer<typeof MoleculesPayloadSchema>;

/** A plain data table, units in the column headers. */
export const TablePayloadSchema = z.object({
  title: z.string().nullable(),
  columns: z.array(ColumnSchema),
  rows: z.array(z.record(z.string(), Cell)),
  totalRows: z.number().int().min(0)
});
export type TablePayload = z.infer<typeof TablePayloadSchema>;

/** A computed property of a mixture: value, unit, the method and its sources, its limits. */
export const ComputedPropertySchema = z.object({
  name: z.string(),
  value: z.number(),
  unit: z.string(),
  digits: z.number().int().min(1).max(15).optional(),
  method: z.string(),
  equation: z.string().optional(),
  sources: z.array(SourceSchema),
  limits: z.array(z.string()),
  notes: z.array(z.string())
});

export const MixturePayloadSchema = z.object({
  name: z.string().nullable(),
  /** The mixture as a researcher writes it, e.g. "10 % w/w glycerol + 5 % w/w DMSO in water". */
  text: z.string(),
  temperature: QuantitySchema,
  components: z.array(
    z.object({
      name: z.string(),
      smiles: z.string(),
      role: z.string(),
      given: QuantitySchema.nullable(),
      molarMass: QuantitySchema,
      massFraction: z.number(),
      moleFraction: z.number(),
      molality: QuantitySchema,
      molarity: QuantitySchema.nullable(),
      /**
       * The amount in every concentration unit that could be computed (added after v1 was first
       * published, hence optional): a unit that needs a missing density is absent, with a note.
       */
      amounts: z.array(QuantitySchema).optional()
    })
  ),
  water: z.object({ massFraction: z.number(), moleFraction: z.number() }),
  solutionDensity: z
    .object({
      value: z.number(),
      unit: z.string(),
      method: z.string(),
      sources: z.array(z.string())
    })
    .nullable(),
  /** Osmolality, glass transition and any other computed property, each with its method. */
  properties: z.array(ComputedPropertySchema),
  notes: z.array(z.string())
});
export type MixturePayload = z.infer<typeof MixturePayloadSchema>;

export const PredictionPayloadSchema = z.object({
  property: z.object({ name: z.string(), unit: z.string() }),
  model: ModelRefSchema,
  /** Nominal coverage of the intervals (0.9 for 90 %), null when the model gives none. */
  intervalLevel: z.number().gt(0).lt(1).nullable(),
  digits: z.number().int().min(1).max(15).optional(),
  items: z.array(
    z.object({
      name: z.string().nullable(),
      smiles: z.string().nullable(),
      value: z.number(),
      lower: z.number().nullable(),
      upper: z.number().nullable(),
      /** Why this prediction deserves less trust, if it does (the domain has its own field). */
      warning: z.string().nullable(),
      /**
       * Mean standardized distance to the model's 5 nearest training rows (models/validation/
       * adaptive.ts); absent or null when the model gives none. Added after v1 was first
       * published, hence optional, like inDomain.
       */
      novelty: z.number().nonnegative().nullable().optional(),
      /**
       * False when the prediction lies outside the model's applicability domain: its novelty
       * exceeds domainThreshold, farther from the training data than cross-validation ever
       * tested. Absent or null when not known; renderers mark only false.
       */
      inDomain: z.boolean().nullable().optional()
    })
  ),
  /**
   * The novelty above which a prediction is outside the domain: the 99th percentile of the
   * out-of-fold distances of cross-validation (optional, added after v1 was first published).
   */
  domainThreshold: z.number().nonnegative().nullable().optional(),
  /**
   * How many items there were when the kernel kept fewer in `items` (added after v1 was first
   * published, hence optional; absent means `items` is complete). Renderers say so.
   */
  totalItems: z.number().int().min(0).optional()
});
export type PredictionPayload = z.infer<typeof PredictionPayloadSchema>;

/** A proportion's confidence interval, e.g. Clopper–Pearson exact at 95 %. */
export const CoverageIntervalSchema = z.object({
  lower: z.number().min(0).max(1),
  upper: z.number().min(0).max(1),
  confidence: z.number().gt(0).lt(1),
  method: z.string()
});

/** Error and interval coverage over a set of verified results (see realCoverage()). */
export const CoverageFiguresSchema = z.object({
  count: z.number().int().min(0),
  mae: z.number().nullable(),
  rmse: z.number().nullable(),
  /** Results that came with an interval, and of those, measured values inside it. */
  withInterval: z.number().int().min(0),
  covered: z.number().int().min(0),
  coverage: z.number().min(0).max(1).nullable(),
  coverageInterval: CoverageIntervalSchema.nullable(),
  /** The level the intervals promised; null without intervals or when their levels differ. */
  promisedLevel: z.number().gt(0).lt(1).nullable(),
  /** Even the upper confidence bound of the coverage is below the promised level. */
  belowPromise: z.boolean()
});

/**
 * Real coverage of a model version: how its predictions fared against measurements the lab then
 * made and a second person verified: overall, cumulative at the end of each month (oldest
 * first), each result, and a Vega-Lite plot of the monthly coverage with its confidence band
 * against the promised level (null when no result has an interval).
 */
export const CoveragePayloadSchema = z.object({
  model: ModelRefSchema,
  property: z.object({ name: z.string(), unit: z.string() }),
  /** Confidence of the binomial intervals (0.95). */
  confidence: z.number().gt(0).lt(1),
  overall: CoverageFiguresSchema,
  byMonth: z.array(CoverageFiguresSchema.extend({ month: z.string().regex(/^\d{4}-\d{2}$/) })),
  results: z.array(
    z.object({
      /** What was predicted (a molecule's or mixture's name), when known. */
      subject: z.string().nullable(),
      predicted: z.number(),
      lower: z.number().nullable(),
      upper: z.number().nullable(),
      level: z.number().gt(0).lt(1).nullable(),
      measured: z.number(),
      /** Measured value inside [lower, upper]; null without an interval. */
      inside: z.boolean().nullable(),
      /** ISO 8601: when the measurement was verified. */
      verifiedAt: z.string(),
      verificationId: z.string().nullable()
    })
  ),
  /** How many results there were when the kernel kept fewer in `results`. */
  totalResults: z.number().int().min(0),
  plot: z.object({ title: z.string(), spec: z.record(z.string(), z.unknown()) }).nullable(),
  notes: z.array(z.string())
});
export type CoveragePayload = z.infer<typeof CoveragePayloadSchema>;

/** Coverage (fraction of measured values inside) and mean width (the property's unit) of intervals. */
const IntervalCheckSchema = z.object({ coverage: z.number(), meanWidth: z.number() });

export const ModelReportPayloadSchema = z.object({
  model: ModelRefSchema,
  property: z.object({ name: z.string(), unit: z.string() }),
  validation: z.object({
    /** e.g. "5-fold cross-validation grouped by scaffold". */
    scheme: z.string(),
    folds: z.number().int().min(1),
    rows: z.number().int().min(0)
  }),
  metrics: z.array(
    z.object({
      name: z.string(),
      value: z.number(),
      unit: z.string().optional(),
      lower: z.number().nullable(),
      upper: z.number().nullable(),
      digits: z.number().int().min(1).max(15).optional(),
      /**
       * Nominal coverage of [lower, upper] (0.95) and how it was obtained ("bootstrap percentile,
       * 1000 resamples"); added after v1 was first published, hence optional.
       */
      intervalLevel: z.number().gt(0).lt(1).optional(),
      intervalMethod: z.string().optional()
    })
  ),
  coverage: z.object({ nominal: z.number(), observed: z.number() }).nullable(),
  importance: z.array(z.object({ feature: z.string(), mean: z.number(), std: z.number() })),
  /**
   * What `importance` measures and in which unit, e.g. "permutation importance: mean increase of
   * RMSE (K) over 5 shuffles per family, held-out folds" (added after v1, hence optional).
   */
  importanceMethod: z.string().optional(),
  /** Vega-Lite specs, data inlined. */
  plots: z.array(z.object({ title: z.string(), spec: z.record(z.string(), z.unknown()) })),
  notes: z.array(z.string()),
  /**
   * The registered version's real coverage on verified lab results, when the report was asked
   * for it; null: asked, but nothing verified yet (added after v1 was first published, hence
   * optional; absent means not asked).
   */
  realCoverage: CoveragePayloadSchema.nullable().optional(),
  /**
   * How the learner was chosen, when it was chosen among candidates: automatically (`cryoprotect
   * model train`'s default) or by a --search grid. The metrics are then a nested
   * cross-validation's. Added after v1 was first published, hence optional; absent when the learner
   * was named (or the model was saved before the choice was recorded this way).
   */
  selection: z
    .object({
      kind: z.enum(['auto', 'grid']),
      /** The choice in one line, e.g. "Chosen automatically: random forest, 100 trees, ... on the descriptors". */
      summary: z.string(),
      /** Why, in one sentence (as training wrote it, candidates in words); null when not kept. */
      why: z.string().nullable(),
      /** What the metrics are, said once: "Nested cross-validation: the choice made again inside each outer fold ...". */
      nested: z.string(),
      outerFolds: z.number().int().min(1),
      innerFolds: z.number().int().min(1),
      /** Every candidate, best cross-validated RMSE first. */
      candidates: z.array(
        z.object({
          learner: z.string(),
          features: z.string(),
          /** Cross-validated RMSE on all rows (the property's unit); null when undefined. */
          rmse: z.number().nullable(),
          chosen: z.boolean(),
          /** Outer folds whose inner loop chose it; null when not kept (a saved model). */
          innerChoices: z.number().int().min(0).nullable()
        })
      )
    })
    .optional(),
  /**
   * Locally adaptive prediction intervals: how they were checked against constant-width ones on
   * the out-of-fold predictions, overall and by novelty, and the applicability domain. Added after
   * v1 was first published, hence optional; absent for a model with constant intervals only.
   */
  intervals: z
    .object({
      level: z.number().gt(0).lt(1),
      /** How an interval is made, in words. */
      method: z.string(),
      overall: z
        .object({
          count: z.number().int().min(0),
          /** Constant-width intervals on the same predictions; null when not kept (a saved model). */
          constant: IntervalCheckSchema.nullable(),
          adaptive: IntervalCheckSchema
        })
        /** Null: a saved model without a coverage report. */
        .nullable(),
      /** Held-out molecules by distance to their fold's training rows: nearest third first. */
      byNovelty: z.array(
        z.object({
          group: z.string(),
          count: z.number().int().min(0),
          distance: z.object({ min: z.number(), max: z.number() }),
          constant: IntervalCheckSchema,
          adaptive: IntervalCheckSchema
        })
      ),
      /** Outside the applicability domain: distance above `threshold`, the `percentile` of the held-out distances. */
      domain: z.object({ threshold: z.number(), percentile: z.number().gt(0).lt(1) }),
      /** The domain rule in one sentence. */
      domainRule: z.string()
    })
    .optional()
});
export type ModelReportPayload = z.infer<typeof ModelReportPayloadSchema>;

/** Each vendor type with the schema of its payload, for renderers that validate what they get. */
export const PAYLOAD_SCHEMAS = {
  [DISPLAY_MIME.molecule]: MoleculePayloadSchema,
  [DISPLAY_MIME.molecules]: MoleculesPayloadSchema,
  [DISPLAY_MIME.mixture]: MixturePayloadSchema,
  [DISPLAY_MIME.prediction]: PredictionPayloadSchema,
  [DISPLAY_MIME.modelReport]: ModelReportPayloadSchema,
  [DISPLAY_MIME.table]: TablePayloadSchema,
  [DISPLAY_MIME.coverage]: CoveragePayloadSchema
} as const;
