import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { parseFeatures, type FeatureFlags } from './features.js';

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
  // The status page (/status): how often each server samples its components, how long samples
  // are kept, and how long queued work may wait with nothing finishing before the job workers
  // count as down.
  CRYOPROTECT_STATUS_INTERVAL: seconds(5, 3600).default(60),
  CRYOPROTECT_STATUS_RETENTION_DAYS: z.coerce
    .number({ message: 'must be a number of days' })
    .int('must be a whole number of days')
    .min(1, 'must be at least 1 day (the page shows the last day)')
    .max(366, 'must be at most 366 days')
    .default(7),
  CRYOPROTECT_STATUS_STALL: seconds(60, 86_400).default(900),
  // Feature flags: name=on|off, separated by commas (server/src/features.ts lists them).
  CRYOPROTECT_FEATURES: z.string().optional(),
  // Deployment profile: staging and production require a PostgreSQL database and refuse settings
  // meant for a laptop (see checkProfile).
  CRYOPROTECT_PROFILE: z
    .enum(['development', 'staging', 'production'], {
      message: 'must be development, staging or production'
    })
    .default('development'),
  // Log to a file rotated daily and at CRYOPROTECT_LOG_MAX_MB, keeping CRYOPROTECT_LOG_KEEP
  // files (older ones are deleted); unset: standard output, for a supervisor that keeps logs.
  CRYOPROTECT_LOG_FILE: z.string().min(1).optional(),
  CRYOPROTECT_LOG_KEEP: z.coerce
    .number({ message: 'must be a number of files' })
    .int('must be a whole number')
    .min(1, 'must be at least 1')
    .max(1000, 'must be at most 1000')
    .default(14),
  CRYOPROTECT_LOG_MAX_MB: z.coerce
    .number({ message: 'must be a number of megabytes' })
    .int('must be a whole number of megabytes')
    .min(1, 'must be at least 1')
    .default(100),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  NODE_ENV: z.enum(['development', 'production', 'test']).optional()
});

export type Config = Omit<z.infer<typeof ConfigSchema>, 'NODE_ENV'> & {
  NODE_ENV: 'development' | 'production' | 'test';
  /** Embedded database folder, inside the data dir. */
  pgliteDir: string;
  /** The feature flags in force (CRYOPROTECT_FEATURES over the defaults). */
  features: FeatureFlags;
};

/**
 * Variables that may instead be read from a file named by `<NAME>_FILE` (container secrets,
 * systemd credentials): every setting may, these are the ones that should.
 */
export const SECRET_SETTINGS = [
  'DATABASE_URL',
  'DATABASE_SERVICE_URL',
  'CRYOPROTECT_METRICS_TOKEN'
] as const;

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
  const given = Object.fromEntries(
    Object.entries(env).filter(([, v]) => v !== undefined && v !== '')
  ) as Record<string, string>;
  const { values: present, problems: fileProblems } = Private.readSettingFiles(given);
  const result = ConfigSchema.safeParse(present);
  if (!result.success || fileProblems.length > 0) {
    throw new ConfigError([
      ...fileProblems,
      ...(result.error?.issues ?? []).map(
        issue =>
          // A secret's value is never echoed: it may be the password the error is about.
          `${issue.path.join('.')}: ${issue.message} (got ${Private.shown(String(issue.path[0]), present)})`
      )
    ]);
  }
  if (result.data.DATABASE_SERVICE_URL && !result.data.DATABASE_URL) {
    throw new ConfigError([
      'DATABASE_SERVICE_URL: is only used together with DATABASE_URL (the embedded database needs neither)'
    ]);
  }
  const features = parseFeatures(result.data.CRYOPROTECT_FEATURES);
  const profile = result.data.CRYOPROTECT_PROFILE;
  const nodeEnv =
    result.data.NODE_ENV ?? (profile === 'development' ? 'development' : 'production');
  const problems = [
    ...features.problems.map(p => `CRYOPROTECT_FEATURES: ${p}`),
    ...checkProfile({ ...result.data, NODE_ENV: nodeEnv })
  ];
  if (problems.length > 0) {
    throw new ConfigError(problems);
  }
  const dataDir = resolve(result.data.CRYOPROTECT_DATA_DIR);
  return {
    ...result.data,
    NODE_ENV: nodeEnv,
    CRYOPROTECT_DATA_DIR: dataDir,
    pgliteDir: resolve(dataDir, 'pgdata'),
    features: features.flags
  };
}

