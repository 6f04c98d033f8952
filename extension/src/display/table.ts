import type { TablePayload } from '@cryoprotect/kernel';
import type { IRenderMime } from '@jupyterlab/rendermime-interfaces';
import { dataTable, h } from './dom';
import { formatCell, titleWithUnit } from '@cryoprotect/kernel/display';
import { PayloadRenderer } from './renderer';

/** A data table: units in the headers, numbers to each column's significant figures. */
export class TableRenderer extends PayloadRenderer<TablePayload> {
  constructor(options: IRenderMime.IRendererOptions) {
    super('table', options);
  }

  protected render(payload: TablePayload): Node[] {
    const table = dataTable(
      'jp-cryoprotect-DataTable',
      payload.columns.map(column => ({
        label: titleWithUnit(column.title, column.unit),
        numeric: column.kind === 'number',
        title: column.description
      })),
      payload.rows.map(row =>
        payload.columns.map(column => {
          const value = row[column.key] ?? null;
          return {
            text: formatCell(value, column.digits),
            title: value === null ? 'no value' : String(value)
          };
        })
      ),
      payload.title ?? undefined
    );
    return [
      h(
        'div',
        { className: 'jp-cryoprotect-Report' },
        table,
        payload.rows.length < payload.totalRows
          ? h(
              'p',
              { className: 'jp-cryoprotect-Muted' },
              `Showing ${payload.rows.length} of ${payload.totalRows} rows; the kernel sent the first ${payload.rows.length}.`
            )
          : null
      )
    ];
  }
}
