import type {
  CreatePredictions,
  CreateVerification,
  Measurement,
  ModelVersion,
  PredictedRow,
  RealCoverageSummary,
  SavedModel,
  Visibility
} from '@cryoprotect/kernel';
import { formatLevel, formatNumber, formatQuantity } from '@cryoprotect/kernel/display';

type Kernel = typeof import('@cryoprotect/kernel');

/** Figures of predicted values and metrics: a model's error rarely earns more. */
export const DIGITS = 4;

/** One cross-validated metric as registered, with its interval when the version has one. */
export interface IMetricView {
  name: string;
  value: number;
  lower: number | null;
  upper: number | null;
  /** e.g. "95 % bootstrap percentile, 1000 resamples". */
  interval: string | null;
}

/** What the panel shows of a model version before anything is predicted. */
export interface IModelSummary {
  /** name@version */
  reference: string;
  /** The target's property key, as the API names it (e.g. glass_transition). */
  target: string;
  /** The target as a person reads it (e.g. "glass transition"). */
  targetName: string;
  unit: string;
  /** The training snapshot's hash, first 12 hex digits (the full one in a title). */
  snapshot: string;
  snapshotHash: string;
  learner: string;
  /** e.g. "5-fold cross-validation grouped by inchikey". */
  validation: string | null;
  metrics: IMetricView[];
  /** The cross-validated coverage of the intervals, e.g. "90 % promised, 88.1 % held (n = 42)". */
  validationCoverage: string | null;
  /** Applicability: what the model reads, how much it was trained on, notes registered with it. */
  notes: string[];
  /** The saved model, or why the version cannot predict. */
  saved: SavedModel | null;
  problem: string | null;
  /** Whether it predicts mixtures (a mixture column) rather than single molecules. */
  mixture: boolean;
  /** Condition inputs the model needs, by column name. */
  conditions: string[];
  real: IRealCoverageView;
}

/** A version's real coverage (verified measurements of its predictions), in words. */
export interface IRealCoverageView {
  text: string;
  /** Even the upper confidence bound is below the promised level. */
  belowPromise: boolean;
}

/**
 * A property key as a person reads it: "glass_transition" -> "glass transition" (the key itself
 * is what the API and a notebook use; the panel shows it only in tooltips).
 */
export function propertyName(key: string): string {
  return key.replace(/_/g, ' ');
}

/** "glycerol-Tg@3". */
export function versionReference(version: Pick<ModelVersion, 'name' | 'version'>): string {
  return `${version.name}@${version.version}`;
}

/** The option text of a version in the chooser. */
export function versionLabel(version: ModelVersion): string {
  const flag = version.realCoverage?.belowPromise ? ' ⚠ below promised coverage' : '';
  return `${versionReference(version)} · ${propertyName(version.targetPropertyType)} (${version.targetUnit}) · ${version.learner}${flag}`;
}

/** Everything the panel says about a version, read with the kernel's own artifact parser. */
export function summarize(kernel: Kernel, version: ModelVersion): IModelSummary {
  let saved: SavedModel | null = null;
  let problem: string | null = null;
  try {
    saved = kernel.savedModelFromVersion(version);
  } catch (error) {
    problem = (error as Error).message;
  }
  const metrics = Private.metrics(version.metrics);
  const registered = version.metrics as Record<string, unknown>;
  const folds = typeof registered.folds === 'number' ? registered.folds : null;
  const groupBy = typeof registered.groupBy === 'string' ? registered.groupBy : null;
  const validation =
    folds === null
      ? null
      : `${folds}-fold cross-validation${groupBy && groupBy !== 'none' ? ` grouped by ${groupBy}` : ''}`;
  const conditions = saved?.featurizer.conditions ?? [];
  const mixture = saved?.featurizer.mixture === true;
  const notes: string[] = [];
  if (saved) {
    notes.push(
      mixture
        ? `Predicts mixtures (their text form, e.g. "glycerol: 20 % w/w"), not single molecules.`
        : 'Predicts single molecules from their structure.'
    );
    if (saved.trainingRows > 0) {
      notes.push(
        `Trained on ${saved.trainingRows} rows: structures unlike them are extrapolation, whatever the interval says.`
      );
    }
    if (conditions.length > 0) {
      notes.push(`Needs the conditions ${conditions.join(', ')} as inputs.`);
    }
    notes.push(
      `Intervals: ${formatLevel(saved.conformal.level)} ${saved.conformal.method}, half-width ${formatQuantity(saved.conformal.halfWidth, version.targetUnit, DIGITS)} (calibrated on ${saved.conformal.calibrationSize} rows).`
    );
  }
  notes.push(...Private.registeredNotes(registered));
  return {
    reference: versionReference(version),
    target: version.targetPropertyType,
    targetName: propertyName(version.targetPropertyType),
    unit: version.targetUnit,
    snapshot: version.snapshotHash.slice(0, 12),
    snapshotHash: version.snapshotHash,
    learner: version.learner,
    validation,
    metrics,
    validationCoverage: Private.validationCoverage(registered.coverage),
    notes,
    saved,
    problem,
    mixture,
    conditions,
    real: realCoverageView(version.realCoverage, version.targetUnit)
  };
}

