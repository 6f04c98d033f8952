import type { SavedModel } from '../models/artifact';
import type { TrainResult } from '../models/training';
import { escapeHtml } from './format';
import { modelReportDisplay, type ModelReportOptions } from './model-report';

/**
 * A complete HTML page around a bundle's static HTML: UTF-8, a title, nothing else. No script,
 * no style sheet, no external resource, so it opens offline from a file and shows the same years
 * later.
 */
export function htmlDocument(title: string, body: string): string {
  return [
    '<!DOCTYPE html>',
    '<html lang="en">',
    '<head>',
    '<meta charset="utf-8">',
    `<title>${escapeHtml(title)}</title>`,
    '</head>',
    `<body>${body}</body>`,
    '</html>',
    ''
  ].join('\n');
}

/**
 * The model report as a self-contained page (what `cryoprotect model train` writes as
 * report.html): the model-report bundle's HTML, plots as inline SVG.
 */
export async function modelReportHtml(
  input: TrainResult | SavedModel,
  options: ModelReportOptions = {}
): Promise<string> {
  const report = await modelReportDisplay(input, options);
  const { model, property } = report.payload;
  const version = model.version === null ? '' : `@${model.version}`;
  return htmlDocument(
    `Model report: ${model.name}${version} (${property.name})`,
    report.bundle()['text/html'] as string
  );
}
