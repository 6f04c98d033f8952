import { createHash } from 'node:crypto';
import { once } from 'node:events';
import {
  createReadStream,
  createWriteStream,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync
} from 'node:fs';
import { createRequire } from 'node:module';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { StringDecoder } from 'node:string_decoder';
import { pipeline } from 'node:stream/promises';
import { createGunzip, createGzip } from 'node:zlib';
import { z } from 'zod';

/**
 * A backup is three files sharing one name, `cryoprotect-<UTC time>-<kind>`, so names sort by time:
 *   <name>.jsonl.gz    the data: gzip'd lines, `# {"table":...}` starts a table, then one line per
 *                      row (the row as PostgreSQL's canonical jsonb text), in primary-key order;
 *   <name>.meta.json   what the archive holds (schema version, per-table counts and checksums, the
 *                      archive's own SHA-256), written last, so a backup without it is incomplete;
 *   <name>.verify.json the result of the latest `backup verify` (absent until verified).
 */
export const ARCHIVE_SUFFIX = '.jsonl.gz';
export const META_SUFFIX = '.meta.json';
export const VERIFY_SUFFIX = '.verify.json';
export const FORMAT = 'cryoprotect-backup';
export const FORMAT_VERSION = 1;

const sha256Hex = z.string().regex(/^[0-9a-f]{64}$/, 'must be a SHA-256 in hex');

export const BackupMetadataSchema = z.object({
  format: z.literal(FORMAT),
  formatVersion: z.literal(FORMAT_VERSION),
  name: z.string().regex(/^[A-Za-z0-9._-]+$/),
  createdAt: z.iso.datetime(),
  database: z.object({
    kind: z.enum(['pglite', 'postgres']),
    location: z.string(),
    serverVersion: z.string()
  }),
  software: z.object({ server: z.string(), kernel: z.string() }),
  schema: z.object({
    version: z.number().int().min(0),
    fingerprint: sha256Hex,
    migrations: z.array(
      z.object({ version: z.number().int(), name: z.string(), checksum: sha256Hex })
    )
  }),
  tables: z.array(
    z.object({
      name: z.string(),
      columns: z.array(z.string()),
      rowCount: z.number().int().min(0),
      checksum: sha256Hex
    })
  ),
  totalRows: z.number().int().min(0),
  archive: z.object({
    file: z.string(),
    compression: z.literal('gzip'),
    bytes: z.number().int().min(0),
    sha256: sha256Hex
  })
});
export type BackupMetadata = z.infer<typeof BackupMetadataSchema>;

export const VerificationSchema = z.object({
  verifiedAt: z.iso.datetime(),
  ok: z.boolean(),
  problems: z.array(z.string())
});
export type Verification = z.infer<typeof VerificationSchema>;

export class BackupError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'BackupError';
  }
}

/** A complete backup found in a folder. */
export interface BackupEntry {
  name: string;
  dir: string;
  archivePath: string;
  metaPath: string;
  metadata: BackupMetadata;
  /** Size of the archive on disk (undefined when it is missing). */
  archiveBytes?: number;
  verification?: Verification;
}

export function backupName(createdAt: Date, kind: 'pglite' | 'postgres'): string {
  const stamp = createdAt.toISOString().replace(/[-:]/g, '').replace('.', '');
  return `cryoprotect-${stamp}-${kind}`;
}

export function softwareVersions(): { server: string; kernel: string } {
  const require = createRequire(import.meta.url);
  const here = dirname(fileURLToPath(import.meta.url));
  const server = JSON.parse(readFileSync(resolve(here, '..', '..', 'package.json'), 'utf8')) as {
    version: string;
  };
  const kernel = require('@cryoprotect/kernel/package.json') as { version: string };
  return { server: server.version, kernel: kernel.version };
}

export async function fileSha256(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) {
    hash.update(chunk as Buffer);
  }
  return hash.digest('hex');
}

/** A gzip'd line writer that respects back-pressure; written to `<path>.partial`, renamed on finish. */
export class ArchiveWriter {
  private readonly gzip = createGzip({ level: 6 });
  private readonly done: Promise<void>;
  private readonly partial: string;

  constructor(private readonly path: string) {
    this.partial = `${path}.partial`;
    mkdirSync(dirname(path), { recursive: true });
    this.done = pipeline(this.gzip, createWriteStream(this.partial, { flags: 'wx' }));
    // The pipeline's rejection is awaited in finish()/abort(); this only keeps it from being unhandled.
    this.done.catch(() => undefined);
  }

  async line(text: string): Promise<void> {
    if (!this.gzip.write(`${text}\n`)) {
      await once(this.gzip, 'drain');
    }
  }

  async finish(): Promise<void> {
    this.gzip.end();
    await this.done;
    renameSync(this.partial, this.path);
  }

  async abort(): Promise<void> {
    this.gzip.destroy();
    await this.done.catch(() => undefined);
    rmSync(this.partial, { force: true });
  }
}

export interface TableHeader {
  table: string;
  columns: string[];
}

export type ArchiveItem = { kind: 'table'; header: TableHeader } | { kind: 'row'; text: string };

