import { readFileSync } from 'node:fs';
import { Command, InvalidArgumentError, Option } from 'commander';
import { fileAccessError } from '@cryoprotect/kernel/node';
import type { CommandIO } from '../cli/output.js';
import { EXIT } from './exit-codes.js';
import type { GivenParameter } from './parameters.js';
import type { Outcome } from './run.js';

/**
 * `cryoprotect run` (execute notebooks headless, with parameters, an output check and
 * provenance) and `cryoprotect reproduce` (re-run an executed notebook and say whether every
 * output is the same). The exit code tells CI what happened (see EXIT in run.ts).
 */
export function addNotebookCommands(program: Command, io: CommandIO): void {
  program
    .command('run')
    .description(
      'Execute notebooks headless on the tslab kernel: parameters injected after the cell tagged "parameters", a line per cell, the executed notebook and its provenance written to --out'
    )
    .argument('<notebooks...>', 'the notebooks (.ipynb) to run, one after another unless --jobs')
    .option(
      '-p, --param <name=value>',
      'a parameter value, read by the type its declaration gives (number, string, boolean, else JSON); repeat for more',
      (value: string, previous: string[]) => [...previous, value],
      [] as string[]
    )
    .option('--params-file <file>', 'parameters as a JSON object (-p wins over it)')
    .option(
      '--out <dir>',
      'where executed notebooks and their provenance go',
      '.cryoprotect/executed'
    )
    .addOption(
      new Option('--timeout-cell <seconds>', 'limit per cell')
        .default(600)
        .argParser(Private.seconds)
    )
    .addOption(
      new Option('--timeout <seconds>', 'limit for each whole notebook')
        .default(3600)
        .argParser(Private.seconds)
    )
    .addOption(
      new Option('--jobs <n>', 'notebooks run at once').default(1).argParser(Private.positive)
    )
    .option(
      '--check',
      'compare the outputs with the expected ones (expected/NAME.json beside the notebook)'
    )
    .option('--update-expected', "record this run's outputs as the expected ones")
    .option('--kernel <name>', 'Jupyter kernel', 'tslab')
    .addHelpText(
      'after',
      `\nExit codes: ${EXIT.ok} ran (and matched); ${EXIT.cellFailed} a cell failed; ${EXIT.usage} bad arguments (unknown parameter, bad value, missing file or expected outputs); ${EXIT.timeout} time limit; ${EXIT.differences} outputs differ from the expected ones.`
    )
    .action(
      async (
        notebooks: string[],
        options: {
          param: string[];
          paramsFile?: string;
          out: string;
          timeoutCell: number;
          timeout: number;
          jobs: number;
          check?: boolean;
          updateExpected?: boolean;
          kernel: string;
        }
      ) => {
        // Loaded here: the TypeScript compiler (parameters) is not for every cryoprotect command.
        const { parseAssignment } = await import('./parameters.js');
        const { runNotebook } = await import('./run.js');
        let parameters: GivenParameter[];
        try {
          parameters = [
            ...Private.fileParameters(options.paramsFile),
            ...options.param.map(text => ({ ...parseAssignment(text), from: 'argument' as const }))
          ];
        } catch (error) {
          io.out.warn((error as Error).message);
          process.exitCode = EXIT.usage;
          return;
        }
        const settings = {
          parameters,
          out: options.out,
          timeoutCell: options.timeoutCell,
          timeout: options.timeout,
          kernel: options.kernel,
          check: options.check === true,
          updateExpected: options.updateExpected === true
        };
        const outcomes = await Private.pool(notebooks, options.jobs, file =>
          runNotebook(file, settings, line => io.out.say(line))
        );
        process.exitCode = Private.report(outcomes, io);
      }
    );

  program
    .command('reproduce')
    .description(
      'Re-run a notebook executed by "cryoprotect run" with its recorded parameters and say "identical" (every output the same) or the differences; refuses when RDKit, TensorFlow.js, tslab, the kernel library or Node differ from the recorded ones'
    )
    .argument(
      '<executed>',
      'an executed notebook (its provenance is in its metadata), or a bundle from "cryoprotect export" (folder or .zip)'
    )
    .option('--out <dir>', 'where the re-run notebook goes', '.cryoprotect/reproduced')
    .addOption(
      new Option('--timeout-cell <seconds>', 'limit per cell')
        .default(600)
        .argParser(Private.seconds)
    )
    .addOption(
      new Option('--timeout <seconds>', 'limit for the whole notebook')
        .default(3600)
        .argParser(Private.seconds)
    )
    .option('--kernel <name>', 'Jupyter kernel', 'tslab')
    .addHelpText(
      'after',
      `\nExit codes: ${EXIT.ok} identical; ${EXIT.usage} not an executed notebook, or a bundle that does not match its manifest; ${EXIT.differences} differences (listed); ${EXIT.refused} refused, the environment differs (listed).`
    )
    .action(
      async (
        executed: string,
        options: { out: string; timeoutCell: number; timeout: number; kernel: string }
      ) => {
        const { reproduceNotebook } = await import('./run.js');
        const { isBundle, reproduceBundle } = await import('./bundle.js');
        const progress = (line: string) => io.out.say(line);
        const outcome = isBundle(executed)
          ? await reproduceBundle(executed, options, progress)
          : await reproduceNotebook(executed, options, progress);
        process.exitCode = Private.report([outcome], io);
      }
    );

  program
    .command('export')
    .description(
      'Write an executed notebook as a bundle a journal can archive: the notebook and its static HTML, its provenance, the data files it read with their licences, the citations of data and methods (CSL-JSON, BibTeX), the lockfiles, the source of the commit that ran, and a README on reproducing it'
    )
    .argument('<executed>', 'a notebook executed by "cryoprotect run"')
    .requiredOption('--out <dir|file.zip>', 'a new (or empty) folder, or a .zip file')
    .addHelpText(
      'after',
      `\nReproduce a bundle: cryoprotect reproduce BUNDLE (the folder or the .zip).\nExit codes: ${EXIT.ok} written; ${EXIT.usage} not an executed notebook, --out exists, or a file it read is outside the project, changed since the run or gone (nothing is written).`
    )
    .action(async (executed: string, options: { out: string }) => {
      const { exportNotebook } = await import('./bundle.js');
      const outcome = await exportNotebook(executed, options, line => io.out.say(line));
      process.exitCode = Private.report([outcome], io);
    });
}

