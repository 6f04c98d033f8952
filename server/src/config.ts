import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';

const here = dirname(fileURLToPath(import.meta.url));

/** The repository's migrations/ folder (server/dist -> ../../migrations). */
export const DEFAULT_MIGRATIONS_DIR = resolve(here, '..', '..', 'migrations');

const port = z.coerce
  .number({ message: 'must be a number' })
  .int('must be a whole number')
  .min(1, 'must be between 1 and 65535')
  .max(65535, 'must be between 1 and 65535');

const keepCount = z.coerce
  .number({ message: 'must be a number of backups' })
  .int('must be a whole number')
  .min(0, 'must be 0 or more')
  .max(1000, 'must be at most 1000');

const seconds = (min: number, max: number) =>
  z.coerce
    .number({ message: 'must be a number of seconds' })
    .int('must be a whole number of seconds')
    .min(min, `must be at least ${min} s`)
    .max(max, `must be at most ${max} s`);

const ConfigSchema = z.object({
  DATABASE_URL: z
    .string()
    .regex(/^postgres(ql)?:\/\//, 'must be a postgres:// or postgresql:// URL')
    .optional(),
  DATABASE_SERVICE_URL: z
    .string()
    .regex(/^postgres(ql)?:\/\//, 'must be a postgres:// or postgresql:// URL')
    .optional(),
  CRYOPROTECT_DATA_DIR: z.string().min(1).default('.cryoprotect'),
  CRYOPROTECT_HOST: z.string().min(1).default('127.0.0.1'),
  CRYOPROTECT_PORT: port.default(8787),
  CRYOPROTECT_MIGRATIONS_DIR: z.string().min(1).default(DEFAULT_MIGRATIONS_DIR),
  CRYOPROTECT_CORS_ORIGINS: z
    .string()
    .default('http://127.0.0.1:8888,http://localhost:8888')
    .transform(value =>
      value
        .split(',')
        .map(o => o.trim())
        .filter(Boolean)
    )
    .pipe(
      z.array(
        z
          .string()
          .regex(
            /^https?:\/\/[^/\s]+$/,
            'must be origins like http://127.0.0.1:8888, separated by commas'
          )
      )
    ),
  CRYOPROTECT_RATE_LIMIT: z.coerce
    .number({ message: 'must be a number' })
    .int('must be a whole number')
    .min(1, 'must be at least 1')
    .default(600),
  CRYOPROTECT_TOKEN_CACHE_MS: z.coerce
    .number({ message: 'must be a number of milliseconds' })
    .int('must be a whole number of milliseconds')
    .min(0, 'must be 0 (no cache) or more')
    .max(60_000, 'must be at most 60000 (a revoked token elsewhere stays usable that long)')
    .default(2000),
  CRYOPROTECT_BODY_LIMIT: z.coerce
    .number({ message: 'must be a number of bytes' })
    .int('must be a whole number of bytes')
    .min(1024, 'must be at least 1024 bytes')
    .default(1 << 20),
  CRYOPROTECT_DB_POOL_SIZE: z.coerce
    .number({ message: 'must be a number' })
    .int('must be a whole number')
    .min(1, 'must be at least 1')
    .default(10),
  CRYOPROTECT_DB_CONNECT_TIMEOUT_MS: z.coerce
    .number({ message: 'must be a number of milliseconds' })
    .int('must be a whole number of milliseconds')
    .min(100, 'must be at least 100 ms')
    .default(5_000),
  CRYOPROTECT_DB_STATEMENT_TIMEOUT_MS: z.coerce
    .number({ message: 'must be a number of milliseconds' })
    .int('must be a whole number of milliseconds')
    .min(100, 'must be at least 100 ms')
    .default(60_000),
  CRYOPROTECT_METRICS_TOKEN: z.string().min(16, 'must be at least 16 characters').optional(),
  // Where `cryoprotect backup` keeps its archives (default: <data dir>/backups).
  CRYOPROTECT_BACKUP_DIR: z.string().min(1).optional(),
  // Grandfather-father-son retention of `cryoprotect backup prune`: newest backup of each of the
  // last N days, weeks and months.
  CRYOPROTECT_BACKUP_KEEP_DAILY: keepCount.default(7),
  CRYOPROTECT_BACKUP_KEEP_WEEKLY: keepCount.default(4),
  CRYOPROTECT_BACKUP_KEEP_MONTHLY: keepCount.default(12),
  // Retraining of models trained on measurements (models/retrain.ts): a queued retrain runs once
  // no verification has added to it for this many seconds, so a burst of verifications gives one
  // retrain.
  CRYOPROTECT_RETRAIN_DELAY: z.coerce
    .number({ message: 'must be a number of seconds' })
    .int('must be a whole number of seconds')
    .min(0, 'must be 0 (run at once) or more')
    .default(300),
  // How often a worker looks for due retrain jobs.
  CRYOPROTECT_RETRAIN_POLL: z.coerce
    .number({ message: 'must be a number of seconds' })
    .int('must be a whole number of seconds')
    .min(1, 'must be at least 1 second')
    .default(30),
  // Run the retrain worker inside `cryoprotect serve|start` (the embedded database allows one
  // process, so this is how it retrains); off by default: retraining is CPU-heavy.
  CRYOPROTECT_RETRAIN_WORKER: z
    .enum(['0', '1', 'false', 'true'], { message: 'must be 1 or 0 (true or false)' })
    .default('0')
    .transform(value => value === '1' || value === 'true'),
  // Virtual screens (screens/): how long a worker may hold a chunk before the queue gives it to
  // another (a worker that died: its chunk waits this long), the retries after a failed attempt,
  // how often expired chunks are looked for, how often an idle worker asks for one.
  CRYOPROTECT_SCREEN_EXPIRE: seconds(1, 86_400).default(900),
  CRYOPROTECT_SCREEN_RETRIES: z.coerce
    .number({ message: 'must be a number of retries' })
    .int('must be a whole number')
    .min(0, 'must be 0 or more')
    .max(20, 'must be at most 20')
    .default(2),
  CRYOPROTECT_SCREEN_MAINTENANCE: seconds(1, 3600).default(60),
  CRYOPROTECT_SCREEN_POLL: seconds(1, 600).default(2),
  // Score screens inside `cryoprotect serve|start`: auto = with the embedded database (which
  // allows one process), not with PostgreSQL (run `cryoprotect screen worker` processes).
  CRYOPROTECT_SCREEN_WORKER: z
    .enum(['auto', '0', '1', 'false', 'true'], { message: 'must be auto, 1 or 0' })
    .default('auto'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  NODE_ENV: z.enum(['development', 'production', 'test']).default('development')
});

export type Config = z.infer<typeof ConfigSchema> & {
  /** Embedded database folder, inside the data dir. */
  pgliteDir: string;
};

/** The screening queue's settings from the configuration. */
export function screenQueueOptions(config: Config): {
  expireInSeconds: number;
  retryLimit: number;
  maintenanceSeconds: number;
  pollSeconds: number;
} {
  return {
    expireInSeconds: config.CRYOPROTECT_SCREEN_EXPIRE,
    retryLimit: config.CRYOPROTECT_SCREEN_RETRIES,
    maintenanceSeconds: config.CRYOPROTECT_SCREEN_MAINTENANCE,
    pollSeconds: config.CRYOPROTECT_SCREEN_POLL
  };
}

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid configuration:\n${problems.map(p => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

/** Read and validate the configuration; every bad variable is named with the reason. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  // Empty strings count as unset, as most shells and compose files intend.
  const present = Object.fromEntries(
    Object.entries(env).filter(([, v]) => v !== undefined && v !== '')
  );
  const result = ConfigSchema.safeParse(present);
  if (!result.success) {
    throw new ConfigError(
      result.error.issues.map(
        issue =>
          `${issue.path.join('.')}: ${issue.message} (got "${String(present[issue.path[0] as string] ?? '')}")`
      )
    );
  }
  if (result.data.DATABASE_SERVICE_URL && !result.data.DATABASE_URL) {
    throw new ConfigError([
      'DATABASE_SERVICE_URL: is only used together with DATABASE_URL (the embedded database needs neither)'
    ]);
  }
  const dataDir = resolve(result.data.CRYOPROTECT_DATA_DIR);
  return { ...result.data, CRYOPROTECT_DATA_DIR: dataDir, pgliteDir: resolve(dataDir, 'pgdata') };
}
