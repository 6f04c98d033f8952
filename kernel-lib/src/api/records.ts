import { z } from 'zod';
import { UuidSchema, VisibilitySchema, pageSchema } from './schemas';
import { DateTimeSchema, boundedJsonDepth, queryLimit, queryNumber, CursorSchema } from './limits';

/**
 * Shapes of the scientific records of the shared database: property types, literature
 * references, experiments and measurements, and the unit conversions a measurement
 * may be submitted with.
 */

// ---------------------------------------------------------------------------------------------
// Units: every measurement is stored in its property type's canonical unit. A value may be sent
// in another common unit only where the conversion is exact by definition and unambiguous.

export interface UnitConversion {
  /** The unit as submitted. */
  unit: string;
  /** The canonical unit it converts to. */
  canonicalUnit: string;
  /** Human-readable rule, reported with every converted value. */
  rule: string;
  /** canonical = value * multiply / divide + add */
  multiply: number;
  divide: number;
  add: number;
}

const conversion = (
  unit: string,
  canonicalUnit: string,
  rule: string,
  { multiply = 1, divide = 1, add = 0 }: { multiply?: number; divide?: number; add?: number }
): UnitConversion => ({ unit, canonicalUnit, rule, multiply, divide, add });

/**
 * Conversions by canonical unit. Deliberately absent: bare "C" (coulomb), "m" for molal (metre),
 * g/L for density (usually a concentration in cryobiology), and anything needing a molar mass or
 * a density.
 */
export const UNIT_CONVERSIONS: readonly UnitConversion[] = [
  ...['°C', 'degC', '℃'].map(u => conversion(u, 'K', `K = ${u} + 273.15`, { add: 273.15 })),
  ...['g/mL', 'g/ml', 'g/cm^3', 'kg/L'].map(u => conversion(u, 'g/cm3', `1 ${u} = 1 g/cm3`, {})),
  ...['kg/m3', 'kg/m^3'].map(u => conversion(u, 'g/cm3', `g/cm3 = ${u} / 1000`, { divide: 1000 })),
  conversion('%', 'fraction', 'fraction = % / 100', { divide: 100 }),
  ...['1/s', 's-1'].map(u => conversion(u, '1/min', `1/min = ${u} * 60`, { multiply: 60 })),
  ...['1/h', 'h-1'].map(u => conversion(u, '1/min', `1/min = ${u} / 60`, { divide: 60 })),
  conversion('min-1', '1/min', '1 min-1 = 1 1/min', {}),
  conversion('s', 'min', 'min = s / 60', { divide: 60 }),
  conversion('h', 'min', 'min = h * 60', { multiply: 60 }),
  conversion('M', 'mol/L', '1 M = 1 mol/L', {}),
  ...['mM', 'mmol/L'].map(u => conversion(u, 'mol/L', `mol/L = ${u} / 1000`, { divide: 1000 })),
  conversion('mmol/kg', 'mol/kg', 'mol/kg = mmol/kg / 1000', { divide: 1000 })
];

/** The units a value of this canonical unit may be submitted in, the canonical one first. */
export function acceptedUnits(canonicalUnit: string): string[] {
  return [
    canonicalUnit,
    ...UNIT_CONVERSIONS.filter(c => c.canonicalUnit === canonicalUnit).map(c => c.unit)
  ];
}

export interface ConvertedValue {
  value: number;
  uncertainty: number | null;
  /** null when the value was already in the canonical unit. */
  conversion: UnitConversion | null;
}

/**
 * A value (and its uncertainty) in `unit`, expressed in `canonicalUnit`; undefined when that
 * unit is not accepted. An offset (degC -> K) does not apply to an uncertainty, a scale does.
 * Results are rounded to the decimals the exact arithmetic needs, so -100 degC gives 173.15 K
 * and not 173.14999999999998 K.
 */