/** Read an archive line by line, streaming; a damaged file raises an error naming the line. */
export async function* readArchive(path: string): AsyncGenerator<ArchiveItem> {
  const gunzip = createGunzip();
  const source = createReadStream(path);
  source.on('error', error => gunzip.destroy(error));
  source.pipe(gunzip);
  const decoder = new StringDecoder('utf8');
  let pending = '';
  let lineNumber = 0;
  let sawTable = false;
  const parse = (line: string): ArchiveItem => {
    lineNumber += 1;
    if (line.startsWith('# ')) {
      let header: TableHeader;
      try {
        header = JSON.parse(line.slice(2)) as TableHeader;
      } catch {
        throw new BackupError(`archive line ${lineNumber}: unreadable table header`);
      }
      if (typeof header.table !== 'string' || !Array.isArray(header.columns)) {
        throw new BackupError(`archive line ${lineNumber}: table header without table or columns`);
      }
      sawTable = true;
      return { kind: 'table', header };
    }
    if (!sawTable || !line.startsWith('{')) {
      throw new BackupError(`archive line ${lineNumber}: expected a row or a table header`);
    }
    return { kind: 'row', text: line };
  };
  try {
    for await (const chunk of gunzip) {
      pending += decoder.write(chunk as Buffer);
      let newline = pending.indexOf('\n');
      while (newline >= 0) {
        yield parse(pending.slice(0, newline));
        pending = pending.slice(newline + 1);
        newline = pending.indexOf('\n');
      }
    }
  } catch (error) {
    if (error instanceof BackupError) {
      throw error;
    }
    throw new BackupError(`archive ${basename(path)} is damaged: ${(error as Error).message}`);
  } finally {
    source.destroy();
  }
  pending += decoder.end();
  if (pending !== '') {
    throw new BackupError(`archive ${basename(path)} ends in the middle of a line (truncated?)`);
  }
}

function readJson<T>(path: string, schema: z.ZodType<T>): T {
  const parsed = schema.safeParse(JSON.parse(readFileSync(path, 'utf8')));
  if (!parsed.success) {
    throw new BackupError(
      `${basename(path)} is not valid backup metadata: ${parsed.error.issues
        .map(i => `${i.path.join('.')}: ${i.message}`)
        .join('; ')}`
    );
  }
  return parsed.data;
}

export function readEntry(metaPath: string): BackupEntry {
  const metadata = readJson(metaPath, BackupMetadataSchema);
  const dir = dirname(metaPath);
  const name = basename(metaPath, META_SUFFIX);
  const archivePath = join(dir, metadata.archive.file);
  const verifyPath = join(dir, `${name}${VERIFY_SUFFIX}`);
  let verification: Verification | undefined;
  if (existsSync(verifyPath)) {
    try {
      verification = readJson(verifyPath, VerificationSchema);
    } catch {
      verification = undefined;
    }
  }
  let archiveBytes: number | undefined;
  try {
    archiveBytes = statSync(archivePath).size;
  } catch {
    archiveBytes = undefined;
  }
  return { name, dir, archivePath, metaPath, metadata, archiveBytes, verification };
}

/** Complete backups of a folder, oldest first; unreadable metadata is reported, not skipped silently. */
export function listBackups(dir: string): { backups: BackupEntry[]; problems: string[] } {
  if (!existsSync(dir)) {
    return { backups: [], problems: [] };
  }
  const backups: BackupEntry[] = [];
  const problems: string[] = [];
  for (const file of readdirSync(dir).sort()) {
    if (!file.endsWith(META_SUFFIX)) {
      continue;
    }
    try {
      backups.push(readEntry(join(dir, file)));
    } catch (error) {
      problems.push(`${file}: ${(error as Error).message}`);
    }
  }
  backups.sort((a, b) => a.metadata.createdAt.localeCompare(b.metadata.createdAt));
  return { backups, problems };
}

/** `latest`, a backup name (with or without suffix) in `dir`, or a path to its metadata or archive. */
export function resolveBackup(dir: string, ref: string): BackupEntry {
  if (ref === 'latest') {
    const latest = listBackups(dir).backups.at(-1);
    if (!latest) {
      throw new BackupError(`no backups in ${dir}`);
    }
    return latest;
  }
  const stem = (value: string): string =>
    value.endsWith(META_SUFFIX)
      ? value.slice(0, -META_SUFFIX.length)
      : value.endsWith(ARCHIVE_SUFFIX)
        ? value.slice(0, -ARCHIVE_SUFFIX.length)
        : value;
  for (const candidate of [
    join(dir, `${stem(basename(ref))}${META_SUFFIX}`),
    `${stem(ref)}${META_SUFFIX}`
  ]) {
    if (existsSync(candidate)) {
      return readEntry(candidate);
    }
  }
  throw new BackupError(`no backup "${ref}" in ${dir} (see "cryoprotect backup list")`);
}

export function writeMetadata(path: string, metadata: BackupMetadata): void {
  writeFileSync(path, `${JSON.stringify(metadata, null, 2)}\n`, { flag: 'wx' });
}

export function writeVerification(entry: BackupEntry, verification: Verification): void {
  writeFileSync(
    join(entry.dir, `${entry.name}${VERIFY_SUFFIX}`),
    `${JSON.stringify(verification, null, 2)}\n`
  );
}

/** Delete every file of a backup. */
export function removeBackup(entry: BackupEntry): void {
  rmSync(join(entry.dir, `${entry.name}${VERIFY_SUFFIX}`), { force: true });
  rmSync(entry.archivePath, { force: true });
  rmSync(entry.metaPath, { force: true });
}
