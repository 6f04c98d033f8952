import { createHash } from 'node:crypto';
import type { FastifyPluginAsync } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import {
  BatchRegisterMoleculesSchema,
  BatchReportSchema,
  ChemistryError,
  ProblemSchema,
  standardize,
  type BatchReport,
  type StandardizedMolecule
} from '@cryoprotect/kernel';
import { insertMolecule } from '../db/molecules.js';
import { requireScope } from '../http/auth.js';
import { ProblemError, requireProjectForVisibility } from '../http/problem.js';
import { findById, keepNameAsSynonym } from './molecules.js';

type Row = BatchReport['rows'][number];

/**
 * Batch registration of molecules: a dry run reports row by row and writes nothing; the real run
 * writes every new structure in one transaction, or nothing when any row is invalid. With an
 * Idempotency-Key header, a retried request gets the first answer and writes nothing again.
 */
export const batchRoutes: FastifyPluginAsync = async fastify => {
  const app = fastify.withTypeProvider<ZodTypeProvider>();
  app.post(
    '/api/molecules/batch',
    {
      schema: {
        tags: ['molecules'],
        summary:
          'Register many molecules: dry run with a row-by-row report, then one all-or-nothing transaction',
        body: BatchRegisterMoleculesSchema,
        response: {
          200: BatchReportSchema,
          201: BatchReportSchema,
          400: ProblemSchema,
          401: ProblemSchema,
          403: ProblemSchema,
          409: ProblemSchema,
          422: ProblemSchema
        }
      }
    },
    async (request, reply) => {
      const userId = requireScope(request, 'write');
      const body = request.body;
      const key = request.headers['idempotency-key'];
      if (key !== undefined && (typeof key !== 'string' || key.length < 8 || key.length > 200)) {
        throw new ProblemError(
          400,
          'validation',
          'Invalid request',
          'headers.idempotency-key: must be 8 to 200 characters',
          [{ path: 'headers.idempotency-key', message: 'must be 8 to 200 characters' }]
        );
      }
      requireProjectForVisibility(body);
      const requestHash = createHash('sha256').update(JSON.stringify(body)).digest('hex');

      // Chemistry first, outside the transaction: it is the slow part and touches no data.
      const prepared: (StandardizedMolecule | ChemistryError)[] = [];
      for (const row of body.rows) {
        try {
          prepared.push(await standardize(row.structure));
        } catch (error) {
          if (!(error instanceof ChemistryError)) {
            throw error;
          }
          prepared.push(error);
        }
      }

      const outcome = await app.db.userTransaction(userId, async tx => {
        if (typeof key === 'string') {
          const stored = await tx.query<{
            request_hash: string;
            status: number;
            response: BatchReport;
          }>(
            'SELECT request_hash, status, response FROM idempotency_keys WHERE user_id = $1 AND key = $2',
            [userId, key]
          );
          if (stored.rows[0]) {
            if (stored.rows[0].request_hash !== requestHash) {
              throw new ProblemError(
                422,
                'idempotency-key-reused',
                'Idempotency key reused',
                'this Idempotency-Key was used for a different request; use a new key for a new batch'
              );
            }
            return {
              status: stored.rows[0].status,
              report: stored.rows[0].response,
              replayed: true
            };
          }
        }
        const keys = prepared.flatMap(p => (p instanceof ChemistryError ? [] : [p.inchikey]));
        const visible = await tx.query<{ id: string; inchikey: string }>(
          'SELECT id, inchikey FROM molecules WHERE inchikey = ANY($1::text[])',
          [keys]
        );
        const existing = new Map(visible.rows.map(r => [r.inchikey, r.id]));
        const firstRow = new Map<string, number>();
        const rows: Row[] = [];
        for (const [i, p] of prepared.entries()) {
          if (p instanceof ChemistryError) {
            rows.push({
              row: i,
              outcome: 'invalid',
              inchikey: null,
              smiles: null,
              moleculeId: null,
              sameAsRow: null,
              error: { path: `body.rows[${i}].structure`, message: p.message }
            });
            continue;
          }
          const base = {
            row: i,
            inchikey: p.inchikey,
            smiles: p.smiles,
            sameAsRow: null,
            error: null
          };
          if (firstRow.has(p.inchikey)) {
            const name = body.rows[i].name;
            rows.push({
              ...base,
              outcome: 'repeated',
              moleculeId: null,
              sameAsRow: firstRow.get(p.inchikey)!,
              nameOutcome: name
                ? {
                    name,
                    outcome: 'not-added',
                    reason: `the same structure as row ${firstRow.get(p.inchikey)!}, whose name is the one used`
                  }
                : null
            });
            continue;
          }
          firstRow.set(p.inchikey, i);
          if (existing.has(p.inchikey)) {
            const moleculeId = existing.get(p.inchikey)!;
            // The name sent becomes a synonym where the caller may edit the record (or would, in a dry run).
            const { nameOutcome } = await keepNameAsSynonym(
              tx,
              (await findById(tx, moleculeId))!,
              body.rows[i].name,
              { dryRun: body.dryRun }
            );
            rows.push({ ...base, outcome: 'existing', moleculeId, nameOutcome });
            continue;
          }
          const hidden = await tx.query<{ taken: boolean }>(
            'SELECT app.inchikey_registered($1) AS taken',
            [p.inchikey]
          );
          if (hidden.rows[0].taken) {
            rows.push({
              ...base,
              outcome: 'invalid',
              moleculeId: null,
              error: {
                path: `body.rows[${i}].structure`,
                message: `${p.inchikey} is registered by someone else and not visible to you`
              }
            });
            continue;
          }
          const name = body.rows[i].name;
          rows.push({
            ...base,
            outcome: 'new',
            moleculeId: null,
            nameOutcome: name
              ? { name, outcome: 'name', reason: 'the name of the new record' }
              : null
          });
        }
        const count = (o: Row['outcome']) => rows.filter(r => r.outcome === o).length;
        const counts = {
          new: count('new'),
          existing: count('existing'),
          repeated: count('repeated'),
          invalid: count('invalid')
        };
        if (body.dryRun) {
          return {
            status: 200,
            report: { dryRun: true, written: false, counts, rows },
            replayed: false
          };
        }
        if (counts.invalid > 0) {
          const errors = rows.flatMap(r => (r.error ? [r.error] : []));
          throw new ProblemError(
            422,
            'invalid-batch',
            'Invalid rows in the batch',
            `${counts.invalid} of ${rows.length} rows are invalid, so nothing was written; fix them or run a dry run for the full report`,
            errors
          );
        }
        for (const row of rows) {
          if (row.outcome !== 'new') {
            continue;
          }
          const p = prepared[row.row] as StandardizedMolecule;
          const input = body.rows[row.row];
          row.moleculeId = await insertMolecule(tx, p, input, {
            userId,
            visibility: body.visibility,
            projectId: body.projectId
          });
        }
        for (const row of rows) {
          if (row.outcome === 'repeated') {
            row.moleculeId = rows[row.sameAsRow!].moleculeId;
          }
        }
        const report: BatchReport = { dryRun: false, written: true, counts, rows };
        if (typeof key === 'string') {
          await tx.query(
            'INSERT INTO idempotency_keys (user_id, key, request_hash, status, response) VALUES ($1, $2, $3, 201, $4)',
            [userId, key, requestHash, JSON.stringify(report)]
          );
        }
        return { status: 201, report, replayed: false };
      });
      if (outcome.replayed) {
        reply.header('idempotent-replayed', 'true');
      }
      return reply.code(outcome.status as 200 | 201).send(outcome.report);
    }
  );
};
