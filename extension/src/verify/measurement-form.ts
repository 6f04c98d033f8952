import type { VerificationMeasurementInput } from '@cryoprotect/kernel';
import { numberFromField } from '../number-field';

/** The fields of the "Record measurement" form, each with a place for its problem. */
export const MEASUREMENT_FIELDS = [
  'value',
  'unit',
  'uncertainty',
  'replicates',
  'method',
  'equipment',
  'conditions',
  'performedAt',
  'note'
] as const;
export type MeasurementField = (typeof MEASUREMENT_FIELDS)[number];

/** Where a problem is shown: under a measurement field, under the reject reason, or over the form. */
export type ProblemField = MeasurementField | 'reason' | 'form';

export interface IFieldProblem {
  field: ProblemField;
  message: string;
}

/** The form as typed: numbers and dates are still text, judged by parseMeasurementForm. */
export interface IMeasurementForm {
  value: string;
  unit: string;
  uncertainty: string;
  replicates: string;
  method: string;
  equipment: string;
  /** Key/value rows; rows with an empty key and value are ignored. */
  conditions: { key: string; value: string }[];
  /** As an <input type="datetime-local"> gives it (local time, no zone), or ''. */
  performedAt: string;
  note: string;
}

export function emptyMeasurementForm(unit: string): IMeasurementForm {
  return {
    value: '',
    unit,
    uncertainty: '',
    replicates: '',
    method: '',
    equipment: '',
    conditions: [],
    performedAt: '',
    note: ''
  };
}

/**
 * The body of POST /api/verifications/:id/measured ({ measurement }), or the problems that keep
 * it from being sent, each naming its field. Unit conversion is the server's: a unit it cannot
 * convert comes back as a field error under "unit".
 */
export function parseMeasurementForm(
  form: IMeasurementForm
):
  | { input: VerificationMeasurementInput; problems: [] }
  | { input: null; problems: IFieldProblem[] } {
  const problems: IFieldProblem[] = [];
  const value = numberFromField(form.value);
  if (form.value.trim() === '') {
    problems.push({ field: 'value', message: 'give the measured value' });
  } else if (value === null) {
    problems.push({
      field: 'value',
      message: `the value must be a number (got "${form.value.trim()}")`
    });
  }
  const unit = form.unit.trim();
  if (unit === '') {
    problems.push({ field: 'unit', message: 'choose the unit the value is in' });
  }
  let uncertainty: number | undefined;
  if (form.uncertainty.trim() !== '') {
    const parsed = numberFromField(form.uncertainty);
    if (parsed === null || parsed < 0) {
      problems.push({
        field: 'uncertainty',
        message: `the uncertainty must be a number of at least 0, in the value's unit (got "${form.uncertainty.trim()}")`
      });
    } else {
      uncertainty = parsed;
    }
  }
  let replicates: number | undefined;
  if (form.replicates.trim() !== '') {
    const parsed = numberFromField(form.replicates);
    if (parsed === null || !Number.isInteger(parsed) || parsed < 1 || parsed > 100_000) {
      problems.push({
        field: 'replicates',
        message: `replicates must be a whole number from 1 to 100000 (got "${form.replicates.trim()}")`
      });
    } else {
      replicates = parsed;
    }
  }
  const conditions: Record<string, unknown> = {};
  for (const [index, row] of form.conditions.entries()) {
    const key = row.key.trim();
    const text = row.value.trim();
    if (key === '' && text === '') {
      continue;
    }
    if (key === '') {
      problems.push({
        field: 'conditions',
        message: `condition ${index + 1} has a value but no name`
      });
      continue;
    }
    if (key in conditions) {
      problems.push({ field: 'conditions', message: `condition "${key}" is given twice` });
      continue;
    }
    // Numbers stay numbers (temperatureKelvin must be one); anything else is kept as text.
    conditions[key] = numberFromField(text) ?? text;
  }
  let performedAt: string | undefined;
  if (form.performedAt.trim() !== '') {
    const date = new Date(form.performedAt.trim());
    if (Number.isNaN(date.getTime())) {
      problems.push({
        field: 'performedAt',
        message: `"performed at" must be a date and time (got "${form.performedAt.trim()}")`
      });
    } else if (date.getTime() > Date.now() + 5 * 60_000) {
      problems.push({
        field: 'performedAt',
        message: 'a measurement cannot be performed in the future'
      });
    } else {
      performedAt = date.toISOString();
    }
  }
  if (problems.length > 0) {
    return { input: null, problems };
  }
  return {
    input: {
      value: value!,
      unit,
      ...(uncertainty === undefined ? {} : { uncertainty }),
      ...(replicates === undefined ? {} : { replicates }),
      method: form.method.trim(),
      equipment: form.equipment.trim(),
      conditions,
      note: form.note.trim(),
      ...(performedAt === undefined ? {} : { performedAt })
    },
    problems: []
  };
}

/**
 * The server's field errors (errors[].path such as body.measurement.unit or body.reason) under
 * the fields they name; anything else over the form, with its path.
 */
export function serverFieldProblems(error: unknown): IFieldProblem[] {
  const problem = error as { name?: string; errors?: { path: string; message: string }[] };
  if (problem?.name !== 'ApiError' || !Array.isArray(problem.errors)) {
    return [];
  }
  return problem.errors.map(({ path, message }) => {
    const parts = path.replace(/^body\./, '').split('.');
    if (parts[0] === 'reason') {
      return { field: 'reason', message };
    }
    const name = parts[0] === 'measurement' ? parts[1] : undefined;
    if (name !== undefined && (MEASUREMENT_FIELDS as readonly string[]).includes(name)) {
      const inner = parts.slice(2).join('.');
      return { field: name as MeasurementField, message: inner ? `${inner}: ${message}` : message };
    }
    return { field: 'form', message: `${path}: ${message}` };
  });
}
