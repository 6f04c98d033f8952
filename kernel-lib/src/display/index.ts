export * from './payloads';
export { Displayable, JUPYTER_DISPLAY, VEGA_LITE_MIME, hasJupyterDisplay } from './bundle';
export type { MimeBundle, PayloadOf } from './bundle';
export { DisplayError } from './errors';
export type { DisplayErrorCode } from './errors';
export * from './format';
export * from './domain';
export { HTML_ROW_LIMIT, htmlTable } from './html';
export type { HtmlCell, HtmlColumn } from './html';
export { TEXT_ROW_LIMIT, textTable } from './text';
export {
  MOLECULE_PROPERTIES,
  moleculeDisplay,
  moleculesDisplay,
  moleculesFromTable,
  similarityHitsDisplay,
  smilesColumnOf,
  substructureHitsDisplay
} from './molecule';
export type {
  MoleculeInput,
  MoleculesOptions,
  MoleculeTableOptions,
  ScoreColumn
} from './molecule';
export { mixtureDisplay } from './mixture';
export type { MixtureDisplayOptions } from './mixture';
export { predictionDisplay, propertyOfColumn } from './prediction';
export type { ModelIdentity, PredictionOptions } from './prediction';
export { modelReportDisplay } from './model-report';
export type { ModelReportDisplay, ModelReportOptions } from './model-report';
export { coverageDisplay } from './coverage';
export type {
  CoverageDisplay,
  CoverageDisplayOptions,
  CoverageInput,
  CoverageResultInput
} from './coverage';
export { coverageVerdict } from './verdict';
export type { CoverageFigures } from './verdict';
export { isArqueroTable, tableDisplay } from './table';
export type { ArqueroLike, TableColumnOptions, TableOptions } from './table';
export { PlotDisplay, plotDisplay, vegaLiteToSvg } from './vega';
export { display, show, toDisplayable } from './show';
export { htmlDocument, modelReportHtml } from './document';
export type { Showable } from './show';
