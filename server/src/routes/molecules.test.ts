import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../app.js';
import { DEFAULT_MIGRATIONS_DIR } from '../config.js';
import { migrate } from '../db/migrations.js';
import { createTestApp, countRows } from '../testing/app.js';
import { databaseTargets, type TestDatabase } from '../testing/databases.js';
import { createUserWithToken } from '../testing/users.js';

const auth = (token: string) => ({ authorization: `Bearer ${token}` });

function assertProblem(
  response: {
    statusCode: number;
    headers: Record<string, unknown>;
    json(): Record<string, unknown>;
  },
  status: number,
  type: string
): Record<string, unknown> {
  assert.equal(response.statusCode, status, JSON.stringify(response.json()));
  assert.match(String(response.headers['content-type']), /^application\/problem\+json/);
  const body = response.json();
  assert.equal(body.status, status);
  assert.match(String(body.type), new RegExp(`/problems/${type}$`));
  assert.equal(typeof body.detail, 'string');
  return body;
}

for (const target of databaseTargets()) {
  describe(`molecules API on ${target.kind}`, { skip: target.skip }, () => {
    let t: TestDatabase;
    let app: FastifyInstance;
    let alice: { id: string; token: string };
    let bob: { id: string; token: string };
    const count = () => countRows(t.db, 'molecules');

    before(async () => {
      ({ t, app } = await createTestApp(target));
      alice = await createUserWithToken(t.db, 'alice');
      bob = await createUserWithToken(t.db, 'bob');
    });
    after(async () => {
      await app?.close();
      await t?.dispose();
    });

    let alanineId: string;

    it('registers a salt as its standardized parent, keeping the input and the stripped fragment', async () => {
      const response = await app.inject({
        method: 'POST',
        url: '/api/molecules',
        headers: auth(alice.token),
        payload: { structure: 'Cl.N[C@@H](C)C(=O)O', name: 'L-alanine' }
      });
      assert.equal(response.statusCode, 201, response.body);
      const { molecule, duplicate } = response.json();
      assert.equal(duplicate, false);
      assert.equal(molecule.smiles, 'C[C@H](N)C(=O)O');
      assert.equal(molecule.inchikey, 'QNAYBMKLOCPYGJ-REOHCLBHSA-N');
      assert.equal(molecule.inputStructure, 'Cl.N[C@@H](C)C(=O)O');
      assert.deepEqual(molecule.strippedFragments, ['Cl']);
      assert.ok(Math.abs(molecule.molarMass - 89.094) < 1e-3);
      assert.equal(molecule.visibility, 'private');
      assert.equal(molecule.ownerId, alice.id);
      alanineId = molecule.id;
    });

    it('returns the existing record for the same structure written differently, and a new one for its enantiomer', async () => {
      const again = await app.inject({
        method: 'POST',
        url: '/api/molecules',
        headers: auth(alice.token),
        payload: { structure: 'OC(=O)[C@H](C)N' }
      });
      assert.equal(again.statusCode, 200);
      assert.equal(again.json().duplicate, true);
      assert.equal(again.json().molecule.id, alanineId);
      const enantiomer = await app.inject({
        method: 'POST',
        url: '/api/molecules',
        headers: auth(alice.token),
        payload: { structure: 'C[C@@H](N)C(=O)O' }
      });
      assert.equal(enantiomer.statusCode, 201);
      assert.notEqual(enantiomer.json().molecule.id, alanineId);
    });

    it('says what became of the name sent with a structure already registered', async () => {
      const register = (token: string, structure: string, name?: string) =>
        app.inject({
          method: 'POST',
          url: '/api/molecules',
          headers: auth(token),
          payload: { structure, name, visibility: 'public' }
        });
      const created = await register(alice.token, 'OCCCCO', 'butane-1,4-diol');
      assert.equal(created.statusCode, 201, created.body);
      assert.deepEqual(created.json().nameOutcome, {
        name: 'butane-1,4-diol',
        outcome: 'name',
        reason: 'the name of the new record'
      });
      const id = created.json().molecule.id;
      // The owner, a new name: kept as a synonym; the record keeps its name.
      const synonym = await register(alice.token, 'C(CCO)CO', '1,4-butanediol');
      assert.equal(synonym.statusCode, 200, synonym.body);
      assert.equal(synonym.json().duplicate, true);
      assert.equal(synonym.json().molecule.id, id);
      assert.equal(synonym.json().nameOutcome.outcome, 'added-as-synonym');
      assert.equal(synonym.json().molecule.name, 'butane-1,4-diol');
      assert.deepEqual(synonym.json().molecule.synonyms, ['1,4-butanediol']);
      // Already there, in any case: nothing changes.
      const same = await register(alice.token, 'OCCCCO', 'Butane-1,4-diol');
      assert.equal(same.json().nameOutcome.outcome, 'already-the-name');
      const again = await register(alice.token, 'OCCCCO', '1,4-BUTANEDIOL');
      assert.equal(again.json().nameOutcome.outcome, 'already-a-synonym');
      assert.deepEqual(again.json().molecule.synonyms, ['1,4-butanediol']);
      // Someone who may read but not edit the public record: not added, and why.
      const other = await register(bob.token, 'OCCCCO', 'tetramethylene glycol');
      assert.equal(other.statusCode, 200, other.body);
      assert.equal(other.json().molecule.id, id);
      assert.equal(other.json().nameOutcome.outcome, 'not-added');
      assert.match(other.json().nameOutcome.reason, /may not edit the existing record/);
      assert.deepEqual(other.json().molecule.synonyms, ['1,4-butanediol']);
      // No name sent: nothing to say.
      assert.equal((await register(bob.token, 'OCCCCO')).json().nameOutcome, null);
    });

    it("refuses an invalid structure with RDKit's reason and the field, writing nothing", async () => {
      const before = await count();
      const response = await app.inject({
        method: 'POST',
        url: '/api/molecules',
        headers: auth(alice.token),
        payload: { structure: 'C1CC' }
      });
      const problem = assertProblem(response, 422, 'invalid-structure');
      assert.match(String(problem.detail), /"C1CC": unclosed ring/);
      assert.deepEqual(
        (problem.errors as { path: string }[]).map(e => e.path),
        ['body.structure']
      );
      assert.equal(await count(), before);
    });

    it('names every invalid field of a malformed request', async () => {
      const response = await app.inject({
        method: 'POST',
        url: '/api/molecules',
        headers: auth(alice.token),
        payload: { visibility: 'secret', synonyms: 'x' }
      });
      const problem = assertProblem(response, 400, 'validation');
      const paths = (problem.errors as { path: string }[]).map(e => e.path).sort();
      assert.deepEqual(paths, ['body.structure', 'body.synonyms', 'body.visibility']);
      const project = await app.inject({
        method: 'POST',
        url: '/api/molecules',
        headers: auth(alice.token),
        payload: { structure: 'CCO', visibility: 'project' }
      });
      assert.deepEqual(
        (assertProblem(project, 422, 'validation').errors as { path: string }[])[0].path,
        'body.projectId'
      );
      const notJson = await app.inject({
        method: 'POST',
        url: '/api/molecules',
        headers: { ...auth(alice.token), 'content-type': 'application/json' },
        payload: '{"structure":'
      });
      assertProblem(notJson, 400, 'bad-request');
    });

    it('requires a valid token with the write scope to register', async () => {
      assertProblem(
        await app.inject({ method: 'POST', url: '/api/molecules', payload: { structure: 'CCO' } }),
        401,
        'unauthenticated'
      );
      assertProblem(
        await app.inject({
          method: 'POST',
          url: '/api/molecules',
          headers: auth('cpt_unknown'),
          payload: { structure: 'CCO' }
        }),
        401,
        'unauthenticated'
      );
      // Another scheme (Jupyter's own credentials through the proxy) is not ours: anonymous.
      assertProblem(
        await app.inject({
          method: 'POST',
          url: '/api/molecules',
          headers: { authorization: 'token jupyter-token' },
          payload: { structure: 'CCO' }
        }),
        401,
        'unauthenticated'
      );
      const viaProxy = await app.inject({
        method: 'GET',
        url: `/api/molecules?q=QNAYBMKLOCPYGJ`,
        headers: { authorization: 'token jupyter-token', 'x-cryoprotect-token': alice.token }
      });
      assert.equal(viaProxy.json().items.length, 2, 'X-CryoProtect-Token must identify the user');
      const reader = await createUserWithToken(t.db, 'reader', '{read}');
      assertProblem(
        await app.inject({
          method: 'POST',
          url: '/api/molecules',
          headers: auth(reader.token),
          payload: { structure: 'CCO' }
        }),
        403,
        'insufficient-scope'
      );
      await t.db.serviceTransaction(tx =>
        tx.query('UPDATE api_tokens SET revoked_at = now() WHERE user_id = $1', [reader.id])
      );
      assertProblem(
        await app.inject({ method: 'GET', url: '/api/molecules', headers: auth(reader.token) }),
        401,
        'unauthenticated'
      );
    });

    it('keeps a private molecule from other users, and tells them it exists elsewhere', async () => {
      assertProblem(
        await app.inject({
          method: 'GET',
          url: `/api/molecules/${alanineId}`,
          headers: auth(bob.token)
        }),
        404,
        'not-found'
      );
      assertProblem(
        await app.inject({ method: 'GET', url: `/api/molecules/${alanineId}` }),
        404,
        'not-found'
      );
      const mine = await app.inject({
        method: 'GET',
        url: `/api/molecules/${alanineId}`,
        headers: auth(alice.token)
      });
      assert.equal(mine.statusCode, 200);
      const before = await count();
      const clash = await app.inject({
        method: 'POST',
        url: '/api/molecules',
        headers: auth(bob.token),
        payload: { structure: 'N[C@@H](C)C(=O)O' }
      });
      assertProblem(clash, 409, 'registered-elsewhere');
      assert.equal(await count(), before);
      // Asked by InChIKey: Bob learns it is taken (as the 409 told him), never the record.
      const alanineKey = 'QNAYBMKLOCPYGJ-REOHCLBHSA-N';
      const asked = async (token?: string) =>
        (
          await app.inject({
            method: 'GET',
            url: `/api/molecules/registered?inchikey=${alanineKey}`,
            headers: token ? auth(token) : {}
          })
        ).json();
      const bobs = await asked(bob.token);
      assert.deepEqual([bobs.registered, bobs.molecule], [true, null]);
      const alices = await asked(alice.token);
      assert.equal(alices.registered, true);
      assert.equal(alices.molecule.id, alanineId);
      const nobody = await app.inject({
        method: 'GET',
        url: '/api/molecules/registered?inchikey=AAAAAAAAAAAAAA-BBBBBBBBBB-N'
      });
      assert.deepEqual(nobody.json(), {
        inchikey: 'AAAAAAAAAAAAAA-BBBBBBBBBB-N',
        registered: false,
        molecule: null
      });
      assertProblem(
        await app.inject({ method: 'GET', url: '/api/molecules/registered?inchikey=water' }),
        400,
        'validation'
      );
      assertProblem(
        await app.inject({ method: 'GET', url: '/api/molecules/not-a-uuid' }),
        400,
        'validation'
      );
    });

    it('searches visible molecules by name, synonym and InChIKey', async () => {
      const byName = await app.inject({ method: 'GET', url: '/api/molecules?q=glycer' });
      assert.deepEqual(
        byName.json().items.map((m: { name: string }) => m.name),
        ['glycerol']
      );
      const bySynonym = await app.inject({ method: 'GET', url: '/api/molecules?q=dmso' });
      assert.deepEqual(
        bySynonym.json().items.map((m: { name: string }) => m.name),
        ['dimethyl sulfoxide']
      );
      const byKey = await app.inject({
        method: 'GET',
        url: '/api/molecules?q=QNAYBMKLOCPYGJ',
        headers: auth(alice.token)
      });
      assert.equal(byKey.json().items.length, 2);
      const hidden = await app.inject({
        method: 'GET',
        url: '/api/molecules?q=QNAYBMKLOCPYGJ',
        headers: auth(bob.token)
      });
      assert.equal(hidden.json().items.length, 0);
      const wildcard = await app.inject({ method: 'GET', url: '/api/molecules?q=%25' });
      assert.equal(wildcard.json().items.length, 0, 'a % in the query must be literal');
    });

    it('pages through every visible molecule exactly once with cursors', async () => {
      const seen: string[] = [];
      let cursor: string | null = null;
      let pages = 0;
      do {
        const url: string = `/api/molecules?limit=7${cursor ? `&cursor=${cursor}` : ''}`;
        const page = (await app.inject({ method: 'GET', url, headers: auth(alice.token) })).json();
        seen.push(...page.items.map((m: { id: string }) => m.id));
        cursor = page.nextCursor;
        pages++;
      } while (cursor && pages < 50);
      const total = await t.db.userTransaction(alice.id, tx =>
        tx.query<{ n: string }>('SELECT count(*) AS n FROM molecules')
      );
      assert.equal(seen.length, Number(total.rows[0].n));
      assert.equal(new Set(seen).size, seen.length);
      assert.ok(pages >= 4);
      assertProblem(
        await app.inject({ method: 'GET', url: '/api/molecules?cursor=bogus' }),
        400,
        'validation'
      );
      assertProblem(
        await app.inject({ method: 'GET', url: '/api/molecules?limit=0' }),
        400,
        'validation'
      );
    });

    it('draws a molecule as SVG and refuses a bad highlight SMARTS by field', async () => {
      const [glycerol] = (
        await app.inject({ method: 'GET', url: '/api/molecules?q=glycerol' })
      ).json().items;
      const svg = await app.inject({
        method: 'GET',
        url: `/api/molecules/${glycerol.id}/depiction.svg?highlight=[OX2H]`
      });
      assert.equal(svg.statusCode, 200);
      assert.match(String(svg.headers['content-type']), /^image\/svg\+xml/);
      assert.match(svg.body, /<svg[\s\S]*#FF7F7F/i);
      const bad = await app.inject({
        method: 'GET',
        url: `/api/molecules/${glycerol.id}/depiction.svg?highlight=[C`
      });
      assert.deepEqual(
        (assertProblem(bad, 422, 'invalid-smarts').errors as { path: string }[])[0].path,
        'querystring.highlight'
      );
    });

    it('publishes an OpenAPI 3 document generated from the schemas, and a docs page', async () => {
      const doc = (await app.inject({ method: 'GET', url: '/api/openapi.json' })).json();
      assert.match(doc.openapi, /^3\./);
      assert.ok(doc.paths['/api/molecules'].post.requestBody);
      assert.ok(
        doc.paths['/api/molecules'].get.parameters.some(
          (p: { name: string }) => p.name === 'cursor'
        )
      );
      assert.ok(doc.paths['/api/molecules/{id}'].get.responses['404']);
      const docs = await app.inject({ method: 'GET', url: '/api/docs/' });
      assert.equal(docs.statusCode, 200);
      assert.match(docs.body, /swagger/i);
      assertProblem(
        await app.inject({ method: 'GET', url: '/api/nothing-here' }),
        404,
        'not-found'
      );
    });
  });
}

describe('internal errors', () => {
  it('never leak internals in production mode', async () => {
    const [pglite] = databaseTargets();
    const t = await pglite.create();
    await migrate(t.db, DEFAULT_MIGRATIONS_DIR);
    const production = await buildApp({
      db: t.db,
      migrationsDir: DEFAULT_MIGRATIONS_DIR,
      logLevel: 'silent',
      production: true
    });
    const development = await buildApp({
      db: t.db,
      migrationsDir: DEFAULT_MIGRATIONS_DIR,
      logLevel: 'silent'
    });
    const id = '00000000-0000-4000-8000-000000000000';
    try {
      // Breaking the database makes every query fail with a driver message.
      await t.db.serviceTransaction(tx =>
        tx.query('ALTER TABLE molecules RENAME TO molecules_gone')
      );
      const hidden = await production.inject({ method: 'GET', url: `/api/molecules/${id}` });
      assert.equal(hidden.statusCode, 500);
      assert.doesNotMatch(hidden.body, /molecules|relation|stack|at /);
      assert.match(hidden.json().detail, /in its log with this request id/);
      const shown = await development.inject({ method: 'GET', url: `/api/molecules/${id}` });
      assert.match(shown.json().detail, /relation "molecules" does not exist/);
    } finally {
      await production.close();
      await development.close();
      await t.dispose();
    }
  });
});

describe('molecule search endpoints', () => {
  let t: TestDatabase;
  let app: FastifyInstance;
  let alice: { id: string; token: string };
  before(async () => {
    ({ t, app } = await createTestApp(databaseTargets()[0]));
    alice = await createUserWithToken(t.db, 'alice');
    await app.inject({
      method: 'POST',
      url: '/api/molecules',
      headers: auth(alice.token),
      payload: { structure: 'OCCCCO', name: 'butane-1,4-diol' }
    });
  });
  after(async () => {
    await app?.close();
    await t?.dispose();
  });

  it('finds by SMARTS exactly the visible molecules that match', async () => {
    const diols = '[OX2H][CX4][CX4][OX2H]';
    const anonymous = (
      await app.inject({
        method: 'GET',
        url: `/api/molecules/search/substructure?smarts=${encodeURIComponent(diols)}`
      })
    ).json();
    const names = anonymous.items.map((m: { name: string }) => m.name).sort();
    assert.ok(
      names.includes('ethylene glycol') &&
        names.includes('glycerol') &&
        names.includes('1,2-propanediol'),
      names.join()
    );
    assert.ok(
      !names.includes('butane-1,4-diol'),
      'a private molecule leaked into an anonymous search'
    );
    assert.ok(!names.includes('1,3-propanediol'), 'a 1,3-diol is not a vicinal diol');
    const mine = (
      await app.inject({
        method: 'GET',
        url: `/api/molecules/search/substructure?smarts=${encodeURIComponent('[OX2H][CH2][CH2][CH2][CH2][OX2H]')}`,
        headers: auth(alice.token)
      })
    ).json();
    assert.deepEqual(
      mine.items.map((m: { name: string }) => m.name),
      ['butane-1,4-diol']
    );
    const limited = (
      await app.inject({
        method: 'GET',
        url: `/api/molecules/search/substructure?smarts=${encodeURIComponent(diols)}&limit=1`
      })
    ).json();
    assert.equal(limited.items.length, 1);
    assert.equal(limited.truncated, true);
    const bad = await app.inject({
      method: 'GET',
      url: '/api/molecules/search/substructure?smarts=%5BC'
    });
    assert.deepEqual(
      (assertProblem(bad, 422, 'invalid-smarts').errors as { path: string }[])[0].path,
      'querystring.smarts'
    );
  });

  it('ranks visible molecules by Tanimoto similarity, itself first', async () => {
    const response = (
      await app.inject({
        method: 'GET',
        url: '/api/molecules/search/similar?structure=OCC(O)CO&k=3'
      })
    ).json();
    assert.equal(response.items.length, 3);
    assert.equal(response.items[0].molecule.name, 'glycerol');
    assert.equal(response.items[0].similarity, 1);
    assert.ok(
      response.items[1].similarity <= 1 &&
        response.items[2].similarity <= response.items[1].similarity
    );
    const strict = (
      await app.inject({
        method: 'GET',
        url: '/api/molecules/search/similar?structure=OCC(O)CO&k=10&minSimilarity=0.99'
      })
    ).json();
    assert.deepEqual(
      strict.items.map((h: { molecule: { name: string } }) => h.molecule.name),
      ['glycerol']
    );
    const bad = await app.inject({
      method: 'GET',
      url: '/api/molecules/search/similar?structure=C1CC'
    });
    assert.deepEqual(
      (assertProblem(bad, 422, 'invalid-structure').errors as { path: string }[])[0].path,
      'querystring.structure'
    );
  });
});
