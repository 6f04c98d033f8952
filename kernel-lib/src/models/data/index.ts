export { loadArquero } from './arquero';
export type { ArqueroModule, ColumnTable } from './arquero';
export {
  CsvTableError,
  csvCell,
  freeColumnName,
  readCsvRecords,
  readCsvTable,
  snapshotTable
} from './csv';
export type { CsvTable, CsvTableOptions, RejectedRow } from './csv';
