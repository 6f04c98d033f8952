import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { FastifyInstance } from 'fastify';
import {
  EngineFailure,
  ReadinessSchema,
  STRUCTURE_LIMITS,
  loadRDKit,
  rdkitStatus
} from '@cryoprotect/kernel';
import { readinessReport } from '../health.js';
import { chemistryProblem } from '../http/problem.js';
import { createTestApp, countRows } from '../testing/app.js';
import { databaseTargets, type TestDatabase } from '../testing/databases.js';
import { createUserWithToken } from '../testing/users.js';

/** Generated pathological structures: long chains, deep branches, many rings, huge inputs. */
function pathologicalStructures(): { what: string; structure: string }[] {
  const { heavyAtoms, nesting, ringClosures } = STRUCTURE_LIMITS;
  return [
    { what: 'a chain just above the bound', structure: 'C'.repeat(heavyAtoms + 1) },
    { what: 'a chain that crashes RDKit.js', structure: 'C'.repeat(900) },
    { what: 'a very long chain', structure: 'C'.repeat(50_000) },
    {
      what: 'deep branches',
      structure: 'C' + '(C'.repeat(nesting + 1) + ')'.repeat(nesting + 1)
    },
    { what: 'many rings', structure: 'C1CC1'.repeat(ringClosures + 1) },
    {
      what: 'an InChI of a huge alkane',
      structure: `InChI=1S/C${heavyAtoms + 100}H${2 * (heavyAtoms + 100) + 2}/c1-3-5`
    },
    {
      what: 'a MOL block declaring 999 atoms',
      structure: [
        '',
        '  hostile',
        '',
        '999  0  0  0  0  0  0  0  0  0999 V2000',
        ...Array.from(
          { length: 999 },
          () => '    0.0000    0.0000    0.0000 C   0  0  0  0  0  0  0  0  0  0  0  0'
        ),
        'M  END'
      ].join('\n')
    }
  ];
}

const HUGE_SMARTS = [
  '[#6]'.repeat(STRUCTURE_LIMITS.smartsAtoms + 1),
  '[$('.repeat(STRUCTURE_LIMITS.smartsRecursion + 1) +
    'C' +
    ')]'.repeat(STRUCTURE_LIMITS.smartsRecursion + 1)
];

