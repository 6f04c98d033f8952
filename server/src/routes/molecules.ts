import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import {
  MoleculePageSchema,
  MoleculeQuerySchema,
  MoleculeRegistrationQuerySchema,
  MoleculeRegistrationSchema,
  MoleculeSchema,
  RegisterMoleculeSchema,
  RegistrationResultSchema,
  ChemistryError,
  checkStructureText,
  FingerprintLibrary,
  SimilarityHitsSchema,
  SimilarityQuerySchema,
  SubstructureHitsSchema,
  SubstructureIndex,
  SubstructureQuerySchema,
  getMorganFingerprint,
  getMorganFingerprintWith,
  getSvg,
  loadRDKit,
  parseSmarts,
  parseWith,
  standardize,
  toRDKitInput,
  queryInteger,
  MAX_SYNONYMS,
  type Molecule,
  type NameOutcome
} from '@cryoprotect/kernel';
import type { Database, Queryable } from '../db/database.js';
import { insertMolecule } from '../db/molecules.js';
import { requireScope } from '../http/auth.js';
import { Cursor, LISTS, containsPattern, keysetPage } from '../http/pagination.js';
import {
  ProblemError,
  chemistryProblem,
  notFound,
  requireProjectForVisibility
} from '../http/problem.js';
import { IdParams, problems } from '../http/route-schemas.js';

interface MoleculeRow {
  id: string;
  inchikey: string;
  inchi: string;
  smiles: string;
  input_structure: string;
  stripped_fragments: string[];
  name: string | null;
  synonyms: string[];
  molar_mass: number | null;
  visibility: Molecule['visibility'];
  project_id: string | null;
  owner_id: string;
  created_at: Date | string;
}

const SELECT = `
  SELECT m.id, m.inchikey, m.inchi, m.smiles, m.input_structure, m.stripped_fragments, m.name, m.synonyms,
         m.visibility, m.project_id, m.owner_id, m.created_at,
         (SELECT p.value FROM molecule_properties p WHERE p.molecule_id = m.id AND p.name = 'molar_mass'
           ORDER BY p.computed_at DESC LIMIT 1) AS molar_mass
  FROM molecules m`;

function toMolecule(row: MoleculeRow): Molecule {
  return {
    id: row.id,
    inchikey: row.inchikey,
    inchi: row.inchi,
    smiles: row.smiles,
    inputStructure: row.input_structure,
    strippedFragments: row.stripped_fragments,
    name: row.name,
    synonyms: row.synonyms,
    molarMass: row.molar_mass,
    visibility: row.visibility,
    projectId: row.project_id,
    ownerId: row.owner_id,
    createdAt: new Date(row.created_at).toISOString()
  };
}

export async function findById(tx: Queryable, id: string): Promise<Molecule | undefined> {
  const { rows } = await tx.query<MoleculeRow>(`${SELECT} WHERE m.id = $1`, [id]);
  return rows[0] ? toMolecule(rows[0]) : undefined;
}

/**
 * A structure registered again under a name: the existing record keeps its own name, and the name
 * sent becomes one of its synonyms when it is new to the record and the caller may edit the record
 * (RLS: owner or project editor; an UPDATE it may not make changes no row). Says what happened.
 */
