import type { CryoProtectClient } from '../api/client';
import type { ModelVersion, RegisterModel, SnapshotCreated } from '../api/models';
import { ApiError } from '../api/transport';
import { recordModelUse } from '../provenance';
import type { SnapshotTable } from '../datasets/canonical';
import {
  describeTrainedModel,
  modelRegistration,
  savedModelFromVersion,
  trainingSettingsOf,
  type SavedModel
} from './artifact';
import type { PredictedRow } from './predict';
import { trainFromSnapshot, type TrainingOptions, type TrainResult } from './training';
import { AUTO_LEARNER } from './auto';

/**
 * The model workflow against a CryoProtect server, the same for the command line, notebooks and
 * the retrain worker: train on the server's measurements, register a trained model (its snapshot
 * and version), load a version by NAME@VERSION, store predictions. Each step takes a client and
 * data and returns results; printing and files are the caller's.
 */

/** The most predictions one request may carry (the server's CreatePredictionsSchema). */
const PREDICTION_BATCH = 5000;

/** "NAME" (latest version), "NAME@3" or "NAME@latest". */
export function parseModelReference(reference: string): {
  name: string;
  version: number | 'latest';
} {
  const match = /^([A-Za-z0-9][A-Za-z0-9_.-]{0,199})(?:@(latest|[1-9][0-9]*))?$/.exec(reference);
  if (!match) {
    throw new Error(
      `model "${reference}": expected NAME or NAME@VERSION (a name of letters, digits, _ . -; a version number or latest)`
    );
  }
  return {
    name: match[1],
    version: match[2] && match[2] !== 'latest' ? Number(match[2]) : 'latest'
  };
}

/**
 * Fetch a model version from the server (the latest when `version` is omitted) and return it with
 * the saved model it holds, ready for predictCsvText. Unknown names and versions are errors naming them.
 */
export async function loadRegisteredModel(
  client: CryoProtectClient,
  name: string,
  version: number | 'latest' = 'latest',
  options: { ownerId?: string } = {}
): Promise<{ version: ModelVersion; model: SavedModel }> {
  const archived = loadArchivedModel(name, version);
  if (archived) {
    return archived;
  }
  let found: ModelVersion;
  try {
    found = await client.models.getVersion(name, version, options);
  } catch (error) {
    if (error instanceof ApiError && error.status === 404) {
      throw new Error(
        version === 'latest'
          ? `model ${name}: no version registered under this name is visible to you`
          : `model ${name} version ${version}: not registered, or not visible to you`
      );
    }
    throw error;
  }
  return useVersion(found);
}

/**
 * Model versions kept outside the server, consulted before it: an exported bundle carries the
 * versions its notebook loaded, and `cryoprotect reproduce` points the kernel at them, so the
 * re-run uses the very versions the run used, with or without that server.
 */
export interface ModelArchive {
  /** Where the versions come from, for messages. */
  source: string;
  versions: readonly ModelVersion[];
}

/** Consult `archive` before the server from now on (null: the server only). */
export function useModelArchive(archive: ModelArchive | null): void {
  Private.state.archive = archive;
}

/** The archived version `name@version` (`latest`: the highest archived), if the archive holds it. */
export function archivedModelVersion(
  name: string,
  version: number | 'latest'
): ModelVersion | undefined {
  const candidates = (Private.state.archive?.versions ?? []).filter(v => v.name === name);
  return version === 'latest'
    ? candidates.reduce<ModelVersion | undefined>(
        (best, v) => (best === undefined || v.version > best.version ? v : best),
        undefined
      )
    : candidates.find(v => v.version === version);
}

/** The archived version `name@version` with its saved model, noted as loaded; else undefined. */
export function loadArchivedModel(
  name: string,
  version: number | 'latest'
): { version: ModelVersion; model: SavedModel } | undefined {
  const archived = archivedModelVersion(name, version);
  return archived ? useVersion(archived) : undefined;
}

function useVersion(found: ModelVersion): { version: ModelVersion; model: SavedModel } {
  const model = savedModelFromVersion(found);
  recordModelUse({
    name: found.name,
    version: found.version,
    use: 'loaded',
    snapshotHash: found.snapshotHash
  });
  return { version: found, model };
}

/**
 * Freeze the measurements of a property type on the server as a snapshot (in a new dataset),
 * then train on it. By default only verified measurements of single molecules; the model trained
 * this way is retrained by the server's worker when new measurements are verified.
 */
export async function trainFromMeasurements(
  client: CryoProtectClient,
  propertyType: string,
  options: Omit<Partial<TrainingOptions>, 'target' | 'smilesColumn' | 'mixtureColumn'> & {
    verifiedOnly?: boolean;
  } = {}
): Promise<{ result: TrainResult; snapshot: SnapshotCreated }> {
  const { verifiedOnly = true, ...settings } = options;
  const dataset = await client.datasets.create({
    name: `${propertyType} measurements`,
    description: `${verifiedOnly ? 'Verified measurements' : 'Measurements'} of ${propertyType} of single molecules, frozen to train ${settings.learner ?? AUTO_LEARNER}`
  });
  const snapshot = await client.snapshots.create(dataset.id, {
    fromMeasurements: { propertyType, verifiedOnly, subject: 'molecule' }
  });
  return { result: await trainFromSnapshot(snapshot, settings), snapshot };
}

