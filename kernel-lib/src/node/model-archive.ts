import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ModelVersionSchema, type ModelVersion } from '../api/models';
import type { ModelArchive } from '../models/workflow';

/** The environment variable naming a folder of archived model versions (see useModelArchive). */
export const MODEL_ARCHIVE_VARIABLE = 'CRYOPROTECT_MODEL_ARCHIVE';

/**
 * The model versions in `dir`: one `NAME@VERSION.json` per version, each the server's answer for it
 * (as `cryoprotect export` writes them). A file that is not a model version is refused, naming it.
 */
export function readModelArchive(dir: string): ModelArchive {
  const versions: ModelVersion[] = [];
  for (const file of readdirSync(dir)
    .filter(f => f.endsWith('.json'))
    .sort()) {
    const path = join(dir, file);
    let json: unknown;
    try {
      json = JSON.parse(readFileSync(path, 'utf8'));
    } catch (error) {
      throw new Error(`${path}: not a model version (${(error as Error).message})`);
    }
    const parsed = ModelVersionSchema.safeParse(json);
    if (!parsed.success) {
      throw new Error(
        `${path}: not a model version (${parsed.error.issues[0]?.path.join('.') ?? ''}: ${parsed.error.issues[0]?.message ?? ''})`
      );
    }
    versions.push(parsed.data);
  }
  return { source: dir, versions };
}
