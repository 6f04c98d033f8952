import { readFileSync } from 'fs';
import * as path from 'path';
import {
  CryoProtectClient,
  predictMolecules,
  registerTrainedModel,
  savedModelFromVersion,
  trainFromCsvText,
  type ModelVersion
} from '@cryoprotect/kernel';

// A registered model for the browser tests, made the way a researcher makes one in a notebook:
// the kernel library (in this Node process) trains a ridge model on the shared Tg data set of pure
// compounds (data/science-data/tg_pure_compounds.csv, source and licence in SOURCES.md beside it)
// and registers it, with its rows as a snapshot, on the embedded server.

const TG = path.resolve(__dirname, '..', '..', 'data', 'science-data', 'tg_pure_compounds.csv');

/** Train and register `name` (glass_transition, K) with the given client; the version the server answers. */
export async function registerSmallTgModel(
  client: CryoProtectClient,
  name: string
): Promise<ModelVersion> {
  const result = await trainFromCsvText(readFileSync(TG, 'utf8'), {
    source: 'tg_pure_compounds.csv',
    target: 'Tg (K)',
    learner: 'ridge',
    learnerParams: { alpha: 10 },
    folds: 5,
    seed: 7,
    featurizer: { descriptors: true, morgan: null }
  });
  const { version } = await registerTrainedModel(client, result, {
    name,
    propertyType: 'glass_transition',
    visibility: 'public'
  });
  return version;
}

/** What the kernel in Node predicts for `smiles` with a registered version (the browser must agree). */
export async function predictInNode(
  version: ModelVersion,
  smiles: string
): Promise<{ prediction: number; lower: number; upper: number }> {
  const { rows } = await predictMolecules(savedModelFromVersion(version), [smiles]);
  return rows[0];
}
