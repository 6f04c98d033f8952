import { existsSync, mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
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
import { vegaLiteToSvg } from '../display/vega';
import type { VegaLiteSpec } from '../models/plots';
import { predictCsvText, type Predictions } from '../models/predict';
import { trainFromCsvText, type TrainingOptions, type TrainResult } from '../models/training';
import { loadArchivedModel, loadRegisteredModel, parseModelReference } from '../models/workflow';
import { clientFromEnvironment } from './client';
import { FileAccessError, fileAccessError, readDataFile } from './files';
import { notebookProgress } from './progress';

/** Model files on disk: the CSV a model trains on or predicts, and the model directory. */

export interface TrainCsvOptions extends TrainingOptions {
  /** Path of the CSV file. */
  data: string;
}

/**
 * Train on a CSV file (see trainFromCsvText); the result's `options.data` is the file's path. In a
 * notebook, without an `onProgress` of the caller's, the cell shows the training's progress.
 */
export async function trainFromCsv(options: TrainCsvOptions): Promise<TrainResult> {
  const { data, ...settings } = options;
  const text = readDataFile(data);
  const progress = settings.onProgress ? undefined : notebookProgress();
  try {
    const result = await trainFromCsvText(text, {
      ...settings,
      source: data,
      ...(progress ? { onProgress: progress.update } : {})
    });
    progress?.done();
    return result;
  } catch (error) {
    progress?.done(error);
    throw error;
  }
}

/**
 * Write the model directory (model.json, oof.csv, report.json, plots/) and return model.json's
 * content. Each plot is written twice: as its Vega-Lite spec (plots/NAME.vl.json, for an
 * interactive viewer or a paper's figure script) and as the static SVG that spec draws
 * (plots/NAME.svg, rendered as the notebook displays' HTML fallbacks are), which opens anywhere.
 * A file that cannot be written is a FileAccessError ("cannot write DIR/model.json: ...").
 */
export async function saveTrainedModel(dir: string, result: TrainResult): Promise<SavedModel> {
  const saved = await describeTrainedModel(result);
  const files = modelDirectoryFiles(result, saved);
  // Everything is made before anything is written, and each file appears whole (written under a
  // temporary name, then renamed), so an interruption leaves no half-written model.
  for (const [path, text] of [...files]) {
    const plot = /^(plots\/.+)\.vl\.json$/.exec(path);
    if (plot) {
      const svg = await vegaLiteToSvg(JSON.parse(text) as VegaLiteSpec);
      files.set(`${plot[1]}.svg`, svg.endsWith('\n') ? svg : `${svg}\n`);
    }
  }
  for (const [path, text] of files) {
    Private.write(join(dir, path), text);
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
  let parsed: ReturnType<typeof parseModelReference>;
  try {
    parsed = parseModelReference(reference);
  } catch (error) {
    // Not a name a model can be registered under (a path, most often): a folder that is not there.
    throw new FileAccessError(
      'read',
      reference,
      'no such file (not a model directory, nor a registered model NAME@VERSION)',
      'ENOENT',
      { cause: error }
    );
  }
  const { name, version } = parsed;
  // Archived (a reproduced bundle): no server needed, and the client the notebook would have
  // had when there is one to have.
  const archived = loadArchivedModel(name, version);
  if (archived) {
    const client =
      options.client ?? (process.env.CRYOPROTECT_SERVER_URL ? clientFromEnvironment() : undefined);
    return { ...archived, ...(client ? { client } : {}) };
  }
  if (options.client === undefined && !process.env.CRYOPROTECT_SERVER_URL) {
    // No folder of that name, and no server to ask for a registered model of that name.
    throw new FileAccessError(
      'read',
      reference,
      'no such file (not a model directory; a registered model NAME@VERSION needs a server, and CRYOPROTECT_SERVER_URL is not set)',
      'ENOENT'
    );
  }
  const client = options.client ?? clientFromEnvironment();
  const loaded = await loadRegisteredModel(client, name, version);
  return { model: loaded.model, version: loaded.version, client };
}

namespace Private {
  /** Write a file of the model directory, making its folder; a failure names the file. */
  export function write(file: string, text: string): void {
    try {
      mkdirSync(dirname(file), { recursive: true });
    } catch (error) {
      // The error names the folder at fault (a file in the way, one not writable).
      throw fileAccessError(error, 'write') ?? error;
    }
    const partial = `${file}.partial-${process.pid}`;
    try {
      writeFileSync(partial, text);
      renameSync(partial, file);
    } catch (error) {
      rmSync(partial, { force: true });
      throw fileAccessError(error, 'write', file) ?? error;
    }
  }
}
