import type { Command } from 'commander';
import { PasswordSchema } from '@cryoprotect/kernel';
import { parseUsername } from '../cli/options.js';
import type { CommandIO } from '../cli/output.js';
import { loadConfig } from '../config.js';
import { migrate } from '../db/migrations.js';
import { openDatabase } from '../db/open.js';
import { UsernameTakenError, createAccountFromCli, setPasswordFromCli } from './accounts.js';

namespace Private {
  /** The password is read from standard input so it never appears in the process list or shell history. */
  export async function readPassword(stdin: NodeJS.ReadableStream): Promise<string> {
    const chunks: Buffer[] = [];
    for await (const chunk of stdin) {
      chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk));
    }
    // One trailing line break (echo, a file) is not part of the password.
    const password = Buffer.concat(chunks)
      .toString('utf8')
      .replace(/\r?\n$/, '');
    const checked = PasswordSchema.safeParse(password);
    if (!checked.success) {
      throw new Error(`the password on standard input ${checked.error.issues[0].message}`);
    }
    return password;
  }
}

/**
 * `cryoprotect user create|set-password`: accounts made by the operator on the service path, for
 * the first site administrator of a shared deployment (who then creates the others over the API).
 * The schema is brought up to date first, as `serve` would.
 */
export function addUserCommands(program: Command, io: CommandIO): void {
  const user = program.command('user').description('accounts of a shared deployment');
  user
    .command('create')
    .description('create an account (with --admin: a site administrator)')
    .argument('<username>', 'lower-case letters, digits, "_", "." and "-"', parseUsername)
    .option('--admin', 'site administrator: manages accounts and reads the whole audit log')
    .option(
      '--password-stdin',
      'read the initial password (12 characters or more) from standard input'
    )
    .option('--display-name <name>', 'the name colleagues see (default: the username)')
    .option('--email <address>', 'e-mail address')
    .action(
      async (
        username: string,
        options: { admin?: boolean; passwordStdin?: boolean; displayName?: string; email?: string }
      ) => {
        const password = options.passwordStdin ? await Private.readPassword(io.stdin) : undefined;
        const config = loadConfig();
        const db = await openDatabase(config);
        try {
          await migrate(db, config.CRYOPROTECT_MIGRATIONS_DIR);
          const account = await createAccountFromCli(db, {
            username,
            displayName: options.displayName,
            email: options.email,
            password,
            isAdmin: options.admin ?? false
          });
          io.out.say(
            `created ${account.isAdmin ? 'site administrator' : 'user'} ${account.username} (${account.id})` +
              (password ? '' : '; no password yet: set one with "cryoprotect user set-password"')
          );
        } catch (error) {
          if (error instanceof UsernameTakenError) {
            throw new Error(`${error.message}; choose another or use "user set-password"`);
          }
          throw error;
        } finally {
          await db.close();
        }
      }
    );
  user
    .command('set-password')
    .description("set or replace an account's password (read from standard input)")
    .argument('<username>', 'the account', parseUsername)
    .requiredOption(
      '--password-stdin',
      'read the password (12 characters or more) from standard input'
    )
    .action(async (username: string) => {
      const password = await Private.readPassword(io.stdin);
      const config = loadConfig();
      const db = await openDatabase(config);
      try {
        await migrate(db, config.CRYOPROTECT_MIGRATIONS_DIR);
        if (!(await setPasswordFromCli(db, username, password))) {
          throw new Error(`there is no user ${username}`);
        }
        io.out.say(`password of ${username} set`);
      } finally {
        await db.close();
      }
    });
}
