import { mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { FileAccessError } from '@cryoprotect/kernel/node';
import {
  checkSettings,
  comparableCells,
  compareCells,
  EXACT,
  formatDifference,
  type ComparableCell,
  type Difference
} from './compare.js';
import { PROJECT_ROOT } from '../lab.js';
import { executeNotebook, type ExecuteResult } from './execute.js';
import { EXIT } from './exit-codes.js';
import {
  joinedText,
  notebookText,
  NotebookFormatError,
  readNotebook,
  type Notebook
} from './notebook.js';
import {
  findParameterCell,
  injectedValues,
  injectParameters,
  ParameterError,
  resolveParameters,
  type GivenParameter
} from './parameters.js';
import {
  compareEnvironments,
  currentEnvironment,
  projectPath,
  PROVENANCE_FORMAT,
  provenanceOf,
  resolveProjectPath,
  sourceSha256,
  type Provenance
} from './provenance.js';

/**
 * `cryoprotect run` and `cryoprotect reproduce` without the command line: each returns the exit
 * code and the lines to print, and writes the executed notebook and its provenance.
 */

export { EXIT } from './exit-codes.js';

export interface RunSettings {
  parameters: GivenParameter[];
  out: string;
  timeoutCell: number;
  timeout: number;
  kernel: string;
  check: boolean;
  updateExpected: boolean;
}

export interface Outcome {
  code: number;
  /** Lines for standard output (progress, summary). */
  lines: string[];
  /** Lines for standard error (what went wrong). */
  problems: string[];
  executed?: string;
}

export interface Progress {
  (line: string): void;
}

/** Where a notebook's expected outputs are kept: `expected/NAME.json` beside it. */
export function expectedPath(notebook: string): string {
  return join(dirname(notebook), 'expected', basename(notebook).replace(/\.ipynb$/, '.json'));
}

export const EXPECTED_FORMAT = 'cryoprotect-expected/1';

export async function runNotebook(
  file: string,
  settings: RunSettings,
  progress: Progress
): Promise<Outcome> {
  const name = basename(file);
  let nb: Notebook;
  let prepared: Notebook;
  let given: Record<string, unknown>;
  let defaults: Record<string, string>;
  try {
    nb = readNotebook(file);
    if (settings.check || settings.updateExpected) {
      // Bad check metadata (notebook or cell) is refused before the run, not after it.
      comparableCells(nb, checkSettings(nb));
    }
    const cell = findParameterCell(nb);
    const values = resolveParameters(cell, settings.parameters);
    prepared = Private.withoutOutputs(injectParameters(nb, cell, values));
    given = Object.fromEntries(values);
    defaults = Object.fromEntries((cell?.parameters ?? []).map(p => [p.name, p.defaultText]));
  } catch (error) {
    if (error instanceof NotebookFormatError && error.cause instanceof FileAccessError) {
      // "cannot read FILE: no such file" names the file already.
      return Private.usage(error.message);
    }
    if (error instanceof ParameterError || error instanceof NotebookFormatError) {
      return Private.usage(`${name}: ${error.message.replace(`${file}: `, '')}`);
    }
    if (error instanceof Error && error.message.includes('metadata.cryoprotect.check')) {
      return Private.usage(`${name}: ${error.message}`);
    }
    throw error;
  }
  const started = new Date();
  const directory = dirname(resolve(file));
  const result = await Private.execute(prepared, directory, settings, name, progress);
  const provenance = Private.provenance(
    { notebook: resolve(file), directory, sourceSha256: sourceSha256(nb), root: PROJECT_ROOT },
    { given, defaults },
    started,
    result
  );
  const executed = Private.write(result.notebook, provenance, settings.out, name);
  const outcome: Outcome = { code: EXIT.ok, lines: [], problems: [], executed };
  if (result.status !== 'ok') {
    return { ...outcome, ...Private.failure(name, prepared, result) };
  }
  outcome.lines.push(`ok ${name} (${provenance.seconds} s) → ${executed}`);
  if (result.kernelProblem) {
    outcome.problems.push(`${name}: ${result.kernelProblem}`);
  }
  const checks = checkSettings(result.notebook);
  const actual = comparableCells(result.notebook, checks);
  if (settings.updateExpected) {
    const path = expectedPath(file);
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(
      path,
      `${JSON.stringify(
        {
          format: EXPECTED_FORMAT,
          notebook: name,
          note: 'Outputs expected of this notebook, as compared by `cryoprotect run --check`: volatile text masked by the names below, drawings by their structure. Written by `cryoprotect run --update-expected`.',
          volatile: checks.volatile.map(v => ({ name: v.name, pattern: v.pattern.source })),
          tolerance: checks.tolerance,
          parameters: given,
          cells: actual
        },
        null,
        1
      )}\n`
    );
    outcome.lines.push(`${name}: expected outputs written to ${path}`);
  }
  if (settings.check) {
    const path = expectedPath(file);
    let expected: { format?: string; cells?: ComparableCell[] };
    try {
      expected = JSON.parse(readFileSync(path, 'utf8')) as typeof expected;
    } catch (error) {
      return {
        ...outcome,
        code: EXIT.usage,
        problems: [
          `${name}: no expected outputs to check against at ${path} (${(error as NodeJS.ErrnoException).code ?? (error as Error).message}); record them with --update-expected`
        ]
      };
    }
    if (expected.format !== EXPECTED_FORMAT || !Array.isArray(expected.cells)) {
      return Private.usage(`${name}: ${path} is not a ${EXPECTED_FORMAT} file`);
    }
    const differences = compareCells(expected.cells, actual, checks);
    if (differences.length > 0) {
      return {
        ...outcome,
        code: EXIT.differences,
        problems: Private.differenceLines(
          `${name}: ${differences.length} output${differences.length === 1 ? '' : 's'} differ from ${path}`,
          differences
        )
      };
    }
    outcome.lines.push(`${name}: outputs match ${path}`);
  }
  return outcome;
}

export interface ReproduceSettings {
  out: string;
  timeoutCell: number;
  timeout: number;
  kernel: string;
  /**
   * What the recorded paths are relative to: the project (default), or the folder a bundle was
   * unpacked in (see bundle.ts).
   */
  root?: string;
  /** Added to the kernel's environment. */
  env?: Record<string, string>;
}

/**
 * Re-run an executed notebook with the parameters it recorded and compare every output: "identical"
 * (or within the notebook's stated tolerance), or the differences. Refuses when a version that
 * decides the numbers differs; other differences of environment (the code commit, a lockfile) are
 * reported and the outputs compared all the same.
 */
export async function reproduceNotebook(
  file: string,
  settings: ReproduceSettings,
  progress: Progress
): Promise<Outcome> {
  const name = basename(file);
  let old: Notebook;
  try {
    old = readNotebook(file);
  } catch (error) {
    return Private.usage((error as Error).message);
  }
  const root = settings.root ?? PROJECT_ROOT;
  const recorded = provenanceOf(old);
  if (!recorded) {
    return Private.usage(
      `${name}: no provenance in its metadata (metadata.cryoprotect.provenance); reproduce takes a notebook executed by cryoprotect run`
    );
  }
  const lines: string[] = [];
  const problems: string[] = [];
  const environment = compareEnvironments(
    recorded.environment,
    currentEnvironment(),
    recorded.kernel
  );
  if (environment.blocking.length > 0) {
    return {
      code: EXIT.refused,
      lines,
      problems: [
        `${name}: cannot reproduce identically here; the environment differs in what decides the numbers:`,
        ...environment.blocking.map(d => `  ${d}`),
        'Install the recorded versions (npm ci with the recorded package-lock.json) and run reproduce again.'
      ]
    };
  }
  for (const d of environment.other) {
    lines.push(`${name}: environment differs (outputs compared anyway): ${d}`);
  }
  const differences: string[] = [];
  if (sourceSha256(old) !== recorded.sourceSha256) {
    differences.push(
      "the notebook's code differs from what ran (its cells were edited after the run)"
    );
  }
  const injected = injectedValues(old);
  if (JSON.stringify(injected) !== JSON.stringify(recorded.parameters.given)) {
    differences.push(
      `the injected parameters ${JSON.stringify(injected)} are not the recorded ones ${JSON.stringify(recorded.parameters.given)}`
    );
  }
  const recordedDirectory = resolveProjectPath(recorded.directory, root);
  const directory = Private.isDirectory(recordedDirectory)
    ? recordedDirectory
    : dirname(resolve(file));
  const started = new Date();
  const result = await Private.execute(
    Private.withoutOutputs(old),
    directory,
    settings,
    name,
    progress
  );
  const rerun = Private.provenance(
    { notebook: resolve(file), directory, sourceSha256: sourceSha256(old), root },
    recorded.parameters,
    started,
    result
  );
  const executed = Private.write(result.notebook, rerun, settings.out, name);
  lines.push(`${name}: re-run written to ${resolve(executed)}`);
  if (result.status !== 'ok') {
    return {
      code: EXIT.differences,
      lines,
      problems: [...problems, ...Private.failure(name, old, result).problems]
    };
  }
  const checks = checkSettings(old);
  const exact = { ...checks, tolerance: EXACT };
  const outputDifferences = compareCells(
    comparableCells(old, exact),
    comparableCells(result.notebook, exact),
    exact
  );
  const session = Private.sessionDifferences(recorded, rerun);
  const all = [...differences, ...session, ...outputDifferences.map(formatDifference)];
  if (all.length === 0) {
    lines.push(`${name}: identical`);
    return { code: EXIT.ok, lines, problems, executed };
  }
  if (differences.length === 0 && session.length === 0) {
    const within = compareCells(
      comparableCells(old, checks),
      comparableCells(result.notebook, checks),
      checks
    );
    if (within.length === 0) {
      lines.push(
        `${name}: identical within the notebook's stated tolerance (relative ${checks.tolerance.relative}, absolute ${checks.tolerance.absolute}); ${outputDifferences.length} value${outputDifferences.length === 1 ? '' : 's'} differ below it`
      );
      return { code: EXIT.ok, lines, problems, executed };
    }
  }
  return {
    code: EXIT.differences,
    lines,
    problems: [
      `${name}: not identical, ${all.length} difference${all.length === 1 ? '' : 's'}:`,
      ...all.map(d => `  ${d}`)
    ],
    executed
  };
}

namespace Private {
  export function usage(message: string): Outcome {
    return { code: EXIT.usage, lines: [], problems: [message] };
  }

  export function isDirectory(path: string): boolean {
    try {
      return statSync(path).isDirectory();
    } catch {
      return false;
    }
  }

  /** The provenance of a run that started at `started` and gave `result`. */
  export function provenance(
    where: { notebook: string; directory: string; sourceSha256: string; root: string },
    parameters: Provenance['parameters'],
    started: Date,
    result: ExecuteResult
  ): Provenance {
    const finished = new Date();
    const report = result.kernelReport;
    const files = report?.session.files?.map(f => ({
      ...f,
      path: projectPath(f.path, where.root)
    }));
    return {
      format: PROVENANCE_FORMAT,
      notebook: projectPath(where.notebook, where.root),
      directory: projectPath(where.directory, where.root),
      sourceSha256: where.sourceSha256,
      parameters,
      started: started.toISOString(),
      finished: finished.toISOString(),
      seconds: Math.round((finished.getTime() - started.getTime()) / 100) / 10,
      environment: currentEnvironment(),
      kernel: report && files ? { ...report, session: { ...report.session, files } } : report,
      ...(result.kernelProblem ? { kernelProblem: result.kernelProblem } : {}),
      cellSeconds: Object.fromEntries([...result.cellSeconds].map(([i, s]) => [String(i + 1), s]))
    };
  }

  export function withoutOutputs(nb: Notebook): Notebook {
    return {
      ...nb,
      cells: nb.cells.map(c =>
        c.cell_type === 'code' ? { ...c, outputs: [], execution_count: null } : c
      )
    };
  }

  export async function execute(
    nb: Notebook,
    cwd: string,
    settings: Pick<RunSettings, 'kernel' | 'timeoutCell' | 'timeout'> & {
      env?: Record<string, string>;
    },
    name: string,
    progress: Progress
  ): Promise<ExecuteResult> {
    const codeCells = nb.cells.filter(c => c.cell_type === 'code' && joinedText(c.source).trim());
    let done = 0;
    return executeNotebook({
      notebook: nb,
      cwd,
      kernel: settings.kernel,
      timeoutCell: settings.timeoutCell,
      timeout: settings.timeout,
      ...(settings.env ? { env: settings.env } : {}),
      onCell: ({ index, seconds }) => {
        done += 1;
        progress(
          `${name} [${done}/${codeCells.length}] cell ${index + 1} ok (${seconds.toFixed(1)} s)`
        );
      }
    });
  }

  export function write(nb: Notebook, provenance: Provenance, out: string, name: string): string {
    mkdirSync(out, { recursive: true });
    const metadata = { ...nb.metadata };
    metadata.cryoprotect = {
      ...(typeof metadata.cryoprotect === 'object' ? metadata.cryoprotect : {}),
      provenance
    };
    const path = join(out, name);
    writeFileSync(path, notebookText({ ...nb, metadata }));
    writeFileSync(
      path.replace(/\.ipynb$/, '') + '.provenance.json',
      `${JSON.stringify(provenance, null, 2)}\n`
    );
    return path;
  }

  export function failure(
    name: string,
    nb: Notebook,
    result: ExecuteResult
  ): Pick<Outcome, 'code' | 'problems'> {
    const where = result.index !== undefined ? ` cell ${result.index + 1}` : '';
    const source =
      result.index !== undefined ? joinedText(nb.cells[result.index]?.source).split('\n') : [];
    const excerpt = source
      .slice(0, 6)
      .map(line => `  | ${line}`)
      .concat(source.length > 6 ? ['  | …'] : []);
    const kind =
      result.status === 'timeout'
        ? 'timed out'
        : result.status === 'kernel'
          ? 'stopped: the kernel failed'
          : 'failed';
    return {
      code: result.status === 'timeout' ? EXIT.timeout : EXIT.cellFailed,
      problems: [`FAILED ${name}:${where} ${kind}: ${(result.message ?? '').trim()}`, ...excerpt]
    };
  }

  export function differenceLines(title: string, differences: Difference[]): string[] {
    const shown = differences.slice(0, 50).map(d => `  ${formatDifference(d)}`);
    return [
      title,
      ...shown,
      ...(differences.length > shown.length
        ? [`  … and ${differences.length - shown.length} more`]
        : [])
    ];
  }

  export function sessionDifferences(recorded: Provenance, rerun: Provenance): string[] {
    const was = recorded.kernel?.session;
    const is = rerun.kernel?.session;
    if (!was || !is) {
      return [];
    }
    const found: string[] = [];
    const list = (items: unknown[]) => items.map(i => JSON.stringify(i)).join(', ') || 'none';
    // A run recorded before files were noted has nothing to compare them with.
    const files = (f: typeof was.files) =>
      (f ?? []).map(x => `${x.path} (sha256 ${x.sha256.slice(0, 12)})`);
    if (was.files && JSON.stringify(files(was.files)) !== JSON.stringify(files(is.files))) {
      found.push(
        `files read: ${files(was.files).join(', ') || 'none'} recorded, ${files(is.files).join(', ') || 'none'} now`
      );
    }
    if (JSON.stringify(was.snapshots) !== JSON.stringify(is.snapshots)) {
      found.push(`dataset snapshots: ${list(was.snapshots)} recorded, ${list(is.snapshots)} now`);
    }
    // A version registered by the run is numbered anew by the server each time: its name and
    // snapshot must agree; a version loaded must be the very one.
    const models = (m: typeof was.models) =>
      JSON.stringify(
        m.map(x => [x.use, x.use === 'loaded' ? `${x.name}@${x.version}` : x.name, x.snapshotHash])
      );
    if (models(was.models) !== models(is.models)) {
      found.push(`model versions: ${list(was.models)} recorded, ${list(is.models)} now`);
    }
    if (JSON.stringify(was.seeds) !== JSON.stringify(is.seeds)) {
      found.push(`seeds: ${list(was.seeds)} recorded, ${list(is.seeds)} now`);
    }
    return found;
  }
}