/** The real coverage summary in one sentence, flagged when it falls below its promise. */
export function realCoverageView(
  real: RealCoverageSummary | null,
  unit: string
): IRealCoverageView {
  if (real === null || real.count === 0) {
    return {
      text: 'No verified result yet: request verification of a prediction to start measuring how the intervals hold.',
      belowPromise: false
    };
  }
  const parts = [`${real.count} verified prediction${real.count === 1 ? '' : 's'}`];
  if (real.coverage !== null) {
    const ci = real.coverageInterval;
    parts.push(
      `${real.covered} of ${real.withInterval} inside their interval: coverage ${formatLevel(real.coverage)}` +
        (ci
          ? ` (${formatLevel(ci.confidence)} CI ${formatLevel(ci.lower)}–${formatLevel(ci.upper)})`
          : '') +
        (real.promisedLevel !== null ? ` vs ${formatLevel(real.promisedLevel)} promised` : '')
    );
  }
  if (real.mae !== null) {
    parts.push(`MAE ${formatQuantity(real.mae, unit, DIGITS)}`);
  }
  return {
    text: `${parts.join('; ')}.${real.belowPromise ? ' Below its promise: even the upper bound of the coverage interval is under the promised level; widen or retrain before trusting its intervals.' : ''}`,
    belowPromise: real.belowPromise
  };
}

/** What the user typed for the subject and the conditions. */
export interface IPredictForm {
  /** A SMILES (molecule models) or a mixture's text form (mixture models). */
  subject: string;
  /** The typed condition values by the model's column name. */
  conditions: Record<string, string>;
}

/** Which input a message is about: the subject, or `condition:<name>`. */
export type PredictField = 'subject' | `condition:${string}`;

/** The condition values as numbers, or messages under the fields that are wrong. */
export function readConditions(
  needed: readonly string[],
  typed: Record<string, string>
): { values: Record<string, number>; messages: Map<PredictField, string> } {
  const values: Record<string, number> = {};
  const messages = new Map<PredictField, string>();
  for (const name of needed) {
    const text = (typed[name] ?? '').trim();
    if (text === '') {
      messages.set(`condition:${name}`, `the model needs ${name}`);
    } else if (!Private.NUMBER.test(text) || !Number.isFinite(Number(text))) {
      messages.set(`condition:${name}`, `"${text}" is not a number`);
    } else {
      values[name] = Number(text);
    }
  }
  return { values, messages };
}

/** A prediction made in the browser, or the messages under the inputs that stopped it. */
export type PredictOutcome =
  | { ok: true; row: PredictedRow; level: number }
  | { ok: false; messages: Map<PredictField, string> };

/**
 * Predict one molecule (SMILES) or one mixture (text form) with the kernel, exactly as a notebook
 * would (predictMolecules / predictCsvText); a rejected input comes back under its field.
 */
export async function predictOne(
  kernel: Kernel,
  saved: SavedModel,
  form: IPredictForm
): Promise<PredictOutcome> {
  const needed = saved.featurizer.conditions ?? [];
  const { values, messages } = readConditions(needed, form.conditions);
  const subject = form.subject.trim();
  const mixture = saved.featurizer.mixture === true;
  if (subject === '') {
    messages.set(
      'subject',
      mixture ? 'open a saved mixture or type its text form' : 'type a SMILES or draw the molecule'
    );
  }
  if (messages.size > 0) {
    return { ok: false, messages };
  }
  const predictions = mixture
    ? await kernel.predictCsvText(
        saved,
        [
          [saved.mixtureColumn ?? 'Mixture', ...needed].map(kernel.csvCell).join(','),
          [kernel.csvCell(subject), ...needed.map(c => String(values[c]))].join(',')
        ].join('\n')
      )
    : await kernel.predictMolecules(saved, [{ smiles: subject, conditions: values }]);
  const row = predictions.rows[0];
  if (row === undefined) {
    const rejected = predictions.rejected[0];
    const column = rejected?.column ?? '';
    const field: PredictField = needed.includes(column) ? `condition:${column}` : 'subject';
    return {
      ok: false,
      messages: new Map([[field, rejected?.reason ?? 'the model could not read it']])
    };
  }
  return { ok: true, row, level: saved.conformal.level };
}

