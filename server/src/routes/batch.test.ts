import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { newToken } from '../db/tokens.js';
import { createTestApp, countRows } from '../testing/app.js';
import { databaseTargets, type TestDatabase } from '../testing/databases.js';

for (const target of databaseTargets()) {
  describe(`batch registration on ${target.kind}`, { skip: target.skip }, () => {
    let t: TestDatabase;
    let app: FastifyInstance;
    let token: string;
    const count = () => countRows(t.db, 'molecules');
    const post = (payload: object, key?: string) =>
      app.inject({
        method: 'POST',
        url: '/api/molecules/batch',
        headers: { authorization: `Bearer ${token}`, ...(key ? { 'idempotency-key': key } : {}) },
        payload
      });
    const rows = [
      { structure: 'CCCCCCO', name: 'hexan-1-ol' },
      { structure: 'OCC(O)CO.O', name: 'glycerol hydrate' },
      { structure: 'OCCCCCC' },
      { structure: 'C1CC' }
    ];

    before(async () => {
      ({ t, app } = await createTestApp(target));
      const created = newToken();
      token = created.token;
      await t.db.serviceTransaction(async tx => {
        const { rows: users } = await tx.query<{ id: string }>(
          `INSERT INTO users (username, display_name) VALUES ('batcher', 'b') RETURNING id`
        );
        await tx.query(
          `INSERT INTO api_tokens (user_id, name, token_hash, scopes) VALUES ($1, 't', $2, '{read,write}')`,
          [users[0].id, created.hash]
        );
      });
    });
    after(async () => {
      await app?.close();
      await t?.dispose();
    });

    it('reports every row in a dry run and writes nothing', async () => {
      const before = await count();
      const response = await post({ rows, dryRun: true });
      assert.equal(response.statusCode, 200, response.body);
      const report = response.json();
      assert.equal(report.written, false);
      assert.deepEqual(report.counts, { new: 1, existing: 1, repeated: 1, invalid: 1 });
      assert.deepEqual(
        report.rows.map((r: { outcome: string }) => r.outcome),
        ['new', 'existing', 'repeated', 'invalid']
      );
      assert.equal(report.rows[2].sameAsRow, 0);
      assert.deepEqual(report.rows[3].error.path, 'body.rows[3].structure');
      assert.match(report.rows[3].error.message, /unclosed ring/);
      assert.equal(await count(), before);
    });

    it('writes nothing when any row is invalid, naming the rows', async () => {
      const before = await count();
      const response = await post({ rows });
      assert.equal(response.statusCode, 422);
      assert.match(response.json().type, /invalid-batch$/);
      assert.deepEqual(
        response.json().errors.map((e: { path: string }) => e.path),
        ['body.rows[3].structure']
      );
      assert.equal(await count(), before);
    });

    it('writes the new rows in one transaction and answers a retry with the same result, once', async () => {
      const before = await count();
      const valid = { rows: rows.slice(0, 3) };
      const first = await post(valid, 'batch-0001');
      assert.equal(first.statusCode, 201, first.body);
      const report = first.json();
      assert.equal(report.written, true);
      assert.equal(await count(), before + 1);
      assert.equal(report.rows[2].moleculeId, report.rows[0].moleculeId);
      const retry = await post(valid, 'batch-0001');
      assert.equal(retry.statusCode, 201);
      assert.equal(retry.headers['idempotent-replayed'], 'true');
      assert.deepEqual(retry.json(), report);
      assert.equal(await count(), before + 1);
      const reused = await post({ rows: [{ structure: 'CCCCO' }] }, 'batch-0001');
      assert.equal(reused.statusCode, 422);
      assert.match(reused.json().type, /idempotency-key-reused$/);
      assert.equal((await post(valid, 'short')).statusCode, 400);
      // Without a key the same batch is simply all existing now.
      const again = await post(valid);
      assert.deepEqual(again.json().counts, { new: 0, existing: 2, repeated: 1, invalid: 0 });
    });

    it('says what became of each name: new record, synonym of an existing one, or not and why', async () => {
      const outcomes = (report: { rows: { nameOutcome?: { outcome: string } | null }[] }) =>
        report.rows.map(r => r.nameOutcome?.outcome ?? null);
      const first = await post({ rows: [{ structure: 'CCCCCCCO', name: 'heptan-1-ol' }] });
      assert.equal(first.statusCode, 201, first.body);
      assert.deepEqual(outcomes(first.json()), ['name']);
      const batch = {
        rows: [
          { structure: 'OCCCCCCC', name: 'heptanol' },
          { structure: 'CCCCCCCO', name: 'n-heptanol' },
          { structure: 'CCCCCCCO', name: 'Heptan-1-ol' },
          { structure: 'OCCCCCCCC', name: 'octan-1-ol' },
          { structure: 'CCCCCCCCO', name: 'n-octanol' }
        ]
      };
      // A dry run says what would happen and changes nothing.
      const dry = await post({ ...batch, dryRun: true });
      assert.equal(dry.statusCode, 200, dry.body);
      assert.deepEqual(outcomes(dry.json()), [
        'added-as-synonym',
        'not-added',
        'not-added',
        'name',
        'not-added'
      ]);
      assert.match(dry.json().rows[4].nameOutcome.reason, /same structure as row 3/);
      const written = await post(batch);
      assert.equal(written.statusCode, 201, written.body);
      assert.deepEqual(outcomes(written.json()), outcomes(dry.json()));
      const heptanol = await app.inject({
        method: 'GET',
        url: `/api/molecules/${written.json().rows[0].moleculeId}`,
        headers: { authorization: `Bearer ${token}` }
      });
      assert.deepEqual(heptanol.json().synonyms, ['heptanol']);
      // Glycerol of the reference data belongs to someone else: its name is not added, with why.
      const glycerol = await post({
        rows: [{ structure: 'OCC(O)CO', name: 'glycerine' }],
        dryRun: true
      });
      assert.equal(glycerol.json().rows[0].outcome, 'existing', glycerol.body);
      assert.equal(glycerol.json().rows[0].nameOutcome.outcome, 'not-added');
      assert.match(glycerol.json().rows[0].nameOutcome.reason, /may not edit/);
    });
  });
}
