import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import fc from 'fast-check';
import type { FastifyInstance, InjectOptions, LightMyRequestResponse } from 'fastify';
import { CURSOR_MAX_LENGTH, JSON_MAX_DEPTH } from '@cryoprotect/kernel';
import { parseTimestamptz } from '../db/database.js';
import { jsonTooDeep } from '../http/json-body.js';
import { LISTS, type CursorList } from '../http/pagination.js';
import { PROBLEM_TYPE_BASE } from '../http/problem.js';
import { findControl } from '../http/text-guard.js';
import { createUserWithPassword } from '../testing/accounts.js';
import { countRows, createTestApp } from '../testing/app.js';
import { databaseTargets, type TestDatabase } from '../testing/databases.js';
import { createProjectCast, type ProjectCast } from '../testing/records.js';
import { createUserWithToken } from '../testing/users.js';

/**
 * "Limits on every input": each class of hostile input is refused as a whole, before anything
 * recursive or any SQL sees it, with a problem naming the field and the reason.
 */

const UUID = '5f0c8a3e-8d2b-4c1e-9f4a-2b7d6e1c0a9f';
const b64 = (value: unknown) =>
  Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)).toString('base64url');

/** The list URL of each cursor of LISTS. */
const LIST_URLS: Record<keyof typeof LISTS, string> = {
  molecules: '/api/molecules',
  mixtures: '/api/mixtures',
  datasets: '/api/datasets',
  models: '/api/models',
  predictions: '/api/predictions',
  verifications: '/api/verifications',
  measurements: '/api/measurements',
  references: '/api/references',
  experiments: '/api/experiments',
  projects: '/api/projects',
  users: '/api/users',
  audit: '/api/audit',
  substructure: '/api/molecules/search/substructure?smarts=O',
  screens: '/api/screens',
  screenResults: `/api/screens/${UUID}/results`
};

/** `url` with one more query parameter. */
const withParam = (url: string, param: string) => `${url}${url.includes('?') ? '&' : '?'}${param}`;

function assertRefused(
  response: LightMyRequestResponse,
  path: string,
  reason: RegExp,
  status = 400
): void {
  assert.equal(response.statusCode, status, `${path}: ${response.body}`);
  assert.match(String(response.headers['content-type']), /application\/problem\+json/);
  const problem = response.json();
  assert.equal(problem.errors?.[0]?.path, path, response.body);
  assert.match(problem.errors[0].message, reason, response.body);
  assert.ok(problem.detail.includes(path), problem.detail);
}

describe('the raw scans (no database)', () => {
  it('finds where a body crosses the depth limit, without recursion, brackets in strings aside', () => {
    assert.equal(jsonTooDeep('[[[]]]', 3), undefined);
    assert.equal(jsonTooDeep('[[[[]]]]', 3), 'body[0][0][0]');
    assert.equal(jsonTooDeep('{"a":[1,{"b":{"c":[]}}]}', 3), 'body.a[1].b');
    assert.equal(jsonTooDeep('{"a":"[[[[[[","b":"\\"[[[["}', 1), undefined);
    assert.equal(jsonTooDeep('{"x":1,"we ird":[[{}]]}', 3), 'body["we ird"][0][0]');
    const hostile = '['.repeat(1_000_000);
    assert.equal(jsonTooDeep(hostile, JSON_MAX_DEPTH)?.startsWith('body[0][0]'), true);
  });

  it("reads PGlite's timestamps exactly, years 0001 to 0099 and BC included", () => {
    const iso = (text: string) => (parseTimestamptz(text) as Date).toISOString();
    assert.equal(iso('0001-01-01 00:00:00+00'), '0001-01-01T00:00:00.000Z');
    assert.equal(iso('0099-12-31 23:59:59.999999+00'), '0099-12-31T23:59:59.999Z');
    assert.equal(iso('2024-05-01 13:45:00.25+02:30'), '2024-05-01T11:15:00.250Z');
    assert.equal(iso('0001-12-31 23:00:00+00 BC'), '0000-12-31T23:00:00.000Z');
    assert.equal(parseTimestamptz('infinity'), Infinity);
  });

  it('finds a control character at any depth, in keys and values, in document order', () => {
    let deep: unknown = { leaf: 'bell \u0007' };
    for (let i = 0; i < 5000; i++) {
      deep = { a: deep };
    }
    assert.equal(findControl(deep, 'body')?.path, `body${'.a'.repeat(5000)}.leaf`);
    assert.deepEqual(findControl({ ok: 'tab\there\r\n', 'k\u001b[31m': 1 }, 'body'), {
      path: 'body.k\\u001b[31m',
      message:
        'the key contains the control character U+001B; only tab, line feed and carriage return are accepted'
    });
    assert.equal(findControl(['a', ['b', 'c\u0000']], 'body')?.path, 'body[1][1]');
    assert.equal(findControl({ text: 'ascii, ünïcødé, DEL \u007f, tab\t' }, 'body'), undefined);
  });
});

