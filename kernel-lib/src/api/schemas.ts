import { z } from 'zod';

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

export const RegisterMoleculeSchema = z.object({
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

export const RegistrationResultSchema = z.object({
  molecule: MoleculeSchema,
  duplicate: z
    .boolean()
    .describe('true when the structure was already registered: the existing record is returned'),
  neutralized: z.boolean()
});
export type RegistrationResult = z.infer<typeof RegistrationResultSchema>;

export const MoleculeQuerySchema = z.object({
  q: z
    .string()
    .max(200)
    .optional()
    .describe('text in the name, a synonym or the InChIKey (case-insensitive)'),
  limit: z.coerce.number().int().min(1).max(200).default(50),
  cursor: z.string().max(500).optional().describe('the nextCursor of the previous page')
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
