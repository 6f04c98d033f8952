import { z } from 'zod';
import { queryInteger, queryLimit, queryNumber, CursorSchema } from './limits';

/**
 * Shapes of the CryoProtect REST API: the server validates with them, the OpenAPI document is
 * generated from them, and the client's types come from them.
 */

export const VisibilitySchema = z
  .enum(['private', 'project', 'public'])
  .describe('private: the owner only; project: members of the project; public: everyone');
export type Visibility = z.infer<typeof VisibilitySchema>;

export const UuidSchema = z.string().uuid();

/** RFC 9457 problem details, as every error of the API is sent. */
export const ProblemSchema = z.object({
  type: z.string().describe('stable identifier of the kind of problem'),
  title: z.string(),
  status: z.number().int(),
  detail: z.string().describe('what went wrong, for a scientist'),
  instance: z.string().optional(),
  errors: z
    .array(z.object({ path: z.string(), message: z.string() }))
    .optional()
    .describe('one entry per offending field, with its path')
});
export type Problem = z.infer<typeof ProblemSchema>;

export const RegisterMoleculeSchema = z.strictObject({
  structure: z
    .string()
    .min(1)
    .max(100_000)
    .describe('SMILES, MOL block or InChI; standardized before registration'),
  name: z.string().min(1).max(500).optional(),
  synonyms: z.array(z.string().min(1).max(500)).max(100).default([]),
  visibility: VisibilitySchema.default('private'),
  projectId: UuidSchema.optional().describe('required when visibility is project')
});
export type RegisterMolecule = z.input<typeof RegisterMoleculeSchema>;

export const MoleculeSchema = z.object({
  id: UuidSchema,
  inchikey: z.string(),
  inchi: z.string(),
  smiles: z.string().describe('canonical SMILES of the standardized parent'),
  inputStructure: z.string().describe('the structure as registered, before standardization'),
  strippedFragments: z.array(z.string()),
  name: z.string().nullable(),
  synonyms: z.array(z.string()),
  molarMass: z.number().nullable().describe('g/mol, computed by RDKit'),
  visibility: VisibilitySchema,
  projectId: UuidSchema.nullable(),
  ownerId: UuidSchema,
  createdAt: z.string().describe('ISO 8601')
});
export type Molecule = z.infer<typeof MoleculeSchema>;

/** The most synonyms a molecule keeps (RegisterMoleculeSchema, UpdateMoleculeSchema). */
export const MAX_SYNONYMS = 100;

export const NameOutcomeSchema = z
  .object({
    name: z.string().describe('the name that was sent'),
    outcome: z
      .enum(['name', 'added-as-synonym', 'already-the-name', 'already-a-synonym', 'not-added'])
      .describe(
        'name: the new record carries it as its name; added-as-synonym: kept as a synonym of the existing record; already-the-name / already-a-synonym: the existing record had it (case-insensitive); not-added: see reason'
      ),
    reason: z.string().describe('the outcome in words, e.g. why the name was not added')
  })
  .describe('what became of the name sent with a registration');
export type NameOutcome = z.infer<typeof NameOutcomeSchema>;

export const RegistrationResultSchema = z.object({
  molecule: MoleculeSchema,
  duplicate: z
    .boolean()
    .describe('true when the structure was already registered: the existing record is returned'),
  neutralized: z.boolean(),
  nameOutcome: NameOutcomeSchema.nullable().describe(
    'what became of the name sent (null when none was sent); on a duplicate, the existing record keeps its own name and the one sent becomes a synonym where you may edit it'
  )
});
export type RegistrationResult = z.infer<typeof RegistrationResultSchema>;

export const MoleculeQuerySchema = z.object({
  q: z
    .string()
    .max(200)
    .optional()
    .describe('text in the name, a synonym or the InChIKey (case-insensitive)'),
  limit: queryLimit(200, 50),
  cursor: CursorSchema.optional(),
  property: z
    .string()
    .max(100)
    .optional()
    .describe('only molecules with a visible measurement of this property type (key)'),
  min: queryNumber().optional().describe('with property: lowest value, canonical unit'),
  max: queryNumber().optional().describe('with property: highest value, canonical unit')
});

export function pageSchema<T extends z.ZodType>(item: T) {
  return z.object({
    items: z.array(item),
    nextCursor: z
      .string()
      .nullable()
      .describe('pass as cursor for the next page; null on the last page')
  });
}

