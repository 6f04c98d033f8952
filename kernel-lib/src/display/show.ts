import type { ModelCoverage } from '../api/models';
import type { Molecule, SimilarityHits, SubstructureHits } from '../api/schemas';
import type { Mixture } from '../mixtures';
import type { SavedModel } from '../models/artifact';
import type { VegaLiteSpec } from '../models/plots';
import type { Predictions } from '../models/predict';
import type { TrainResult } from '../models/training';
import { hasJupyterDisplay, JUPYTER_DISPLAY, type MimeBundle } from './bundle';
import { coverageDisplay } from './coverage';
import { DisplayError } from './errors';
import { mixtureDisplay } from './mixture';
import { modelReportDisplay } from './model-report';
import {
  moleculeDisplay,
  type MoleculeInput,
  moleculesDisplay,
  moleculesFromTable,
  similarityHitsDisplay,
  smilesColumnOf,
  substructureHitsDisplay
} from './molecule';
import type { PredictionPayload } from './payloads';
import { predictionDisplay } from './prediction';
import { isArqueroTable, tableDisplay, type ArqueroLike } from './table';
import { plotDisplay } from './vega';

/** Everything display() knows how to show. */
export type Showable =
  | { [JUPYTER_DISPLAY](): MimeBundle }
  | MoleculeInput
  | readonly MoleculeInput[]
  | SimilarityHits
  | SubstructureHits
  | Mixture
  | Predictions
  | PredictionPayload
  | ModelCoverage
  | TrainResult
  | SavedModel
  | ArqueroLike
  | readonly Record<string, unknown>[]
  | VegaLiteSpec;

/**
 * The MIME bundle of anything CryoProtect can show, chosen by its shape: a display object (any
 * object with Symbol.for('Jupyter.display')), a structure string or record, an array of them
 * (an array of plain objects without `smiles` is a table), similarity or substructure hits, a mixture,
 * predictions, a model version's real coverage (client.models.coverage), a training result or saved model, an arquero table (molecules when it has a `smiles` column),
 * or a Vega-Lite spec. Anything else is refused with DisplayError 'not_displayable'.
 */
export async function display(x: Showable): Promise<MimeBundle> {
  return (await toDisplayable(x))[JUPYTER_DISPLAY]();
}

/** Same as display(). */
export const show = display;

/** The display object for `x` (see display()), for callers that keep it or send it elsewhere. */
export async function toDisplayable(x: Showable): Promise<{ [JUPYTER_DISPLAY](): MimeBundle }> {
  if (hasJupyterDisplay(x)) {
    return x;
  }
  if (typeof x === 'string') {
    return moleculeDisplay(x);
  }
  if (isArqueroTable(x)) {
    return smilesColumnOf(x) === undefined ? tableDisplay(x) : moleculesFromTable(x);
  }
  if (Array.isArray(x)) {
    const items = x as readonly unknown[];
    if (items.every(i => typeof i === 'string' || Private.hasSmiles(i))) {
      return moleculesDisplay(items as MoleculeInput[]);
    }
    if (items.every(i => Private.isObject(i) && 'molecule' in i && 'similarity' in i)) {
      return similarityHitsDisplay(items as { molecule: Molecule; similarity: number }[]);
    }
    if (items.every(Private.isObject)) {
      return tableDisplay(items as Record<string, unknown>[]);
    }
    throw new DisplayError('not_displayable', 'an array must hold structures or plain rows', 'x');
  }
  if (!Private.isObject(x)) {
    throw new DisplayError('not_displayable', `nothing to show for a ${typeof x}`, 'x');
  }
  // Told apart by their shapes; the casts follow from the keys checked.
  const o: Record<string, unknown> = x;
  if ('fingerprint' in o && 'items' in o) {
    return similarityHitsDisplay(o as unknown as SimilarityHits);
  }
  if ('truncated' in o && 'items' in o) {
    return substructureHitsDisplay(o as unknown as SubstructureHits);
  }
  if ('model' in o && 'snapshot' in o && 'options' in o) {
    return modelReportDisplay(o as unknown as TrainResult);
  }
  if ('format' in o && 'regressor' in o && 'metrics' in o) {
    return modelReportDisplay(o as unknown as SavedModel);
  }
  if ('model' in o && 'rows' in o && 'inputColumn' in o) {
    return predictionDisplay(o as unknown as Predictions);
  }
  if ('items' in o && 'property' in o && 'model' in o) {
    return predictionDisplay(o as unknown as PredictionPayload);
  }
  if ('modelVersionId' in o && 'overall' in o && 'byMonth' in o && 'results' in o) {
    return coverageDisplay(o as unknown as ModelCoverage);
  }
  if ('components' in o && Array.isArray(o.components)) {
    return mixtureDisplay(o as unknown as Mixture);
  }
  if (typeof o.$schema === 'string' && o.$schema.includes('vega-lite')) {
    return plotDisplay(o as unknown as VegaLiteSpec);
  }
  if (Private.hasSmiles(o)) {
    return moleculeDisplay(o as unknown as MoleculeInput);
  }
  throw new DisplayError(
    'not_displayable',
    `no display for an object with keys ${Object.keys(o).slice(0, 8).join(', ')}`,
    'x'
  );
}

namespace Private {
  export function isObject(value: unknown): value is Record<string, unknown> {
    return typeof value === 'object' && value !== null;
  }

  export function hasSmiles(value: unknown): boolean {
    return isObject(value) && typeof value.smiles === 'string';
  }
}
