import { z } from 'zod';
import {
  ComponentRoleSchema,
  findReferenceMolecule,
  type ComponentRole
} from '../reference/cryoprotectants';

export { CONCENTRATION_UNITS, PER_VOLUME_UNITS, type ConcentrationUnit } from './units';
import { CONCENTRATION_UNITS, type ConcentrationUnit } from './units';

/** Pure-component density, g/cm3, with where it comes from. */
export interface PureDensity {
  /** g/cm3 */
  value: number;
  source: string;
  /** Temperature the density applies to, K; compared with the mixture temperature when present. */
  temperatureKelvin?: number;
}

/** A molecule as a mixture needs it: identity, molar mass and (optionally) pure density. */
export interface MixtureMolecule {
  name: string;
  smiles: string;
  /** g/mol */
  molarMass: number;
  /** Density of the pure component (liquid, or the value the caller chooses), g/cm3. */
  density?: PureDensity;
}

/** One component of a mixture; water is never a component, it is the balance. */
export interface MixtureComponent {
  molecule: MixtureMolecule;
  amount: number;
  unit: ConcentrationUnit;
  role: ComponentRole;
}

/** An aqueous mixture: the listed components, with water making up the balance. */
export interface Mixture {
  name?: string;
  components: readonly MixtureComponent[];
}

/** How solution densities and temperatures are chosen for conversions. */
export interface CompositionOptions {
  /** Temperature, K, for the water density in ideal mixing; default 293.15 K (20 degC). */
  temperatureKelvin?: number;
  /** Measured or otherwise known solution density, g/cm3; if absent, ideal mixing is used. */
  solutionDensity?: number;
}

/** One problem with a mixture or a request, with the field it concerns. */
export interface MixtureIssue {
  /** Path such as `components[1].amount`, `options.solutionDensity` or `components`. */
  field: string;
  /** Human-readable name of the component concerned, where there is one. */
  label?: string;
  message: string;
}

/**
 * A mixture that is invalid, or a quantity that cannot be computed from what was given.
 * `field` names the first problem's path; `issues` holds all of them.
 */
export class MixtureError extends Error {
  readonly field: string;
  readonly issues: readonly MixtureIssue[];

  constructor(issues: MixtureIssue | readonly MixtureIssue[]) {
    const list: readonly MixtureIssue[] = Array.isArray(issues)
      ? (issues as readonly MixtureIssue[])
      : [issues as MixtureIssue];
    super(list.map(formatIssue).join('; '));
    this.name = 'MixtureError';
    this.field = list[0]?.field ?? '';
    this.issues = list;
  }
}

function formatIssue(issue: MixtureIssue): string {
  const label = issue.label === undefined ? '' : ` (${issue.label})`;
  return issue.field === '' ? issue.message : `${issue.field}${label}: ${issue.message}`;
}

const finiteNumber = (what: string) =>
  z.number({
    error: iss =>
      iss.input === undefined
        ? `${what} is required`
        : `must be a finite number (got ${JSON.stringify(iss.input) ?? String(iss.input)})`
  });

const positive = (what: string) =>
  finiteNumber(what).refine(v => v > 0, {
    error: iss => `must be positive (got ${String(iss.input)})`
  });

const requiredString = (what: string) =>
  z
    .string({ error: iss => (iss.input === undefined ? `${what} is required` : `must be text`) })
    .refine(s => s.trim().length > 0, { error: `${what} must not be empty` });

const PureDensityShape = z.object({
  value: positive('density value'),
  source: requiredString('density source'),
  temperatureKelvin: positive('temperature').optional()
});

const MixtureMoleculeShape = z.object({
  name: requiredString('name'),
  smiles: requiredString('SMILES'),
  molarMass: positive('molar mass'),
  density: PureDensityShape.optional()
});

const ConcentrationUnitShape = z.enum(CONCENTRATION_UNITS, {
  error: iss =>
    iss.input === undefined
      ? `unit is required (one of ${CONCENTRATION_UNITS.map(u => `"${u}"`).join(', ')})`
      : `unknown unit ${JSON.stringify(iss.input) ?? String(iss.input)} (use one of ${CONCENTRATION_UNITS.map(u => `"${u}"`).join(', ')})`
});

const MixtureComponentShape = z.object({
  molecule: MixtureMoleculeShape,
  amount: positive('amount'),
  unit: ConcentrationUnitShape,
  role: z.enum(ComponentRoleSchema.options, {
    error: iss =>
      `unknown role ${JSON.stringify(iss.input) ?? String(iss.input)} (use one of ${ComponentRoleSchema.options.join(', ')})`
  })
});