/** "191.2 K (90 % interval 185.0 to 197.4 K)". */
export function predictionText(row: PredictedRow, level: number, unit: string): string {
  return `${formatQuantity(row.prediction, unit, DIGITS)} (${formatLevel(level)} interval ${formatNumber(row.lower, DIGITS)} to ${formatQuantity(row.upper, unit, DIGITS)})`;
}

/** A measured value already in the database for the same structure, as the comparison table shows it. */
export interface IMeasuredRow {
  value: string;
  unit: string;
  source: string;
  verified: boolean;
  /** Whether it lies inside the prediction's interval (null before a prediction). */
  inside: boolean | null;
}

/** The comparison table's rows: value, unit, where it came from, verified, inside the interval. */
export function measuredRows(
  measurements: readonly Measurement[],
  citations: ReadonlyMap<string, string>,
  row: PredictedRow | null
): IMeasuredRow[] {
  return measurements.map(m => ({
    value:
      formatNumber(m.value, DIGITS) +
      (m.uncertainty === null ? '' : ` ± ${formatNumber(m.uncertainty, 2)}`),
    unit: m.unit,
    source:
      m.referenceId !== null
        ? (citations.get(m.referenceId) ?? `reference ${m.referenceId}`)
        : m.experimentId !== null
          ? `experiment${m.method ? ` (${m.method})` : ''}`
          : m.method || 'measurement',
    verified: m.verified,
    inside: row === null ? null : m.value >= row.lower && m.value <= row.upper
  }));
}

/** Who may see what the panel stores: the prediction and its verification request alike. */
export interface ISharing {
  visibility: Visibility;
  /** Required when visibility is 'project'. */
  projectId: string;
}

/** The verification request's form. */
export interface IVerificationForm extends ISharing {
  plannedExperiment: string;
  assigneeId: string;
  /** YYYY-MM-DD, or empty. */
  dueOn: string;
}

/** Inputs of the store / verification section a message can sit under. */
export type RequestField =
  | 'plannedExperiment'
  | 'assignee'
  | 'dueOn'
  | 'visibility'
  | 'project'
  | 'subject'
  | 'conditions'
  | 'form';

/** What the form cannot send yet, by field; empty when it can. */
export function sharingMessages(form: ISharing): Map<RequestField, string> {
  const messages = new Map<RequestField, string>();
  if (form.visibility === 'project' && form.projectId === '') {
    messages.set('project', 'choose the project that may see it');
  }
  return messages;
}

export function verificationMessages(form: IVerificationForm): Map<RequestField, string> {
  const messages = sharingMessages(form);
  const due = form.dueOn.trim();
  if (due !== '') {
    const date = new Date(`${due}T00:00:00Z`);
    if (!/^\d{4}-\d{2}-\d{2}$/.test(due) || Number.isNaN(date.getTime())) {
      messages.set('dueOn', `"${due}" is not a date (YYYY-MM-DD)`);
    } else if (!date.toISOString().startsWith(due)) {
      messages.set('dueOn', `${due} is not a calendar date`);
    }
  }
  if (form.plannedExperiment.length > 10_000) {
    messages.set('plannedExperiment', 'at most 10000 characters');
  }
  return messages;
}

/** Where the panel stands, for saying why an action is not available. */
export interface IActionState {
  /** A model version is chosen. */
  version: boolean;
  /** Why the chosen version cannot predict (its artifact), if it cannot. */
  problem: string | null;
  mixture: boolean;
  /** The subject field is empty. */
  emptySubject: boolean;
  /** A prediction is shown. */
  predicted: boolean;
  /** Typing has not settled or the prediction is being computed. */
  predicting: boolean;
  /** A store or request is on its way. */
  busy: boolean;
}

