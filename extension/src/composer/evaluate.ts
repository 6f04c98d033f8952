import type { MixturePayload } from '@cryoprotect/kernel';
import { messagesOfIssues, type ComposerModel, type IFieldMessage } from './model';

type Kernel = typeof import('@cryoprotect/kernel');

/** What the composer shows for its rows: the mixture computed, or why it cannot be. */
export interface IEvaluation {
  /** The kernel's mixture display (composition in every unit, osmolality, Tg), when valid. */
  payload: MixturePayload | null;
  messages: IFieldMessage[];
}

/**
 * Read the composer's rows exactly as a notebook would (the text form through
 * `parseMixtureText`, then `mixtureDisplay`), so the numbers the composer shows are the ones the
 * inserted cell prints. A `MixtureError` becomes messages on the rows and inputs it names;
 * anything else is a bug and is thrown.
 */
export async function evaluate(kernel: Kernel, model: ComposerModel): Promise<IEvaluation> {
  const local = model.localMessages();
  if (local.length > 0) {
    return { payload: null, messages: local };
  }
  try {
    const parsed = await kernel.parseMixtureText(model.text());
    const name = model.name.trim();
    const shown = await kernel.mixtureDisplay({
      ...(name === '' ? {} : { name }),
      components: model.rolesOver(parsed.components)
    });
    return { payload: shown.payload, messages: [] };
  } catch (error) {
    if (error instanceof kernel.MixtureError) {
      return { payload: null, messages: messagesOfIssues(error.issues) };
    }
    throw error;
  }
}
