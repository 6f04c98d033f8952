import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { createTestApp, countRows } from '../testing/app.js';
import { databaseTargets, type TestDatabase } from '../testing/databases.js';
import { createUserWithToken } from '../testing/users.js';
import { parseFeatures } from '../features.js';
import { cachedProbe, type ComponentStatus, type Probe } from './components.js';
import { StatusRecorder, retentionCutoff, summarizeHistory, type StatusSample } from './history.js';

const NOW = new Date('2026-12-08T12:07:00Z');

function sample(
  minutesAgo: number,
  state: StatusSample['state'],
  component = 'database'
): StatusSample {
  return {
    instance: 'a:1',
    component: component as StatusSample['component'],
    state,
    detail: state,
    at: new Date(NOW.getTime() - minutesAgo * 60_000)
  };
}

describe('status history, summarized', () => {
  it('puts each sample in its 15-minute bucket, keeps the worst state per bucket and counts uptime', () => {
    const history = summarizeHistory(
      [
        sample(1, 'up'),
        sample(2, 'down'),
        sample(20, 'up'),
        sample(21, 'degraded'),
        sample(40, 'up')
      ],
      NOW
    );
    const database = history.find(h => h.component === 'database')!;
    assert.equal(database.buckets.length, 96);
    // The last bucket ends on the boundary after now (12:15), so reloads do not shift the bars;
    // 40 minutes before 12:07 is in 11:15-11:30, and 11:30-11:45 has no sample.
    assert.equal(database.buckets.at(-1)!.to, '2026-12-08T12:15:00.000Z');
    assert.deepEqual(
      database.buckets.slice(-4).map(b => [b.state, b.samples]),
      [
        ['up', 1],
        [null, 0],
        ['degraded', 2],
        ['down', 2]
      ]
    );
    assert.equal(database.uptime, 3 / 5);
    // A component without samples has no uptime to claim.
    assert.equal(history.find(h => h.component === 'workers')!.uptime, null);
  });

  it('leaves out samples older than the window and unknown states from the uptime', () => {
    const history = summarizeHistory(
      [sample(24 * 60 + 30, 'down'), sample(5, 'unknown'), sample(6, 'up')],
      NOW
    );
    const database = history.find(h => h.component === 'database')!;
    assert.equal(
      database.buckets.reduce((n, b) => n + b.samples, 0),
      2
    );
    assert.equal(database.uptime, 1);
    assert.equal(database.buckets.at(-1)!.state, 'unknown');
  });

  it('deletes by age: the cutoff is the retention in days before now', () => {
    assert.equal(retentionCutoff(NOW, 7).toISOString(), '2026-12-01T12:07:00.000Z');
  });

  it('shares one probe among callers within its lifetime, and does not keep a failure', async () => {
    let calls = 0;
    let fail = true;
    const probe = cachedProbe(async () => {
      calls += 1;
      if (fail) {
        throw new Error('boom');
      }
      return { at: new Date(), components: [] } as unknown as Probe;
    }, 60_000);
    await assert.rejects(probe(), /boom/);
    fail = false;
    await Promise.all([probe(), probe(), probe()]);
    assert.equal(calls, 2);
  });
});

describe('feature flags', () => {
  it('parses name=on|off over the defaults and names every bad entry', () => {
    assert.deepEqual(parseFeatures(undefined).flags, { screens: true, 'wasm-similarity': true });
    assert.deepEqual(parseFeatures(' screens = off ,wasm-similarity=on').flags, {
      screens: false,
      'wasm-similarity': true
    });
    assert.deepEqual(parseFeatures('screen=off,wasm-similarity=maybe,screens').problems, [
      '"screen" is not a feature (known: screens, wasm-similarity)',
      '"wasm-similarity=maybe" must be wasm-similarity=on or wasm-similarity=off',
      '"screens" must be screens=on or screens=off'
    ]);
  });
});

