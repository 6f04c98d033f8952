import { Command, Option } from 'commander';
import {
  SCREEN_CHUNK,
  csvCell,
  describeScreenProgress,
  submitScreen,
  waitForScreen,
  type CryoProtectClient,
  type Screen,
  type ScreenRanking,
  type ScreenResult
} from '@cryoprotect/kernel';
import { readStructureFile } from '@cryoprotect/kernel/node';
import { commandLineClient } from '../cli/client.js';
import { parseCount } from '../cli/options.js';
import { writeOutputFile, type CommandIO, type Output } from '../cli/output.js';
import { loadConfig, screenQueueOptions } from '../config.js';
import { migrationStatus } from '../db/migrations.js';
import { openDatabase } from '../db/open.js';
import { startScreenWorker } from './worker.js';

/**
 * `cryoprotect screen submit|worker|status|results|cancel`. Everything but `worker` talks to the
 * REST server (CRYOPROTECT_SERVER_URL, CRYOPROTECT_TOKEN) as the researcher; `worker` runs on a
 * server host with the database's login (DATABASE_URL), as `cryoprotect worker` does.
 */
export function addScreenCommands(program: Command, io: CommandIO): void {
  const { out } = io;
  const screen = program
    .command('screen')
    .description('score a large library with a registered model on any number of worker machines');

  screen
    .command('submit')
    .description(
      'store a library (CSV with a SMILES column, .smi, or SDF) as chunks and queue one job per chunk; prints the screen id'
    )
    .requiredOption(
      '--model <name@version>',
      'registered model: NAME@VERSION, or NAME for its latest'
    )
    .requiredOption(
      '--input <file>',
      'the library: .csv (SMILES column, optional id or name), .smi (SMILES [id] per line) or .sdf'
    )
    .option(
      '--chunk <n>',
      `molecules per chunk (one job each; default ${SCREEN_CHUNK.default})`,
      parseCount(SCREEN_CHUNK.min, SCREEN_CHUNK.max),
      SCREEN_CHUNK.default
    )
    .option('--project <id>', 'share the screen and its results with this project')
    .option(
      '--smiles-column <column>',
      'CSV column with the structures (default: "smiles" in any case)'
    )
    .option('--wait', 'then follow it until every chunk is finished')
    .action(
      async (options: {
        model: string;
        input: string;
        chunk: number;
        project?: string;
        smilesColumn?: string;
        wait?: boolean;
      }) => {
        const { rows } = readStructureFile(options.input, { smilesColumn: options.smilesColumn });
        const client = commandLineClient();
        const started = await submitScreen(client, rows, {
          model: options.model,
          source: options.input.split(/[\\/]/).pop() ?? options.input,
          chunkSize: options.chunk,
          projectId: options.project,
          onChunk: (stored, total) => {
            if (stored === total || stored % 50 === 0) {
              out.warn(`stored ${stored} of ${total} chunk${total === 1 ? '' : 's'}`);
            }
          }
        });
        out.warn(
          `screen of ${rows.length.toLocaleString('en')} molecule${rows.length === 1 ? '' : 's'} with ${started.model.name}@${started.model.version}: ${started.chunks.total} chunk${started.chunks.total === 1 ? '' : 's'} queued`
        );
        out.print(`${started.id}\n`);
        if (options.wait) {
          const done = await Private.follow(client, started.id, out);
          process.exitCode = done.chunks.failed > 0 ? 1 : 0;
        }
      }
    );

  screen
    .command('worker')
    .description(
      'score queued chunks until stopped (SIGINT/SIGTERM finish the chunks under way); run one per core on any number of machines that reach the database'
    )
    .option(
      '--concurrency <n>',
      'chunks scored at a time in this process (scoring uses one core; a second overlaps database writes)',
      parseCount(1, 16),
      1
    )
    .action(async (options: { concurrency: number }) => {
      const config = loadConfig();
      const db = await openDatabase(config);
      try {
        const status = await migrationStatus(db, config.CRYOPROTECT_MIGRATIONS_DIR);
        if (status.pending.length > 0) {
          throw new Error(
            `the database ${db.location} has ${status.pending.length} pending migration(s): run "cryoprotect db migrate" first`
          );
        }
      } catch (error) {
        await db.close();
        throw error;
      }
      const worker = await startScreenWorker(db, {
        concurrency: options.concurrency,
        queue: screenQueueOptions(config),
        log: out.say
      });
      out.say(
        `screen worker on ${db.kind} ${db.location}: ${options.concurrency} chunk(s) at a time; expired chunks looked for every ${config.CRYOPROTECT_SCREEN_MAINTENANCE} s`
      );
      const stop = async (signal: string): Promise<void> => {
        out.say(`${signal}: stopping after the chunks under way`);
        await worker.stop();
        await db.close();
        process.exit(0);
      };
      process.once('SIGINT', () => void stop('SIGINT'));
      process.once('SIGTERM', () => void stop('SIGTERM'));
    });

  screen
    .command('list')
    .description("your screens and your projects', newest first, each with its progress")
    .option('--limit <n>', 'how many', parseCount(1, 200), 20)
    .action(async (options: { limit: number }) => {
      const page = await commandLineClient().screens.page({ limit: options.limit });
      if (page.items.length === 0) {
        out.warn('no screens yet: cryoprotect screen submit --model NAME@VERSION --input FILE');
      }
      for (const found of page.items) {
        out.print(`${found.createdAt}  ${Private.summary(found)}\n`);
      }
    });

  screen
    .command('status')
    .argument('<id>', 'the screen id that submit printed')
    .description('progress: chunks done and failed, molecules per second, time left')
    .option('--wait', 'follow it until every chunk is finished')
    .action(async (id: string, options: { wait?: boolean }) => {
      const client = commandLineClient();
      const found = options.wait
        ? await Private.follow(client, id, out)
        : await client.screens.get(id);
      if (!options.wait) {
        out.print(`${Private.summary(found)}\n`);
      }
      Private.printFailures(found, out);
    });

  screen
    .command('results')
    .argument('<id>', 'the screen id')
    .description(
      'write the results as CSV: every input line (refused structures with their reason), or the top K'
    )
    .option('--out <file>', 'CSV to write (default: standard output)')
    .option('--top <k>', 'only the K best scored molecules', parseCount(1, 10_000))
    .addOption(
      new Option('--by <value>', 'rank by the prediction or a bound of its interval')
        .choices(['prediction', 'lower', 'upper'])
        .default('prediction')
    )
    .addOption(
      new Option('--order <order>', 'highest first (desc) or lowest first (asc)')
        .choices(['desc', 'asc'])
        .default('desc')
    )
    .action(
      async (
        id: string,
        options: { out?: string; top?: number; by: ScreenRanking; order: 'desc' | 'asc' }
      ) => {
        const client = commandLineClient();
        const found = await client.screens.get(id);
        const rows: ScreenResult[] = [];
        if (options.top !== undefined) {
          rows.push(...(await client.screens.top(id, options.top, options)));
        } else {
          for await (const row of client.screens.results(id)) {
            rows.push(row);
          }
        }
        const csv = Private.resultsCsv(found, rows);
        if (options.out) {
          writeOutputFile(options.out, csv);
        } else {
          out.print(csv);
        }
        const invalid = rows.filter(r => r.error !== null).length;
        out.warn(
          `${rows.length - invalid} scored${options.top === undefined ? `, ${invalid} invalid` : ''} of screen ${id} (${found.state})${options.out ? ` written to ${options.out}` : ''}`
        );
      }
    );

  screen
    .command('delete')
    .argument('<id>', 'the screen id')
    .description('delete a screen with its chunks and results (its submitter or a project admin)')
    .action(async (id: string) => {
      await commandLineClient().screens.delete(id);
      out.warn(`deleted screen ${id}`);
    });

  screen
    .command('cancel')
    .argument('<id>', 'the screen id')
    .description('stop a screen: chunks not scored yet are cancelled, the results so far stay')
    .action(async (id: string) => {
      const cancelled = await commandLineClient().screens.cancel(id);
      out.print(`${Private.summary(cancelled)}\n`);
    });
}