export function toCanonicalUnit(
  canonicalUnit: string,
  unit: string,
  value: number,
  uncertainty: number | null = null
): ConvertedValue | undefined {
  if (unit === canonicalUnit) {
    return { value, uncertainty, conversion: null };
  }
  const rule = UNIT_CONVERSIONS.find(c => c.canonicalUnit === canonicalUnit && c.unit === unit);
  if (!rule) {
    return undefined;
  }
  const apply = (x: number, add: number) => {
    const raw = (x * rule.multiply) / rule.divide + add;
    const shift = Private.decimalShift(rule.divide);
    if (shift === undefined || !Number.isFinite(raw)) {
      return raw;
    }
    const places = Math.max(Private.decimals(x) + shift, Private.decimals(add));
    return places <= 100 ? Number(raw.toFixed(places)) : raw;
  };
  return {
    value: apply(value, rule.add),
    uncertainty: uncertainty === null ? null : apply(uncertainty, 0),
    conversion: rule
  };
}

namespace Private {
  /** Decimal places of a number as JavaScript prints it (1.5e-7 has 8). */
  export function decimals(x: number): number {
    const [mantissa, exponent = '0'] = String(Math.abs(x)).split('e');
    const fraction = mantissa.split('.')[1] ?? '';
    return Math.max(0, fraction.length - Number(exponent));
  }

  /** k when divisor is 10^k (a shift of the decimal point), undefined otherwise. */
  export function decimalShift(divisor: number): number | undefined {
    const k = Math.log10(divisor);
    return Number.isInteger(k) ? k : undefined;
  }
}

// ---------------------------------------------------------------------------------------------
// Property types (read-only: written by migrations).

export const PropertyTypeSchema = z.object({
  id: UuidSchema,
  key: z.string(),
  name: z.string(),
  canonicalUnit: z.string().describe('measurements of this property are stored in this unit'),
  acceptedUnits: z
    .array(z.string())
    .describe('units a measurement may be submitted in; others are converted exactly'),
  minValue: z.number().nullable(),
  maxValue: z.number().nullable(),
  description: z.string()
});
export type PropertyType = z.infer<typeof PropertyTypeSchema>;
/** Every property type in one page (nextCursor is always null). */
export const PropertyTypeListSchema = pageSchema(PropertyTypeSchema);

// ---------------------------------------------------------------------------------------------
// Literature references.

const DoiSchema = z
  .string()
  .regex(
    /^10\.[0-9]{4,9}\/\S+$/,
    'a DOI looks like 10.1016/j.cryobiol.2004.02.002 (no https://doi.org/ prefix)'
  )
  .max(500);
