import type {
  PropertyType,
  RealCoverageSummary,
  Verification,
  VerificationAction,
  VerificationPrediction,
  VerificationRole,
  VerificationState
} from '@cryoprotect/kernel';

/*
 * What the verification queue shows, as plain functions of the server's answers (tested without
 * a DOM). Only types come from the kernel: its values would pull the whole library into the
 * extension's first bundle.
 */

export const ROLES: readonly { role: VerificationRole; label: string; caption: string }[] = [
  { role: 'assigned', label: 'Assigned to me', caption: 'Requests you are to measure' },
  { role: 'requested', label: 'Requested by me', caption: 'Requests you made' },
  { role: 'project', label: 'My projects', caption: 'Requests in the projects you belong to' }
];

export const STATE_LABELS: Record<VerificationState, string> = {
  requested: 'requested',
  in_progress: 'in progress',
  measured: 'measured',
  verified: 'verified',
  rejected: 'rejected'
};

/** The order actions appear in, whatever order the server lists them in. */
export const ACTION_ORDER: readonly VerificationAction[] = [
  'start',
  'measured',
  'verify',
  'reject'
];

export const ACTION_LABELS: Record<VerificationAction, string> = {
  start: 'Start',
  measured: 'Record measurement',
  verify: 'Verify',
  reject: 'Reject'
};

/**
 * The actions to offer: exactly those the server says this user may take now, in a fixed order.
 * Nothing is inferred from the state or from who the user is; the server decides.
 */
export function offeredActions(
  verification: Pick<Verification, 'allowedActions'>
): VerificationAction[] {
  const allowed = new Set(verification.allowedActions);
  return ACTION_ORDER.filter(action => allowed.has(action));
}

/**
 * A number without floating-point noise: up to `digits` significant digits (6: a measured value
 * as entered), no trailing zeros (-83 °C is stored as 190.14999999999998 K and shown as 190.15).
 */
export function formatNumber(value: number, digits = 6): string {
  if (!Number.isFinite(value)) {
    return String(value);
  }
  return String(Number(value.toPrecision(digits)));
}

/**
 * Significant digits of a model's estimate (its value, interval and error), as the prediction
 * panel shows them: a model is not known to 6 digits.
 */
export const ESTIMATE_DIGITS = 4;

/** A share as a percentage: 0.9 -> "90 %", 0.8734 -> "87.3 %". */
export function percent(share: number): string {
  return `${String(Number((share * 100).toPrecision(3)))} %`;
}

/**
 * The prediction with its interval and unit: "190 ± 5 K (95 %)" when the interval is symmetric,
 * "190 K [184–197] (95 %)" when it is not, "190 K" without one.
 */
export function predictionText(
  prediction: Pick<VerificationPrediction, 'value' | 'lower' | 'upper' | 'intervalLevel' | 'unit'>
): string {
  const { value, lower, upper, intervalLevel, unit } = prediction;
  const level = intervalLevel === null ? '' : ` (${percent(intervalLevel)})`;
  const estimate = (x: number) => formatNumber(x, ESTIMATE_DIGITS);
  if (lower === null || upper === null) {
    return `${estimate(value)} ${unit}`;
  }
  const below = value - lower;
  const above = upper - value;
  if (Math.abs(below - above) <= 1e-9 * Math.max(1, Math.abs(value))) {
    return `${estimate(value)} ± ${estimate(above)} ${unit}${level}`;
  }
  return `${estimate(value)} ${unit} [${estimate(lower)}–${estimate(upper)}]${level}`;
}

/** What the verification is about: the subject's name, else its SMILES, else what is known. */
export function subjectText(verification: Pick<Verification, 'prediction'>): string {
  const prediction = verification.prediction;
  if (prediction === null) {
    return 'prediction not visible to you';
  }
  return (
    prediction.subjectName ??
    prediction.smiles ??
    (prediction.mixtureId ? `mixture ${prediction.mixtureId.slice(0, 8)}` : 'unnamed subject')
  );
}

export function modelText(prediction: VerificationPrediction | null): string {
  return prediction ? `${prediction.modelName}@${prediction.modelVersion}` : 'unknown model';
}