for (const target of databaseTargets()) {
  describe(`limits on every input on ${target.kind}`, { skip: target.skip }, () => {
    let t: TestDatabase;
    let app: FastifyInstance;
    let cast: ProjectCast;
    let glycerolId: string;
    let referenceId: string;
    const as = (user: { token: string }) => ({ authorization: `Bearer ${user.token}` });
    const call = (request: InjectOptions, user: { token: string } = cast.owner) =>
      app.inject({ ...request, headers: { ...as(user), ...request.headers } });

    before(async () => {
      ({ t, app } = await createTestApp(target, { rateLimitPerMinute: 1_000_000 }));
      cast = await createProjectCast(t.db, 'limits');
      const { rows } = await t.db.serviceTransaction(tx =>
        tx.query<{ id: string }>("SELECT id FROM molecules WHERE name = 'glycerol'")
      );
      glycerolId = rows[0].id;
      const reference = await call({
        method: 'POST',
        url: '/api/references',
        payload: { citation: 'Limits (2026)' }
      });
      assert.equal(reference.statusCode, 201, reference.body);
      referenceId = reference.json().id;
      // A screen of the owner's, so that its results list pages (a model version first).
      const ok = async (url: string, payload: object) => {
        const answer = await call({ method: 'POST', url, payload });
        assert.ok(answer.statusCode < 300, `${url}: ${answer.body}`);
        return answer.json();
      };
      const dataset = await ok('/api/datasets', { name: 'limits' });
      const snapshot = await ok(`/api/datasets/${dataset.id}/snapshots`, {
        columns: [{ name: 'x', type: 'number' }],
        rows: [[1]]
      });
      const model = await ok('/api/models', {
        name: 'limits',
        snapshotId: snapshot.id,
        targetPropertyType: 'glass_transition',
        learner: 'ridge',
        featurizerVersion: 'f1',
        kernelVersion: '0.1.0',
        rdkitVersion: 'r1',
        seed: 1
      });
      // Straight in SQL: this version holds no fitted model, which a screen through the API needs.
      const { rows: screens } = await t.db.serviceTransaction(tx =>
        tx.query<{ id: string }>(
          `INSERT INTO screens (model_version_id, source, molecule_count, chunk_size, chunk_count, owner_id)
           VALUES ($1, 'limits.smi', 1, 1, 1, $2) RETURNING id`,
          [model.id, cast.owner.id]
        )
      );
      const screen = screens[0];
      LIST_URLS.screenResults = `/api/screens/${screen.id}/results`;
    });
    after(async () => {
      await app?.close();
      await t?.dispose();
    });

    describe('JSON nesting', () => {
      it('refuses a body 100 000 levels deep with 400 naming where, and stays up', async () => {
        for (const payload of [
          '['.repeat(100_000) + ']'.repeat(100_000),
          `{"title":"deep","conditions":{"stir":${'['.repeat(100_000)}${']'.repeat(100_000)}}}`,
          '{"a":'.repeat(100_000) + '1' + '}'.repeat(100_000)
        ]) {
          const before = await countRows(t.db, 'experiments');
          const response = await call({
            method: 'POST',
            url: '/api/experiments',
            headers: { 'content-type': 'application/json' },
            payload
          });
          assert.equal(response.statusCode, 400, response.body);
          const problem = response.json();
          assert.equal(problem.type, `${PROBLEM_TYPE_BASE}too-deep`);
          assert.match(problem.errors[0].message, /deeper than 64 levels/);
          assert.ok(problem.errors[0].path.startsWith('body'));
          assert.equal(await countRows(t.db, 'experiments'), before);
        }
        const nested = await call({
          method: 'POST',
          url: '/api/experiments',
          headers: { 'content-type': 'application/json' },
          payload: `{"title":"deep","conditions":{"stir":${'['.repeat(100)}${']'.repeat(100)}}}`
        });
        assert.equal(nested.json().errors[0].path, `body.conditions.stir${'[0]'.repeat(62)}`);
        const health = await app.inject({ method: 'GET', url: '/health/live' });
        assert.equal(health.statusCode, 200);
      });

      it('validates free-form fields to the depth a body leaves them', async () => {
        let stir: unknown = 1;
        for (let i = 0; i < 62; i++) {
          stir = [stir];
        }
        // Body (1) > conditions (2) > 62 arrays: 64, within the body's limit; conditions are 63 deep.
        const refused = await call({
          method: 'POST',
          url: '/api/experiments',
          payload: { title: 'deep', conditions: { stir } }
        });
        assertRefused(refused, 'body.conditions', /nested deeper than 62 levels/);
        const accepted = await call({
          method: 'POST',
          url: '/api/experiments',
          payload: {
            title: 'brackets only in text',
            protocol: '['.repeat(50_000) + '{'.repeat(10_000),
            conditions: { stir: [[[[[1]]]]] }
          }
        });
        assert.equal(accepted.statusCode, 201, accepted.body);
      });

      it("keeps fastify's prototype-poisoning protection", async () => {
        const response = await call({
          method: 'POST',
          url: '/api/experiments',
          headers: { 'content-type': 'application/json' },
          payload: '{"title":"p","conditions":{"__proto__":{"polluted":true}}}'
        });
        assert.equal(response.statusCode, 400, response.body);
        assert.equal(({} as Record<string, unknown>).polluted, undefined);
        const malformed = await call({
          method: 'POST',
          url: '/api/experiments',
          headers: { 'content-type': 'application/json' },
          payload: '{"title": '
        });
        assert.equal(malformed.statusCode, 400);
      });
    });

    describe('control characters', () => {
      it('are refused in keys and values at every depth, naming the path', async () => {
        let conditions: Record<string, unknown> = { 'evil\u001b[2J': 1 };
        for (let i = 0; i < 40; i++) {
          conditions = { a: conditions };
        }
        assertRefused(
          await call({
            method: 'POST',
            url: '/api/experiments',
            payload: { title: 'k', conditions }
          }),
          `body.conditions${'.a'.repeat(40)}.evil\\u001b[2J`,
          /the key contains the control character U\+001B/
        );
        assertRefused(
          await call({
            method: 'POST',
            url: '/api/experiments',
            payload: { title: 'v', conditions: { notes: [['ok', 'ring \u0007']] } }
          }),
          'body.conditions.notes[0][1]',
          /control character U\+0007/
        );
        assertRefused(
          await call({ method: 'GET', url: '/api/molecules?q=gly%00' }),
          'querystring.q',
          /NUL character/
        );
        assertRefused(
          await call({ method: 'GET', url: '/api/molecules?q=gly%0C' }),
          'querystring.q',
          /U\+000C/
        );
        const ok = await call({
          method: 'POST',
          url: '/api/experiments',
          payload: { title: 'tabs\tand\r\nnewlines', protocol: 'step 1\n\tstep 2' }
        });
        assert.equal(ok.statusCode, 201, ok.body);
      });
    });

    describe('dates and times', () => {
      it('store and read back the same instant and string (property)', async () => {
        const instants = fc.date({
          min: new Date('0001-01-02T00:00:00.000Z'),
          max: new Date('9999-12-30T23:59:59.999Z'),
          noInvalidDate: true
        });
        const offsets = fc.integer({ min: -(15 * 60 + 59), max: 15 * 60 + 59 });
        const edges = fc.constantFrom(
          '0001-01-01T00:00:00.000Z',
          '9999-12-31T23:59:59.999Z',
          '1582-10-10T12:00:00.000Z',
          '2000-02-29T12:00:00.001Z',
          '1969-12-31T23:59:59.999Z'
        );
        await fc.assert(
          fc.asyncProperty(
            fc.oneof(
              fc.tuple(instants, offsets),
              edges.map(text => [new Date(text), 0] as [Date, number])
            ),
            async ([date, offset]) => {
              const text = wallClock(date, offset);
              const created = await call({
                method: 'POST',
                url: '/api/experiments',
                payload: { title: 'when', performedAt: text }
              });
              assert.equal(created.statusCode, 201, `${text}: ${created.body}`);
              assert.equal(created.json().performedAt, date.toISOString(), text);
              const read = await call({
                method: 'GET',
                url: `/api/experiments/${created.json().id}`
              });
              assert.equal(read.json().performedAt, date.toISOString(), text);
              assert.equal(Date.parse(read.json().performedAt), date.getTime(), text);
            }
          ),
          { numRuns: target.kind === 'pglite' ? 40 : 60 }
        );
      });

      it('refuse what either side would change, naming the field', async () => {
        for (const [text, reason] of [
          ['0000-12-31T00:00:00Z', /year/],
          ['10000-01-01T00:00:00Z', /RFC 3339/],
          ['2024-05-01T12:00:00.123456Z', /millisecond/],
          ['2024-05-01T12:00:00', /RFC 3339/],
          ['2024-05-01T12:00:00+16:00', /15:59/],
          ['2023-02-29T12:00:00Z', /no day 29/],
          ['2016-12-31T23:59:60Z', /leap second/]
        ] as const) {
          assertRefused(
            await call({
              method: 'POST',
              url: '/api/experiments',
              payload: { title: 'when', performedAt: text }
            }),
            'body.performedAt',
            reason
          );
        }
        const created = await call({
          method: 'POST',
          url: '/api/experiments',
          payload: { title: 'patched' }
        });
        assertRefused(
          await call({
            method: 'PATCH',
            url: `/api/experiments/${created.json().id}`,
            payload: { performedAt: '9999-12-31T23:59:59Z'.replace('Z', '-01:00') }
          }),
          'body.performedAt',
          /years 0001 to 9999/
        );
        assertRefused(
          await call({ method: 'GET', url: '/api/audit?since=2024-01-01' }),
          'querystring.since',
          /RFC 3339/
        );
        const since = await call({ method: 'GET', url: '/api/audit?since=0001-01-01T00:00:00Z' });
        assert.equal(since.statusCode, 200, since.body);
      });
    });

    describe('numbers in query strings and paths', () => {
      const BAD = ['', 'NaN', 'Infinity', '-Infinity', '1e999', '0x10', 'ten', '1,5', '[]'];

      it('refuses every non-number in every limit, naming it', async () => {
        for (const [name, url] of Object.entries(LIST_URLS)) {
          for (const value of [...BAD, '1.5', '1e1', '0', '1000000']) {
            assertRefused(
              await call({
                method: 'GET',
                url: withParam(url, `limit=${encodeURIComponent(value)}`)
              }),
              'querystring.limit',
              /must be|integer/,
              400
            );
          }
          const fine = await call({ method: 'GET', url: withParam(url, 'limit=2') });
          assert.equal(fine.statusCode, 200, `${name}: ${fine.body}`);
        }
      });

      it('refuses every non-number in every other numeric parameter, naming it', async () => {
        const cases: [string, string][] = [
          ['/api/molecules?property=glass_transition&min=', 'querystring.min'],
          ['/api/molecules?property=glass_transition&max=', 'querystring.max'],
          ['/api/measurements?propertyType=glass_transition&minValue=', 'querystring.minValue'],
          ['/api/measurements?propertyType=glass_transition&maxValue=', 'querystring.maxValue'],
          ['/api/molecules/search/similar?structure=OCC(O)CO&k=', 'querystring.k'],
          [
            '/api/molecules/search/similar?structure=OCC(O)CO&minSimilarity=',
            'querystring.minSimilarity'
          ],
          ['/api/molecules/search/substructure?smarts=[OX2H]&limit=', 'querystring.limit'],
          [`/api/molecules/${glycerolId}/depiction.svg?width=`, 'querystring.width'],
          [`/api/molecules/${glycerolId}/depiction.svg?height=`, 'querystring.height'],
          [`/api/molecules/${glycerolId}/measurements?limit=`, 'querystring.limit']
        ];
        for (const [url, path] of cases) {
          for (const value of BAD) {
            assertRefused(
              await call({ method: 'GET', url: url + encodeURIComponent(value) }),
              path,
              /must be|beyond|expected/
            );
          }
        }
        for (const version of ['0x1', '1e3', 'NaN', 'Infinity', '1.0', '-1', '0']) {
          assertRefused(
            await call({ method: 'GET', url: `/api/models/tg/versions/${version}` }),
            'params.version',
            /./
          );
        }
        const inRange = await call({
          method: 'GET',
          url: '/api/molecules?property=glass_transition&min=1.5e2&max=%2B200'
        });
        assert.equal(inRange.statusCode, 200, inRange.body);
      });
    });

    describe('cursors', () => {
      // A text list's cursor is [list, id] (the key is read back from the row); the others carry
      // [list, key, id] with a timestamp or no key.
      const position = (list: CursorList, key: string, id: string) =>
        list.key === 'text' ? [list.name, id] : [list.name, key, id];
      const forgeries = (list: CursorList): [string, RegExp][] => {
        const other = list.name === 'molecules' ? 'mixtures' : 'molecules';
        const id = list.id === 'uuid' ? UUID : '12';
        const key =
          list.key === 'timestamp' ? '2024-01-01T00:00:00.000000' : list.key === 'none' ? '' : 'k';
        const shape = list.key === 'text' ? /pair/ : /triple/;
        const cases: [string, RegExp][] = [
          ['bogus!', /base64url/],
          ['%2B%2F%3D', /base64url/],
          [b64('not json'), /not JSON/],
          [b64([list.name]), shape],
          [b64([list.name, key, id, 'more']), shape],
          [b64([list.name, key, 5]), /list of strings/],
          [b64({ list: list.name }), /list of strings/],
          [b64(position({ ...list, name: other }, key, id)), /another list/],
          [b64(position(list, key, list.id === 'uuid' ? 'not-a-uuid' : 'x')), /id not/],
          [
            b64(position(list, key, list.id === 'uuid' ? `${UUID}'--` : '99999999999999999999')),
            /id not/
          ]
        ];
        if (list.key === 'text') {
          // A well-formed position whose row does not exist (or is not the caller's to see).
          cases.push([b64([list.name, UUID]), /deleted or is no longer visible/]);
        }
        if (list.key === 'timestamp') {
          cases.push([b64([list.name, '2024-13-45T25:00:00.000000', id]), /timestamp/]);
          cases.push([b64([list.name, "'; DROP TABLE x; --", id]), /timestamp/]);
        }
        if (list.key === 'none') {
          cases.push([b64([list.name, 'k', id]), /unexpected/]);
        }
        return cases;
      };

      it('are checked before any SQL on every list: forged or corrupted is 400 naming cursor', async () => {
        const lists = Object.entries(LISTS) as [keyof typeof LISTS, CursorList][];
        assert.deepEqual(Object.keys(LIST_URLS).sort(), lists.map(([k]) => k).sort());
        for (const [name, list] of lists) {
          const urls = [LIST_URLS[name]];
          if (name === 'measurements') {
            urls.push(`/api/molecules/${glycerolId}/measurements`);
          }
          for (const url of urls) {
            for (const [cursor, reason] of forgeries(list)) {
              assertRefused(
                await call({ method: 'GET', url: withParam(url, `cursor=${cursor}`) }),
                'querystring.cursor',
                reason
              );
            }
            const tooLong = await call({
              method: 'GET',
              url: withParam(url, `cursor=${'A'.repeat(CURSOR_MAX_LENGTH + 1)}`)
            });
            assert.equal(tooLong.statusCode, 400);
            assert.equal(tooLong.json().errors[0].path, 'querystring.cursor');
            if (list.key !== 'text') {
              // A well-formed position of this list is a page, even one no row has.
              const id = list.id === 'uuid' ? UUID : '12';
              const key = list.key === 'timestamp' ? '2024-01-01T00:00:00.000000Z' : '';
              const page = await call({
                method: 'GET',
                url: withParam(url, `cursor=${b64([list.name, key, id])}`)
              });
              assert.equal(page.statusCode, 200, `${url}: ${page.body}`);
            }
          }
        }
      });

      it('stay short on a list sorted by 5000-character keys in any script, and page it to its end', async () => {
        for (const letter of ['a', 'b', 'c']) {
          const created = await call({
            method: 'POST',
            url: '/api/references',
            // Three bytes of UTF-8 a character: a cursor holding this key would be 20 kB.
            payload: { citation: `雪${letter}`.repeat(2500) }
          });
          assert.equal(created.statusCode, 201, created.body);
        }
        const pageThrough = async (q: string) => {
          const ids: string[] = [];
          let cursor: string | null = null;
          do {
            const page: LightMyRequestResponse = await call({
              method: 'GET',
              url: `/api/references?q=${encodeURIComponent(q)}&limit=1${cursor ? `&cursor=${cursor}` : ''}`
            });
            assert.equal(page.statusCode, 200, page.body.slice(0, 500));
            ids.push(...page.json().items.map((r: { id: string }) => r.id));
            cursor = page.json().nextCursor;
            assert.ok(cursor === null || cursor.length <= CURSOR_MAX_LENGTH, String(cursor));
          } while (cursor);
          return ids;
        };
        assert.equal((await pageThrough('雪a')).length, 1);
        const all = await pageThrough('雪');
        assert.equal(all.length, 3);
        assert.equal(new Set(all).size, 3);
      });

      it('refuse to go on after the row they continue from was deleted, naming cursor', async () => {
        const made: string[] = [];
        for (const title of ['cursor-gone-a', 'cursor-gone-b', 'cursor-gone-c']) {
          const created = await call({
            method: 'POST',
            url: '/api/experiments',
            payload: { title }
          });
          assert.equal(created.statusCode, 201, created.body);
          made.push(created.json().id);
        }
        const first = await call({ method: 'GET', url: '/api/experiments?q=cursor-gone&limit=1' });
        assert.deepEqual(
          first.json().items.map((e: { id: string }) => e.id),
          [made[0]]
        );
        const next = first.json().nextCursor as string;
        const second = await call({
          method: 'GET',
          url: `/api/experiments?q=cursor-gone&limit=1&cursor=${next}`
        });
        assert.deepEqual(
          second.json().items.map((e: { id: string }) => e.id),
          [made[1]]
        );
        const removed = await call({ method: 'DELETE', url: `/api/experiments/${made[0]}` });
        assert.equal(removed.statusCode, 204, removed.body);
        assertRefused(
          await call({
            method: 'GET',
            url: `/api/experiments?q=cursor-gone&limit=1&cursor=${next}`
          }),
          'querystring.cursor',
          /deleted or is no longer visible/
        );
      });
    });

    describe('visibility', () => {
      it('needs a project for project visibility and refuses one for public, on every create', async () => {
        const creates: [string, object][] = [
          ['/api/molecules', { structure: 'CCCCCCO' }],
          ['/api/molecules/batch', { rows: [{ structure: 'CCCCCCCO' }] }],
          [
            '/api/mixtures',
            {
              name: 'm',
              components: [
                { moleculeId: glycerolId, amount: 10, unit: '% w/w', role: 'penetrating' }
              ]
            }
          ],
          ['/api/datasets', { name: 'd' }],
          [
            '/api/models',
            {
              name: 'm',
              snapshotId: UUID,
              targetPropertyType: 'glass_transition',
              learner: 'x',
              featurizerVersion: '1',
              kernelVersion: '1',
              rdkitVersion: '1',
              seed: 1
            }
          ],
          [
            '/api/predictions',
            { modelVersionId: UUID, items: [{ moleculeId: glycerolId, value: 1 }] }
          ],
          ['/api/verifications', { predictionId: UUID }],
          ['/api/references', { citation: 'c' }],
          ['/api/experiments', { title: 'e' }],
          [
            '/api/measurements',
            {
              propertyType: 'glass_transition',
              moleculeId: glycerolId,
              value: 180,
              unit: 'K',
              referenceId
            }
          ],
          [
            '/api/measurements/batch',
            {
              rows: [
                {
                  propertyType: 'glass_transition',
                  moleculeId: glycerolId,
                  value: 180,
                  unit: 'K',
                  referenceId
                }
              ]
            }
          ]
        ];
        for (const [url, body] of creates) {
          assertRefused(
            await call({ method: 'POST', url, payload: { ...body, visibility: 'project' } }),
            'body.projectId',
            /required when visibility is project/,
            422
          );
          assertRefused(
            await call({
              method: 'POST',
              url,
              payload: { ...body, visibility: 'public', projectId: cast.projectId }
            }),
            'body.projectId',
            /must be null when visibility is public/,
            422
          );
        }
      });

      it('checks a change against the pair as stored, on every resource that can change', async () => {
        const made = async (url: string, body: object, sharing: object) => {
          const response = await call({ method: 'POST', url, payload: { ...body, ...sharing } });
          assert.equal(response.statusCode, 201, `${url}: ${response.body}`);
          const json = response.json();
          return (json.molecule ?? json).id as string;
        };
        let n = 0;
        const resources: [string, () => object][] = [
          ['/api/molecules', () => ({ structure: `C${'C'.repeat(++n)}N` })],
          [
            '/api/mixtures',
            () => ({
              name: `m${++n}`,
              components: [
                { moleculeId: glycerolId, amount: 10, unit: '% w/w', role: 'penetrating' }
              ]
            })
          ],
          ['/api/datasets', () => ({ name: `d${++n}` })],
          ['/api/references', () => ({ citation: `c${++n}` })],
          ['/api/experiments', () => ({ title: `e${++n}` })],
          [
            '/api/measurements',
            () => ({
              propertyType: 'glass_transition',
              moleculeId: glycerolId,
              value: 180 + ++n,
              unit: 'K',
              referenceId
            })
          ]
        ];
        for (const [url, body] of resources) {
          const privateId = await made(url, body(), { visibility: 'private' });
          assertRefused(
            await call({
              method: 'PATCH',
              url: `${url}/${privateId}`,
              payload: { visibility: 'project' }
            }),
            'body.projectId',
            /required when visibility is project/,
            422
          );
          const projectId = await made(url, body(), {
            visibility: 'project',
            projectId: cast.projectId
          });
          assertRefused(
            await call({
              method: 'PATCH',
              url: `${url}/${projectId}`,
              payload: { projectId: null }
            }),
            'body.projectId',
            /required when visibility is project/,
            422
          );
          // A project row is published by leaving its project in the same change.
          assertRefused(
            await call({
              method: 'PATCH',
              url: `${url}/${projectId}`,
              payload: { visibility: 'public' }
            }),
            'body.projectId',
            /must be null when visibility is public/,
            422
          );
          // Both together are one valid change.
          const moved = await call({
            method: 'PATCH',
            url: `${url}/${privateId}`,
            payload: { visibility: 'project', projectId: cast.projectId }
          });
          assert.equal(moved.statusCode, 200, `${url}: ${moved.body}`);
          const published = await call({
            method: 'PATCH',
            url: `${url}/${projectId}`,
            payload: { visibility: 'public', projectId: null }
          });
          assert.equal(published.statusCode, 200, `${url}: ${published.body}`);
          assert.equal(published.json().projectId, null);
          // A public row cannot be put into a project while it stays public.
          assertRefused(
            await call({
              method: 'PATCH',
              url: `${url}/${projectId}`,
              payload: { projectId: cast.projectId }
            }),
            'body.projectId',
            /must be null when visibility is public/,
            422
          );
        }
        // The database holds the same rule, whoever writes.
        await assert.rejects(
          t.db.serviceTransaction(tx =>
            tx.query(
              `UPDATE literature_references SET visibility = 'public', project_id = $1
                WHERE id = $2`,
              [cast.projectId, referenceId]
            )
          ),
          /public_has_no_project/
        );
      });
    });

    describe('tokens', () => {
      it('never hand out a scope the account does not hold, at sign-in or from a token', async () => {
        const password = 'a long enough passphrase';
        await createUserWithPassword(t.db, 'plain-user', password);
        await createUserWithPassword(t.db, 'site-admin', password, true);
        const holder = await createUserWithToken(t.db, 'admin-scoped', '{read,write,admin}');
        const before = await countRows(t.db, 'api_tokens');
        for (const scopes of [['admin'], ['read', 'write', 'admin']]) {
          assertRefused(
            await app.inject({
              method: 'POST',
              url: '/api/auth/login',
              payload: { username: 'plain-user', password, scopes }
            }),
            'body.scopes',
            /admin scope is for site administrators/,
            403
          );
        }
        // A non-administrator whose token somehow carries admin cannot pass it on.
        assertRefused(
          await call(
            { method: 'POST', url: '/api/tokens', payload: { name: 'up', scopes: ['admin'] } },
            holder
          ),
          'body.scopes',
          /admin scope is for site administrators/,
          403
        );
        assert.equal(await countRows(t.db, 'api_tokens'), before);
        const plain = await app.inject({
          method: 'POST',
          url: '/api/auth/login',
          payload: { username: 'plain-user', password }
        });
        assert.equal(plain.statusCode, 201, plain.body);
        assert.deepEqual(plain.json().scopes, ['read', 'write']);
        const admin = await app.inject({
          method: 'POST',
          url: '/api/auth/login',
          payload: { username: 'site-admin', password, scopes: ['read', 'write', 'admin'] }
        });
        assert.equal(admin.statusCode, 201, admin.body);
        const child = await call(
          { method: 'POST', url: '/api/tokens', payload: { name: 'child', scopes: ['admin'] } },
          { token: admin.json().token }
        );
        assert.equal(child.statusCode, 201, child.body);
      });
    });
  });
}

/** `date` written as wall-clock time at `offset` minutes from UTC, milliseconds kept. */
function wallClock(date: Date, offset: number): string {
  const local = new Date(date.getTime() + offset * 60_000).toISOString().slice(0, -1);
  if (offset === 0) {
    return `${local}Z`;
  }
  const abs = Math.abs(offset);
  const hh = String(Math.floor(abs / 60)).padStart(2, '0');
  const mm = String(abs % 60).padStart(2, '0');
  return `${local}${offset < 0 ? '-' : '+'}${hh}:${mm}`;
}
