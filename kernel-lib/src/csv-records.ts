import { parse } from 'csv-parse/sync';

/**
 * A CSV text's records with the line each starts on (1 = the first line), empty lines left out.
 * Lines are counted from the raw text because csv-parse's own count runs ahead after a quoted cell
 * spanning a CRLF line break; so a record after a quoted cell with a line break in it is still
 * named by the line it starts on. The one reader of the structure files and the model tables.
 */
export function readCsvRecords(text: string): { record: string[]; line: number }[] {
  const parsed = parse(text, {
    bom: true,
    info: true,
    raw: true,
    relax_column_count: true,
    skip_empty_lines: false
  }) as unknown as { record: string[]; raw: string }[];
  const records: { record: string[]; line: number }[] = [];
  let line = 1;
  for (const { record, raw } of parsed) {
    if (!(record.length === 1 && record[0] === '' && raw.trim() === '')) {
      records.push({ record, line });
    }
    line += raw.match(/\r\n|\r|\n/g)?.length ?? 0;
  }
  return records;
}
