import { type Command, InvalidArgumentError } from 'commander';
import { PasswordSchema, UsernameSchema } from '@cryoprotect/kernel';
import { loadConfig } from '../config.js';
import { migrate } from '../db/migrations.js';
import { openDatabase } from '../db/open.js';
import { UsernameTakenError, createAccountFromCli, setPasswordFromCli } from './accounts.js';

namespace Private {
  export function parseUsername(value: string): string {
    const result = UsernameSchema.safeParse(value);
    if (!result.success) {
      throw new InvalidArgumentError(result.error.issues[0].message);
    }
    return value;
  }

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

export interface UserCommandIO {
  stdin: NodeJS.ReadableStream;
  out: (line: string) => void;
}

/**
 * `cryoprotect user create|set-password`: accounts made by the operator on the service path, for
 * the first site administrator of a shared deployment (who then creates the others over the API).
 * The schema is brought up to date first, as `serve` would.
 */
export function registerUserCommands(
  program: Command,
  io: UserCommandIO = {
    stdin: process.stdin,
    out: line => process.stdout.write(`cryoprotect: ${line}\n`)
  }
): void {
  const user = program.command('user').description('accounts of a shared deployment');
  user
    .command('create')
    .description('create an account (with --admin: a site administrator)')
    .argument('<username>', 'lower-case letters, digits, "_", "." and "-"', Private.parseUsername)
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
          io.out(
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
    .argument('<username>', 'the account', Private.parseUsername)
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
        io.out(`password of ${username} set`);
      } finally {
        await db.close();
      }
    });
}
