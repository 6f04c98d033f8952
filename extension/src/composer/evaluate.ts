import type { MixturePayload } from '@cryoprotect/kernel';
import {
  messagesOfIssues,
  type ComponentRole,
  type ComposerModel,
  type IFieldMessage
} from './model';

type Kernel = typeof import('@cryoprotect/kernel');

/** What the composer shows for its rows: the mixture computed, or why it cannot be. */
export interface IEvaluation {
  /** The kernel's mixture display (composition in every unit, osmolality, Tg), when valid. */
  payload: MixturePayload | null;
  /** Each row as the kernel read it (a reference or a SMILES), with the role it uses; null when invalid. */
  components: IReadComponent[] | null;
  messages: IFieldMessage[];
}

/** What saving needs of a row once read: the structure, the name it had, the role. */
export interface IReadComponent {
  name: string;
  /** A reference cryoprotectant (its name is a name); otherwise a SMILES named by itself. */
  reference: boolean;
  smiles: string;
  role: ComponentRole;
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
    return { payload: null, components: null, messages: local };
  }
  try {
    const parsed = await kernel.parseMixtureText(model.text());
    const name = model.name.trim();
    const components = model.rolesOver(parsed.components);
    const shown = await kernel.mixtureDisplay({ ...(name === '' ? {} : { name }), components });
    return {
      payload: shown.payload,
      components: components.map((c, i) => ({
        name: c.molecule.name,
        reference: kernel.findReferenceMolecule(model.components[i].component) !== undefined,
        smiles: c.molecule.smiles,
        role: c.role
      })),
      messages: []
    };
  } catch (error) {
    if (error instanceof kernel.MixtureError) {
      return { payload: null, components: null, messages: messagesOfIssues(error.issues) };
    }
    throw error;
  }
}
