import type {
  CreateMixture,
  CryoProtectClient,
  MixtureRecord,
  Visibility
} from '@cryoprotect/kernel';
import type { IReadComponent } from './evaluate';
import type { ComposerModel, FormField, IFieldMessage, RowField } from './model';

/** What the Save section holds besides the rows. */
export interface ISaveForm {
  name: string;
  description: string;
  visibility: Visibility;
  /** Required when visibility is 'project'. */
  projectId: string;
}

/** The server's limits (CreateMixtureSchema), told before anything is sent. */
const NAME_MAX = 500;
const DESCRIPTION_MAX = 10_000;

/** Why the Save section cannot save yet; empty when it can (the rows are checked elsewhere). */
export function saveFormMessages(form: ISaveForm): IFieldMessage[] {
  const messages: IFieldMessage[] = [];
  const name = form.name.trim();
  if (name === '') {
    messages.push({ row: null, field: 'name', message: 'name the mixture to save it' });
  } else if (name.length > NAME_MAX) {
    messages.push({ row: null, field: 'name', message: `at most ${NAME_MAX} characters` });
  }
  if (form.description.length > DESCRIPTION_MAX) {
    messages.push({
      row: null,
      field: 'description',
      message: `at most ${DESCRIPTION_MAX} characters`
    });
  }
  if (form.visibility === 'project' && form.projectId === '') {
    messages.push({
      row: null,
      field: 'project',
      message: 'choose the project that may see it'
    });
  }
  return messages;
}

/**
 * The two request bodies of a save, built from the rows as the kernel read them: the structures
 * to register (each row's canonical SMILES, with the reference name when it is a reference), and
 * the mixture whose components the registration's ids fill in.
 */
export function saveBodies(
  model: ComposerModel,
  read: readonly IReadComponent[],
  form: ISaveForm
): {
  molecules: { structure: string; name?: string }[];
  mixture: Omit<CreateMixture, 'components'> & {
    components: Omit<CreateMixture['components'][number], 'moleculeId'>[];
  };
} {
  const sharing = {
    visibility: form.visibility,
    ...(form.visibility === 'project' ? { projectId: form.projectId } : {})
  };
  return {
    molecules: read.map(c => ({
      structure: c.smiles,
      // A SMILES typed as the component is no name; a reference cryoprotectant brings its own.
      ...(c.reference ? { name: c.name } : {})
    })),
    mixture: {
      name: form.name.trim(),
      description: form.description.trim(),
      ...sharing,
      components: model.components.map((row, i) => ({
        amount: Number(row.amount.trim()),
        unit: row.unit,
        role: read[i].role
      }))
    }
  };
}

/** A save that went through, or why it did not (messages under the inputs they concern). */
export type SaveOutcome =
  | { saved: true; mixture: MixtureRecord; registered: number }
  | {
      saved: false;
      messages: IFieldMessage[];
      /** A failure that is not about an input (no server, no token, 403): for connection.explain. */
      cause: unknown;
      /** New molecule records written before the mixture failed; they stay in the database. */
      registered: number;
    };

/**
 * Save the composer's mixture: every component must be a registered molecule, so the structures
 * are registered first in one all-or-nothing batch (an existing record is reused, never copied),
 * then the mixture is created from their ids. These are two requests and two transactions: when
 * the second fails, molecules the first registered stay (valid records anyone may reuse), and
 * the outcome says how many. The server's 422 errors come back filed under rows and inputs.
 */
export async function saveMixture(
  client: CryoProtectClient,
  model: ComposerModel,
  read: readonly IReadComponent[],
  form: ISaveForm
): Promise<SaveOutcome> {
  const bodies = saveBodies(model, read, form);
  let ids: string[];
  let registered: number;
  try {
    const report = await client.moleculeSearch.registerBatch({
      rows: bodies.molecules,
      visibility: form.visibility,
      ...(form.visibility === 'project' ? { projectId: form.projectId } : {})
    });
    ids = report.rows.map(r => r.moleculeId ?? '');
    registered = report.counts.new;
  } catch (error) {
    return { saved: false, registered: 0, ...messagesOfError(error) };
  }
  try {
    const mixture = await client.mixtures.create({
      ...bodies.mixture,
      components: bodies.mixture.components.map((c, i) => ({ ...c, moleculeId: ids[i] }))
    });
    return { saved: true, mixture, registered };
  } catch (error) {
    return { saved: false, registered, ...messagesOfError(error) };
  }
}

/**
 * A failed request as the composer shows it: a 422 (or 409) whose errors name body fields becomes
 * messages on those rows and inputs; anything else is a cause for connection.explain.
 */
export function messagesOfError(error: unknown): { messages: IFieldMessage[]; cause: unknown } {
  const problem = error as {
    name?: string;
    status?: number;
    errors?: { path: string; message: string }[];
    problem?: { detail?: string };
  };
  if (problem?.name !== 'ApiError' || (problem.status !== 422 && problem.status !== 409)) {
    return { messages: [], cause: error };
  }
  const errors = problem.errors ?? [];
  if (errors.length === 0) {
    return {
      messages: [
        { row: null, field: 'mixture', message: problem.problem?.detail ?? String(error) }
      ],
      cause: null
    };
  }
  return { messages: errors.map(e => messageOfPath(e.path, e.message)), cause: null };
}

/**
 * Where a server error path points in the composer: `body.components[1].amount` (the mixture) and
 * `body.rows[1].structure` (the registration batch) are row 2's amount and component.
 */
export function messageOfPath(path: string, message: string): IFieldMessage {
  const row = /^body\.(?:components|rows)\[(\d+)\](?:\.(\w+))?/.exec(path);
  if (row) {
    const part = row[2];
    const field: RowField =
      part === 'amount' || part === 'unit' || part === 'role' ? part : 'component';
    return { row: Number(row[1]), field, message };
  }
  const form = /^body\.(name|description|visibility|projectId)$/.exec(path);
  if (form) {
    const field: FormField = form[1] === 'projectId' ? 'project' : (form[1] as FormField);
    return { row: null, field, message };
  }
  return {
    row: null,
    field: 'mixture',
    message: path === 'body.components' ? message : `${path}: ${message}`
  };
}