export async function keepNameAsSynonym(
  tx: Queryable,
  molecule: Molecule,
  name: string | undefined,
  options: { dryRun?: boolean } = {}
): Promise<{ molecule: Molecule; nameOutcome: NameOutcome | null }> {
  if (!name) {
    return { molecule, nameOutcome: null };
  }
  const folded = name.toLowerCase();
  const outcome = (
    kind: NameOutcome['outcome'],
    reason: string
  ): { molecule: Molecule; nameOutcome: NameOutcome } => ({
    molecule,
    nameOutcome: { name, outcome: kind, reason }
  });
  if (molecule.name?.toLowerCase() === folded) {
    return outcome('already-the-name', 'the existing record already has this name');
  }
  if (molecule.synonyms.some(synonym => synonym.toLowerCase() === folded)) {
    return outcome('already-a-synonym', 'the existing record already has this synonym');
  }
  if (molecule.synonyms.length >= MAX_SYNONYMS) {
    return outcome(
      'not-added',
      `the existing record has ${MAX_SYNONYMS} synonyms, the most a molecule keeps`
    );
  }
  const { rows } = options.dryRun
    ? await tx.query<{ id: string }>(
        'SELECT id FROM molecules WHERE id = $1 AND app.can_write(owner_id, project_id, visibility)',
        [molecule.id]
      )
    : await tx.query<{ id: string }>(
        'UPDATE molecules SET synonyms = array_append(synonyms, $2) WHERE id = $1 RETURNING id',
        [molecule.id, name]
      );
  if (rows.length === 0) {
    return outcome(
      'not-added',
      'you may not edit the existing record (only its owner or an editor of its project may); ask them to add it'
    );
  }
  return {
    molecule: options.dryRun ? molecule : (await findById(tx, molecule.id))!,
    nameOutcome: {
      name,
      outcome: 'added-as-synonym',
      reason: `kept as a synonym of the existing record${molecule.name ? ` "${molecule.name}"` : ''}`
    }
  };
}

/** An unreadable or too complex SMARTS is the caller's error (422 naming the parameter). */
function smartsProblem(error: unknown, path = 'querystring.smarts'): unknown {
  return error instanceof ChemistryError ? chemistryProblem(error, path) : error;
}

/** The property type a molecule search filters on (null: none); min and max need it. */
async function measuredPropertyFilter(
  tx: Queryable,
  filter: { property?: string; min?: number; max?: number }
): Promise<string | null> {
  const refuse = (path: string, message: string) =>
    new ProblemError(422, 'validation', 'Invalid request', `${path}: ${message}`, [
      { path, message }
    ]);
  if (filter.property === undefined) {
    const bound = filter.min !== undefined ? 'min' : filter.max !== undefined ? 'max' : null;
    if (bound) {
      throw refuse(`querystring.${bound}`, 'needs property (the property type key)');
    }
    return null;
  }
  const { rows } = await tx.query<{ id: string }>('SELECT id FROM property_types WHERE key = $1', [
    filter.property
  ]);
  if (!rows[0]) {
    const known = await tx.query<{ key: string }>('SELECT key FROM property_types ORDER BY key');
    throw refuse(
      'querystring.property',
      `unknown property type "${filter.property}" (known: ${known.rows.map(r => r.key).join(', ')})`
    );
  }
  if (filter.min !== undefined && filter.max !== undefined && filter.min > filter.max) {
    throw refuse('querystring.min', 'must not be greater than max');
  }
  return rows[0].id;
}

/** An unreadable query structure is the caller's error (422 naming the parameter). */
function structureProblem(error: unknown): unknown {
  return error instanceof ChemistryError ? chemistryProblem(error, 'querystring.structure') : error;
}

namespace Private {
  /** The id a substructure page ends on: the next page starts after it (ids ascend). */
  export function substructureCursor(cursor: string): string {
    return Cursor.decode(cursor, LISTS.substructure)[1];
  }

  export function nextSubstructureCursor(page: MoleculeRow[], truncated: boolean): string | null {
    const last = page[page.length - 1];
    return truncated && last ? Cursor.encode(LISTS.substructure, '', last.id) : null;
  }

  const cartridgeChecks = new WeakMap<Database, Promise<boolean>>();

  /**
   * Whether searches on `db` can run in the database: PostgreSQL with the RDKit cartridge created
   * (migration 009 creates it where the server has the package). Asked once per Database, since
   * the extension only comes and goes with migrations; a failed check is asked again next time.
   */
  export function hasCartridge(db: Database): Promise<boolean> {
    if (db.kind !== 'postgres') {
      return Promise.resolve(false);
    }
    let check = cartridgeChecks.get(db);
    if (!check) {
      check = db.userTransaction(null, async tx => {
        const { rows } = await tx.query<{ present: boolean }>(
          `SELECT EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'rdkit') AS present`
        );
        return rows[0].present;
      });
      cartridgeChecks.set(db, check);
      check.catch(() => cartridgeChecks.delete(db));
    }
    return check;
  }

