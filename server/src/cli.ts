import { Command } from 'commander';
import { KERNEL_VERSION } from '@cryoprotect/kernel';
import { softwareVersions } from './backup/archive.js';
import { addUserCommands } from './accounts/cli.js';
import { addBackupCommands } from './backup/cli.js';
import { addDbCommands } from './cli/db.js';
import { addDescribeCommand } from './cli/describe.js';
import { failureOf, processIO, type CommandIO } from './cli/output.js';
import { addProxyEntryCommand } from './cli/proxy-entry.js';
import { addServeCommands } from './cli/serve.js';
import { addModelCommands } from './models/cli.js';
import { addWorkerCommands } from './models/worker-cli.js';
import { addNotebookCommands } from './notebooks/cli.js';
import { addScreenCommands } from './screens/cli.js';

/** The `cryoprotect` command line: every command group, each writing through `io`. */
export function buildCli(io: CommandIO = processIO()): Command {
  const program = new Command('cryoprotect')
    .description(
      'CryoProtect: shared database, REST server and JupyterLab for cryoprotectant research'
    )
    .version(
      `cryoprotect ${softwareVersions().server} (@cryoprotect/kernel ${KERNEL_VERSION})`,
      '-V, --version',
      'print the versions of cryoprotect and of its kernel library'
    )
    .showHelpAfterError();
  addServeCommands(program, io);
  addProxyEntryCommand(program, io);
  addDbCommands(program, io);
  addDescribeCommand(program, io);
  addBackupCommands(program, io);
  addModelCommands(program, io);
  addWorkerCommands(program, io);
  addScreenCommands(program, io);
  addUserCommands(program, io);
  addNotebookCommands(program, io);
  return program;
}

export async function main(
  argv: string[] = process.argv,
  io: CommandIO = processIO()
): Promise<void> {
  try {
    await buildCli(io).parseAsync(argv);
  } catch (error) {
    const { message, exitCode } = failureOf(error);
    io.out.warn(message);
    process.exit(exitCode);
  }
}