/** A model name from what it predicts and how, e.g. "Tg-K-ridge" (letters, digits, _ . -). */
export function defaultModelName(target: string, learner: string): string {
  return `${target}-${learner}`.replace(/[^A-Za-z0-9_.]+/g, '-').replace(/^-+|-+$/g, '');
}

export interface RegistrationOptions {
  name: string;
  /** Property type key the target measures, e.g. glass_transition. */
  propertyType: string;
  codeCommit?: string;
  visibility?: RegisterModel['visibility'];
  projectId?: string;
}

/** The saved model of a training result and the registration that stores it under `snapshotId`. */
export async function registrationOf(
  result: TrainResult,
  snapshotId: string,
  options: RegistrationOptions
): Promise<{ saved: SavedModel; registration: RegisterModel }> {
  const saved = await describeTrainedModel(result);
  return { saved, registration: modelRegistration(saved, { ...options, snapshotId }) };
}

/**
 * Register a trained model on the server: its rows as a snapshot (unless it was trained on one
 * the server holds, given as `snapshot`), then the model version naming that snapshot. The server
 * hashes the snapshot itself; a hash other than the training result's is refused before anything
 * is registered.
 */
export async function registerTrainedModel(
  client: CryoProtectClient,
  result: TrainResult,
  options: RegistrationOptions & { snapshot?: SnapshotCreated }
): Promise<{ version: ModelVersion; saved: SavedModel; snapshot: SnapshotCreated }> {
  const { snapshot: existing, ...registration } = options;
  let snapshot = existing;
  if (!snapshot) {
    const source = result.options.data;
    const dataset = await client.datasets.create({
      name: `${result.options.target} from ${source.split('/').at(-1)}`,
      description: `Rows of ${source} used to train ${result.options.learner}`
    });
    snapshot = await client.snapshots.create(dataset.id, {
      columns: result.snapshot.columns,
      rows: result.snapshot.rows
    });
  }
  if (snapshot.contentHash !== result.snapshot.hash) {
    throw new Error(
      `the server hashed the snapshot as ${snapshot.contentHash}, not ${result.snapshot.hash}: refusing to register`
    );
  }
  const { saved, registration: body } = await registrationOf(result, snapshot.id, registration);
  const version = await client.models.register(body);
  recordModelUse({
    name: version.name,
    version: version.version,
    use: 'registered',
    snapshotHash: version.snapshotHash
  });
  return { version, saved, snapshot };
}

/**
 * Train a registered version again, with its learner, parameters, featurizer, seed, folds and
 * grouping, on a fresh table (what the retrain worker does when new measurements are verified).
 */
export async function retrainVersion(
  version: ModelVersion,
  table: SnapshotTable
): Promise<TrainResult> {
  return trainFromSnapshot(table, trainingSettingsOf(savedModelFromVersion(version)));
}

/**
 * Store predictions of a registered version on the server, each naming the version and carrying
 * its interval, its novelty and whether it lies inside the model's applicability domain. Molecules
 * are registered (or found) by structure; the predictions go in batches of the API's size. Mixture
 * models cannot store predictions yet (predictions are stored per molecule).
 */
export async function storePredictions(
  client: CryoProtectClient,
  version: ModelVersion,
  saved: SavedModel,
  rows: readonly PredictedRow[]
): Promise<number> {
  if (saved.featurizer.mixture) {
    throw new Error(
      'storing predictions of mixtures is not supported yet (predictions are stored per molecule)'
    );
  }
  const molecules = new Map<string, string>();
  for (const row of rows) {
    if (!molecules.has(row.input)) {
      const registered = await client.registerMolecule({ structure: row.input });
      molecules.set(row.input, registered.molecule.id);
    }
  }
  let stored = 0;
  for (let start = 0; start < rows.length; start += PREDICTION_BATCH) {
    const created = await client.predictions.create({
      modelVersionId: version.id,
      items: rows.slice(start, start + PREDICTION_BATCH).map(row => ({
        moleculeId: molecules.get(row.input)!,
        conditions: row.conditions,
        value: row.prediction,
        lower: row.lower,
        upper: row.upper,
        intervalLevel: saved.conformal.level,
        // Where the molecule stands against the training data. A model saved without adaptive
        // intervals measured no distance: its domain was not checked, so neither is recorded.
        novelty: row.novelty,
        inDomain: row.novelty === null ? null : row.inDomain
      }))
    });
    stored += created.length;
  }
  return stored;
}

namespace Private {
  export const state: { archive: ModelArchive | null } = { archive: null };
}