for (const target of databaseTargets()) {
  describe(`the status page and component gauges on ${target.kind}`, { skip: target.skip }, () => {
    let t: TestDatabase;
    let app: FastifyInstance;
    before(async () => {
      ({ t, app } = await createTestApp(target, {
        features: { screens: false, 'wasm-similarity': true },
        profile: 'staging'
      }));
    });
    after(async () => {
      await app?.close();
      await t?.dispose();
    });

    it('records samples, keeps them while the database is down and writes them when it answers', async () => {
      let databaseUp = false;
      const probe = async (): Promise<Probe> => {
        const real = await app.status.probe();
        return databaseUp
          ? { ...real, at: new Date() }
          : {
              ...real,
              at: new Date(),
              readiness: { ...real.readiness, ready: false, database: 'unreachable' },
              components: real.components.map((c): ComponentStatus =>
                c.component === 'database'
                  ? { ...c, state: 'down', detail: 'the database does not answer' }
                  : c
              )
            };
      };
      const recorder = new StatusRecorder(t.db, probe, {
        instance: 'test:1',
        intervalSeconds: 3600,
        retentionDays: 7
      });
      // An old sample, past the retention: the next write deletes it.
      await t.db.serviceTransaction(tx =>
        tx.query(
          `INSERT INTO status_samples (instance, component, at, state, detail)
           VALUES ('old:1', 'api', now() - interval '8 days', 'up', 'answering')`
        )
      );
      await recorder.record();
      assert.equal(await countRows(t.db, 'status_samples'), 1, 'nothing written while down');
      assert.equal(recorder.ownSamples().length, 4);
      databaseUp = true;
      // A sample per instance, component and moment: the second must not share the first's
      // millisecond (ON CONFLICT DO NOTHING would keep one).
      await new Promise(done => setTimeout(done, 5));
      await recorder.record();
      const { rows } = await t.db.serviceTransaction(tx =>
        tx.query<{ component: string; states: string[] }>(
          `SELECT component, array_agg(state ORDER BY at) AS states FROM status_samples
            WHERE instance = 'test:1' GROUP BY component ORDER BY component`
        )
      );
      assert.deepEqual(
        rows.map(r => [r.component, r.states]),
        [
          ['api', ['up', 'up']],
          ['chemistry', [rows[1].states[0], rows[1].states[1]]],
          ['database', ['down', 'up']],
          ['workers', ['up', 'up']]
        ]
      );
      assert.equal(await countRows(t.db, 'status_samples'), 8, 'the old sample is gone');
    });

    it('serves the page as JSON and HTML: components, history from the database, no error text', async () => {
      const json = await app.inject({ method: 'GET', url: '/status?format=json' });
      assert.equal(json.statusCode, 200);
      const report = json.json();
      assert.equal(report.overall, 'up');
      assert.equal(report.history, 'database');
      assert.deepEqual(
        report.components.map((c: { component: string; state: string }) => [c.component, c.state]),
        [
          ['api', 'up'],
          ['database', 'up'],
          ['chemistry', 'up'],
          ['workers', 'up']
        ]
      );
      const database = report.components[1];
      assert.equal(database.buckets.length, 96);
      // The last two buckets: the samples above may sit just before a 15-minute boundary.
      const recent = database.buckets
        .slice(-2)
        .reduce((n: number, b: { samples: number }) => n + b.samples, 0);
      assert.ok(recent >= 2, 'the samples recorded above are shown');
      const byAccept = await app.inject({
        method: 'GET',
        url: '/status',
        headers: { accept: 'application/json' }
      });
      assert.equal(byAccept.json().overall, 'up');

      const html = await app.inject({ method: 'GET', url: '/status' });
      assert.equal(html.statusCode, 200);
      assert.match(html.headers['content-type'] as string, /^text\/html/);
      assert.match(html.body, /All components operational/);
      assert.match(html.body, /Chemistry engine/);
      // Its only allowance is its own style, by hash.
      assert.match(
        html.headers['content-security-policy'] as string,
        /^default-src 'none'; style-src 'sha256-[A-Za-z0-9+/=]+'; frame-ancestors 'none'$/
      );
    });

    it('reports readiness and each component on /metrics', async () => {
      const metrics = await app.inject({ method: 'GET', url: '/metrics' });
      assert.match(metrics.body, /^cryoprotect_ready 1$/m);
      for (const component of ['api', 'database', 'chemistry', 'workers']) {
        assert.match(
          metrics.body,
          new RegExp(`^cryoprotect_component_up\\{component="${component}"\\} 1$`, 'm')
        );
      }
    });

    it('counts the job workers down when queued work waits with nothing finishing', async () => {
      const owner = (await createUserWithToken(t.db, 'status-owner')).id;
      const { rows: props } = await t.db.serviceTransaction(tx =>
        tx.query<{ id: string }>(`SELECT id FROM property_types LIMIT 1`)
      );
      await t.db.serviceTransaction(tx =>
        tx.query(
          `INSERT INTO model_retrain_jobs (owner_id, model_name, property_type_id, last_request_at)
           VALUES ($1, 'stalled', $2, now() - interval '2 hours')`,
          [owner, props[0].id]
        )
      );
      try {
        // The probe is cached for a second.
        await new Promise(done => setTimeout(done, 1100));
        const workers = (await app.status.probe()).components.find(c => c.component === 'workers')!;
        assert.equal(workers.state, 'down');
        assert.match(workers.detail, /1 retrain job waiting over 15 min with nothing finishing/);
        const page = await app.inject({ method: 'GET', url: '/status?format=json' });
        // Not down for clients (the API serves), but not all up either.
        assert.equal(page.statusCode, 200);
        assert.equal(page.json().overall, 'degraded');
        const metrics = await app.inject({ method: 'GET', url: '/metrics' });
        assert.match(metrics.body, /^cryoprotect_component_up\{component="workers"\} 0$/m);
        assert.match(metrics.body, /^cryoprotect_ready 1$/m);
      } finally {
        await t.db.serviceTransaction(tx =>
          tx.query(`DELETE FROM model_retrain_jobs WHERE model_name = 'stalled'`)
        );
      }
    });

    it('shows the profile and the feature flags in force on /health, and a flag that is off refuses', async () => {
      const health = (await app.inject({ method: 'GET', url: '/health' })).json();
      assert.equal(health.profile, 'staging');
      assert.deepEqual(
        health.features.map((f: { name: string; enabled: boolean }) => [f.name, f.enabled]),
        [
          ['screens', false],
          ['wasm-similarity', true]
        ]
      );
      const { token } = await createUserWithToken(t.db, 'flagged');
      const refused = await app.inject({
        method: 'POST',
        url: '/api/screens',
        headers: { authorization: `Bearer ${token}` },
        payload: {
          modelVersionId: '00000000-0000-4000-8000-000000000000',
          source: 'lib.smi',
          moleculeCount: 1,
          chunkSize: 1
        }
      });
      assert.equal(refused.statusCode, 503);
      assert.match(refused.json().detail, /feature flag "screens" is off/);
    });
  });
}
