import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { PROJECT_ROOT, VENV_BIN } from '../lab.js';
import { notebookText, readNotebook, type Notebook } from './notebook.js';
import type { KernelReport } from './provenance.js';

/**
 * One notebook executed headless by nbclient (notebook-runner/execute.py, in the project's
 * Python environment) on the tslab kernel: cell by cell, each reported as it ends, with a limit
 * per cell and one for the whole run. After the last cell an epilogue asks the same kernel what
 * it used (kernel-lib's session ledger, RDKit and TensorFlow.js versions); it is not kept in the
 * notebook.
 */

export interface CellEvent {
  /** 0-based index among all cells. */
  index: number;
  seconds: number;
}

export interface ExecuteOptions {
  notebook: Notebook;
  /** The kernel's working folder (the notebook's own, so relative paths mean what they say). */
  cwd: string;
  kernel: string;
  timeoutCell: number;
  timeout: number;
  /** Added to the kernel's environment (e.g. where a reproduced bundle's model versions are). */
  env?: Record<string, string>;
  onStart?(codeCells: number): void;
  onCell?(event: CellEvent): void;
}

export interface ExecuteResult {
  status: 'ok' | 'error' | 'timeout' | 'kernel';
  /** The failing cell (0-based), when one failed. */
  index?: number;
  message?: string;
  notebook: Notebook;
  cellSeconds: Map<number, number>;
  kernelReport: KernelReport | null;
  kernelProblem?: string;
}

export const PYTHON = join(VENV_BIN, 'python');
const RUNNER = join(PROJECT_ROOT, 'server', 'notebook-runner', 'execute.py');
const KERNEL_LIB = join(PROJECT_ROOT, 'kernel-lib', 'dist', 'index.js');
const MARK = '__cryoprotect_provenance__';

/**
 * The epilogue cell: the kernel library by its real path, which Node resolves to the module the
 * notebook imported as '@cryoprotect/kernel' (one instance, one ledger).
 */
export function epilogueSource(kernelLib: string = KERNEL_LIB): string {
  return [
    '{',
    `  const k = await import(${JSON.stringify(kernelLib)});`,
    '  const rdkit = await k.loadRDKit();',
    '  const tf = k.tensorFlowLoaded() ? (await k.loadTensorFlow()).runtime : null;',
    `  console.log(${JSON.stringify(MARK)} + JSON.stringify({ kernel: k.KERNEL_VERSION, rdkit: rdkit.version(), tensorflow: tf ? { backend: tf.backend, tfjsVersion: tf.tfjsVersion } : null, node: process.version, session: k.sessionProvenance() }));`,
    '}'
  ].join('\n');
}

export async function executeNotebook(options: ExecuteOptions): Promise<ExecuteResult> {
  if (!existsSync(PYTHON)) {
    throw new Error(
      `the project's Python environment is missing (${PYTHON}); run "npm run setup" in ${PROJECT_ROOT}`
    );
  }
  const scratch = mkdtempSync(join(tmpdir(), 'cryoprotect-run-'));
  try {
    const input = join(scratch, 'input.ipynb');
    const output = join(scratch, 'output.ipynb');
    const epilogue = join(scratch, 'epilogue.ts');
    writeFileSync(input, notebookText(options.notebook));
    writeFileSync(epilogue, epilogueSource());
    const child = spawn(
      PYTHON,
      [
        RUNNER,
        '--input',
        input,
        '--output',
        output,
        '--cwd',
        options.cwd,
        '--kernel',
        options.kernel,
        '--timeout-cell',
        String(options.timeoutCell),
        '--timeout',
        String(options.timeout),
        '--epilogue',
        epilogue
      ],
      {
        cwd: options.cwd,
        stdio: ['ignore', 'pipe', 'pipe'],
        env: { ...process.env, ...options.env }
      }
    );
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => {
      stderr = (stderr + chunk.toString('utf8')).slice(-8000);
    });
    // The runner stops itself at the whole-run limit; this is the backstop if it cannot.
    const backstop = setTimeout(() => child.kill('SIGTERM'), (options.timeout + 60) * 1000);
    const killer = setTimeout(() => child.kill('SIGKILL'), (options.timeout + 120) * 1000);
    const cellSeconds = new Map<number, number>();
    let end: { status: ExecuteResult['status']; index?: number; message?: string } | null = null;
    let kernelReport: KernelReport | null = null;
    let kernelProblem: string | undefined = 'the epilogue did not run';
    const lines = createInterface({ input: child.stdout });
    lines.on('line', line => {
      let event: Record<string, unknown>;
      try {
        event = JSON.parse(line) as Record<string, unknown>;
      } catch {
        return;
      }
      switch (event.event) {
        case 'start':
          options.onStart?.(Number(event.code_cells));
          break;
        case 'cell':
          cellSeconds.set(Number(event.index), Number(event.seconds));
          options.onCell?.({ index: Number(event.index), seconds: Number(event.seconds) });
          break;
        case 'epilogue': {
          const text = String(event.text ?? '');
          const at = text.indexOf(MARK);
          if (event.status === 'ok' && at >= 0) {
            kernelReport = JSON.parse(text.slice(at + MARK.length).split('\n')[0]) as KernelReport;
            kernelProblem = undefined;
          } else {
            kernelProblem = `the kernel could not report what it used: ${text.trim().slice(0, 500)}`;
          }
          break;
        }
        case 'end':
          end = {
            status: event.status as ExecuteResult['status'],
            ...(typeof event.index === 'number' ? { index: event.index } : {}),
            ...(typeof event.message === 'string' ? { message: event.message } : {})
          };
          break;
      }
    });
    const code = await new Promise<number | null>(resolve => child.on('close', resolve));
    clearTimeout(backstop);
    clearTimeout(killer);
    const finished = end as {
      status: ExecuteResult['status'];
      index?: number;
      message?: string;
    } | null;
    if (!existsSync(output)) {
      throw new Error(
        `the notebook runner stopped (exit ${code}) without writing the notebook: ${stderr.trim().slice(-1500)}`
      );
    }
    return {
      ...(finished ?? {
        status: 'kernel' as const,
        message: `the notebook runner stopped (exit ${code}): ${stderr.trim().slice(-1500)}`
      }),
      notebook: readNotebook(output),
      cellSeconds,
      kernelReport,
      ...(kernelProblem && finished?.status === 'ok' ? { kernelProblem } : {})
    };
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}