  /**
   * The query structure as canonical SMILES, read by the server's RDKit: the cartridge reads only
   * SMILES, while the API also accepts MOL blocks and InChI, and both paths then agree on what
   * counts as a readable structure.
   */
  export async function querySmiles(structure: string): Promise<string> {
    try {
      const rdkit = await loadRDKit();
      const mol = parseWith(rdkit, await toRDKitInput(structure));
      try {
        return mol.get_smiles();
      } finally {
        mol.delete();
      }
    } catch (error) {
      throw structureProblem(error);
    }
  }

  /** Molecules containing `smarts`, matched by the cartridge over the rows RLS lets `tx` see. */
  export async function cartridgeSubstructure(
    tx: Queryable,
    smarts: string,
    limit: number,
    afterId: string | null
  ): Promise<{ rows: MoleculeRow[]; truncated: boolean }> {
    // The cartridge's RDKit (2022.09 on Debian 12) is older than the server's: a pattern only the
    // newer one reads must still be the caller's 422, not a NULL query matching nothing.
    const { rows: check } = await tx.query<{ valid: boolean; version: string }>(
      'SELECT is_valid_smarts($1::cstring) AS valid, rdkit_toolkit_version() AS version',
      [smarts]
    );
    if (!check[0].valid) {
      throw new ProblemError(
        422,
        'invalid-smarts',
        'Invalid SMARTS',
        `the database's RDKit cartridge (${check[0].version}) could not parse the SMARTS "${smarts}"`,
        [{ path: 'querystring.smarts', message: 'not readable by the RDKit cartridge' }]
      );
    }
    // Same order and limit as the in-process path (ascending id), so both give the same page.
    const { rows } = await tx.query<MoleculeRow>(
      `${SELECT} WHERE mol_from_smiles(m.smiles::cstring) @> qmol_from_smarts($1::cstring)
         AND ($3::uuid IS NULL OR m.id > $3::uuid)
       ORDER BY m.id LIMIT $2`,
      [smarts, limit + 1, afterId]
    );
    return { rows: rows.slice(0, limit), truncated: rows.length > limit };
  }

  /**
   * The stored molecules the in-process search can index: all of them, unless some were registered
   * before the kernel bounded structure size (STRUCTURE_LIMITS); those are left out, and logged,
   * rather than let one oversized row refuse every search that can see it.
   */
  export function withinLimits(rows: MoleculeRow[], request: FastifyRequest): MoleculeRow[] {
    const kept = rows.filter(row => {
      try {
        checkStructureText(row.smiles);
        return true;
      } catch {
        return false;
      }
    });
    if (kept.length < rows.length) {
      request.log.warn(
        { skipped: rows.length - kept.length },
        'in-process search left out stored molecules above the structure limits'
      );
    }
    return kept;
  }

  /** The k most similar molecules `tx` may see, by the cartridge's Morgan fingerprints. */
  export async function cartridgeSimilar(
    tx: Queryable,
    smiles: string,
    k: number,
    minSimilarity: number
  ): Promise<{ rows: (MoleculeRow & { similarity: number })[]; version: string }> {
    // The cartridge folds Morgan fingerprints to 512 bits unless told otherwise; 2048 matches the
    // in-process fingerprint (set for this transaction only).
    const { rows: check } = await tx.query<{ valid: boolean; version: string }>(
      `SELECT set_config('rdkit.morgan_fp_size', '2048', true),
              mol_from_smiles($1::cstring) IS NOT NULL AS valid, rdkit_toolkit_version() AS version`,
      [smiles]
    );
    if (!check[0].valid) {
      throw new ProblemError(
        422,
        'invalid-structure',
        'Invalid structure',
        `the database's RDKit cartridge (${check[0].version}) could not read the structure (as SMILES "${smiles}")`,
        [{ path: 'querystring.structure', message: 'not readable by the RDKit cartridge' }]
      );
    }
    // Ties in similarity go to the smaller id, as in the in-process library (rows in id order).
    const { rows } = await tx.query<MoleculeRow & { similarity: number }>(
      `SELECT * FROM (${SELECT.replace(
        'SELECT m.id',
        `SELECT tanimoto_sml(morganbv_fp(mol_from_smiles(m.smiles::cstring), 2),
                             morganbv_fp(mol_from_smiles($1::cstring), 2)) AS similarity, m.id`
      )}) hits
       WHERE hits.similarity >= $2
       ORDER BY hits.similarity DESC, hits.id
       LIMIT $3`,
      [smiles, minSimilarity, k]
    );
    return { rows, version: check[0].version };
  }
}

