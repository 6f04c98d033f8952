import type { Learner } from './types';
import { MeanLearner } from './validation';
import {
  extraTreesLearner,
  forestLearner,
  gradientBoostingLearner,
  mlpEnsembleLearner,
  ridgeLearner
} from './learners';

/**
 * Learners by name, as model files and the command line name them; parameters are the learner's
 * own (e.g. {"alpha": 1} for ridge).
 */
const LEARNERS = new Map<string, (params: Record<string, unknown>) => Learner>([
  ['mean', () => new MeanLearner()],
  ['ridge', params => ridgeLearner(params)],
  ['random-forest', params => forestLearner(params)],
  ['extra-trees', params => extraTreesLearner(params)],
  ['gradient-boosting', params => gradientBoostingLearner(params)],
  ['mlp-ensemble', params => mlpEnsembleLearner(params)]
]);

/** Make a learner known to train/predict by name (the learners module registers its own). */
export function registerLearner(
  name: string,
  make: (params: Record<string, unknown>) => Learner
): void {
  LEARNERS.set(name, make);
}

export function learnerNames(): string[] {
  return [...LEARNERS.keys()];
}

/** The named learner with its parameters checked; unknown names and bad parameters are errors. */
export function makeLearner(name: string, params: Record<string, unknown> = {}): Learner {
  const make = LEARNERS.get(name);
  if (!make) {
    throw new Error(`learner: unknown "${name}" (known: ${learnerNames().join(', ')})`);
  }
  return make(params);
}