const FIELD_LABELS: Record<RequestField, string> = {
  plannedExperiment: 'Planned experiment',
  assignee: 'Assignee',
  dueOn: 'Due',
  visibility: 'Visible to',
  project: 'Project',
  subject: 'the subject',
  conditions: 'the conditions',
  form: 'the form'
};

/**
 * Why an action cannot be taken now, as the end of "To request verification, …" (lower case, no
 * final stop); null when it can. `messages` are what stops the action in the store form
 * (verificationMessages for a request, sharingMessages for storing, none for inserting code).
 */
export function actionBlocker(
  state: IActionState,
  messages: ReadonlyMap<RequestField, string> = new Map()
): string | null {
  if (!state.version) {
    return 'choose a model version first';
  }
  if (state.problem !== null) {
    return 'choose another model version: this one cannot predict (see above)';
  }
  if (state.busy) {
    return 'wait for the last request to finish';
  }
  if (state.predicting) {
    return 'wait for the prediction to finish';
  }
  if (!state.predicted) {
    if (state.emptySubject) {
      return state.mixture
        ? 'give a mixture to predict first: open a saved one or type its text form'
        : 'give a molecule to predict first: type a SMILES, draw it or drop one from the database';
    }
    return 'correct the inputs marked above: nothing is predicted yet';
  }
  if (messages.size > 0) {
    const named = [...messages].map(([field, message]) => `${FIELD_LABELS[field]} (${message})`);
    return `correct the marked field${messages.size === 1 ? '' : 's'}: ${named.join(', ')}`;
  }
  return null;
}

/** The subject a stored prediction names: a registered molecule or a saved mixture. */
export type StoredSubject = { moleculeId: string } | { mixtureId: string };

/**
 * Where the prediction stands against the model's training data, as the server records it (the
 * same rule as the kernel's storePredictions): a model saved without adaptive intervals measured
 * no distance (novelty null), so its domain was not checked and neither is recorded.
 */
export function storedDomain(row: Pick<PredictedRow, 'novelty' | 'inDomain'>): {
  novelty: number | null;
  inDomain: boolean | null;
} {
  return { novelty: row.novelty, inDomain: row.novelty === null ? null : row.inDomain };
}

/** The distance beyond which the model's predictions are outside its domain (null: not known). */
export function domainThreshold(saved: SavedModel | null): number | null {
  return saved?.conformal.adaptive?.domainThreshold ?? null;
}

/**
 * POST /api/predictions for one prediction, with its interval and level, its novelty and whether
 * it lies inside the model's applicability domain.
 */
export function predictionBody(
  version: Pick<ModelVersion, 'id'>,
  subject: StoredSubject,
  row: PredictedRow,
  level: number,
  sharing: ISharing
): CreatePredictions {
  return {
    modelVersionId: version.id,
    items: [
      {
        ...subject,
        conditions: row.conditions,
        value: row.prediction,
        lower: row.lower,
        upper: row.upper,
        intervalLevel: level,
        ...storedDomain(row)
      }
    ],
    visibility: sharing.visibility,
    ...(sharing.visibility === 'project' ? { projectId: sharing.projectId } : {})
  };
}

/** POST /api/verifications for a stored prediction. */
export function verificationBody(
  predictionId: string,
  conditions: Record<string, number>,
  form: IVerificationForm
): CreateVerification {
  return {
    predictionId,
    plannedExperiment: form.plannedExperiment.trim(),
    conditions,
    ...(form.assigneeId ? { assigneeId: form.assigneeId } : {}),
    ...(form.dueOn.trim() ? { dueOn: form.dueOn.trim() } : {}),
    visibility: form.visibility,
    ...(form.visibility === 'project' ? { projectId: form.projectId } : {})
  };
}

/**
 * The field a server error path names: `body.dueOn`, `body.assigneeId`, `body.items[0].conditions`,
 * `body.structure`...; anything else is the form's.
 */
export function fieldOfPath(path: string): RequestField {
  const match = /^body\.(\w+)/.exec(path);
  switch (match?.[1]) {
    case 'plannedExperiment':
    case 'dueOn':
    case 'visibility':
      return match[1];
    case 'assigneeId':
      return 'assignee';
    case 'projectId':
      return 'project';
    case 'structure':
      return 'subject';
    case 'conditions':
      return 'conditions';
    case 'items':
      return /\.conditions/.test(path) ? 'conditions' : 'form';
    default:
      return 'form';
  }
}

