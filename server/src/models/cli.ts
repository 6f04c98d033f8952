import { writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { Command, InvalidArgumentError, Option } from 'commander';
import {
  AUTO_CANDIDATES,
  AUTO_LEARNER,
  SavedModelError,
  defaultModelName,
  learnerNames,
  modelReportHtml,
  predictionDecimals,
  predictionsCsv,
  registerTrainedModel,
  storePredictions,
  trainFromMeasurements,
  type CryoProtectClient,
  type FeaturizerSpec,
  type GroupByOption,
  type SavedModel,
  type SnapshotCreated,
  type TrainingProgress,
  type TrainResult
} from '@cryoprotect/kernel';
import {
  openModel as openSavedModel,
  predictCsv,
  saveTrainedModel,
  trainFromCsv
} from '@cryoprotect/kernel/node';
import { commandLineClient } from '../cli/client.js';
import { parseInteger, parseJson } from '../cli/options.js';
import { writeOutputFile, type CommandIO, type Output } from '../cli/output.js';
import { codeCommit } from './code-commit.js';

/**
 * `cryoprotect model train|predict`: batch training and prediction from CSV files, on top of
 * kernel-lib's models. Rejected rows go to stderr as `file:line: reason`, never silently.
 */
export function addModelCommands(program: Command, io: CommandIO): void {
  const { out } = io;
  const model = program.command('model').description('train and use predictive models');

  model
    .command('train')
    .description(
      'cross-validate a learner on a CSV, fit it on every row and write the model directory'
    )
    .option('--data <file>', 'CSV with a SMILES (or mixture) column and the target column')
    .option(
      '--from-measurements <property>',
      'train instead on the measurements of this property type on the server (e.g. glass_transition), frozen as a snapshot; such a model is retrained when new measurements are verified'
    )
    .option(
      '--include-unverified',
      'with --from-measurements: also measurements not verified in the lab'
    )
    .option('--target <column>', 'column of --data with the measured values to learn')
    .option('--smiles-column <column>', 'column with the structures', 'SMILES')
    .option(
      '--mixture-column <column>',
      'column with mixtures instead of SMILES, each cell as "<component>: <amount> <unit>; ..." (e.g. "DMSO: 10 % w/w; ethylene glycol: 5 % w/w"; components by reference name or SMILES, water the balance); featurized by composition, water included'
    )
    .addOption(
      new Option(
        '--group-by <key>',
        'keep each group in one fold (default inchikey; mixture with --mixture-column: rows with the same components, whatever their amounts)'
      ).choices(['inchikey', 'scaffold', 'mixture', 'none'])
    )
    .option('--seed <n>', 'seed of folds, learners and bootstrap', parseInteger, 0)
    .option('--folds <k>', 'number of folds', parseInteger, 5)
    .addOption(
      new Option('--features <set>', 'structure features of a SMILES column')
        .choices(['descriptors', 'morgan', 'descriptors+morgan'])
        .default('descriptors+morgan')
    )
    .option(
      '--conditions <columns>',
      'numeric columns used as inputs as they are, separated by commas (e.g. "Concentration (mM)")',
      (value: string) =>
        value
          .split(',')
          .map(c => c.trim())
          .filter(Boolean),
      []
    )
    .option(
      '--learner <name>',
      `${AUTO_LEARNER} (choose among ${AUTO_CANDIDATES.map(c => c.name)
        .filter((n, i, all) => all.indexOf(n) === i)
        .join(', ')} by nested cross-validation) or one of ${learnerNames().join(', ')}`,
      AUTO_LEARNER
    )
    .option('--params <json>', 'learner parameters as JSON, e.g. {"alpha": 100}', parseJson, {})
    .option(
      '--search <json>',
      'hyperparameter search: values to try per parameter, e.g. {"maxFeatures": [0.3, 0.5, 1]}; the best by cross-validated RMSE is fitted and a nested cross-validation reports the honest error',
      Private.parseSearch
    )
    .requiredOption('--out <dir>', 'model directory to write')
    .option('--name <name>', 'model name when registering (default: from the target and learner)')
    .option(
      '--property-type <key>',
      'property type the target measures, when registering --data (default glass_transition)'
    )
    .option(
      '--register',
      'also store the snapshot, the model version and its metrics on the server (CRYOPROTECT_SERVER_URL, CRYOPROTECT_TOKEN)'
    )
    .action(async (options: TrainOptions, command: Command) => {
      const mixtures = options.mixtureColumn !== undefined;
      if (mixtures && command.getOptionValueSource('features') === 'cli') {
        throw new InvalidArgumentError(
          '--features chooses features of a SMILES column; a --mixture-column model uses the mixture composition features'
        );
      }
      if ((options.data === undefined) === (options.fromMeasurements === undefined)) {
        throw new InvalidArgumentError(
          'give either --data <file> or --from-measurements <property>'
        );
      }
      const stop = new AbortController();
      const interrupt = () => stop.abort(new Private.Interrupted());
      process.once('SIGINT', interrupt);
      const progress = Private.progressBar(out);
      const settings = {
        onProgress: progress.update,
        signal: stop.signal,
        groupBy: options.groupBy,
        seed: options.seed,
        folds: options.folds,
        learner: options.learner,
        learnerParams: options.params,
        search: options.search,
        featurizer: Private.featurizer(options)
      };
      let trained: { result: TrainResult; snapshot?: SnapshotCreated };
      let client: CryoProtectClient | undefined;
      try {
        if (options.fromMeasurements !== undefined) {
          if (options.propertyType !== undefined || options.target !== undefined) {
            throw new InvalidArgumentError(
              '--from-measurements trains on the measured values of that property: --target and --property-type do not apply'
            );
          }
          if (mixtures) {
            throw new InvalidArgumentError(
              '--from-measurements trains on measurements of single molecules: --mixture-column does not apply'
            );
          }
          client = commandLineClient();
          trained = await trainFromMeasurements(client, options.fromMeasurements, {
            ...settings,
            verifiedOnly: !options.includeUnverified
          });
        } else {
          if (options.target === undefined) {
            throw new InvalidArgumentError("required option '--target <column>' not specified");
          }
          trained = {
            result: await trainFromCsv({
              data: options.data!,
              target: options.target,
              smilesColumn: options.smilesColumn,
              mixtureColumn: options.mixtureColumn,
              ...settings
            })
          };
        }
      } catch (error) {
        if (error instanceof Private.Interrupted) {
          progress.done();
          out.warn('stopped (Ctrl-C) before anything was written');
          process.exitCode = 130;
          return;
        }
        throw error;
      } finally {
        progress.done();
        process.off('SIGINT', interrupt);
      }
      const { result } = trained;
      out.reportRejected(
        trained.snapshot ? `snapshot ${trained.snapshot.id}` : options.data!,
        result.rejected
      );
      const saved = await saveTrainedModel(resolve(options.out), result);
      Private.reportTraining(out, saved, result.rejected.length);
      out.say(`  snapshot ${saved.snapshotHash}; model written to ${resolve(options.out)}`);
      let registered: { name: string; version: number } | undefined;
      if (options.register) {
        const commit = codeCommit();
        if (commit.commit === undefined) {
          out.warn(`no code commit recorded: ${commit.reason}`);
        }
        const { version } = await registerTrainedModel(client ?? commandLineClient(), result, {
          name:
            options.name ??
            defaultModelName(options.fromMeasurements ?? options.target!, saved.learner.name),
          propertyType: options.fromMeasurements ?? options.propertyType ?? 'glass_transition',
          codeCommit: commit.commit,
          snapshot: trained.snapshot
        });
        out.say(`  registered as ${version.name} version ${version.version} (${version.id})`);
        registered = { name: version.name, version: version.version };
      }
      // The report is written last, so a registered model's page names its version.
      const reportFile = join(resolve(options.out), 'report.html');
      writeFileSync(
        reportFile,
        await modelReportHtml(result, {
          model: registered ?? { name: options.name ?? saved.target, version: null }
        })
      );
      out.say(`  report written to ${reportFile} (static HTML, opens offline)`);
    });

  model
    .command('predict')
    .description(
      'predict every row of a CSV with a model directory or a registered model; intervals from its conformal calibration'
    )
    .requiredOption(
      '--model <model>',
      'directory written by model train, or a registered model NAME@VERSION (NAME alone: its latest version)'
    )
    .requiredOption(
      '--input <file>',
      'CSV with a SMILES column (a mixture column for a mixture model) and any condition columns'
    )
    .option(
      '--smiles-column <column>',
      'column with the structures (default: the one the model was trained with)'
    )
    .option(
      '--mixture-column <column>',
      'column with the mixtures, for a mixture model (default: the one it was trained with)'
    )
    .requiredOption(
      '--out <file>',
      "CSV to write: every column of --input as it is, then prediction, lower and upper, to the decimals the model's interval half-width gives two significant figures"
    )
    .option(
      '--store',
      'also store the predictions on the server, each naming the model version and carrying its interval (needs a registered model)'
    )
    .action(
      async (options: {
        model: string;
        input: string;
        smilesColumn?: string;
        mixtureColumn?: string;
        out: string;
        store?: boolean;
      }) => {
        const { model: saved, version, client } = await Private.openModel(options.model);
        if (options.store && !version) {
          throw new InvalidArgumentError(
            `--store: predictions on the server name a model version, and ${options.model} is a model directory; use the registered model (NAME@VERSION)`
          );
        }
        if (options.store && saved.featurizer.mixture) {
          throw new InvalidArgumentError(
            '--store: storing predictions of mixtures is not supported yet (predictions are stored per molecule); write the CSV only'
          );
        }
        const predictions = await predictCsv(saved, options.input, {
          smilesColumn: options.smilesColumn,
          mixtureColumn: options.mixtureColumn
        });
        const { rows, rejected } = predictions;
        out.reportRejected(options.input, rejected);
        writeOutputFile(options.out, predictionsCsv(predictions));
        const from = version ? `${version.name} version ${version.version}` : options.model;
        const decimals = predictionDecimals(saved);
        out.say(
          `${rows.length} rows predicted (${rejected.length} rejected) by ${from} with ${saved.conformal.level * 100} % intervals; written to ${options.out}` +
            (decimals === undefined
              ? ' (to 4 significant figures)'
              : ` (values to ${decimals} decimal${decimals === 1 ? '' : 's'}: two significant figures of the model's ${saved.conformal.adaptive ? 'typical ' : ''}interval half-width, ±${Number(saved.conformal.halfWidth.toPrecision(2))}${saved.conformal.adaptive ? "; each row's interval is wider or narrower with its novelty" : ''})`)
        );
        const outside = rows.filter(r => !r.inDomain);
        if (outside.length > 0) {
          out.warn(
            `${outside.length} of ${rows.length} rows outside the applicability domain (in_domain false: farther from the training molecules than cross-validation ever tested the model; their intervals are wider but less trustworthy): line${outside.length === 1 ? '' : 's'} ${outside
              .slice(0, 10)
              .map(r => r.line)
              .join(', ')}${outside.length > 10 ? ', ...' : ''}`
          );
        }
        if (options.store && version && client) {
          const stored = await storePredictions(client, version, saved, rows);
          out.say(`  stored ${stored} predictions of ${from} (${version.id}) on the server`);
        }
      }
    );
}

interface TrainOptions {
  data?: string;
  fromMeasurements?: string;
  includeUnverified?: boolean;
  target?: string;
  smilesColumn: string;
  mixtureColumn?: string;
  groupBy?: GroupByOption;
  seed: number;
  folds: number;
  learner: string;
  params: Record<string, unknown>;
  search?: Record<string, unknown[]>;
  features: string;
  conditions: string[];
  out: string;
  register?: boolean;
  name?: string;
  propertyType?: string;
}

namespace Private {
  /** A model directory, else a registered model NAME[@VERSION]; a path that is neither is named. */
  export async function openModel(reference: string): ReturnType<typeof openSavedModel> {
    try {
      return await openSavedModel(reference);
    } catch (error) {
      if (error instanceof SavedModelError && error.source === reference) {
        throw new InvalidArgumentError(`--model: ${reference} is ${error.reason}`);
      }
      throw error;
    }
  }

  /** The features of --features, or the composition features of a --mixture-column model. */
  export function featurizer(options: TrainOptions): FeaturizerSpec {
    return options.mixtureColumn !== undefined
      ? { descriptors: false, morgan: null, mixture: true, conditions: options.conditions }
      : {
          descriptors: options.features.includes('descriptors'),
          morgan: options.features.includes('morgan') ? { radius: 2, nBits: 2048 } : null,
          conditions: options.conditions
        };
  }

  export function reportTraining(out: Output, saved: SavedModel, rejected: number): void {
    const m = saved.metrics;
    const f = (v: number) => v.toFixed(3);
    const search = saved.search;
    const chosen = search?.chosenLearner ?? saved.learner;
    out.say(
      `${search && !search.grid ? `auto chose ${chosen.name} ${JSON.stringify(chosen.params)}` : saved.learner.name} on ${saved.trainingRows} rows (${rejected} rejected), ${saved.folds}-fold CV grouped by ${saved.groupBy}, seed ${saved.seed}:`
    );
    if (search) {
      out.say(
        search.grid
          ? `  search over ${Object.keys(search.grid).join(', ')}: chose ${JSON.stringify(Object.fromEntries(Object.keys(search.grid).map(k => [k, search.chosen[k]])))}`
          : `  why: ${search.why}`
      );
      out.say(
        `  nested cross-validation (the choice made again inside each outer fold, ${search.nested.innerFolds}-fold inner loops), so the error of choosing + fitting:`
      );
    }
    out.say(
      `  MAE ${f(m.mae.value)} [${f(m.mae.lower)}, ${f(m.mae.upper)}], RMSE ${f(m.rmse.value)} [${f(m.rmse.lower)}, ${f(m.rmse.upper)}], R2 ${f(m.r2.value)} [${f(m.r2.lower)}, ${f(m.r2.upper)}] (${m.mae.level * 100} % ${m.mae.method})`
    );
    if (saved.coverage) {
      const adaptive = saved.conformal.adaptive !== undefined;
      out.say(
        `  ${saved.coverage.level * 100} % intervals cover ${(saved.coverage.coverage * 100).toFixed(1)} % of out-of-fold points (mean width ${f(saved.coverage.meanWidth)}${adaptive ? ', wider the farther a molecule is from the training rows' : ''})`
      );
    }
  }

  /** Thrown into the training by Ctrl-C. */
  export class Interrupted extends Error {
    constructor() {
      super('interrupted');
      this.name = 'Interrupted';
    }
  }

  /**
   * Training progress on standard error: a bar redrawn in place on a terminal (at most ten times
   * a second), one line per stage otherwise (logs, CI).
   */
  export function progressBar(out: Output): {
    update: (p: TrainingProgress) => void;
    done: () => void;
  } {
    const tty = process.stderr.isTTY === true;
    const start = Date.now();
    let stage = '';
    let drawn = 0;
    let shown = false;
    const clock = (ms: number) => {
      const s = Math.round(ms / 1000);
      return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, '0')}`;
    };
    return {
      update(p) {
        if (!tty) {
          if (p.stage !== stage) {
            stage = p.stage;
            out.warn(`${p.stage} (step ${p.done + 1} of ${p.total})`);
          }
          return;
        }
        const now = Date.now();
        if (now - drawn < 100 && p.done + 1 < p.total) {
          return;
        }
        drawn = now;
        const width = 24;
        const filled = Math.round((p.done / p.total) * width);
        const elapsed = now - start;
        const left = p.done > 0 ? (elapsed / p.done) * (p.total - p.done) : NaN;
        const line = `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${p.done}/${p.total} ${clock(elapsed)}${Number.isFinite(left) ? ` (~${clock(left)} left)` : ''} ${p.stage}: ${p.detail}`;
        const columns = process.stderr.columns ?? 100;
        process.stderr.write(`\r\x1b[2K${line.slice(0, columns - 1)}`);
        shown = true;
      },
      done() {
        if (tty && shown) {
          process.stderr.write('\r\x1b[2K');
          shown = false;
        }
      }
    };
  }

  export function parseSearch(value: string): Record<string, unknown[]> {
    const parsed = parseJson(value);
    for (const [name, values] of Object.entries(parsed)) {
      if (!Array.isArray(values) || values.length === 0) {
        throw new InvalidArgumentError(`"${name}" must be a non-empty list of values to try`);
      }
    }
    return parsed as Record<string, unknown[]>;
  }
}