namespace Private {
  export function summary(screen: Screen): string {
    return `screen ${screen.id} of ${screen.source} (${screen.moleculeCount.toLocaleString('en')} molecules) with ${screen.model.name}@${screen.model.version}: ${describeScreenProgress(screen)}`;
  }

  export function printFailures(screen: Screen, out: Output): void {
    for (const f of screen.failures) {
      out.warn(
        `chunk ${f.seq} (lines ${f.lines}) failed after ${f.attempts} attempt(s): ${f.error}`
      );
    }
  }

  /** Follow a screen: a bar redrawn in place on a terminal, a line per change otherwise. */
  export async function follow(
    client: CryoProtectClient,
    id: string,
    out: Output
  ): Promise<Screen> {
    const tty = process.stderr.isTTY === true;
    let last = '';
    const done = await waitForScreen(client, id, {
      intervalMs: 1000,
      onProgress: screen => {
        const line = describeScreenProgress(screen);
        if (tty) {
          const finished = screen.chunks.done + screen.chunks.failed;
          const width = 30;
          const filled = Math.round((finished / screen.chunks.total) * width);
          process.stderr.write(
            `\r[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${line}\u001b[K`
          );
        } else if (line !== last) {
          out.warn(line);
        }
        last = line;
      }
    });
    if (tty) {
      process.stderr.write('\n');
    }
    out.print(`${summary(done)}\n`);
    return done;
  }

  export function resultsCsv(screen: Screen, rows: ScreenResult[]): string {
    const unit = screen.model.unit;
    const header = [
      'line',
      'id',
      'input',
      'smiles',
      'inchikey',
      `prediction (${unit})`,
      `lower (${unit})`,
      `upper (${unit})`,
      'novelty',
      'in_domain',
      'error'
    ];
    // Numbers to 6 significant figures, as `cryoprotect describe` writes them: the model's own
    // error is far larger than the 7th figure.
    const cell = (value: string | number | boolean | null): string =>
      value === null
        ? ''
        : typeof value === 'number' && !Number.isInteger(value)
          ? String(Number(value.toPrecision(6)))
          : csvCell(String(value));
    const lines = rows.map(r =>
      [
        r.line,
        r.inputId,
        r.input,
        r.smiles,
        r.inchikey,
        r.prediction,
        r.lower,
        r.upper,
        r.novelty,
        r.inDomain,
        r.error
      ]
        .map(cell)
        .join(',')
    );
    return `${[header.map(csvCell).join(','), ...lines].join('\n')}\n`;
  }
}