/**
 * A drop on the subject field: the database sidebar drags the code that loads a record (a
 * molecule by id, a mixture by id); a text editor drags text (a SMILES or a mixture's text form).
 */
export type DroppedSubject =
  | { kind: 'molecule'; id: string }
  | { kind: 'mixture'; id: string }
  | { kind: 'text'; text: string }
  | null;

export function droppedSubject(text: string): DroppedSubject {
  const molecule = /client\.getMolecule\("([0-9a-f-]{36})"\)/.exec(text);
  if (molecule) {
    return { kind: 'molecule', id: molecule[1] };
  }
  const mixture = /client\.mixtures\.get\("([0-9a-f-]{36})"\)/.exec(text);
  if (mixture) {
    return { kind: 'mixture', id: mixture[1] };
  }
  const line = text.trim();
  return line !== '' && !line.includes('\n') ? { kind: 'text', text: line } : null;
}

/** What the inserted cell does besides predicting and showing. */
export interface ICodeOptions {
  version: Pick<ModelVersion, 'name' | 'version' | 'ownerId' | 'targetPropertyType' | 'targetUnit'>;
  mixture: boolean;
  /** SMILES, or the mixture's text form. */
  subject: string;
  conditions: Record<string, number>;
  /** A saved mixture's id (mixture models store predictions against it). */
  mixtureId: string | null;
  store: boolean;
  /** The verification request to make, when the form asks for one. */
  verification: IVerificationForm | null;
}

/**
 * The notebook cell that does what the panel does, through the kernel library and the server
 * JupyterLab was started with (clientFromEnvironment: the kernel's environment holds the token,
 * never the cell).
 */
export function predictionCode(options: ICodeOptions): string {
  const { version, mixture, verification } = options;
  const header = mixture ? 'Mixture' : 'SMILES';
  const needed = Object.keys(options.conditions);
  const imports = [
    'loadRegisteredModel',
    mixture ? 'predictCsvText' : 'predictMolecules',
    'predictionDisplay',
    ...(mixture ? ['csvCell'] : []),
    ...(options.store && !mixture && verification === null && !Private.shared(options)
      ? ['storePredictions']
      : [])
  ].sort();
  const lines = [
    `import { ${imports.join(', ')} } from '@cryoprotect/kernel';`,
    "import { clientFromEnvironment, tslabDisplay } from '@cryoprotect/kernel/node';",
    '',
    'const client = clientFromEnvironment();',
    `const { version, model } = await loadRegisteredModel(client, ${JSON.stringify(version.name)}, ${version.version}, { ownerId: ${JSON.stringify(version.ownerId)} });`
  ];
  if (mixture) {
    lines.push(
      `const csv = [${JSON.stringify([header, ...needed].join(','))}, [${[
        `csvCell(${JSON.stringify(options.subject)})`,
        ...needed.map(c => JSON.stringify(String(options.conditions[c])))
      ].join(', ')}].join(',')].join('\\n');`,
      "const predictions = await predictCsvText(model, csv, { mixtureColumn: 'Mixture' });"
    );
  } else {
    lines.push(
      `const predictions = await predictMolecules(model, [{ smiles: ${JSON.stringify(options.subject)}${needed.length ? `, conditions: ${JSON.stringify(options.conditions)}` : ''} }]);`
    );
  }
  lines.push(
    'await tslabDisplay(',
    '  predictionDisplay(predictions, {',
    '    model: { name: version.name, version: version.version },',
    `    property: { name: ${JSON.stringify(propertyName(version.targetPropertyType))}, unit: version.targetUnit }`,
    '  })',
    ');'
  );
  if (!options.store && verification === null) {
    return lines.join('\n');
  }
  lines.push('');
  if (!mixture && verification === null && !Private.shared(options)) {
    lines.push(
      '// Keep it on the server (the molecule registered or found by structure).',
      'console.log(`stored ${await storePredictions(client, version, model, predictions.rows)} prediction`);'
    );
    return lines.join('\n');
  }
  const sharing = verification ?? { visibility: 'private' as Visibility, projectId: '' };
  const share =
    sharing.visibility === 'project'
      ? `visibility: 'project', projectId: ${JSON.stringify(sharing.projectId)}`
      : `visibility: '${sharing.visibility}'`;
  lines.push('const [row] = predictions.rows;');
  if (mixture) {
    if (options.mixtureId === null) {
      lines.push(
        '// A mixture prediction is stored against a saved mixture: save it in the composer first.'
      );
      return lines.join('\n');
    }
    lines.push(`const subject = { mixtureId: ${JSON.stringify(options.mixtureId)} };`);
  } else {
    lines.push(
      `const { molecule } = await client.registerMolecule({ structure: row.input, ${share} });`,
      'const subject = { moleculeId: molecule.id };'
    );
  }
  lines.push(
    'const [prediction] = await client.predictions.create({',
    '  modelVersionId: version.id,',
    '  items: [',
    '    {',
    '      ...subject,',
    '      conditions: row.conditions,',
    '      value: row.prediction,',
    '      lower: row.lower,',
    '      upper: row.upper,',
    '      intervalLevel: model.conformal.level,',
    '      // How far from the training molecules; a model without adaptive intervals did not measure it.',
    '      novelty: row.novelty,',
    '      inDomain: row.novelty === null ? null : row.inDomain',
    '    }',
    '  ],',
    `  ${share}`,
    '});'
  );
  if (verification === null) {
    lines.push('console.log(`stored prediction ${prediction.id}`);');
    return lines.join('\n');
  }
  lines.push(
    'const verification = await client.verifications.request({',
    '  predictionId: prediction.id,',
    `  plannedExperiment: ${JSON.stringify(verification.plannedExperiment.trim())},`,
    '  conditions: row.conditions,',
    ...(verification.assigneeId
      ? [`  assigneeId: ${JSON.stringify(verification.assigneeId)},`]
      : []),
    ...(verification.dueOn.trim()
      ? [`  dueOn: ${JSON.stringify(verification.dueOn.trim())},`]
      : []),
    `  ${share}`,
    '});',
    'console.log(`verification ${verification.id}: ${verification.state}`);'
  );
  return lines.join('\n');
}

