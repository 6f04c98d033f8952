import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { ApiError, CryoProtectClient } from '@cryoprotect/kernel';
import { buildApp } from '../app.js';
import { DEFAULT_MIGRATIONS_DIR } from '../config.js';
import { ensureLocalToken } from '../db/local-user.js';
import { migrate } from '../db/migrations.js';
import { loadReferenceData } from '../db/reference-data.js';
import { databaseTargets, type TestDatabase } from '../testing/databases.js';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

describe('kernel-lib client against a listening server (embedded single-user mode)', () => {
  let t: TestDatabase;
  let app: FastifyInstance;
  let client: CryoProtectClient;
  let anonymous: CryoProtectClient;
  const dataDir = mkdtempSync(join(tmpdir(), 'cryoprotect-client-'));

  before(async () => {
    t = await databaseTargets()[0].create();
    await migrate(t.db, DEFAULT_MIGRATIONS_DIR);
    await loadReferenceData(t.db);
    const local = await ensureLocalToken(t.db, dataDir);
    app = await buildApp({ db: t.db, migrationsDir: DEFAULT_MIGRATIONS_DIR, logLevel: 'silent' });
    const address = await app.listen({ port: 0, host: '127.0.0.1' });
    client = CryoProtectClient.fromEnvironment({
      CRYOPROTECT_SERVER_URL: address,
      CRYOPROTECT_TOKEN: local.token
    });
    anonymous = new CryoProtectClient({ serverUrl: address });
  });
  after(async () => {
    await app?.close();
    await t?.dispose();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('keeps one local token across restarts, readable by its owner only', async () => {
    const first = await ensureLocalToken(t.db, dataDir);
    const second = await ensureLocalToken(t.db, dataDir);
    assert.equal(first.token, second.token);
    assert.equal(second.created, false);
    assert.equal(statSync(join(dataDir, 'token')).mode & 0o777, 0o600);
    // In embedded single-user mode the local user runs the site, so its token carries admin.
    const { rows } = await t.db.serviceTransaction(tx =>
      tx.query<{ scopes: string[] }>('SELECT scopes FROM api_tokens WHERE user_id = $1', [
        first.userId
      ])
    );
    assert.deepEqual(
      rows.map(r => r.scopes),
      [['read', 'write', 'admin']]
    );
  });

  it('registers, reads and lists molecules with typed results', async () => {
    const { molecule, duplicate } = await client.registerMolecule({
      structure: 'OCC(O)C(O)CO',
      name: 'threitol/erythritol (no stereo)'
    });
    assert.equal(duplicate, false);
    assert.equal((await client.getMolecule(molecule.id)).inchikey, molecule.inchikey);
    const names: string[] = [];
    for await (const m of client.molecules({ q: 'ol', pageSize: 5 })) {
      names.push(m.name ?? '');
    }
    assert.ok(
      names.includes('glycerol') && names.includes('threitol/erythritol (no stereo)'),
      names.join()
    );
  });

  it('turns problem+json answers into ApiError with the type and field paths', async () => {
    await assert.rejects(client.registerMolecule({ structure: 'C1CC' }), (error: unknown) => {
      assert.ok(error instanceof ApiError);
      assert.equal(error.status, 422);
      assert.equal(error.type, 'invalid-structure');
      assert.deepEqual(
        error.errors.map(e => e.path),
        ['body.structure']
      );
      return true;
    });
    await assert.rejects(anonymous.registerMolecule({ structure: 'CCO' }), {
      status: 401,
      type: 'unauthenticated'
    });
  });

  it('batch-registers, searches, draws, and keeps mixtures through typed groups', async () => {
    const dry = await client.moleculeSearch.registerBatch({
      rows: [{ structure: 'CCCCO' }, { structure: 'not a smiles' }],
      dryRun: true
    });
    assert.deepEqual(
      dry.rows.map(r => r.outcome),
      ['new', 'invalid']
    );
    assert.equal(dry.written, false);
    const real = await client.moleculeSearch.registerBatch(
      { rows: [{ structure: 'CCCCO', name: 'butanol' }] },
      { idempotencyKey: 'client-test-batch-1' }
    );
    const again = await client.moleculeSearch.registerBatch(
      { rows: [{ structure: 'CCCCO', name: 'butanol' }] },
      { idempotencyKey: 'client-test-batch-1' }
    );
    assert.deepEqual(again, real, 'the replay returns the first answer');
    const butanol = real.rows[0].moleculeId!;

    const hydroxyls = await client.moleculeSearch.substructure('[CX4][OX2H]');
    assert.ok(hydroxyls.items.some(m => m.id === butanol));
    const similar = await client.moleculeSearch.similar('CCCCO', { k: 3 });
    assert.equal(similar.items[0].molecule.id, butanol);
    assert.equal(similar.items[0].similarity, 1);
    assert.match(await client.moleculeSearch.depiction(butanol, { highlight: '[OX2H]' }), /<svg/);

    const glycerol = (await client.molecules({ q: 'glycerol' }).next()).value!;
    const mixture = await client.mixtures.create({
      name: 'glycerol 10 % w/w',
      components: [{ moleculeId: glycerol.id, amount: 10, unit: '% w/w', role: 'penetrating' }]
    });
    assert.ok(Math.abs(mixture.composition.components[0].massFraction - 0.1) < 1e-12);
    const renamed = await client.mixtures.update(mixture.id, { description: 'for DSC' });
    assert.equal(renamed.description, 'for DSC');
    const listed: string[] = [];
    for await (const m of client.mixtures.list({ q: 'glycerol 10' })) {
      listed.push(m.id);
    }
    assert.deepEqual(listed, [mixture.id]);
    await client.mixtures.delete(mixture.id);
    await assert.rejects(client.mixtures.get(mixture.id), { status: 404 });
  });

  it('says how to connect when the environment names no server', () => {
    assert.throws(() => CryoProtectClient.fromEnvironment({}), /CRYOPROTECT_SERVER_URL is not set/);
  });
});
