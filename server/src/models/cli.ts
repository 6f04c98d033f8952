import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { Command, InvalidArgumentError, Option } from 'commander';
import {
  CryoProtectClient,
  learnerNames,
  predictCsv,
  saveTrainedModel,
  trainFromCsv,
  type GroupByOption,
  type RejectedRow
} from '@cryoprotect/kernel';

/**
 * `cryoprotect model train|predict`: batch training and prediction from CSV files, on top of
 * kernel-lib's models. Rejected rows go to stderr as `file:line: reason`, never silently.
 */
export function addModelCommands(program: Command): void {
  const model = program.command('model').description('train and use predictive models (SPEC F4)');

  model
    .command('train')
    .description(
      'cross-validate a learner on a CSV, fit it on every row and write the model directory'
    )
    .requiredOption('--data <file>', 'CSV with a SMILES (or mixture) column and the target column')
    .requiredOption('--target <column>', 'column with the measured values to learn')
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
    .option('--seed <n>', 'seed of folds, learners and bootstrap', Private.parseInteger, 0)
    .option('--folds <k>', 'number of folds', Private.parseInteger, 5)
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
    .option('--learner <name>', `one of ${learnerNames().join(', ')}`, 'ridge')
    .option(
      '--params <json>',
      'learner parameters as JSON, e.g. {"alpha": 100}',
      Private.parseJson,
      {}
    )
    .requiredOption('--out <dir>', 'model directory to write')
    .option('--name <name>', 'model name when registering (default: from the target and learner)')
    .option(
      '--property-type <key>',
      'property type the target measures, when registering',
      'glass_transition'
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
      const result = await trainFromCsv({
        data: options.data,
        target: options.target,
        smilesColumn: options.smilesColumn,
        mixtureColumn: options.mixtureColumn,
        groupBy: options.groupBy,
        seed: options.seed,
        folds: options.folds,
        learner: options.learner,
        learnerParams: options.params,
        featurizer: mixtures
          ? { descriptors: false, morgan: null, mixture: true, conditions: options.conditions }
          : {
              descriptors: options.features.includes('descriptors'),
              morgan: options.features.includes('morgan') ? { radius: 2, nBits: 2048 } : null,
              conditions: options.conditions
            }
      });
      Private.reportRejected(options.data, result.rejected);
      const saved = await saveTrainedModel(resolve(options.out), result);
      const m = saved.metrics;
      const f = (v: number) => v.toFixed(3);
      Private.say(
        `${saved.learner.name} on ${saved.trainingRows} rows (${result.rejected.length} rejected), ${saved.folds}-fold CV grouped by ${saved.groupBy}, seed ${saved.seed}:`
      );
      Private.say(
        `  MAE ${f(m.mae.value)} [${f(m.mae.lower)}, ${f(m.mae.upper)}], RMSE ${f(m.rmse.value)} [${f(m.rmse.lower)}, ${f(m.rmse.upper)}], R2 ${f(m.r2.value)} [${f(m.r2.lower)}, ${f(m.r2.upper)}] (${m.mae.level * 100} % ${m.mae.method})`
      );
      if (saved.coverage) {
        Private.say(
          `  ${saved.coverage.level * 100} % intervals cover ${(saved.coverage.coverage * 100).toFixed(1)} % of out-of-fold points (mean width ${f(saved.coverage.meanWidth)})`
        );
      }
      Private.say(`  snapshot ${saved.snapshotHash}; model written to ${resolve(options.out)}`);
      if (options.register) {
        const client = CryoProtectClient.fromEnvironment();
        const dataset = await client.datasets.create({
          name: `${options.target} from ${options.data.split('/').at(-1)}`,
          description: `Rows of ${options.data} used to train ${saved.learner.name}`
        });
        const snapshot = await client.snapshots.create(dataset.id, {
          columns: result.snapshot.columns,
          rows: result.snapshot.rows
        });
        if (snapshot.contentHash !== saved.snapshotHash) {
          throw new Error(
            `the server hashed the snapshot as ${snapshot.contentHash}, not ${saved.snapshotHash}: refusing to register`
          );
        }
        const registered = await client.models.register({
          name:
            options.name ??
            `${options.target}-${saved.learner.name}`
              .replace(/[^A-Za-z0-9_.]+/g, '-')
              .replace(/^-+|-+$/g, ''),
          snapshotId: snapshot.id,
          targetPropertyType: options.propertyType,
          learner: saved.learner.name,
          featurizerVersion: saved.featurizerVersion,
          kernelVersion: saved.versions.kernel,
          rdkitVersion: saved.versions.rdkit,
          tfjsVersion: saved.versions.tfjsVersion,
          backend: saved.versions.backend,
          params: saved.learner.params,
          seed: saved.seed,
          metrics: {
            mae: m.mae,
            rmse: m.rmse,
            r2: m.r2,
            coverage: saved.coverage,
            groupBy: saved.groupBy,
            folds: saved.folds
          },
          codeCommit: process.env.CRYOPROTECT_CODE_COMMIT,
          artifact: {
            regressor: saved.regressor,
            conformal: saved.conformal,
            featurizer: saved.featurizer
          }
        });
        Private.say(
          `  registered as ${registered.name} version ${registered.version} (${registered.id})`
        );
      }
    });

  model
    .command('predict')
    .description(
      'predict every row of a CSV with a model directory; intervals from its conformal calibration'
    )
    .requiredOption('--model <dir>', 'directory written by model train')
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
    .requiredOption('--out <file>', 'CSV to write: SMILES (or mixture), prediction, lower, upper')
    .action(
      async (options: {
        model: string;
        input: string;
        smilesColumn?: string;
        mixtureColumn?: string;
        out: string;
      }) => {
        const {
          rows,
          rejected,
          model: saved,
          inputColumn
        } = await predictCsv(resolve(options.model), options.input, {
          smilesColumn: options.smilesColumn,
          mixtureColumn: options.mixtureColumn
        });
        Private.reportRejected(options.input, rejected);
        const lines = [
          `${Private.cell(inputColumn)},prediction,lower,upper`,
          ...rows.map(r => [Private.cell(r.input), r.prediction, r.lower, r.upper].join(','))
        ];
        writeFileSync(options.out, lines.join('\n') + '\n');
        Private.say(
          `${rows.length} rows predicted (${rejected.length} rejected) with ${saved.conformal.level * 100} % intervals; written to ${options.out}`
        );
      }
    );
}