/** Molecules: registration with standardization and duplicate detection, reading, text search, depiction. */
export const moleculesRoutes: FastifyPluginAsync = async fastify => {
  const app = fastify.withTypeProvider<ZodTypeProvider>();

  app.post(
    '/api/molecules',
    {
      schema: {
        tags: ['molecules'],
        summary:
          'Register a molecule (standardized; an existing identical structure is returned instead)',
        body: RegisterMoleculeSchema,
        response: { 200: RegistrationResultSchema, 201: RegistrationResultSchema, ...problems }
      }
    },
    async (request, reply) => {
      const userId = requireScope(request, 'write');
      const body = request.body;
      requireProjectForVisibility(body);
      const standardized = await standardize(body.structure);
      const result = await app.db.userTransaction(userId, async tx => {
        const existing = await tx.query<MoleculeRow>(`${SELECT} WHERE m.inchikey = $1`, [
          standardized.inchikey
        ]);
        if (existing.rows[0]) {
          const kept = await keepNameAsSynonym(tx, toMolecule(existing.rows[0]), body.name);
          return { ...kept, duplicate: true };
        }
        // Identity is global; a structure someone else keeps private cannot be registered twice.
        const hidden = await tx.query<{ taken: boolean }>(
          'SELECT app.inchikey_registered($1) AS taken',
          [standardized.inchikey]
        );
        if (hidden.rows[0].taken) {
          throw new ProblemError(
            409,
            'registered-elsewhere',
            'Registered by someone else',
            `a structure with InChIKey ${standardized.inchikey} is already registered and not visible to you; ask its owner to share it`
          );
        }
        const id = await insertMolecule(tx, standardized, body, {
          userId,
          visibility: body.visibility,
          projectId: body.projectId
        });
        const nameOutcome: NameOutcome | null = body.name
          ? { name: body.name, outcome: 'name', reason: 'the name of the new record' }
          : null;
        return { molecule: (await findById(tx, id))!, nameOutcome, duplicate: false };
      });
      return reply
        .code(result.duplicate ? 200 : 201)
        .send({ ...result, neutralized: standardized.neutralized });
    }
  );

  // Two paths, chosen per database. With the RDKit cartridge (PostgreSQL), matching runs in the
  // database over the rows RLS lets the caller see. Otherwise (PGlite, or PostgreSQL without the
  // package) the RLS-filtered SMILES are indexed in process per request (RDKit SubstructLibrary /
  // typed-array fingerprints). The answer's `engine` and the x-cryoprotect-search header say which.
  app.get(
    '/api/molecules/search/substructure',
    {
      schema: {
        tags: ['molecules'],
        summary: 'Molecules visible to you that contain a SMARTS pattern',
        querystring: SubstructureQuerySchema,
        response: { 200: SubstructureHitsSchema, ...problems }
      }
    },
    async (request, reply) => {
      const { smarts, limit, cursor } = request.query;
      const afterId = cursor ? Private.substructureCursor(cursor) : null;
      const rdkit = await loadRDKit();
      try {
        parseSmarts(rdkit, smarts).delete();
      } catch (error) {
        throw smartsProblem(error);
      }
      if (await Private.hasCartridge(app.db)) {
        const { rows, truncated } = await app.db.userTransaction(request.actor.userId, tx =>
          Private.cartridgeSubstructure(tx, smarts, limit, afterId)
        );
        reply.header('x-cryoprotect-search', 'cartridge');
        return {
          items: rows.map(toMolecule),
          nextCursor: Private.nextSubstructureCursor(rows, truncated),
          truncated,
          engine: 'cartridge' as const
        };
      }
      reply.header('x-cryoprotect-search', 'in-process');
      return app.db.userTransaction(request.actor.userId, async tx => {
        const rows = Private.withinLimits(
          (
            await tx.query<MoleculeRow>(
              `${SELECT} WHERE ($1::uuid IS NULL OR m.id > $1::uuid) ORDER BY m.id`,
              [afterId]
            )
          ).rows,
          request
        );
        const index = new SubstructureIndex(rdkit);
        try {
          rows.forEach(row => index.add(row.smiles));
          const hits = index.search(smarts);
          const page = hits.slice(0, limit).map(i => rows[i]);
          const truncated = hits.length > limit;
          return {
            items: page.map(toMolecule),
            nextCursor: Private.nextSubstructureCursor(page, truncated),
            truncated,
            engine: 'in-process' as const
          };
        } finally {
          index.delete();
        }
      });
    }
  );

  app.get(
    '/api/molecules/search/similar',
    {
      schema: {
        tags: ['molecules'],
        summary:
          'The k molecules visible to you most similar to a structure (Tanimoto, Morgan radius 2, 2048 bits)',
        querystring: SimilarityQuerySchema,
        response: { 200: SimilarityHitsSchema, ...problems }
      }
    },
    async (request, reply) => {
      const { structure, k, minSimilarity } = request.query;
      if (await Private.hasCartridge(app.db)) {
        const smiles = await Private.querySmiles(structure);
        const { rows, version } = await app.db.userTransaction(request.actor.userId, tx =>
          Private.cartridgeSimilar(tx, smiles, k, minSimilarity)
        );
        reply.header('x-cryoprotect-search', 'cartridge');
        return {
          fingerprint: `Morgan, radius 2, 2048 bits (RDKit ${version} cartridge in PostgreSQL)`,
          items: rows.map(row => ({ molecule: toMolecule(row), similarity: row.similarity })),
          nextCursor: null,
          engine: 'cartridge' as const
        };
      }
      reply.header('x-cryoprotect-search', 'in-process');
      const query = await getMorganFingerprint(structure).catch((error: unknown) => {
        throw structureProblem(error);
      });
      const rdkit = await loadRDKit();
      return app.db.userTransaction(request.actor.userId, async tx => {
        const rows = Private.withinLimits(
          (await tx.query<MoleculeRow>(`${SELECT} ORDER BY m.id`)).rows,
          request
        );
        const library = new FingerprintLibrary(2048, Math.max(rows.length, 1), {
          wasm: app.features['wasm-similarity']
        });
        rows.forEach(row => library.add(getMorganFingerprintWith(rdkit, row.smiles)));
        const hits = rows.length === 0 ? [] : library.topK(query, Math.min(k, rows.length));
        return {
          fingerprint: 'Morgan, radius 2, 2048 bits (RDKit)',
          items: hits
            .filter(hit => hit.similarity >= minSimilarity)
            .map(hit => ({ molecule: toMolecule(rows[hit.index]), similarity: hit.similarity })),
          nextCursor: null,
          engine: 'in-process' as const
        };
      });
    }
  );

  // The structure editor asks this as the user draws. Whether a key is taken is no secret (the
  // registration answers 409 for it anyway); the record itself only when RLS shows it.
  app.get(
    '/api/molecules/registered',
    {
      schema: {
        tags: ['molecules'],
        summary:
          'Whether a structure is registered (by InChIKey), and its record when visible to you',
        querystring: MoleculeRegistrationQuerySchema,
        response: { 200: MoleculeRegistrationSchema, ...problems }
      }
    },
    async request => {
      const { inchikey } = request.query;
      return app.db.userTransaction(request.actor.userId, async tx => {
        const visible = await tx.query<MoleculeRow>(`${SELECT} WHERE m.inchikey = $1`, [inchikey]);
        if (visible.rows[0]) {
          return { inchikey, registered: true, molecule: toMolecule(visible.rows[0]) };
        }
        const taken = await tx.query<{ taken: boolean }>(
          'SELECT app.inchikey_registered($1) AS taken',
          [inchikey]
        );
        return { inchikey, registered: taken.rows[0].taken, molecule: null };
      });
    }
  );

  app.get(
    '/api/molecules/:id',
    {
      schema: {
        tags: ['molecules'],
        summary: 'One molecule',
        params: IdParams,
        response: { 200: MoleculeSchema, ...problems }
      }
    },
    async request => {
      const molecule = await app.db.userTransaction(request.actor.userId, tx =>
        findById(tx, request.params.id)
      );
      if (!molecule) {
        throw notFound(`molecule ${request.params.id}`);
      }
      return molecule;
    }
  );

  app.get(
    '/api/molecules',
    {
      schema: {
        tags: ['molecules'],
        summary: 'Molecules visible to you, by name; text search over name, synonyms and InChIKey',
        querystring: MoleculeQuerySchema,
        response: { 200: MoleculePageSchema, ...problems }
      }
    },
    async request => {
      const { q, limit, cursor, property, min, max } = request.query;
      const pattern = containsPattern(q);
      const { rows } = await app.db.userTransaction(request.actor.userId, async tx => {
        const after = cursor
          ? await Cursor.resume(tx, cursor, LISTS.molecules, {
              from: 'molecules m',
              id: 'm.id',
              key: "coalesce(lower(m.name), '')"
            })
          : null;
        const propertyTypeId = await measuredPropertyFilter(tx, { property, min, max });
        // With a property: only molecules having a measurement of it in range that the caller can see (RLS).
        return tx.query<MoleculeRow & { sort_name: string }>(
          `SELECT * FROM (${SELECT.replace('SELECT m.id', "SELECT coalesce(lower(m.name), '') AS sort_name, m.id")}
             WHERE ($1::text IS NULL OR lower(coalesce(m.name, '')) LIKE $1 OR lower(m.inchikey) LIKE $1
                    OR EXISTS (SELECT 1 FROM unnest(m.synonyms) s WHERE lower(s) LIKE $1))
               AND ($5::uuid IS NULL OR EXISTS (
                    SELECT 1 FROM measurements me WHERE me.molecule_id = m.id AND me.property_type_id = $5
                      AND ($6::float8 IS NULL OR me.value >= $6) AND ($7::float8 IS NULL OR me.value <= $7)))) page
           WHERE ($2::text IS NULL OR (page.sort_name, page.id) > ($2::text, $3::uuid))
           ORDER BY page.sort_name, page.id
           LIMIT $4`,
          [
            pattern,
            after?.[0] ?? null,
            after?.[1] ?? null,
            limit + 1,
            propertyTypeId,
            min ?? null,
            max ?? null
          ]
        );
      });
      const { page, nextCursor } = keysetPage(rows, limit, LISTS.molecules);
      return { items: page.map(toMolecule), nextCursor };
    }
  );

  app.get(
    '/api/molecules/:id/depiction.svg',
    {
      schema: {
        tags: ['molecules'],
        summary: '2D depiction as SVG, optionally highlighting a SMARTS',
        params: IdParams,
        querystring: z.object({
          highlight: z.string().max(1000).optional(),
          width: queryInteger(50, 2000)
            .optional()
            .transform(w => w ?? 300),
          height: queryInteger(50, 2000)
            .optional()
            .transform(h => h ?? 200)
        }),
        response: {
          200: {
            description: 'The depiction',
            content: { 'image/svg+xml': { schema: z.string() } }
          },
          ...problems
        }
      }
    },
    async (request, reply) => {
      const molecule = await app.db.userTransaction(request.actor.userId, tx =>
        findById(tx, request.params.id)
      );
      if (!molecule) {
        throw notFound(`molecule ${request.params.id}`);
      }
      const { highlight, width, height } = request.query;
      try {
        return reply
          .type('image/svg+xml')
          .send(await getSvg(molecule.smiles, { highlight, width, height }));
      } catch (error) {
        // The highlight is the caller's; a stored structure the toolkit refuses (registered before
        // the kernel bounded structure size) is named by the molecule.
        throw smartsProblem(
          error,
          error instanceof ChemistryError && error.input !== highlight
            ? 'params.id'
            : 'querystring.highlight'
        );
      }
    }
  );
};
