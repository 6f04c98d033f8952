import type { Command } from 'commander';
import cliProgress from 'cli-progress';
import { loadRDKit } from '@cryoprotect/kernel';
import { describeRows, readStructureFile } from '@cryoprotect/kernel/node';
import { formatCsv, formatJson, type OutputFormat } from '../describe/write.js';
import { parseFormat, parseWorkers } from './options.js';
import { writeOutputFile, type CommandIO, type Output } from './output.js';

const { SingleBar, Presets } = cliProgress;

interface DescribeOptions {
  smilesColumn?: string;
  idColumn?: string;
  format: OutputFormat;
  out?: string;
  workers?: number;
}

/** `cryoprotect describe <input>`: the descriptor set of every structure of a file. */
export function addDescribeCommand(program: Command, io: CommandIO): void {
  program
    .command('describe')
    .description(
      "compute the descriptor set of every structure in a CSV file (SMILES column; the file's other columns are kept) or an SDF file"
    )
    .argument('<input>', 'CSV with a SMILES column, or .sdf')
    .option('--smiles-column <name>', 'CSV column with SMILES (default: the column named SMILES)')
    .option(
      '--id-column <name>',
      'CSV column with an identifier (default: a column named id or name)'
    )
    .option('-f, --format <format>', 'csv or json', parseFormat, 'csv' as OutputFormat)
    .option('-o, --out <file>', 'write to this file instead of standard output')
    .option(
      '--workers <n>',
      'worker threads for large inputs (default: the number of cores)',
      parseWorkers
    )
    .action((input: string, options: DescribeOptions) => Private.describe(input, options, io.out));
}

namespace Private {
  export async function describe(
    input: string,
    options: DescribeOptions,
    out: Output
  ): Promise<void> {
    const t0 = Date.now();
    const file = readStructureFile(input, options);
    const { rows } = file;
    // The progress bar is drawn on a terminal only, never into a file or pipe.
    const showBar = process.stderr.isTTY && rows.length >= 500;
    const bar = new SingleBar(
      {
        format:
          'describing {bar} {percentage}% | {value}/{total} structures | {eta_formatted} left',
        stream: process.stderr
      },
      Presets.shades_classic
    );
    if (showBar) {
      bar.start(rows.length, 0);
    }
    const results = await describeRows(rows, {
      workers: options.workers,
      onProgress: done => showBar && bar.update(done)
    });
    if (showBar) {
      bar.stop();
    }
    const invalid = results.flatMap(r => ('error' in r ? [{ line: r.line, reason: r.error }] : []));
    out.reportRejected(input, invalid);
    const rdkit = await loadRDKit();
    const text =
      options.format === 'json'
        ? formatJson(results, rdkit.version(), file)
        : formatCsv(results, file);
    if (options.out) {
      writeOutputFile(options.out, text);
    } else {
      out.print(text);
    }
    const seconds = (Date.now() - t0) / 1000;
    out.warn(
      `described ${results.length - invalid.length} of ${results.length} structures in ${seconds.toFixed(1)} s` +
        (invalid.length ? `; ${invalid.length} invalid rows listed above were skipped` : '')
    );
    if (results.length > 0 && invalid.length === results.length) {
      process.exitCode = 1;
    }
  }
}