interface TrainOptions {
  data: string;
  target: string;
  smilesColumn: string;
  mixtureColumn?: string;
  groupBy?: GroupByOption;
  seed: number;
  folds: number;
  learner: string;
  params: Record<string, unknown>;
  features: string;
  conditions: string[];
  out: string;
  register?: boolean;
  name?: string;
  propertyType: string;
}

namespace Private {
  export const say = (message: string): void => {
    process.stdout.write(`cryoprotect: ${message}\n`);
  };

  export function reportRejected(file: string, rejected: RejectedRow[]): void {
    for (const row of rejected) {
      process.stderr.write(
        `${file}:${row.line}: ${row.column ? `${row.column}: ` : ''}${row.reason}\n`
      );
    }
  }

  export function cell(text: string): string {
    return /[",\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
  }

  export function parseInteger(value: string): number {
    const n = Number(value);
    if (!Number.isSafeInteger(n)) {
      throw new InvalidArgumentError('must be a whole number');
    }
    return n;
  }

  export function parseJson(value: string): Record<string, unknown> {
    try {
      const parsed: unknown = JSON.parse(value);
      if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
        throw new Error('not an object');
      }
      return parsed as Record<string, unknown>;
    } catch (error) {
      throw new InvalidArgumentError(`must be a JSON object (${(error as Error).message})`);
    }
  }
}