const MixtureShapeSchema = z.object({
  name: z.string().optional(),
  components: z.array(MixtureComponentShape, { error: 'components must be a list' })
});

const CompositionOptionsSchema = z.object({
  temperatureKelvin: positive('temperature').optional(),
  solutionDensity: positive('solution density').optional()
});

/** zod schema of a mixture's shape (units, positive amounts); `parseMixture` adds the cross-checks. */
export const MixtureSchema: z.ZodType<Mixture> = MixtureShapeSchema;
/** zod schema of one component (shape, unit, positive amount). */
export const MixtureComponentSchema: z.ZodType<MixtureComponent> = MixtureComponentShape;
/** zod schema of a mixture molecule. */
export const MixtureMoleculeSchema: z.ZodType<MixtureMolecule> = MixtureMoleculeShape;
/** zod schema of a concentration unit; the error names the unknown unit and the known ones. */
export const ConcentrationUnitSchema: z.ZodType<ConcentrationUnit> = ConcentrationUnitShape;

function pathOf(path: readonly PropertyKey[]): string {
  let out = '';
  for (const part of path) {
    out += typeof part === 'number' ? `[${part}]` : `${out === '' ? '' : '.'}${String(part)}`;
  }
  return out;
}

/** Turn zod issues into mixture issues with `components[1].amount`-style fields. */
export function toMixtureIssues(error: z.ZodError, prefix = ''): MixtureIssue[] {
  return error.issues.map(issue => {
    const path = pathOf(issue.path);
    return {
      field: prefix === '' ? path : path === '' ? prefix : `${prefix}.${path}`,
      message: issue.message
    };
  });
}

const WATER_SMILES = new Set(['O', '[OH2]', '[H]O[H]', '[H][O][H]']);

function isWater(molecule: MixtureMolecule): boolean {
  return (
    WATER_SMILES.has(molecule.smiles.trim()) ||
    findReferenceMolecule(molecule.name)?.key === 'water'
  );
}

/** Lower-cased name, or the reference key when the name is a known synonym. */
export function identityKey(molecule: MixtureMolecule): string {
  return findReferenceMolecule(molecule.name)?.key ?? molecule.name.trim().toLowerCase();
}

/**
 * Validate a mixture: shape and units (zod), then the cross-checks: no water among the
 * components, no molecule twice, % w/w below 100 in total, mole fractions below 1 in total.
 * Throws `MixtureError` listing every problem found.
 */
export function parseMixture(value: unknown): Mixture {
  const parsed = MixtureShapeSchema.safeParse(value);
  if (!parsed.success) {
    throw new MixtureError(toMixtureIssues(parsed.error));
  }
  const mixture = parsed.data;
  const issues: MixtureIssue[] = [];
  const seen = new Map<string, number>();
  const seenSmiles = new Map<string, number>();
  mixture.components.forEach((component, i) => {
    const molecule = component.molecule;
    if (isWater(molecule)) {
      issues.push({
        field: `components[${i}].molecule`,
        message: `water is the balance of every mixture and must not be listed as a component (got "${molecule.name}", ${molecule.smiles})`
      });
      return;
    }
    const key = identityKey(molecule);
    const earlier = seen.get(key) ?? seenSmiles.get(molecule.smiles.trim());
    if (earlier !== undefined) {
      issues.push({
        field: `components[${i}].molecule`,
        message: `${molecule.name} is listed twice (also components[${earlier}]); give each molecule once`
      });
      return;
    }
    seen.set(key, i);
    seenSmiles.set(molecule.smiles.trim(), i);
  });
  const sumOf = (unit: ConcentrationUnit) =>
    mixture.components.filter(c => c.unit === unit).reduce((sum, c) => sum + c.amount, 0);
  const percent = sumOf('% w/w');
  if (percent >= 100) {
    issues.push({
      field: 'components',
      message: `the % w/w amounts add up to ${percent} %, which leaves no water; water is the balance, so the total must be below 100 % w/w`
    });
  }
  const fractions = sumOf('mole fraction');
  if (fractions >= 1) {
    issues.push({
      field: 'components',
      message: `the mole fractions add up to ${fractions}, which leaves no water; the total must be below 1`
    });
  }
  if (issues.length > 0) {
    throw new MixtureError(issues);
  }
  return mixture;
}

/** Validate composition options; throws `MixtureError` with fields `options.*`. */
export function parseCompositionOptions(value: unknown): CompositionOptions {
  const parsed = CompositionOptionsSchema.safeParse(value ?? {});
  if (!parsed.success) {
    throw new MixtureError(toMixtureIssues(parsed.error, 'options'));
  }
  return parsed.data;
}
