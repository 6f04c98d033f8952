import type { Mixture, MixtureRecord, Molecule } from '@cryoprotect/kernel';
import { DISPLAY_MIME } from '@cryoprotect/kernel/display';
import type { IRenderMimeRegistry } from '@jupyterlab/rendermime';
import { MimeModel } from '@jupyterlab/rendermime';
import { PromiseDelegate } from '@lumino/coreutils';
import { Panel, Widget } from '@lumino/widgets';
import { loadKernel } from '../chemistry';
import { factTable, h } from '../display/dom';
import { KIND_LABELS, recordCode, summarize, type DatabaseRecord, type RecordKind } from './model';

export interface IRecordViewOptions {
  kind: RecordKind;
  record: DatabaseRecord;
  rendermime: IRenderMimeRegistry;
  /** Put code in the current notebook; the sentence to show. */
  insertCode: (code: string) => string;
}

/**
 * One record in the main area: a molecule or a mixture drawn by the same renderer as a notebook
 * output (built by the kernel in the browser), every record's fields as a table, and the cell
 * that loads it, with a button that inserts it into the current notebook.
 */
export class RecordView extends Panel {
  constructor(private readonly options: IRecordViewOptions) {
    super();
    const summary = summarize(options.kind, options.record);
    this.addClass('jp-cryoprotect-RecordView');
    this.id = `cryoprotect-record-${options.kind}-${summary.id}`;
    this.title.label = summary.title.length > 40 ? `${summary.title.slice(0, 39)}…` : summary.title;
    this.title.caption = `${KIND_LABELS[options.kind]}: ${summary.title} (${summary.id})`;
    this.title.closable = true;

    const code = recordCode(options.kind, options.record);
    const insert = h('button', { className: 'jp-cryoprotect-Button jp-mod-accept' }, 'Insert code');
    insert.type = 'button';
    const status = h('span', {
      className: 'jp-cryoprotect-RecordView-status',
      attrs: { role: 'status', 'aria-live': 'polite' }
    });
    insert.addEventListener('click', () => {
      status.textContent = options.insertCode(code);
    });
    this.display = new Panel();
    this.display.addClass('jp-cryoprotect-RecordView-display');
    this.addWidget(
      new Widget({
        node: h(
          'header',
          { className: 'jp-cryoprotect-RecordView-header' },
          h('h2', {}, summary.title),
          h('div', {}, `${KIND_LABELS[options.kind]} · ${summary.meta}`)
        )
      })
    );
    this.addWidget(this.display);
    this.addWidget(
      new Widget({
        node: h(
          'section',
          { className: 'jp-cryoprotect-RecordView-details' },
          Private.fields(options.record),
          h('div', { className: 'jp-cryoprotect-RecordView-actions' }, insert, status),
          h('pre', { className: 'jp-cryoprotect-RecordView-code' }, code)
        )
      })
    );
    void this.draw();
  }

  /** Resolves once the molecule or mixture display is drawn (or replaced by its reason). */
  get drawn(): Promise<void> {
    return this.done.promise;
  }

  private async draw(): Promise<void> {
    try {
      const kernel = await loadKernel();
      let mime: string | null = null;
      let payload: unknown = null;
      if (this.options.kind === 'molecules') {
        mime = DISPLAY_MIME.molecule;
        payload = (await kernel.moleculeDisplay(this.options.record as Molecule)).payload;
      } else if (this.options.kind === 'mixtures') {
        const record = this.options.record as MixtureRecord;
        const mixture: Mixture = {
          name: record.name,
          components: await Promise.all(
            record.components.map(async c => ({
              molecule: {
                name: c.name,
                smiles: c.smiles,
                molarMass: (await kernel.getIdentity(c.smiles)).molarMass
              },
              amount: c.amount,
              unit: c.unit,
              role: c.role
            }))
          )
        };
        mime = DISPLAY_MIME.mixture;
        payload = (await kernel.mixtureDisplay(mixture)).payload;
      }
      if (mime !== null) {
        const renderer = this.options.rendermime.createRenderer(mime);
        await renderer.renderModel(new MimeModel({ data: { [mime]: payload as never } }));
        this.display.addWidget(renderer);
      }
    } catch (error) {
      this.display.addWidget(
        new Widget({
          node: h(
            'p',
            { className: 'jp-cryoprotect-RecordView-error' },
            `Not drawn: ${error instanceof Error ? error.message : String(error)}`
          )
        })
      );
    } finally {
      this.done.resolve();
    }
  }

  private readonly display: Panel;
  private readonly done = new PromiseDelegate<void>();
}

namespace Private {
  /** Every field of the record, objects as JSON (a details table, not a display). */
  export function fields(record: DatabaseRecord): HTMLElement {
    const rows = Object.entries(record)
      .filter(([key]) => key !== 'artifact' && key !== 'inchi')
      .map(
        ([key, value]) =>
          [
            key,
            value === null
              ? '—'
              : typeof value === 'object'
                ? h('code', {}, JSON.stringify(value))
                : String(value)
          ] as const
      );
    return factTable(null, rows) ?? h('p', {}, 'No fields.');
  }
}