const UrlSchema = z
  .string()
  .regex(/^https?:\/\//, 'must be an http:// or https:// URL')
  .max(2000);

export const CreateReferenceSchema = z.strictObject({
  citation: z.string().trim().min(1).max(5000).describe('full citation as it would be printed'),
  doi: DoiSchema.optional(),
  url: UrlSchema.optional(),
  licence: z.string().max(500).optional().describe('licence of the data taken from the source'),
  key: z
    .string()
    .regex(/^[a-z0-9][a-z0-9.-]*$/, 'lower-case letters, digits, dots and hyphens')
    .max(200)
    .optional()
    .describe('stable key, unique in the database (e.g. "fahy2004")'),
  visibility: VisibilitySchema.default('private'),
  projectId: UuidSchema.optional().describe('required when visibility is project')
});
export type CreateReference = z.input<typeof CreateReferenceSchema>;

export const UpdateReferenceSchema = z
  .strictObject({
    citation: z.string().trim().min(1).max(5000),
    doi: DoiSchema.nullable(),
    url: UrlSchema.nullable(),
    licence: z.string().max(500).nullable(),
    visibility: VisibilitySchema,
    projectId: UuidSchema.nullable()
  })
  .partial();
export type UpdateReference = z.input<typeof UpdateReferenceSchema>;

export const ReferenceSchema = z.object({
  id: UuidSchema,
  key: z.string().nullable(),
  citation: z.string(),
  doi: z.string().nullable(),
  url: z.string().nullable(),
  licence: z.string().nullable(),
  visibility: VisibilitySchema,
  projectId: UuidSchema.nullable(),
  ownerId: UuidSchema,
  createdAt: z.string()
});
export type Reference = z.infer<typeof ReferenceSchema>;
export const ReferencePageSchema = pageSchema(ReferenceSchema);

export const ReferenceQuerySchema = z.object({
  q: z.string().max(200).optional().describe('text in the citation or the DOI'),
  limit: queryLimit(200, 50),
  cursor: CursorSchema.optional()
});

// ---------------------------------------------------------------------------------------------
// Experiments.

/** Conditions of a measurement or an experiment; temperatures in kelvin. */
export const ConditionsSchema = z
  .object({
    temperatureKelvin: z.number().positive().optional().describe('K')
  })
  .catchall(z.unknown())
  .superRefine(boundedJsonDepth)
  .describe('free-form conditions, e.g. temperatureKelvin, concentration, coolingRateKPerMin');

export const CreateExperimentSchema = z.strictObject({
  title: z.string().trim().min(1).max(500),
  protocol: z.string().max(100_000).default(''),
  conditions: ConditionsSchema.default({}),
  performedAt: DateTimeSchema.optional(),
  visibility: VisibilitySchema.default('private'),
  projectId: UuidSchema.optional().describe('required when visibility is project')
});
export type CreateExperiment = z.input<typeof CreateExperimentSchema>;

export const UpdateExperimentSchema = z
  .strictObject({
    title: z.string().trim().min(1).max(500),
    protocol: z.string().max(100_000),
    conditions: ConditionsSchema,
    performedAt: DateTimeSchema.nullable(),
    visibility: VisibilitySchema,
    projectId: UuidSchema.nullable()
  })
  .partial();
export type UpdateExperiment = z.input<typeof UpdateExperimentSchema>;

export const ExperimentSchema = z.object({
  id: UuidSchema,
  title: z.string(),
  protocol: z.string(),
  conditions: z.record(z.string(), z.unknown()),
  performedAt: z.string().nullable(),
  visibility: VisibilitySchema,
  projectId: UuidSchema.nullable(),
  ownerId: UuidSchema,
  createdAt: z.string()
});
export type Experiment = z.infer<typeof ExperimentSchema>;
export const ExperimentPageSchema = pageSchema(ExperimentSchema);

export const ExperimentQuerySchema = z.object({
  q: z.string().max(200).optional().describe('text in the title'),
  limit: queryLimit(200, 50),
  cursor: CursorSchema.optional()
});

// ---------------------------------------------------------------------------------------------
// Measurements.

const measurementFields = {
  propertyType: z.string().min(1).max(100).describe('property type key, e.g. glass_transition'),
  moleculeId: UuidSchema.optional().describe('the measured molecule (or mixtureId, not both)'),
  mixtureId: UuidSchema.optional().describe('the measured mixture (or moleculeId, not both)'),
  value: z.number().describe('in unit; stored in the property type canonical unit'),
  unit: z
    .string()
    .min(1)
    .max(50)
    .describe('the canonical unit or an exactly convertible one (see GET /api/property-types)'),
  uncertainty: z.number().nonnegative().optional().describe('in unit, like value'),
  conditions: ConditionsSchema.default({}),
  method: z.string().max(5000).default(''),
  note: z.string().max(10_000).default(''),
  referenceId: UuidSchema.optional().describe('literature source (this or experimentId or both)'),
  experimentId: UuidSchema.optional().describe('experiment (this or referenceId or both)')
};

export const CreateMeasurementSchema = z.strictObject({
  ...measurementFields,
  visibility: VisibilitySchema.default('private'),
  projectId: UuidSchema.optional().describe('required when visibility is project')
});
export type CreateMeasurement = z.input<typeof CreateMeasurementSchema>;

export const UpdateMeasurementSchema = z
  .strictObject({
    value: z.number(),
    unit: z
      .string()
      .min(1)
      .max(50)
      .describe('unit of value and uncertainty in this request; the canonical unit by default'),
    uncertainty: z.number().nonnegative().nullable(),
    conditions: ConditionsSchema,
    method: z.string().max(5000),
    note: z.string().max(10_000),
    visibility: VisibilitySchema,
    projectId: UuidSchema.nullable()
  })
  .partial();
export type UpdateMeasurement = z.input<typeof UpdateMeasurementSchema>;

export const UnitConversionReportSchema = z
  .object({
    fromValue: z.number(),
    fromUnit: z.string(),
    fromUncertainty: z.number().nullable(),
    toUnit: z.string(),
    rule: z.string()
  })
  .describe('how a value sent in another unit was converted to the canonical unit');
export type UnitConversionReport = z.infer<typeof UnitConversionReportSchema>;

export const MeasurementSchema = z.object({
  id: UuidSchema,
  propertyType: z.string(),
  unit: z.string().describe('always the canonical unit of the property type'),
  moleculeId: UuidSchema.nullable(),
  mixtureId: UuidSchema.nullable(),
  value: z.number(),
  uncertainty: z.number().nullable(),
  conditions: z.record(z.string(), z.unknown()),
  method: z.string(),
  note: z.string(),
  referenceId: UuidSchema.nullable(),
  experimentId: UuidSchema.nullable(),
  verified: z.boolean(),
  visibility: VisibilitySchema,
  projectId: UuidSchema.nullable(),
  ownerId: UuidSchema,
  createdAt: z.string()
});
export type Measurement = z.infer<typeof MeasurementSchema>;
export const MeasurementPageSchema = pageSchema(MeasurementSchema);

export const SavedMeasurementSchema = MeasurementSchema.extend({
  conversion: UnitConversionReportSchema.nullable()
});
export type SavedMeasurement = z.infer<typeof SavedMeasurementSchema>;

export const MeasurementQuerySchema = z.object({
  propertyType: z.string().max(100).optional(),
  moleculeId: UuidSchema.optional(),
  mixtureId: UuidSchema.optional(),
  referenceId: UuidSchema.optional(),
  experimentId: UuidSchema.optional(),
  verified: z.enum(['true', 'false']).optional(),
  minValue: queryNumber().optional().describe('canonical unit; needs propertyType'),
  maxValue: queryNumber().optional().describe('canonical unit; needs propertyType'),
  limit: queryLimit(500, 100),
  cursor: CursorSchema.optional()
});
export type MeasurementQuery = {
  propertyType?: string;
  moleculeId?: string;
  mixtureId?: string;
  referenceId?: string;
  experimentId?: string;
  verified?: boolean;
  minValue?: number;
  maxValue?: number;
};

export const BatchMeasurementRowSchema = z.object({
  ...measurementFields,
  inchikey: z
    .string()
    .max(100)
    .optional()
    .describe('names the molecule by InChIKey instead of moleculeId (a visible molecule)')
});

export const BatchMeasurementsSchema = z.strictObject({
  rows: z.array(BatchMeasurementRowSchema.strict()).min(1).max(5000),
  visibility: VisibilitySchema.default('private'),
  projectId: UuidSchema.optional(),
  dryRun: z.boolean().default(false).describe('validate and report row by row; write nothing')
});
export type BatchMeasurements = z.input<typeof BatchMeasurementsSchema>;

export const BatchMeasurementReportSchema = z.object({
  dryRun: z.boolean(),
  written: z.boolean(),
  counts: z.object({ valid: z.number(), invalid: z.number() }),
  rows: z.array(
    z.object({
      row: z.number().int().describe('0-based index in rows'),
      outcome: z.enum(['valid', 'invalid']),
      measurementId: UuidSchema.nullable().describe('the written record (null in a dry run)'),
      moleculeId: UuidSchema.nullable(),
      mixtureId: UuidSchema.nullable(),
      value: z.number().nullable().describe('in the canonical unit'),
      unit: z.string().nullable().describe('the canonical unit'),
      conversion: UnitConversionReportSchema.nullable(),
      errors: z.array(z.object({ path: z.string(), message: z.string() }))
    })
  )
});
export type BatchMeasurementReport = z.infer<typeof BatchMeasurementReportSchema>;