namespace Private {
  // A decimal number as the kernel's CSV reader takes it (no hex, no "Infinity", no spaces).
  export const NUMBER = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;

  export function shared(options: ICodeOptions): boolean {
    return options.verification !== null && options.verification.visibility !== 'private';
  }

  type Interval = {
    value?: unknown;
    lower?: unknown;
    upper?: unknown;
    level?: unknown;
    method?: unknown;
    resamples?: unknown;
  };

  const num = (v: unknown): number | null =>
    typeof v === 'number' && Number.isFinite(v) ? v : null;

  /** MAE, RMSE and R² as registered (modelRegistration writes the kernel's MetricInterval). */
  export function metrics(registered: Record<string, unknown>): IMetricView[] {
    const names: [string, string][] = [
      ['mae', 'MAE'],
      ['rmse', 'RMSE'],
      ['r2', 'R²']
    ];
    const views: IMetricView[] = [];
    for (const [key, name] of names) {
      const entry = registered[key];
      const metric: Interval =
        typeof entry === 'number' ? { value: entry } : ((entry ?? {}) as Interval);
      const value = num(metric.value);
      if (value === null) {
        continue;
      }
      const lower = num(metric.lower);
      const upper = num(metric.upper);
      const level = num(metric.level);
      const resamples = num(metric.resamples);
      views.push({
        name,
        value,
        lower,
        upper,
        interval:
          lower === null || upper === null
            ? null
            : [
                level === null ? null : `${formatLevel(level)}`,
                typeof metric.method === 'string' ? metric.method : null,
                resamples === null ? null : `${resamples} resamples`
              ]
                .filter(Boolean)
                .join(', ') || null
      });
    }
    return views;
  }

  export function validationCoverage(coverage: unknown): string | null {
    const c = (coverage ?? null) as {
      level?: unknown;
      coverage?: unknown;
      count?: unknown;
    } | null;
    const level = num(c?.level);
    const held = num(c?.coverage);
    if (level === null || held === null) {
      return null;
    }
    const count = num(c?.count);
    return `${formatLevel(level)} promised, ${formatLevel(held)} held out of fold${count === null ? '' : ` (n = ${count})`}`;
  }

  /** Notes registered with the version (`applicability`, `notes`: text or a list of texts). */
  export function registeredNotes(registered: Record<string, unknown>): string[] {
    const notes: string[] = [];
    for (const key of ['applicability', 'notes']) {
      const value = registered[key];
      if (typeof value === 'string' && value.trim() !== '') {
        notes.push(value.trim());
      } else if (Array.isArray(value)) {
        notes.push(...value.filter((v): v is string => typeof v === 'string' && v.trim() !== ''));
      }
    }
    return notes;
  }
}
