import type { PredictionPayload } from '@cryoprotect/kernel';
import { factTable } from './dom';

type ModelRef = PredictionPayload['model'];

/** "name@version" as the model registry names it ("unversioned" before it is registered). */
export function modelName(model: ModelRef): string {
  return model.version === null ? `${model.name} (unversioned)` : `${model.name}@${model.version}`;
}

/** The model's identity as a methods section cites it: name@version, learner, dataset snapshot. */
export function modelFacts(model: ModelRef): HTMLTableElement | null {
  return factTable(null, [
    ['Model', modelName(model)],
    ...(model.learner ? ([['Learner', model.learner]] as const) : []),
    ...(model.snapshot
      ? ([
          ['Dataset snapshot', `sha256:${model.snapshot.slice(0, 12)}…`, `sha256:${model.snapshot}`]
        ] as const)
      : ([['Dataset snapshot', 'not recorded']] as const))
  ]);
}
