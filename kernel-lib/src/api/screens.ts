import { z } from 'zod';
import { UuidSchema, pageSchema } from './schemas';
import { CursorSchema, queryInteger, queryLimit } from './limits';

/**
 * Shapes of virtual screens: a library of molecules scored by one registered model version,
 * stored in chunks that workers consume from a queue (the server's README, "Virtual screens").
 * A screen is created with its size, then its chunks are uploaded one request each; every chunk
 * is queued the moment it is stored.
 */

/** Molecules per chunk: the default, and the bounds a request may ask for. */
export const SCREEN_CHUNK = { default: 500, min: 1, max: 5000 } as const;

export const CreateScreenSchema = z.strictObject({
  modelVersionId: UuidSchema.describe(
    'the registered model version that scores the library (GET /api/models/{name}/versions/{version} finds it)'
  ),
  source: z.string().min(1).max(500).describe('what the library was read from (a file name)'),
  moleculeCount: z
    .number()
    .int()
    .min(1)
    .max(100_000_000)
    .describe('molecules in the whole library (every input line, valid or not)'),
  chunkSize: z
    .number()
    .int()
    .min(SCREEN_CHUNK.min)
    .max(SCREEN_CHUNK.max)
    .default(SCREEN_CHUNK.default),
  projectId: UuidSchema.optional().describe('share the screen and its results with this project')
});
export type CreateScreen = z.input<typeof CreateScreenSchema>;

export const ScreenMoleculeSchema = z.strictObject({
  line: z
    .number()
    .int()
    .min(1)
    .max(2_147_483_647)
    .describe("the input file's line (a PostgreSQL integer)"),
  structure: z
    .string()
    .max(100_000)
    .describe('SMILES, InChI or a MOL block; one the worker cannot read is reported by its line'),
  id: z.string().max(500).nullable().optional().describe("the input's id or name, if it has one")
});
export type ScreenMolecule = z.input<typeof ScreenMoleculeSchema>;

export const ScreenChunkUploadSchema = z.strictObject({
  molecules: z.array(ScreenMoleculeSchema).min(1).max(SCREEN_CHUNK.max)
});

export const ScreenChunkParamsSchema = z.object({
  id: UuidSchema,
  seq: queryInteger(0, 100_000_000)
});

export const SCREEN_STATES = ['uploading', 'running', 'done', 'cancelled'] as const;
export const SCREEN_CHUNK_STATES = ['queued', 'running', 'done', 'failed', 'cancelled'] as const;

export const ScreenSchema = z.object({
  id: UuidSchema,
  model: z.object({
    versionId: UuidSchema,
    name: z.string(),
    version: z.number().int(),
    target: z.string(),
    unit: z.string()
  }),
  source: z.string(),
  state: z
    .enum(SCREEN_STATES)
    .describe(
      'uploading until every chunk is stored; done when every chunk is done or failed (a failed chunk does not stop the others)'
    ),
  moleculeCount: z.number().int(),
  chunkSize: z.number().int(),
  chunks: z.object({
    total: z.number().int(),
    uploaded: z.number().int(),
    queued: z.number().int(),
    running: z.number().int(),
    done: z.number().int(),
    failed: z.number().int(),
    cancelled: z.number().int()
  }),
  molecules: z.object({
    scored: z.number().int().describe('molecules predicted'),
    invalid: z.number().int().describe('input structures refused, each with its line and reason'),
    finished: z.number().int().describe('molecules of the chunks done or failed')
  }),
  /** Over the chunks finished so far: from the first start to the latest finish. */
  moleculesPerSecond: z.number().nullable(),
  secondsLeft: z.number().nullable().describe('at the rate so far; null before a chunk finishes'),
  failures: z
    .array(
      z.object({
        seq: z.number().int(),
        lines: z.string(),
        attempts: z.number().int(),
        error: z.string()
      })
    )
    .describe('failed chunks with the reason of their last attempt'),
  cancelledAt: z.string().nullable(),
  visibility: z.enum(['private', 'project']),
  projectId: UuidSchema.nullable(),
  ownerId: UuidSchema,
  createdAt: z.string()
});
export type Screen = z.infer<typeof ScreenSchema>;
export const ScreenPageSchema = pageSchema(ScreenSchema);

export const ScreenResultSchema = z.object({
  line: z.number().int(),
  inputId: z.string().nullable(),
  input: z.string(),
  smiles: z.string().nullable().describe("the standardized parent's canonical SMILES"),
  inchikey: z.string().nullable(),
  prediction: z.number().nullable(),
  lower: z.number().nullable(),
  upper: z.number().nullable(),
  novelty: z.number().nullable(),
  inDomain: z.boolean().nullable(),
  error: z.string().nullable().describe('why the structure was refused (no prediction then)')
});
export type ScreenResult = z.infer<typeof ScreenResultSchema>;
export const ScreenResultPageSchema = pageSchema(ScreenResultSchema);

export const SCREEN_RANKINGS = ['prediction', 'lower', 'upper'] as const;
export type ScreenRanking = (typeof SCREEN_RANKINGS)[number];

export const ScreenResultsQuerySchema = z.object({
  top: queryInteger(1, 10_000)
    .optional()
    .describe(
      'the K best scored molecules, by `by` in `order` (one page); without it every row in line order'
    ),
  by: z.enum(SCREEN_RANKINGS).default('prediction'),
  order: z.enum(['desc', 'asc']).default('desc'),
  errors: z
    .enum(['include', 'only', 'exclude'])
    .default('include')
    .describe('refused structures: with the others, alone, or left out (line order only)'),
  limit: queryLimit(5000, 1000),
  cursor: CursorSchema.optional()
});
export type ScreenResultsQuery = z.input<typeof ScreenResultsQuerySchema>;

export const ScreenListQuerySchema = z.object({
  limit: queryLimit(200, 50),
  cursor: CursorSchema.optional()
});
