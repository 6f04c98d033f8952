import { readFileSync } from 'fs';
import { resolve } from 'path';
import type { ModelVersion } from '@cryoprotect/kernel';
import { loadKernel } from '../chemistry';

// Registered model versions for the prediction panel's tests: a small ridge model trained with the
// real kernel on the first 30 rows of the shared Tg data set (data/science-data, source and licence
// beside it), turned into what the server answers for a version (modelRegistration, JSON round trip).

const TG = resolve(__dirname, '..', '..', '..', 'data', 'science-data', 'tg_pure_compounds.csv');
export const ROWS = readFileSync(TG, 'utf8').split(/\r?\n/).slice(0, 31);
export const OWNER = '00000000-0000-4000-8000-0000000000aa';
export const MOLECULE = '00000000-0000-4000-8000-0000000000cc';

/** A version as GET /api/models answers it, for a model trained on `csv`. */
export async function registered(
  csv: string,
  options: { conditions?: string[]; name?: string } = {}
): Promise<ModelVersion> {
  const kernel = await loadKernel();
  const result = await kernel.trainFromCsvText(csv, {
    target: 'Tg (K)',
    learner: 'ridge',
    learnerParams: { alpha: 10 },
    folds: 3,
    seed: 7,
    featurizer: { descriptors: true, morgan: null, conditions: options.conditions }
  });
  const saved = await kernel.describeTrainedModel(result);
  const registration = kernel.modelRegistration(saved, {
    name: options.name ?? 'tg-ridge',
    snapshotId: '00000000-0000-4000-8000-000000000001',
    propertyType: 'glass_transition'
  });
  return {
    ...(JSON.parse(JSON.stringify(registration)) as typeof registration),
    id: '00000000-0000-4000-8000-000000000002',
    version: 3,
    snapshotHash: saved.snapshotHash,
    datasetId: '00000000-0000-4000-8000-000000000003',
    targetUnit: 'K',
    tfjsVersion: null,
    backend: null,
    codeCommit: null,
    visibility: 'private',
    projectId: null,
    ownerId: OWNER,
    createdAt: '2026-12-01T00:00:00Z',
    realCoverage: null
  } as unknown as ModelVersion;
}

/**
 * The same rows with a cooling rate column. The rates are made up (the i-th row gets 1 + i % 5
 * K/min): they exist only to give the model a condition input, not to teach it anything.
 */
export function withCoolingRate(): string {
  const [header, ...rows] = ROWS.filter(line => line.trim() !== '');
  return [`${header},coolingRateKPerMin`, ...rows.map((row, i) => `${row},${1 + (i % 5)}`)].join(
    '\n'
  );
}

type Artifact = { conformal: { adaptive?: { domainThreshold: number } } };

/**
 * The same version with another applicability-domain threshold (conformal.adaptive of its
 * artifact). The 30 training rows include salts far from everything else, so the threshold
 * calibrated on them (about 49) leaves every common cryoprotectant inside; at 0.5 glycerol
 * (novelty about 0.37) stays inside and DMSO (about 0.63) falls outside.
 */
export function withDomainThreshold(version: ModelVersion, threshold: number): ModelVersion {
  const artifact = JSON.parse(JSON.stringify(version.artifact)) as Artifact;
  if (!artifact.conformal.adaptive) {
    throw new Error('the fixture model has no adaptive intervals');
  }
  artifact.conformal.adaptive.domainThreshold = threshold;
  return { ...version, artifact } as ModelVersion;
}

/** The same version as saved before adaptive intervals: constant intervals, no novelty. */
export function withoutAdaptive(version: ModelVersion): ModelVersion {
  const artifact = JSON.parse(JSON.stringify(version.artifact)) as Artifact;
  delete artifact.conformal.adaptive;
  return { ...version, artifact } as ModelVersion;
}