namespace Private {
  export function seconds(text: string): number {
    const value = Number(text);
    if (!Number.isFinite(value) || value <= 0) {
      throw new InvalidArgumentError('expected a number of seconds > 0');
    }
    return value;
  }

  export function positive(text: string): number {
    const value = Number(text);
    if (!Number.isInteger(value) || value < 1 || value > 16) {
      throw new InvalidArgumentError('expected a whole number from 1 to 16');
    }
    return value;
  }

  export function fileParameters(file: string | undefined): GivenParameter[] {
    if (file === undefined) {
      return [];
    }
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (error) {
      throw new Error(`--params-file: ${fileAccessError(error, 'read', file)?.message ?? error}`);
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch (error) {
      throw new Error(`--params-file ${file}: ${(error as Error).message}`);
    }
    if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) {
      throw new Error(`--params-file ${file}: expected a JSON object of name → value`);
    }
    return Object.entries(parsed).map(([name, value]) => ({ name, value, from: 'file' as const }));
  }

  /** Run `work` over `items`, at most `jobs` at once; results in the items' order. */
  export async function pool<T, R>(
    items: T[],
    jobs: number,
    work: (item: T) => Promise<R>
  ): Promise<R[]> {
    const results: R[] = new Array(items.length);
    let next = 0;
    const worker = async () => {
      while (next < items.length) {
        const i = next++;
        results[i] = await work(items[i]);
      }
    };
    await Promise.all(Array.from({ length: Math.min(jobs, items.length) }, worker));
    return results;
  }

  /** Print each outcome; the exit code is the first failure's, in argument order. */
  export function report(outcomes: Outcome[], io: CommandIO): number {
    for (const outcome of outcomes) {
      for (const line of outcome.lines) {
        io.out.say(line);
      }
      for (const line of outcome.problems) {
        io.out.warn(line);
      }
    }
    return outcomes.find(o => o.code !== EXIT.ok)?.code ?? EXIT.ok;
  }
}
