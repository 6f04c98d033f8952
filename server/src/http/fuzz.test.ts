import assert from 'node:assert/strict';
import { appendFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import fc from 'fast-check';
import type { FastifyInstance } from 'fastify';
import { ProblemSchema } from '@cryoprotect/kernel';
import type { Database } from '../db/database.js';
import { createTestApp } from '../testing/app.js';
import { databaseTargets, type TestDatabase } from '../testing/databases.js';
import {
  operationsOf,
  requestsFor,
  type GeneratedRequest,
  type Vocabulary
} from '../testing/openapi-requests.js';
import { createProject } from '../testing/projects.js';
import { createUserWithToken } from '../testing/users.js';
import { PROBLEM_TYPE_BASE } from './problem.js';

/**
 * Property-based requests against every operation of /api/openapi.json: whatever arrives, the
 * server never answers 5xx, every refusal is a problem+json document, and a refused write leaves
 * every table as it was. Runs per operation are bounded (CRYOPROTECT_FUZZ_RUNS, default 25) and
 * the seed is printed so a failure replays (CRYOPROTECT_FUZZ_SEED).
 */
const RUNS = Number(process.env.CRYOPROTECT_FUZZ_RUNS ?? 25);
const SEED = Number(process.env.CRYOPROTECT_FUZZ_SEED ?? Date.now() % 1_000_000);
const WRITES = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/**
 * A digest of every table's content. Two things may legitimately change on a refused request
 * and are left out: a token's last use (recorded whenever a token authenticates) and the audit
 * entries of refused sign-ins and password changes (security records of the refusal itself).
 */
async function digest(db: Database): Promise<string> {
  return db.serviceTransaction(async tx => {
    const { rows: tables } = await tx.query<{ name: string }>(
      `SELECT c.relname AS name FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
       WHERE n.nspname = 'public' AND c.relkind = 'r' ORDER BY 1`
    );
    const parts = tables.map(
      ({ name }) =>
        `SELECT '${name}' AS t, count(*) AS n, md5(coalesce(string_agg(md5((to_jsonb(x) - 'last_used_at')::text), '' ORDER BY md5((to_jsonb(x) - 'last_used_at')::text)), '')) AS h
         FROM ${name} x${name === 'audit_log' ? ` WHERE x.action NOT IN ('auth.login_failed', 'user.password_change_refused')` : ''}`
    );
    const { rows } = await tx.query<{ t: string; n: string; h: string }>(parts.join(' UNION ALL '));
    return rows.map(r => `${r.t}:${r.n}:${r.h}`).join('\n');
  });
}

for (const target of databaseTargets()) {
  describe(
    `fuzzing every endpoint from the OpenAPI document on ${target.kind}`,
    { skip: target.skip },
    () => {
      let t: TestDatabase;
      let app: FastifyInstance;
      let vocabulary: Vocabulary;
      const statuses = new Map<number, number>();
      const seconds = new Map<string, number>();

      before(async () => {
        // No rate limit: the fuzzer would only meet 429s.
        ({ t, app } = await createTestApp(target, {
          rateLimitPerMinute: 1_000_000,
          production: true
        }));
        const owner = await createUserWithToken(t.db, 'owner');
        const reader = await createUserWithToken(t.db, 'reader', '{read}');
        const other = await createUserWithToken(t.db, 'other');
        await createProject(t.db, 'shared', owner.id, [{ userId: other.id, role: 'viewer' }]);
        const register = await app.inject({
          method: 'POST',
          url: '/api/molecules',
          headers: { authorization: `Bearer ${owner.token}` },
          payload: { structure: 'OCC(O)CO.[Na+].[Cl-]', name: 'private glycerol salt' }
        });
        assert.ok(register.statusCode < 300, register.body);
        const ids = await t.db.serviceTransaction(async tx => {
          const { rows: tables } = await tx.query<{ table: string }>(
            `SELECT table_name AS table FROM information_schema.columns
           WHERE table_schema = 'public' AND column_name = 'id' AND data_type = 'uuid'
             AND table_name <> 'api_tokens'`
          );
          // Token ids are left out: revoking the callers' own tokens early would leave the rest of
          // the run knocking at 401s instead of reaching the handlers.
          const found: string[] = [];
          for (const { table } of tables) {
            const { rows } = await tx.query<{ id: string }>(`SELECT id FROM ${table} LIMIT 20`);
            found.push(...rows.map(r => r.id));
          }
          return found;
        });
        vocabulary = {
          ids,
          structures: [
            'CCO',
            'OCC(O)CO',
            'CS(C)=O',
            'C1CC',
            'c1ccccc1',
            '[Na+].[Cl-]',
            'InChI=1S/CH4/h1H4',
            'X',
            ''
          ],
          smarts: ['[OX2H]', 'C(=O)O', '[#6', 'c1ccccc1', '*'],
          credentials: {
            owner: { authorization: `Bearer ${owner.token}` },
            reader: { authorization: `Bearer ${reader.token}` },
            other: { 'x-cryoprotect-token': other.token },
            anonymous: {},
            'unknown token': { authorization: 'Bearer cpt_not-a-real-token' },
            'malformed authorization': { authorization: 'Bearer' },
            'foreign scheme': { authorization: 'Basic dXNlcjpwYXNz' }
          }
        };
      });
      after(async () => {
        await app?.close();
        await t?.dispose();
        console.log(
          `fuzz on ${target.kind} (seed ${SEED}, ${RUNS} runs per operation): statuses ${JSON.stringify(Object.fromEntries([...statuses].sort()))}; slowest: ${[
            ...seconds
          ]
            .sort((a, b) => b[1] - a[1])
            .slice(0, 4)
            .map(([operation, s]) => `${operation} ${s.toFixed(1)} s`)
            .join(', ')}`
        );
      });

      const send = (request: GeneratedRequest) =>
        app.inject({
          method: request.method as 'GET',
          url: request.url,
          headers: request.headers,
          payload: request.payload
        });

      it('answers every generated request without a 5xx, refusals as problem+json, refused writes changing nothing', async () => {
        const document = (await app.inject({ url: '/api/openapi.json' })).json();
        const operations = operationsOf(document);
        assert.ok(operations.length >= 10, `only ${operations.length} operations in the document`);
        for (const operation of operations) {
          const started = performance.now();
          await fc.assert(
            fc.asyncProperty(requestsFor(operation, vocabulary), async request => {
              const write = WRITES.has(request.method);
              const before = write ? await digest(t.db) : '';
              const response = await send(request);
              statuses.set(response.statusCode, (statuses.get(response.statusCode) ?? 0) + 1);
              const where = `${request.method} ${request.url} (${request.kind}) -> ${response.statusCode}: ${response.body.slice(0, 300)}`;
              assert.ok(response.statusCode < 500, where);
              if (response.statusCode >= 400) {
                assert.match(
                  String(response.headers['content-type']),
                  /^application\/problem\+json/,
                  where
                );
                const problem = ProblemSchema.parse(response.json());
                assert.equal(problem.status, response.statusCode, where);
                assert.ok(problem.type.startsWith(PROBLEM_TYPE_BASE), where);
                assert.ok(problem.detail.length > 0, where);
                if (write) {
                  assert.equal(
                    await digest(t.db),
                    before,
                    `database changed by a refused ${where}`
                  );
                }
              }
            }),
            { numRuns: RUNS, seed: SEED, endOnFailure: true }
          );
          const took = (performance.now() - started) / 1000;
          seconds.set(`${operation.method} ${operation.path}`, took);
          if (process.env.CRYOPROTECT_FUZZ_LOG) {
            // Progress as it happens (the test runner holds console output until the end).
            appendFileSync(
              process.env.CRYOPROTECT_FUZZ_LOG,
              `${target.kind} ${operation.method} ${operation.path}: ${took.toFixed(1)} s\n`
            );
          }
        }
      });
    }
  );
}
