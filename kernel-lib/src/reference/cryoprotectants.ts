import { z } from 'zod';
import { COMPONENT_ROLES } from '../mixtures/units';
import data from './cryoprotectants.json';

const SourceSchema = z.object({
  citation: z.string().min(1),
  doi: z.string().optional(),
  url: z.string().optional(),
  licence: z.string().optional(),
  /** File in data/science-data that holds the cited row, where the value was taken from one. */
  file: z.string().optional()
});

const GlassTransitionSchema = z.object({
  kelvin: z.number().positive(),
  source: z.string(),
  dataRow: z.object({ file: z.string(), line: z.number().int().positive() }),
  note: z.string().optional()
});

const DensitySchema = z.discriminatedUnion('equation', [
  z.object({
    equation: z.literal('DIPPR105'),
    c1: z.number(),
    c2: z.number(),
    c3: z.number(),
    c4: z.number(),
    minKelvin: z.number(),
    maxKelvin: z.number(),
    source: z.string()
  }),
  z.object({
    equation: z.literal('PPDS'),
    criticalKelvin: z.number(),
    criticalDensity: z.number(),
    a: z.number(),
    b: z.number(),
    c: z.number(),
    d: z.number(),
    source: z.string()
  }),
  z.object({
    equation: z.literal('Kell1975'),
    minKelvin: z.number(),
    maxKelvin: z.number(),
    source: z.string()
  })
]);

export const ComponentRoleSchema = z.enum(COMPONENT_ROLES);
export type ComponentRole = z.infer<typeof ComponentRoleSchema>;

const ReferenceMoleculeSchema = z.object({
  key: z.string().regex(/^[a-z0-9-]+$/),
  name: z.string().min(1),
  synonyms: z.array(z.string()),
  smiles: z.string().min(1),
  inchikey: z.string().regex(/^[A-Z]{14}-[A-Z]{10}-[A-Z]$/),
  inchikeySource: z.string(),
  role: ComponentRoleSchema,
  liquidDensity: DensitySchema.optional(),
  glassTransition: z.array(GlassTransitionSchema)
});

const ReferenceDataSchema = z
  .object({
    description: z.string(),
    sources: z.record(z.string(), SourceSchema),
    molecules: z.array(ReferenceMoleculeSchema)
  })
  .superRefine((value, ctx) => {
    // Every value must name a source that exists: no orphan citations.
    value.molecules.forEach((molecule, i) => {
      const cited = [
        molecule.inchikeySource,
        molecule.liquidDensity?.source,
        ...molecule.glassTransition.map(t => t.source)
      ];
      for (const id of cited) {
        if (id !== undefined && !(id in value.sources)) {
          ctx.addIssue({
            code: 'custom',
            path: ['molecules', i],
            message: `${molecule.name} cites unknown source "${id}"`
          });
        }
      }
    });
  });

export type ReferenceSource = z.infer<typeof SourceSchema>;
export type ReferenceMolecule = z.infer<typeof ReferenceMoleculeSchema>;
export type ReferenceData = z.infer<typeof ReferenceDataSchema>;

let parsed: ReferenceData | undefined;

/** Validate reference data; throws a ZodError naming every missing field or unknown source. */
export function parseReferenceData(value: unknown): ReferenceData {
  return ReferenceDataSchema.parse(value);
}

/**
 * The reference cryoprotectants (water included) with their published InChIKeys, liquid-density
 * correlations and pure-component glass transition temperatures, each value with its source.
 */
export function getReferenceData(): ReferenceData {
  parsed ??= parseReferenceData(data);
  return parsed;
}

/** Look up a reference molecule by key, name or synonym (case-insensitive). */
export function findReferenceMolecule(nameOrKey: string): ReferenceMolecule | undefined {
  const wanted = nameOrKey.trim().toLowerCase();
  return getReferenceData().molecules.find(
    m =>
      m.key === wanted ||
      m.name.toLowerCase() === wanted ||
      m.synonyms.some(s => s.toLowerCase() === wanted)
  );
}
