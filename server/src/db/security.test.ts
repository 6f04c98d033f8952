import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import pg from 'pg';
import { DEFAULT_MIGRATIONS_DIR } from '../config.js';
import { adminQuery, databaseTargets, type TestDatabase } from '../testing/databases.js';
import { openPostgres, type Database } from './database.js';
import { migrate } from './migrations.js';
import { loadReferenceData } from './reference-data.js';

type Row = Record<string, unknown>;

interface Fixture {
  users: Record<'alice' | 'bob' | 'carol' | 'dave', string>;
  project: string;
  mixtures: Record<'private' | 'project' | 'public', string>;
}

const RLS_REFUSED = /row-level security policy/;

async function as(
  db: Database,
  user: string | null,
  sql: string,
  params: unknown[] = []
): Promise<Row[]> {
  return (await db.userTransaction(user, tx => tx.query<Row>(sql, params))).rows;
}

async function createFixture(db: Database): Promise<Fixture> {
  const users = await db.serviceTransaction(async tx => {
    const ids: Record<string, string> = {};
    for (const name of ['alice', 'bob', 'carol', 'dave']) {
      const { rows } = await tx.query<{ id: string }>(
        'INSERT INTO users (username, display_name) VALUES ($1, $1) RETURNING id',
        [name]
      );
      ids[name] = rows[0].id;
    }
    return ids as Fixture['users'];
  });
  // Alice creates the project as herself: the trigger must make her its admin.
  const [{ id: project }] = await as(
    db,
    users.alice,
    `INSERT INTO projects (name, created_by) VALUES ('ice', $1) RETURNING id`,
    [users.alice]
  );
  await as(
    db,
    users.alice,
    `INSERT INTO project_members (project_id, user_id, role) VALUES ($1, $2, 'viewer'), ($1, $3, 'editor')`,
    [project, users.carol, users.dave]
  );
  const mixtures: Record<string, string> = {};
  for (const visibility of ['private', 'project', 'public']) {
    const [row] = await as(
      db,
      users.alice,
      `INSERT INTO mixtures (name, owner_id, project_id, visibility) VALUES ($1, $2, $3, $4) RETURNING id`,
      [`alice-${visibility}`, users.alice, visibility === 'project' ? project : null, visibility]
    );
    mixtures[visibility] = row.id as string;
  }
  return { users, project: project as string, mixtures: mixtures as Fixture['mixtures'] };
}

