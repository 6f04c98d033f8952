import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { createTestApp, countRows } from '../testing/app.js';
import { databaseTargets, type TestDatabase } from '../testing/databases.js';
import { createUserWithToken } from '../testing/users.js';

for (const target of databaseTargets()) {
  describe(`mixtures API on ${target.kind}`, { skip: target.skip }, () => {
    let t: TestDatabase;
    let app: FastifyInstance;
    let alice: { id: string; token: string };
    let bob: { id: string; token: string };
    const ids: Record<string, string> = {};
    const as = (user: { token: string }) => ({ authorization: `Bearer ${user.token}` });
    const mixtureCount = () => countRows(t.db, 'mixtures');

    before(async () => {
      ({ t, app } = await createTestApp(target));
      alice = await createUserWithToken(t.db, 'alice');
      bob = await createUserWithToken(t.db, 'bob');
      for (const name of ['glycerol', 'dimethyl sulfoxide', 'sucrose']) {
        const page = (
          await app.inject({ method: 'GET', url: `/api/molecules?q=${encodeURIComponent(name)}` })
        ).json();
        ids[name] = page.items.find((m: { name: string }) => m.name === name).id;
      }
    });
    after(async () => {
      await app?.close();
      await t?.dispose();
    });

    const create = (user: { token: string }, payload: object) =>
      app.inject({ method: 'POST', url: '/api/mixtures', headers: as(user), payload });

    let glycerolMixture: string;

    it('creates a mixture and returns its canonical composition with the density method', async () => {
      const response = await create(alice, {
        name: '40 % w/w glycerol',
        components: [{ moleculeId: ids.glycerol, amount: 40, unit: '% w/w', role: 'penetrating' }]
      });
      assert.equal(response.statusCode, 201, response.body);
      const mixture = response.json();
      glycerolMixture = mixture.id;
      const [component] = mixture.composition.components;
      assert.equal(component.name, 'glycerol');
      assert.ok(Math.abs(component.massFraction - 0.4) < 1e-12);
      assert.ok(Math.abs(mixture.composition.water.massFraction - 0.6) < 1e-12);
      // 400 g glycerol / 92.094 g/mol in 0.6 kg water.
      assert.ok(Math.abs(component.molality - 400 / 92.094 / 0.6) < 1e-3);
      assert.equal(mixture.composition.solutionDensity.method, 'ideal-mixing (additive volumes)');
      assert.equal(mixture.components[0].smiles, 'OCC(O)CO');
    });

    it('accepts mixed units across components and gives the same composition in any order', async () => {
      const components = [
        { moleculeId: ids.glycerol, amount: 2, unit: 'mol/kg', role: 'penetrating' },
        { moleculeId: ids['dimethyl sulfoxide'], amount: 10, unit: '% v/v', role: 'penetrating' }
      ];
      const a = (await create(alice, { name: 'mix a', components })).json();
      const b = (
        await create(alice, { name: 'mix b', components: [...components].reverse() })
      ).json();
      const fractions = (m: {
        composition: { components: { name: string; massFraction: number }[] };
      }) => Object.fromEntries(m.composition.components.map(c => [c.name, c.massFraction]));
      assert.deepEqual(fractions(a), fractions(b));
    });

    it('refuses invalid mixtures with the component and field named, writing nothing', async () => {
      const before = await mixtureCount();
      const noDensity = await create(alice, {
        name: 'sucrose w/v',
        components: [
          { moleculeId: ids.sucrose, amount: 10, unit: '% w/v', role: 'non-penetrating' }
        ]
      });
      assert.equal(noDensity.statusCode, 422);
      assert.match(noDensity.json().type, /invalid-mixture$/);
      assert.match(noDensity.json().errors[0].path, /^body\.components\[0\]/);
      assert.match(noDensity.json().detail, /sucrose/);
      const overfull = await create(alice, {
        name: 'too much',
        components: [
          { moleculeId: ids.glycerol, amount: 60, unit: '% w/w', role: 'penetrating' },
          { moleculeId: ids['dimethyl sulfoxide'], amount: 50, unit: '% w/w', role: 'penetrating' }
        ]
      });
      assert.equal(overfull.statusCode, 422);
      const negative = await create(alice, {
        name: 'x',
        components: [{ moleculeId: ids.glycerol, amount: -5, unit: '% w/w', role: 'penetrating' }]
      });
      assert.equal(negative.statusCode, 400);
      assert.deepEqual(
        negative.json().errors.map((e: { path: string }) => e.path),
        ['body.components[0].amount']
      );
      const unknownUnit = await create(alice, {
        name: 'x',
        components: [{ moleculeId: ids.glycerol, amount: 5, unit: 'furlongs', role: 'penetrating' }]
      });
      assert.equal(unknownUnit.json().errors[0].path, 'body.components[0].unit');
      const unknownMolecule = await create(alice, {
        name: 'x',
        components: [
          {
            moleculeId: '00000000-0000-4000-8000-000000000000',
            amount: 5,
            unit: '% w/w',
            role: 'penetrating'
          }
        ]
      });
      assert.equal(unknownMolecule.statusCode, 422);
      assert.equal(unknownMolecule.json().errors[0].path, 'body.components[0].moleculeId');
      assert.equal(await mixtureCount(), before);
    });

    it('keeps private mixtures private, lets only the owner delete, and audits deletions', async () => {
      assert.equal(
        (
          await app.inject({
            method: 'GET',
            url: `/api/mixtures/${glycerolMixture}`,
            headers: as(bob)
          })
        ).statusCode,
        404
      );
      assert.equal(
        (
          await app.inject({
            method: 'GET',
            url: `/api/mixtures/${glycerolMixture}`,
            headers: as(alice)
          })
        ).statusCode,
        200
      );
      assert.equal(
        (
          await app.inject({
            method: 'DELETE',
            url: `/api/mixtures/${glycerolMixture}`,
            headers: as(bob)
          })
        ).statusCode,
        404
      );
      const shared = (
        await create(alice, {
          name: 'shared',
          visibility: 'public',
          components: [{ moleculeId: ids.glycerol, amount: 5, unit: '% w/w', role: 'penetrating' }]
        })
      ).json();
      const refused = await app.inject({
        method: 'DELETE',
        url: `/api/mixtures/${shared.id}`,
        headers: as(bob)
      });
      assert.equal(refused.statusCode, 403);
      assert.equal(
        (
          await app.inject({
            method: 'DELETE',
            url: `/api/mixtures/${shared.id}`,
            headers: as(alice)
          })
        ).statusCode,
        204
      );
      assert.equal(
        (await app.inject({ method: 'GET', url: `/api/mixtures/${shared.id}` })).statusCode,
        404
      );
      const audit = await t.db.userTransaction(alice.id, tx =>
        tx.query<{ action: string }>(`SELECT action FROM audit_log WHERE entity_id = $1`, [
          shared.id
        ])
      );
      assert.deepEqual(
        audit.rows.map(r => r.action),
        ['mixture.delete']
      );
    });

    it('lists visible mixtures by name with cursors', async () => {
      const names: string[] = [];
      let cursor: string | null = null;
      do {
        const url: string = `/api/mixtures?limit=1${cursor ? `&cursor=${cursor}` : ''}`;
        const page = (await app.inject({ method: 'GET', url, headers: as(alice) })).json();
        names.push(...page.items.map((m: { name: string }) => m.name));
        cursor = page.nextCursor;
      } while (cursor);
      assert.deepEqual(names, ['40 % w/w glycerol', 'mix a', 'mix b']);
      assert.deepEqual(
        (await app.inject({ method: 'GET', url: '/api/mixtures', headers: as(bob) })).json().items,
        []
      );
    });
  });
}