export const MoleculePageSchema = pageSchema(MoleculeSchema);
export type MoleculePage = z.infer<typeof MoleculePageSchema>;

export const MixtureComponentInputSchema = z.object({
  moleculeId: UuidSchema.describe(
    'a registered molecule visible to you; water is the balance and is never listed'
  ),
  amount: z.number().positive(),
  unit: z.enum(['% w/w', '% w/v', '% v/v', 'mol/L', 'mol/kg', 'mole fraction', 'mg/mL', 'g/L']),
  role: z.enum(['solvent', 'penetrating', 'non-penetrating', 'buffer-salt', 'other'])
});

export const CreateMixtureSchema = z.strictObject({
  name: z.string().min(1).max(500),
  description: z.string().max(10_000).default(''),
  components: z.array(MixtureComponentInputSchema.strict()).min(1).max(50),
  visibility: VisibilitySchema.default('private'),
  projectId: UuidSchema.optional().describe('required when visibility is project')
});
export type CreateMixture = z.input<typeof CreateMixtureSchema>;

export const MixtureRecordSchema = z.object({
  id: UuidSchema,
  name: z.string(),
  description: z.string(),
  visibility: VisibilitySchema,
  projectId: UuidSchema.nullable(),
  ownerId: UuidSchema,
  createdAt: z.string(),
  components: z.array(MixtureComponentInputSchema.extend({ name: z.string(), smiles: z.string() })),
  composition: z
    .object({
      temperatureKelvin: z.number(),
      components: z.array(
        z.object({
          moleculeId: UuidSchema,
          name: z.string(),
          massFraction: z.number(),
          moleFraction: z.number(),
          molality: z.number().describe('mol/kg of water'),
          molarity: z
            .number()
            .nullable()
            .describe('mol/L of solution; null without a solution density')
        })
      ),
      water: z.object({ massFraction: z.number(), moleFraction: z.number() }),
      solutionDensity: z
        .object({ value: z.number(), unit: z.string(), method: z.string() })
        .nullable(),
      notes: z.array(z.string())
    })
    .describe('canonical composition at 20 degC, computed by @cryoprotect/kernel')
});
export type MixtureRecord = z.infer<typeof MixtureRecordSchema>;
export const MixtureRecordPageSchema = pageSchema(MixtureRecordSchema);

export const BatchRegisterMoleculesSchema = z.strictObject({
  rows: z
    .array(
      z.strictObject({
        structure: z.string().min(1).max(100_000),
        name: z.string().min(1).max(500).optional(),
        synonyms: z.array(z.string().min(1).max(500)).max(100).default([])
      })
    )
    .min(1)
    .max(5000),
  visibility: VisibilitySchema.default('private'),
  projectId: UuidSchema.optional(),
  dryRun: z.boolean().default(false).describe('validate and report row by row; write nothing')
});
export type BatchRegisterMolecules = z.input<typeof BatchRegisterMoleculesSchema>;

export const BatchRowReportSchema = z.object({
  row: z.number().int().describe('0-based index in rows'),
  outcome: z
    .enum(['new', 'existing', 'repeated', 'invalid'])
    .describe(
      'new: registered (or would be); existing: already registered and visible, not registered again (its name may become a synonym, see nameOutcome); repeated: the same structure as an earlier row; invalid: not written, see error'
    ),
  inchikey: z.string().nullable(),
  smiles: z.string().nullable(),
  moleculeId: UuidSchema.nullable().describe(
    'the registered or existing record (null in a dry run for new rows)'
  ),
  sameAsRow: z.number().int().nullable(),
  error: z.object({ path: z.string(), message: z.string() }).nullable(),
  nameOutcome: NameOutcomeSchema.nullable()
    .optional()
    .describe(
      "what became of the row's name (null without one; in a dry run, what would): the name of a new record, a synonym of an existing one where you may edit it, or not added and why (absent in reports replayed from before this field)"
    )
});

export const BatchReportSchema = z.object({
  dryRun: z.boolean(),
  written: z.boolean(),
  counts: z.object({
    new: z.number(),
    existing: z.number(),
    repeated: z.number(),
    invalid: z.number()
  }),
  rows: z.array(BatchRowReportSchema)
});
export type BatchReport = z.infer<typeof BatchReportSchema>;

