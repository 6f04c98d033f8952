import type {
  CryoProtectClient,
  Measurement,
  ModelVersion,
  PredictedRow,
  Prediction,
  Verification
} from '@cryoprotect/kernel';
import {
  fieldOfPath,
  predictionBody,
  propertyName,
  verificationBody,
  type ISharing,
  type IVerificationForm,
  type RequestField,
  type StoredSubject
} from './model';

type Kernel = typeof import('@cryoprotect/kernel');

/** What was predicted, as the server will name it: a structure, or a saved mixture. */
export type PanelSubject =
  | { kind: 'molecule'; smiles: string }
  | { kind: 'mixture'; text: string; mixtureId: string | null };

/** A request that went through, or why not: messages under the fields the server named. */
export type StoreOutcome =
  | { ok: true; prediction: Prediction; verification: Verification | null; notes: string[] }
  | {
      ok: false;
      messages: Map<RequestField, string>;
      /** A failure that is not about an input (no server, 401, 403): for connection.explain. */
      cause: unknown;
      /** The prediction stored before the verification request failed (kept on the server). */
      prediction: Prediction | null;
    };

/**
 * The subject's id on the server: a molecule registered (or found) by structure with the given
 * sharing, or the saved mixture. A structure already registered keeps its own sharing; the note
 * says so when that is narrower than the prediction's (the assignee may not see the structure).
 */
export async function subjectOnServer(
  client: CryoProtectClient,
  subject: PanelSubject,
  sharing: ISharing
): Promise<{ subject: StoredSubject; notes: string[] }> {
  if (subject.kind === 'mixture') {
    if (subject.mixtureId === null) {
      throw new SubjectError(
        'a mixture prediction is stored against a saved mixture: open one with "Open saved…" (or save it in the composer first)'
      );
    }
    return { subject: { mixtureId: subject.mixtureId }, notes: [] };
  }
  const registered = await client.registerMolecule({
    structure: subject.smiles,
    visibility: sharing.visibility,
    ...(sharing.visibility === 'project' ? { projectId: sharing.projectId } : {})
  });
  const m = registered.molecule;
  const notes: string[] = [];
  if (registered.duplicate && m.visibility !== sharing.visibility && m.visibility !== 'public') {
    notes.push(
      `The molecule was already registered (${m.id}, ${m.visibility}); whoever cannot see it sees the prediction without its structure.`
    );
  }
  return { subject: { moleculeId: m.id }, notes };
}

/** The subject cannot be stored as it is (a mixture that was never saved). */
export class SubjectError extends Error {}

/**
 * Keep the prediction on the server (POST /api/predictions with its interval and level, its
 * novelty and whether it lies inside the model's applicability domain), then,
 * when `verification` is given, request its verification (POST /api/verifications). A prediction
 * already stored for the same inputs (`stored`) is reused, so a request that failed once does not
 * store a second copy when tried again.
 */
export async function storeAndRequest(
  client: CryoProtectClient,
  version: Pick<ModelVersion, 'id'>,
  subject: PanelSubject,
  row: PredictedRow,
  level: number,
  sharing: ISharing,
  verification: IVerificationForm | null,
  stored: Prediction | null = null
): Promise<StoreOutcome> {
  let prediction = stored;
  let notes: string[] = [];
  if (prediction === null) {
    try {
      const found = await subjectOnServer(client, subject, sharing);
      notes = found.notes;
      [prediction] = await client.predictions.create(
        predictionBody(version, found.subject, row, level, sharing)
      );
    } catch (error) {
      return { ok: false, prediction: null, ...messagesOfError(error) };
    }
  }
  if (verification === null) {
    return { ok: true, prediction, verification: null, notes };
  }
  try {
    const requested = await client.verifications.request(
      verificationBody(prediction.id, row.conditions, verification)
    );
    return { ok: true, prediction, verification: requested, notes };
  } catch (error) {
    return { ok: false, prediction, ...messagesOfError(error) };
  }
}

/**
 * A failed request as the panel shows it: a 422 or 409 whose errors name body fields becomes
 * messages under those fields; a subject that cannot be stored, a message under the subject;
 * anything else a cause for connection.explain.
 */
export function messagesOfError(error: unknown): {
  messages: Map<RequestField, string>;
  cause: unknown;
} {
  if (error instanceof SubjectError) {
    return { messages: new Map([['subject', error.message]]), cause: null };
  }
  const problem = error as {
    name?: string;
    status?: number;
    errors?: { path: string; message: string }[];
    problem?: { detail?: string };
  };
  if (problem?.name !== 'ApiError' || (problem.status !== 422 && problem.status !== 409)) {
    return { messages: new Map(), cause: error };
  }
  const messages = new Map<RequestField, string>();
  const errors = problem.errors ?? [];
  if (errors.length === 0) {
    messages.set('form', problem.problem?.detail ?? String(error));
  }
  for (const e of errors) {
    const field = fieldOfPath(e.path);
    const text = field === 'form' && e.path ? `${e.path}: ${e.message}` : e.message;
    messages.set(field, messages.has(field) ? `${messages.get(field)}; ${text}` : text);
  }
  return { messages, cause: null };
}

/** How many measured values the comparison lists. */
const MEASURED_COUNT = 50;

/** The measured values of the target already in the database for the same structure or mixture. */
export interface IMeasured {
  /** The record they belong to (null when the structure is not registered or not visible). */
  recordId: string | null;
  measurements: Measurement[];
  /** Citation of each reference a measurement names (the ones visible to you). */
  citations: Map<string, string>;
  /** Why there is nothing to compare with, when there is nothing. */
  note: string;
}

/**
 * Look up the same structure (by its InChIKey, as the molecule editor does) or the saved mixture,
 * and its measured values of `propertyType`.
 */
export async function measuredFor(
  kernel: Kernel,
  client: CryoProtectClient,
  subject: PanelSubject,
  propertyType: string
): Promise<IMeasured> {
  let recordId: string | null;
  if (subject.kind === 'mixture') {
    recordId = subject.mixtureId;
    if (recordId === null) {
      return empty('an unsaved mixture has no measured values in the database');
    }
  } else {
    const { inchikey } = await kernel.standardize(subject.smiles);
    const registration = await client.moleculeRegistration(inchikey);
    if (!registration.molecule) {
      return empty(
        registration.registered
          ? 'the structure is registered by someone who has not shared it with you'
          : 'the structure is not registered: nothing measured yet'
      );
    }
    recordId = registration.molecule.id;
  }
  const measurements: Measurement[] = [];
  for await (const m of client.measurements.list({
    propertyType,
    ...(subject.kind === 'mixture' ? { mixtureId: recordId } : { moleculeId: recordId }),
    pageSize: MEASURED_COUNT
  })) {
    measurements.push(m);
    if (measurements.length >= MEASURED_COUNT) {
      break;
    }
  }
  const citations = new Map<string, string>();
  for (const id of new Set(
    measurements.map(m => m.referenceId).filter((id): id is string => id !== null)
  )) {
    try {
      citations.set(id, (await client.references.get(id)).citation);
    } catch {
      // A reference not visible to you is named by its id.
    }
  }
  return {
    recordId,
    measurements,
    citations,
    note: measurements.length === 0 ? `no ${propertyName(propertyType)} measured for it yet` : ''
  };

  function empty(note: string): IMeasured {
    return { recordId: null, measurements: [], citations: new Map(), note };
  }
}