const LOOPBACK_HOSTS = new Set(['127.0.0.1', 'localhost', '::1', '[::1]']);

/**
 * What staging and production refuse, each named with the reason: the embedded database (one
 * process, one user, a folder on one disk), development mode, the laptop's CORS origins, plain
 * HTTP origins other than loopback, and (production) a database login sent unencrypted to
 * another host.
 */
export function checkProfile(
  config: Pick<
    z.infer<typeof ConfigSchema>,
    'CRYOPROTECT_PROFILE' | 'DATABASE_URL' | 'DATABASE_SERVICE_URL' | 'CRYOPROTECT_CORS_ORIGINS'
  > & { NODE_ENV: string }
): string[] {
  const profile = config.CRYOPROTECT_PROFILE;
  if (profile === 'development') {
    return [];
  }
  const problems: string[] = [];
  if (!config.DATABASE_URL) {
    problems.push(
      `DATABASE_URL: required by the ${profile} profile (the embedded database serves one user on one machine)`
    );
  }
  if (config.NODE_ENV !== 'production') {
    problems.push(
      `NODE_ENV: must be production (or unset) with the ${profile} profile (got "${config.NODE_ENV}"): development mode shows internal errors to clients`
    );
  }
  const insecure = config.CRYOPROTECT_CORS_ORIGINS.filter(origin => {
    const url = new URL(origin);
    return url.protocol === 'http:' && !LOOPBACK_HOSTS.has(url.hostname);
  });
  if (insecure.length > 0) {
    problems.push(
      `CRYOPROTECT_CORS_ORIGINS: ${insecure.join(', ')} must be https:// with the ${profile} profile (tokens would cross the network in clear)`
    );
  }
  if (profile === 'production') {
    for (const name of ['DATABASE_URL', 'DATABASE_SERVICE_URL'] as const) {
      const problem = Private.databaseTls(config[name]);
      if (problem) {
        problems.push(`${name}: ${problem}`);
      }
    }
  }
  return problems;
}

namespace Private {
  const SECRET = new Set<string>(SECRET_SETTINGS);

  export function shown(name: string, values: Record<string, string>): string {
    if (SECRET.has(name)) {
      return 'a value that is not shown';
    }
    return `"${values[name] ?? ''}"`;
  }

  /**
   * `<NAME>_FILE` holds the path of a file whose content (without the final newline) is the
   * setting: secrets then stay out of the environment, process listings and compose files.
   */
  export function readSettingFiles(given: Record<string, string>): {
    values: Record<string, string>;
    problems: string[];
  } {
    const values = { ...given };
    const problems: string[] = [];
    for (const name of Object.keys(ConfigSchema.shape)) {
      const path = given[`${name}_FILE`];
      if (path === undefined) {
        continue;
      }
      if (given[name] !== undefined) {
        problems.push(`${name}_FILE: ${name} is set too; set one of them`);
        continue;
      }
      try {
        values[name] = readFileSync(path, 'utf8').replace(/\r?\n$/, '');
      } catch (error) {
        problems.push(
          `${name}_FILE: cannot read ${path} (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`
        );
        continue;
      }
      if (values[name] === '') {
        problems.push(`${name}_FILE: ${path} is empty`);
        delete values[name];
      }
    }
    return { values, problems };
  }

  /**
   * A PostgreSQL URL to another host must verify the server's certificate: the login can act as
   * any account. A socket path or loopback host stays on the machine.
   */
  export function databaseTls(url: string | undefined): string | undefined {
    if (url === undefined) {
      return undefined;
    }
    // Not WHATWG URL parsing: libpq's form allows an empty host (postgresql://user@/db?host=/run).
    const host = /^postgres(?:ql)?:\/\/(?:[^@/]*@)?(\[[^\]]*\]|[^/:?]*)/.exec(url)?.[1] ?? '';
    const params = new URLSearchParams(url.includes('?') ? url.slice(url.indexOf('?') + 1) : '');
    const socketOrLocal = params.get('host') ?? host;
    if (
      socketOrLocal === '' ||
      socketOrLocal.startsWith('/') ||
      LOOPBACK_HOSTS.has(socketOrLocal)
    ) {
      return undefined;
    }
    const mode = params.get('sslmode');
    if (mode !== 'verify-full' && mode !== 'verify-ca') {
      return `connects to ${socketOrLocal} without certificate verification; add sslmode=verify-full (and sslrootcert=<CA file>) to the production profile's database URLs`;
    }
    return undefined;
  }
}