for (const target of databaseTargets()) {
  describe(`hostile chemistry on ${target.kind}`, { skip: target.skip }, () => {
    let t: TestDatabase;
    let app: FastifyInstance;
    let token: string;
    const auth = () => ({ authorization: `Bearer ${token}` });

    before(async () => {
      ({ t, app } = await createTestApp(target, { bodyLimit: 1 << 20 }));
      token = (await createUserWithToken(t.db, 'mallory')).token;
    });
    after(async () => {
      await app?.close();
      await t?.dispose();
    });

    it('refuses pathological structures by their bound (422), writes nothing, and keeps serving chemistry', async () => {
      const molecules = await countRows(t.db, 'molecules');
      const failures = rdkitStatus().failures;
      for (const { what, structure } of pathologicalStructures()) {
        const response = await app.inject({
          method: 'POST',
          url: '/api/molecules',
          headers: auth(),
          payload: { structure }
        });
        assert.equal(response.statusCode, 422, `${what}: ${response.body.slice(0, 300)}`);
        assert.match(String(response.headers['content-type']), /^application\/problem\+json/);
        const body = response.json();
        assert.match(body.type, /\/structure-too-complex$/, what);
        assert.match(body.detail, /above the limit of \d+ \(\w+\)/, what);
        assert.equal(body.errors[0].path, 'body.structure', what);
      }
      const batch = await app.inject({
        method: 'POST',
        url: '/api/molecules/batch',
        headers: auth(),
        payload: { rows: [{ structure: 'OCCCO' }, { structure: 'C'.repeat(900) }] }
      });
      assert.equal(batch.statusCode, 422);
      assert.deepEqual(
        batch.json().errors.map((e: { path: string }) => e.path),
        ['body.rows[1].structure']
      );
      for (const smarts of HUGE_SMARTS) {
        const search = await app.inject({
          method: 'GET',
          url: `/api/molecules/search/substructure?smarts=${encodeURIComponent(smarts)}`
        });
        assert.equal(search.statusCode, 422, search.body.slice(0, 300));
        assert.match(search.json().type, /\/structure-too-complex$/);
        assert.equal(search.json().errors[0].path, 'querystring.smarts');
      }
      const similar = await app.inject({
        method: 'GET',
        url: `/api/molecules/search/similar?structure=${'C'.repeat(900)}`
      });
      assert.equal(similar.statusCode, 422);
      assert.equal(similar.json().errors[0].path, 'querystring.structure');
      assert.equal(await countRows(t.db, 'molecules'), molecules);
      assert.equal(rdkitStatus().failures, failures, 'no input reached RDKit.js');

      // Ordinary molecules register, search and draw in the same process.
      await assertChemistryServes(app, auth());
    });

    it('rebuilds RDKit.js after a WebAssembly failure, says so in readiness, and serves again', async () => {
      const broken = await loadRDKit();
      // Straight into the module, past the bounds, as an unknown crash would.
      assert.throws(() => broken.get_mol('C'.repeat(900)), EngineFailure);
      const during = ReadinessSchema.parse(
        readinessReport(
          { ready: true, database: 'ok', schema: 'current', problems: [] },
          target.kind
        )
      );
      if (during.chemistry.rdkit.state === 'rebuilding') {
        assert.equal(during.ready, false);
        assert.match(
          during.problems.join('\n'),
          /RDKit\.js is being rebuilt after a WebAssembly failure/
        );
      }
      await loadRDKit();
      const ready = await app.inject({ method: 'GET', url: '/health/ready' });
      assert.equal(ready.statusCode, 200, ready.body);
      const report = ReadinessSchema.parse(ready.json());
      assert.equal(report.chemistry.rdkit.state, 'ready');
      assert.ok(report.chemistry.rdkit.failures >= 1);
      assert.match(report.chemistry.rdkit.lastFailure!.reason, /memory access out of bounds/);
      await assertChemistryServes(app, auth());
    });

    it('answers an engine failure as a 422 problem naming the field', () => {
      const problem = chemistryProblem(
        new EngineFailure('RDKit.js', 'memory access out of bounds', true),
        'querystring.structure'
      );
      assert.equal(problem.status, 422);
      assert.equal(problem.type, 'chemistry-engine-failure');
      assert.equal(problem.errors![0].path, 'querystring.structure');
      assert.match(problem.message, /discarded and a fresh one is loading/);
    });
  });
}

/** Register a new molecule, find it by substructure and similarity, and draw it. */
async function assertChemistryServes(
  app: FastifyInstance,
  headers: Record<string, string>
): Promise<void> {
  const name = `butane-1,4-diol ${Math.random().toString(36).slice(2)}`;
  const registered = await app.inject({
    method: 'POST',
    url: '/api/molecules',
    headers,
    payload: { structure: 'OCCCCO', name }
  });
  assert.ok([200, 201].includes(registered.statusCode), registered.body);
  const id = registered.json().molecule.id;
  const found = await app.inject({
    method: 'GET',
    url: `/api/molecules/search/substructure?smarts=${encodeURIComponent('[OX2H]CCCC[OX2H]')}`,
    headers
  });
  assert.equal(found.statusCode, 200, found.body);
  assert.ok(found.json().items.some((m: { id: string }) => m.id === id));
  const similar = await app.inject({
    method: 'GET',
    url: `/api/molecules/search/similar?structure=OCCCCO&k=3`,
    headers
  });
  assert.equal(similar.statusCode, 200, similar.body);
  assert.equal(similar.json().items[0].molecule.id, id);
  const drawn = await app.inject({
    method: 'GET',
    url: `/api/molecules/${id}/depiction.svg?highlight=${encodeURIComponent('[OX2H]')}`,
    headers
  });
  assert.equal(drawn.statusCode, 200);
  assert.match(drawn.body, /<svg/);
}