for (const target of databaseTargets()) {
  describe(`row level security on ${target.kind}`, { skip: target.skip }, () => {
    let t: TestDatabase;
    let db: Database;
    let f: Fixture;
    before(async () => {
      t = await target.create();
      db = t.db;
      await migrate(db, DEFAULT_MIGRATIONS_DIR);
      await loadReferenceData(db);
      f = await createFixture(db);
    });
    after(() => t?.dispose());

    const visibleMixtures = async (user: string | null) =>
      (await as(db, user, 'SELECT name FROM mixtures ORDER BY name')).map(r => r.name);

    it('shows private rows to their owner, project rows to members, public rows to everyone', async () => {
      assert.deepEqual(await visibleMixtures(f.users.alice), [
        'alice-private',
        'alice-project',
        'alice-public'
      ]);
      assert.deepEqual(await visibleMixtures(f.users.carol), ['alice-project', 'alice-public']);
      assert.deepEqual(await visibleMixtures(f.users.dave), ['alice-project', 'alice-public']);
      assert.deepEqual(await visibleMixtures(f.users.bob), ['alice-public']);
      assert.deepEqual(await visibleMixtures(null), ['alice-public']);
    });

    it('lets nobody but the owner and project editors modify a row', async () => {
      const rename = (user: string | null, id: string) =>
        as(db, user, `UPDATE mixtures SET name = name || '!' WHERE id = $1 RETURNING id`, [id]);
      assert.equal(
        (await rename(f.users.bob, f.mixtures.private)).length,
        0,
        'outsider renamed a private row'
      );
      assert.equal(
        (await rename(f.users.bob, f.mixtures.public)).length,
        0,
        'outsider renamed a public row'
      );
      assert.equal(
        (await rename(null, f.mixtures.public)).length,
        0,
        'anonymous renamed a public row'
      );
      assert.equal(
        (await rename(f.users.carol, f.mixtures.project)).length,
        0,
        'viewer renamed a project row'
      );
      assert.equal(
        (await rename(f.users.dave, f.mixtures.project)).length,
        1,
        'editor could not rename a project row'
      );
      assert.equal(
        (await rename(f.users.alice, f.mixtures.private)).length,
        1,
        'owner could not rename her row'
      );
      const remove = (user: string, id: string) =>
        as(db, user, 'DELETE FROM mixtures WHERE id = $1 RETURNING id', [id]);
      assert.equal((await remove(f.users.bob, f.mixtures.public)).length, 0);
      assert.equal(
        (await remove(f.users.dave, f.mixtures.project)).length,
        0,
        'an editor is not an admin'
      );
    });

    it('refuses forged owners, viewer writes and anonymous writes', async () => {
      const insert = (
        user: string | null,
        owner: string,
        project: string | null,
        visibility = 'private'
      ) =>
        as(
          db,
          user,
          'INSERT INTO mixtures (name, owner_id, project_id, visibility) VALUES ($1, $2, $3, $4)',
          ['x', owner, project, visibility]
        );
      await assert.rejects(insert(f.users.bob, f.users.alice, null), RLS_REFUSED);
      await assert.rejects(insert(f.users.carol, f.users.carol, f.project, 'project'), RLS_REFUSED);
      await assert.rejects(insert(null, f.users.bob, null), RLS_REFUSED);
      await insert(f.users.dave, f.users.dave, f.project, 'project');
    });

    it('guards the parts of a row as the row itself', async () => {
      const [water] = await as(db, null, `SELECT id FROM molecules WHERE name = 'water'`);
      const add = (user: string, mixture: string) =>
        as(
          db,
          user,
          `INSERT INTO mixture_components (mixture_id, molecule_id, amount, unit, role) VALUES ($1, $2, 10, '% w/w', 'solvent')`,
          [mixture, water.id]
        );
      await assert.rejects(add(f.users.bob, f.mixtures.private), RLS_REFUSED);
      await add(f.users.alice, f.mixtures.private);
      assert.equal(
        (
          await as(db, f.users.bob, 'SELECT * FROM mixture_components WHERE mixture_id = $1', [
            f.mixtures.private
          ])
        ).length,
        0
      );
      assert.equal(
        (
          await as(db, f.users.alice, 'SELECT * FROM mixture_components WHERE mixture_id = $1', [
            f.mixtures.private
          ])
        ).length,
        1
      );
    });

    it('lets only project admins manage memberships, and hides a private project from outsiders', async () => {
      const promote = (user: string) =>
        as(
          db,
          user,
          `UPDATE project_members SET role = 'admin' WHERE project_id = $1 AND user_id = $2 RETURNING role`,
          [f.project, f.users.carol]
        );
      assert.equal((await promote(f.users.carol)).length, 0, 'a viewer promoted herself');
      assert.equal((await promote(f.users.dave)).length, 0, 'an editor changed a role');
      await assert.rejects(
        as(
          db,
          f.users.bob,
          `INSERT INTO project_members (project_id, user_id, role) VALUES ($1, $2, 'admin')`,
          [f.project, f.users.bob]
        ),
        RLS_REFUSED
      );
      assert.equal(
        (await as(db, f.users.bob, 'SELECT * FROM projects WHERE id = $1', [f.project])).length,
        0
      );
      assert.equal(
        (
          await as(db, f.users.bob, 'SELECT * FROM project_members WHERE project_id = $1', [
            f.project
          ])
        ).length,
        0
      );
      const roles = await as(
        db,
        f.users.carol,
        'SELECT role FROM project_members WHERE project_id = $1 ORDER BY role',
        [f.project]
      );
      assert.deepEqual(
        roles.map(r => r.role),
        ['admin', 'editor', 'viewer']
      );
    });

    it("never shows password hashes or other users' tokens to the application role", async () => {
      await db.serviceTransaction(tx =>
        tx.query(
          `INSERT INTO user_credentials (user_id, password_hash) VALUES ($1, '$argon2id$v=19$m=65536,t=3,p=4$c2FsdA$aGFzaA')`,
          [f.users.alice]
        )
      );
      await db.serviceTransaction(tx =>
        tx.query(`INSERT INTO api_tokens (user_id, name, token_hash) VALUES ($1, 'nb', $2)`, [
          f.users.alice,
          'a'.repeat(64)
        ])
      );
      assert.equal((await as(db, f.users.alice, 'SELECT * FROM user_credentials')).length, 0);
      assert.equal((await as(db, f.users.alice, 'SELECT * FROM api_tokens')).length, 1);
      assert.equal((await as(db, f.users.bob, 'SELECT * FROM api_tokens')).length, 0);
    });

    it('keeps the audit log append-only and attributed', async () => {
      await as(
        db,
        f.users.alice,
        `INSERT INTO audit_log (actor_id, action) VALUES ($1, 'token.create')`,
        [f.users.alice]
      );
      await assert.rejects(
        as(db, f.users.bob, `INSERT INTO audit_log (actor_id, action) VALUES ($1, 'login')`, [
          f.users.alice
        ]),
        RLS_REFUSED
      );
      await assert.rejects(as(db, f.users.alice, `DELETE FROM audit_log`), /permission denied/);
      await assert.rejects(
        as(db, f.users.alice, `UPDATE audit_log SET action = 'x'`),
        /permission denied/
      );
    });

    it('serves the public reference data to everyone, read-only', async () => {
      const molecules = await as(db, null, 'SELECT count(*)::int AS n FROM molecules');
      assert.ok((molecules[0].n as number) >= 25);
      const tg = await as(
        db,
        null,
        `SELECT m.value, r.citation FROM measurements m JOIN molecules mo ON mo.id = m.molecule_id
         JOIN property_types t ON t.id = m.property_type_id JOIN literature_references r ON r.id = m.reference_id
         WHERE mo.name = 'glycerol' AND t.key = 'glass_transition' ORDER BY m.value`
      );
      assert.deepEqual(
        tg.map(r => r.value),
        [184, 190]
      );
      assert.match(tg[0].citation as string, /Rasmussen/);
      const changed = await as(
        db,
        f.users.bob,
        `UPDATE molecules SET name = 'vandalized' WHERE name = 'glycerol' RETURNING id`
      );
      assert.equal(changed.length, 0);
      await assert.rejects(
        as(
          db,
          f.users.bob,
          `INSERT INTO property_types (key, name, canonical_unit) VALUES ('x', 'x', 'K')`
        ),
        /permission denied/
      );
    });

    it('enforces units, ranges and provenance with messages that name the field', async () => {
      const [tg] = await as(
        db,
        null,
        `SELECT id FROM property_types WHERE key = 'glass_transition'`
      );
      const [water] = await as(db, null, `SELECT id FROM molecules WHERE name = 'water'`);
      const [reference] = await as(db, null, `SELECT id FROM literature_references LIMIT 1`);
      const measure = (
        value: number,
        unit: string,
        referenceId: string | null = reference.id as string
      ) =>
        as(
          db,
          f.users.alice,
          `INSERT INTO measurements (property_type_id, unit, molecule_id, value, reference_id, owner_id) VALUES ($1, $2, $3, $4, $5, $6)`,
          [tg.id, unit, water.id, value, referenceId, f.users.alice]
        );
      await assert.rejects(
        measure(5000, 'K'),
        /measurements\.value: 5000 K is outside the range of glass transition temperature/
      );
      await assert.rejects(measure(150, 'g/cm3'), /foreign key/);
      await assert.rejects(measure(150, 'K', null), /check constraint/);
      await assert.rejects(measure(Number.NaN, 'K'), /measurements\.value: NaN K/);
      await measure(150, 'K');
      const component = (amount: number, unit: string) =>
        as(
          db,
          f.users.alice,
          `INSERT INTO mixture_components (mixture_id, molecule_id, amount, unit, role) VALUES ($1, $2, $3, $4, 'penetrating')`,
          [f.mixtures.public, water.id, amount, unit]
        );
      await assert.rejects(component(-1, 'mol/kg'), /check constraint/);
      await assert.rejects(component(120, '% w/w'), /check constraint/);
      await assert.rejects(component(1, 'furlongs'), /check constraint/);
    });

    it('keeps dataset snapshots immutable and verifications on their state machine', async () => {
      const u = f.users.alice;
      const [dataset] = await as(
        db,
        u,
        `INSERT INTO datasets (name, owner_id) VALUES ('d', $1) RETURNING id`,
        [u]
      );
      const [snapshot] = await as(
        db,
        u,
        `INSERT INTO dataset_snapshots (dataset_id, content_hash, row_count, columns, rows, created_by) VALUES ($1, $2, 0, '[]', '[]', $3) RETURNING id`,
        [dataset.id, 'b'.repeat(64), u]
      );
      // No update policy exists, so the application role cannot even address the row...
      const touched = await as(
        db,
        u,
        `UPDATE dataset_snapshots SET row_count = 1 WHERE id = $1 RETURNING id`,
        [snapshot.id]
      );
      assert.equal(touched.length, 0);
      // ...and the trigger refuses the service path too.
      await assert.rejects(
        db.serviceTransaction(tx =>
          tx.query(`UPDATE dataset_snapshots SET row_count = 1 WHERE id = $1`, [snapshot.id])
        ),
        /dataset_snapshots: rows are immutable/
      );
      const [tg] = await as(
        db,
        null,
        `SELECT id FROM property_types WHERE key = 'glass_transition'`
      );
      const [model] = await as(
        db,
        u,
        `INSERT INTO model_versions (name, version, snapshot_id, target_property_type_id, learner, featurizer_version, kernel_version, rdkit_version, seed, owner_id)
         VALUES ('tg', 1, $1, $2, 'mean', 'none', '0.1.0', '2026.09.1', 1, $3) RETURNING id`,
        [snapshot.id, tg.id, u]
      );
      const [water] = await as(db, null, `SELECT id FROM molecules WHERE name = 'water'`);
      const [prediction] = await as(
        db,
        u,
        `INSERT INTO predictions (model_version_id, molecule_id, value, lower, upper, interval_level, owner_id) VALUES ($1, $2, 150, 140, 160, 0.9, $3) RETURNING id`,
        [model.id, water.id, u]
      );
      await assert.rejects(
        as(
          db,
          u,
          `INSERT INTO predictions (model_version_id, molecule_id, value, lower, upper, interval_level, owner_id) VALUES ($1, $2, 150, 160, 170, 0.9, $3)`,
          [model.id, water.id, u]
        ),
        /check constraint/
      );
      const [verification] = await as(
        db,
        u,
        `INSERT INTO verifications (prediction_id, owner_id) VALUES ($1, $2) RETURNING id`,
        [prediction.id, u]
      );
      await assert.rejects(
        as(db, u, `UPDATE verifications SET state = 'measured' WHERE id = $1`, [verification.id]),
        /verifications\.state: cannot go from requested to measured/
      );
      await as(db, u, `UPDATE verifications SET state = 'in_progress' WHERE id = $1`, [
        verification.id
      ]);
      const history = await as(
        db,
        u,
        `SELECT from_state, to_state FROM verification_events WHERE verification_id = $1 ORDER BY id`,
        [verification.id]
      );
      assert.deepEqual(history, [
        { from_state: null, to_state: 'requested' },
        { from_state: 'requested', to_state: 'in_progress' }
      ]);
      await assert.rejects(
        as(db, u, `UPDATE verifications SET reviewed_by = $2, measured_by = $2 WHERE id = $1`, [
          verification.id,
          u
        ]),
        // Refused before the no-self-review check: only the steps record these (migration 013).
        /verifications\.measured_by: the measurement and the review are recorded only by the step/
      );
    });

    it('has RLS enabled and forced on every table, an index behind every foreign key, and no BYPASSRLS for the app role', async () => {
      const roles = await db.serviceTransaction(tx =>
        tx.query<Row>(
          `SELECT rolsuper, rolbypassrls FROM pg_roles WHERE rolname = 'cryoprotect_app'`
        )
      );
      assert.deepEqual(roles.rows, [{ rolsuper: false, rolbypassrls: false }]);
      const unprotected = await db.serviceTransaction(tx =>
        tx.query<Row>(`SELECT relname FROM pg_class WHERE relnamespace = 'public'::regnamespace AND relkind = 'r'
                       AND NOT (relrowsecurity AND relforcerowsecurity)`)
      );
      assert.deepEqual(unprotected.rows, []);
      const unindexed = await db.serviceTransaction(tx =>
        tx.query<Row>(`SELECT c.conrelid::regclass::text AS tab, c.conname FROM pg_constraint c
                       WHERE c.contype = 'f' AND c.connamespace = 'public'::regnamespace AND NOT EXISTS (
                         SELECT 1 FROM pg_index i WHERE i.indrelid = c.conrelid
                           AND (i.indkey::int2[])[0:cardinality(c.conkey) - 1] = c.conkey)`)
      );
      assert.deepEqual(unindexed.rows, []);
    });

    if (target.kind === 'postgres') {
      it('holds for a login role without BYPASSRLS speaking SQL directly', async () => {
        const login = `cp_login_${randomBytes(4).toString('hex')}`;
        await adminQuery(`CREATE ROLE ${login} LOGIN NOBYPASSRLS IN ROLE cryoprotect_app`);
        const url = new URL(t.url!);
        url.username = login;
        const client = new pg.Client({ connectionString: url.toString() });
        await client.connect();
        try {
          await client.query('BEGIN');
          await client.query(`SELECT set_config('app.user_id', $1, true)`, [f.users.bob]);
          const seen = await client.query('SELECT name FROM mixtures ORDER BY name');
          assert.deepEqual(
            seen.rows.map(r => r.name),
            ['alice-public']
          );
          const changed = await client.query(`UPDATE mixtures SET name = 'mine' WHERE id = $1`, [
            f.mixtures.private
          ]);
          assert.equal(changed.rowCount, 0);
          await assert.rejects(
            client.query(`INSERT INTO mixtures (name, owner_id) VALUES ('forged', $1)`, [
              f.users.alice
            ]),
            RLS_REFUSED
          );
          await client.query('ROLLBACK');
        } finally {
          await client.end();
          await adminQuery(`DROP ROLE ${login}`);
        }
      });

      it('holds for the server connected as that login role, with a separate service connection', async () => {
        const login = `cp_server_${randomBytes(4).toString('hex')}`;
        await adminQuery(`CREATE ROLE ${login} LOGIN NOBYPASSRLS IN ROLE cryoprotect_app`);
        const url = new URL(t.url!);
        url.username = login;
        const server = await openPostgres(url.toString(), { serviceConnectionString: t.url });
        try {
          const who = await server.userTransaction(f.users.bob, tx =>
            tx.query<Row>('SELECT session_user AS login, current_user AS role')
          );
          assert.deepEqual(who.rows, [{ login, role: 'cryoprotect_app' }]);
          const seen = await server.userTransaction(f.users.bob, tx =>
            tx.query<Row>('SELECT name FROM mixtures')
          );
          assert.deepEqual(
            seen.rows.map(r => r.name),
            ['alice-public']
          );
          // The service path runs as the superuser: migrations and reference data still work.
          assert.equal((await migrate(server, DEFAULT_MIGRATIONS_DIR)).length, 0);
          const service = await server.serviceTransaction(tx =>
            tx.query<Row>('SELECT current_user AS role')
          );
          assert.equal(service.rows[0].role, 'postgres');
        } finally {
          await server.close();
          await adminQuery(`DROP ROLE ${login}`);
        }
      });
    }
  });
}
