import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import type { CryoProtectClient } from '../api/client';
import type { ModelVersion } from '../api/models';
import {
  SavedModelError,
  describeTrainedModel,
  modelDirectoryFiles,
  parseSavedModel,
  type SavedModel
} from '../models/artifact';
import { predictCsvText, type Predictions } from '../models/predict';
import { trainFromCsvText, type TrainingOptions, type TrainResult } from '../models/training';
import { loadArchivedModel, loadRegisteredModel, parseModelReference } from '../models/workflow';
import { clientFromEnvironment } from './client';
import { readDataFile } from './files';

/** Model files on disk: the CSV a model trains on or predicts, and the model directory. */

export interface TrainCsvOptions extends TrainingOptions {
  /** Path of the CSV file. */
  data: string;
}

/** Train on a CSV file (see trainFromCsvText); the result's `options.data` is the file's path. */
export async function trainFromCsv(options: TrainCsvOptions): Promise<TrainResult> {
  const { data, ...settings } = options;
  return trainFromCsvText(readDataFile(data), { ...settings, source: data });
}

/** Write the model directory (model.json, oof.csv, report.json, plots/) and return model.json's content. */
export async function saveTrainedModel(dir: string, result: TrainResult): Promise<SavedModel> {
  const saved = await describeTrainedModel(result);
  for (const [path, text] of modelDirectoryFiles(result, saved)) {
    const file = join(dir, path);
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, text);
  }
  return saved;
}

/** Read and check a model directory's model.json; a bad file is refused naming the field. */
export function readModelDirectory(modelDir: string): SavedModel {
  const file = join(modelDir, 'model.json');
  let json: unknown;
  try {
    json = JSON.parse(readDataFile(file));
  } catch (error) {
    const reason =
      (error as NodeJS.ErrnoException).code === 'ENOENT'
        ? 'no such file: not a model directory'
        : `not JSON (${(error as Error).message})`;
    throw new SavedModelError(file, '', reason);
  }
  return parseSavedModel(json, file);
}

/**
 * Predict every valid row of a CSV file with a saved model or a model directory (see
 * predictCsvText); rejected rows are returned by line.
 */
export async function predictCsv(
  model: string | SavedModel,
  input: string,
  options: { smilesColumn?: string; mixtureColumn?: string } = {}
): Promise<Predictions> {
  const saved = typeof model === 'string' ? readModelDirectory(model) : model;
  return predictCsvText(saved, readDataFile(input), options);
}

/**
 * A model by what a person types: a model directory (it holds model.json), else a registered
 * model NAME[@VERSION] on the server named by the environment (or `client`).
 */
export async function openModel(
  reference: string,
  options: { client?: CryoProtectClient } = {}
): Promise<{ model: SavedModel; version?: ModelVersion; client?: CryoProtectClient }> {
  if (existsSync(join(reference, 'model.json'))) {
    return { model: readModelDirectory(resolve(reference)) };
  }
  if (existsSync(reference)) {
    throw new SavedModelError(reference, '', 'not a model directory (no model.json)');
  }
  const { name, version } = parseModelReference(reference);
  // Archived (a reproduced bundle): no server needed, and the client the notebook would have
  // had when there is one to have.
  const archived = loadArchivedModel(name, version);
  if (archived) {
    const client =
      options.client ?? (process.env.CRYOPROTECT_SERVER_URL ? clientFromEnvironment() : undefined);
    return { ...archived, ...(client ? { client } : {}) };
  }
  const client = options.client ?? clientFromEnvironment();
  const loaded = await loadRegisteredModel(client, name, version);
  return { model: loaded.model, version: loaded.version, client };
}