/**
 * Structures in a query string must fit a request head (16 KiB) even percent-encoded: SMILES,
 * SMARTS and InChI are printable ASCII (three bytes each at worst once encoded), so a few
 * thousand characters are the honest maximum. Larger structures and MOL blocks go in bodies.
 */
const QUERY_STRUCTURE_TEXT = /^[ -~]+$/;

export const SubstructureQuerySchema = z.object({
  smarts: z
    .string()
    .min(1)
    .max(2000)
    .regex(QUERY_STRUCTURE_TEXT, 'printable ASCII expected (a SMARTS pattern)')
    .describe('SMARTS pattern'),
  limit: queryLimit(1000, 100),
  cursor: CursorSchema.optional().describe('the nextCursor of the previous page')
});

export const SimilarityQuerySchema = z.object({
  structure: z
    .string()
    .min(1)
    .max(4000)
    .regex(QUERY_STRUCTURE_TEXT, 'printable ASCII expected (SMILES or InChI)')
    .describe('SMILES or InChI of the query (a MOL block does not fit a query string)'),
  k: queryInteger(1, 200)
    .optional()
    .transform(k => k ?? 10)
    .describe('how many hits, 1 to 200 (default 10)'),
  minSimilarity: queryNumber({ min: 0, max: 1 })
    .optional()
    .transform(s => s ?? 0)
    .describe('lowest Tanimoto similarity, 0 to 1 (default 0)')
});

export const SearchEngineSchema = z
  .enum(['cartridge', 'in-process'])
  .describe(
    'where the search ran: the RDKit cartridge inside PostgreSQL, or RDKit in the REST server process'
  );

export const SimilarityHitSchema = z.object({ molecule: MoleculeSchema, similarity: z.number() });

/** The k best hits are one page: nextCursor is always null (ask for a larger k instead). */
export const SimilarityHitsSchema = pageSchema(SimilarityHitSchema).extend({
  fingerprint: z.string().describe('how similarity was computed'),
  engine: SearchEngineSchema
});

/** Matches in id order, page by page like every list. */
export const SubstructureHitsSchema = pageSchema(MoleculeSchema).extend({
  truncated: z
    .boolean()
    .describe('true when more molecules match than limit (nextCursor then fetches them)'),
  engine: SearchEngineSchema
});

/** Whether a structure (by InChIKey) is registered, and the record when the caller may see it. */
export const MoleculeRegistrationQuerySchema = z.object({
  inchikey: z
    .string()
    .regex(/^[A-Z]{14}-[A-Z]{10}-[A-Z]$/, 'not a standard InChIKey (14-10-1 capital letters)')
});
export const MoleculeRegistrationSchema = z.object({
  inchikey: z.string(),
  registered: z.boolean().describe('registered by anyone, visible to you or not'),
  molecule: MoleculeSchema.nullable().describe('the record, when you may see it')
});
export type MoleculeRegistration = z.infer<typeof MoleculeRegistrationSchema>;

export const UpdateMoleculeSchema = z
  .object({
    name: z.string().min(1).max(500).nullable().optional(),
    synonyms: z.array(z.string().min(1).max(500)).max(100).optional(),
    visibility: VisibilitySchema.optional(),
    projectId: UuidSchema.nullable().optional().describe('required when visibility is project')
  })
  .strict()
  .refine(body => Object.keys(body).length > 0, {
    message: 'give at least one of name, synonyms, visibility, projectId'
  })
  .describe('the structure itself never changes: register the new structure instead');
export type UpdateMolecule = z.input<typeof UpdateMoleculeSchema>;

export const UpdateMixtureSchema = z
  .object({
    name: z.string().min(1).max(500).optional(),
    description: z.string().max(10_000).optional(),
    visibility: VisibilitySchema.optional(),
    projectId: UuidSchema.nullable().optional().describe('required when visibility is project')
  })
  .strict()
  .refine(body => Object.keys(body).length > 0, {
    message: 'give at least one of name, description, visibility, projectId'
  })
  .describe('components never change: create a new mixture for a new composition');
export type UpdateMixture = z.input<typeof UpdateMixtureSchema>;
export type SimilarityHits = z.infer<typeof SimilarityHitsSchema>;
export type SubstructureHits = z.infer<typeof SubstructureHitsSchema>;
