import { writeFileSync } from 'node:fs';
import { fileAccessError } from '@cryoprotect/kernel/node';
import { EXIT } from '../notebooks/exit-codes.js';

/**
 * The one writer of every `cryoprotect` command group. Each group is added by a function of the
 * same shape, `addXCommands(program: Command, io: CommandIO): void`, and writes only through
 * `io.out`; tests and embedders may pass their own streams.
 */

/** A row of an input file that was not used, and why (kernel-lib's RejectedRow fits). */
export interface RejectedInput {
  /** Line in the file where the record starts (1 = the first line). */
  line: number;
  /** The column at fault, when one is. */
  column?: string;
  reason: string;
}

export interface Output {
  /** A status line on standard output: `cryoprotect: <message>`. */
  say(message: string): void;
  /** A line on standard error: `cryoprotect: <message>` (warnings, summaries beside data, errors). */
  warn(message: string): void;
  /** Text on standard output exactly as given (tables, JSON, CSV): the caller ends its lines. */
  print(text: string): void;
  /** Input rows not used, on standard error, one `file:line: column: reason` each (column when known). */
  reportRejected(file: string, rows: readonly RejectedInput[]): void;
}

/** What a command group reads and writes besides its files and database. */
export interface CommandIO {
  /** Where passwords and other secrets are read from (never from arguments). */
  stdin: NodeJS.ReadableStream;
  out: Output;
}

/** The writer over two streams; its methods may be passed on alone (e.g. as a worker's log). */
export function createOutput(
  stdout: { write(text: string): unknown },
  stderr: { write(text: string): unknown }
): Output {
  return {
    say: message => void stdout.write(`cryoprotect: ${message}\n`),
    warn: message => void stderr.write(`cryoprotect: ${message}\n`),
    print: text => void stdout.write(text),
    reportRejected: (file, rows) => {
      for (const row of rows) {
        stderr.write(`${file}:${row.line}: ${row.column ? `${row.column}: ` : ''}${row.reason}\n`);
      }
    }
  };
}

/** The process's own standard streams. */
export function processIO(): CommandIO {
  return {
    get stdin() {
      return process.stdin;
    },
    out: createOutput(process.stdout, process.stderr)
  };
}

/**
 * What a command's failure tells a person, and the exit code. A file that cannot be read or
 * written (Node's ENOENT, EACCES, EPERM, EISDIR or ENOTDIR, thrown or the cause of what was
 * thrown) is a usage error, exit 2: "cannot read data.csv: no such file", never Node's
 * "ENOENT: no such file or directory, open ..." nor a stack. Anything else: its message, exit 1.
 */
export function failureOf(error: unknown): { message: string; exitCode: number } {
  const file = fileAccessError(error);
  if (file) {
    return { message: file.message, exitCode: EXIT.usage };
  }
  return { message: error instanceof Error ? error.message : String(error), exitCode: 1 };
}

/** Write a command's output file; a failure says so ("cannot write out/x.csv: no such directory"). */
export function writeOutputFile(file: string, text: string): void {
  try {
    writeFileSync(file, text);
  } catch (error) {
    throw fileAccessError(error, 'write', file) ?? error;
  }
}