/** A user's name from the verification's people map; an id the map lacks is shortened. */
export function personName(verification: Pick<Verification, 'people'>, id: string | null): string {
  if (id === null) {
    return 'nobody';
  }
  return verification.people[id] ?? `user ${id.slice(0, 8)}`;
}

/** Today as YYYY-MM-DD in the researcher's time zone (a due date is a calendar day). */
export function localToday(now: Date = new Date()): string {
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${now.getFullYear()}-${pad(now.getMonth() + 1)}-${pad(now.getDate())}`;
}

/**
 * The due date, and whether it has passed with the work still open (verified or rejected is done):
 * `text` for a row of the queue ("due 2026-12-01 (overdue)"), `date` beside a "Due" label.
 */
export function dueStatus(
  verification: Pick<Verification, 'dueOn' | 'state'>,
  today: string
): { text: string; date: string; overdue: boolean } {
  if (verification.dueOn === null) {
    return { text: 'no due date', date: 'none', overdue: false };
  }
  const open = verification.state !== 'verified' && verification.state !== 'rejected';
  const overdue = open && verification.dueOn < today;
  const date = overdue ? `${verification.dueOn} (overdue)` : verification.dueOn;
  return { text: `due ${date}`, date, overdue };
}

/** An ISO timestamp as a short local date and time. */
export function when(iso: string): string {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) {
    return iso;
  }
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${localToday(date)} ${pad(date.getHours())}:${pad(date.getMinutes())}`;
}

/** The history as rows: from → to, who, when, reason. */
export function historyRows(
  verification: Pick<Verification, 'events' | 'people'>
): { step: string; who: string; at: string; reason: string }[] {
  return verification.events.map(event => ({
    step: `${event.fromState === null ? 'new' : STATE_LABELS[event.fromState]} → ${STATE_LABELS[event.toState]}`,
    who: personName(verification, event.actorId),
    at: when(event.at),
    reason: event.reason ?? ''
  }));
}

/**
 * The units a measurement of the target may be entered in: the canonical one first, then the
 * others the server converts exactly. Without the property type, the canonical unit alone.
 */
export function unitsFor(
  types: readonly Pick<PropertyType, 'key' | 'canonicalUnit' | 'acceptedUnits'>[],
  key: string,
  canonical: string
): string[] {
  const type = types.find(t => t.key === key);
  const units = [type?.canonicalUnit ?? canonical, ...(type?.acceptedUnits ?? [])];
  return units.filter((unit, index) => units.indexOf(unit) === index);
}

/**
 * The warning for a model version whose intervals held less often than promised, even at the
 * upper confidence bound; null when they hold (or nothing was verified yet).
 */
export function coverageWarning(coverage: RealCoverageSummary | null): string | null {
  if (coverage === null || !coverage.belowPromise || coverage.coverage === null) {
    return null;
  }
  const bounds = coverage.coverageInterval
    ? ` [${percent(coverage.coverageInterval.lower)}–${percent(coverage.coverageInterval.upper)}]`
    : '';
  const promised =
    coverage.promisedLevel === null ? '' : ` vs promised ${percent(coverage.promisedLevel)}`;
  return `Intervals too narrow: real coverage ${percent(coverage.coverage)}${bounds}${promised} (${coverage.covered} of ${coverage.withInterval} verified results inside)`;
}

/**
 * One line on how the model's intervals held so far, when anything was verified; the error in
 * `unit`, the model's target unit.
 */
export function coverageSummary(coverage: RealCoverageSummary | null, unit: string): string | null {
  if (coverage === null || coverage.count === 0) {
    return null;
  }
  const share =
    coverage.coverage === null
      ? 'no intervals to check'
      : `${coverage.covered} of ${coverage.withInterval} inside the predicted intervals (${percent(coverage.coverage)})`;
  const mae =
    coverage.mae === null
      ? ''
      : `, MAE ${formatNumber(coverage.mae, ESTIMATE_DIGITS)}${unit ? ` ${unit}` : ''}`;
  return `Real coverage of this model version: ${coverage.count} verified result${coverage.count === 1 ? '' : 's'}, ${share}${mae}`;
}
