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
