import type { FastifyPluginAsync } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import {
  CreateScreenSchema,
  ScreenChunkParamsSchema,
  ScreenChunkUploadSchema,
  ScreenListQuerySchema,
  ScreenPageSchema,
  ScreenResultPageSchema,
  ScreenResultsQuerySchema,
  ScreenSchema
} from '@cryoprotect/kernel';
import { z } from 'zod';
import { deleteOwned } from '../db/owned-records.js';
import { requireScope } from '../http/auth.js';
import { Cursor, LISTS } from '../http/pagination.js';
import { ProblemError } from '../http/problem.js';
import { IdParams, problems } from './model-shared.js';
import type { ScreenQueue } from '../screens/queue.js';
import {
  addChunk,
  cancelScreen,
  createScreen,
  getScreen,
  listScreens,
  screenResults
} from '../screens/store.js';

declare module 'fastify' {
  interface FastifyInstance {
    /** The screening queue, started on first use (undefined: this server takes no screens). */
    screenQueue?: () => Promise<ScreenQueue>;
  }
}

/**
 * Virtual screens: create one, upload its chunks (each queued as it is stored), follow its
 * progress, read its results, cancel it. The scoring happens in `cryoprotect screen worker`
 * processes (or, on the embedded database, in the server's own).
 */
export const screensRoutes: FastifyPluginAsync = async fastify => {
  const app = fastify.withTypeProvider<ZodTypeProvider>();

  const queue = async (): Promise<ScreenQueue> => {
    if (!app.screenQueue) {
      throw new ProblemError(
        503,
        'screening-unavailable',
        'Screening unavailable',
        'this server runs no screening queue'
      );
    }
    return app.screenQueue();
  };

  app.post(
    '/api/screens',
    {
      schema: {
        tags: ['screens'],
        summary: 'Create a virtual screen of a library with a registered model version',
        description:
          'Then upload its chunks with PUT /api/screens/{id}/chunks/{seq}, numbered from 0; each is queued for the workers as soon as it is stored.',
        body: CreateScreenSchema,
        response: { 201: ScreenSchema, ...problems }
      }
    },
    async (request, reply) => {
      const userId = requireScope(request, 'write');
      if (!app.features.screens) {
        throw new ProblemError(
          503,
          'feature-disabled',
          'Feature turned off',
          'new screens are not accepted here: the feature flag "screens" is off (CRYOPROTECT_FEATURES); screens already created can still be uploaded, scored and read'
        );
      }
      const screen = await app.db.userTransaction(userId, tx =>
        createScreen(tx, userId, request.body)
      );
      return reply.code(201).send(screen);
    }
  );

  app.put(
    '/api/screens/:id/chunks/:seq',
    {
      schema: {
        tags: ['screens'],
        summary: 'Store one chunk of a screen and queue it (the same chunk again is a no-op)',
        params: ScreenChunkParamsSchema,
        body: ScreenChunkUploadSchema,
        response: { 200: ScreenSchema, ...problems }
      }
    },
    async request => {
      const userId = requireScope(request, 'write');
      // Started before the transaction: on PGlite, pg-boss's statements wait for the one
      // connection, which the transaction holds. Refused (503) only for a chunk it would queue.
      const started = app.screenQueue ? await app.screenQueue() : undefined;
      return app.db.userTransaction(userId, tx =>
        addChunk(
          tx,
          () => (started ? Promise.resolve(started) : queue()),
          request.params.id,
          request.params.seq,
          request.body.molecules
        )
      );
    }
  );

  app.get(
    '/api/screens',
    {
      schema: {
        tags: ['screens'],
        summary: 'Your screens and those of your projects, newest first',
        querystring: ScreenListQuerySchema,
        response: { 200: ScreenPageSchema, ...problems }
      }
    },
    async request => {
      const { limit, cursor } = request.query;
      const after = cursor ? Cursor.decode(cursor, LISTS.screens) : null;
      const page = await app.db.userTransaction(request.actor.userId, tx =>
        listScreens(tx, limit, after)
      );
      return {
        items: page.items,
        nextCursor:
          page.more && page.last ? Cursor.encode(LISTS.screens, page.last.at, page.last.id) : null
      };
    }
  );

  app.get(
    '/api/screens/:id',
    {
      schema: {
        tags: ['screens'],
        summary: 'A screen and its progress: chunks by state, molecules scored, rate, time left',
        params: IdParams,
        response: { 200: ScreenSchema, ...problems }
      }
    },
    async request =>
      app.db.userTransaction(request.actor.userId, tx => getScreen(tx, request.params.id))
  );

  app.get(
    '/api/screens/:id/results',
    {
      schema: {
        tags: ['screens'],
        summary: "A screen's results: the top K by prediction or a bound, or every row by line",
        params: IdParams,
        querystring: ScreenResultsQuerySchema,
        response: { 200: ScreenResultPageSchema, ...problems }
      }
    },
    async request => {
      const { top, by, order, errors, limit, cursor } = request.query;
      if (top !== undefined && cursor !== undefined) {
        throw new ProblemError(
          400,
          'validation',
          'Invalid request',
          'querystring.cursor: the top K are one page; a cursor pages the rows in line order',
          [{ path: 'querystring.cursor', message: 'not with top' }]
        );
      }
      const afterLine = cursor ? Number(Cursor.decode(cursor, LISTS.screenResults)[1]) : null;
      const page = await app.db.userTransaction(request.actor.userId, tx =>
        screenResults(tx, request.params.id, { top, by, order, errors, limit, afterLine })
      );
      const last = page.items.at(-1);
      return {
        items: page.items,
        nextCursor:
          page.more && last ? Cursor.encode(LISTS.screenResults, '', String(last.line)) : null
      };
    }
  );

  app.post(
    '/api/screens/:id/cancel',
    {
      schema: {
        tags: ['screens'],
        summary: 'Cancel a screen: chunks not yet scored are not; the results so far stay',
        params: IdParams,
        response: { 200: ScreenSchema, ...problems }
      }
    },
    async request => {
      const userId = requireScope(request, 'write');
      const { screen, withdrawn } = await app.db.userTransaction(userId, tx =>
        cancelScreen(tx, request.params.id)
      );
      // The chunks are cancelled already (a worker that takes one finds it so); withdrawing their
      // jobs only spares the workers the look.
      if (app.screenQueue && withdrawn.length > 0) {
        await (await app.screenQueue()).withdraw(withdrawn).catch(() => undefined);
      }
      return screen;
    }
  );

  app.delete(
    '/api/screens/:id',
    {
      schema: {
        tags: ['screens'],
        summary: 'Delete a screen with its chunks and results (its submitter or a project admin)',
        params: IdParams,
        response: { 204: z.null(), ...problems }
      }
    },
    async (request, reply) => {
      const userId = requireScope(request, 'write');
      const chunks = await app.db.userTransaction(userId, async tx => {
        const { rows } = await tx.query<{ id: string }>(
          `SELECT id FROM screen_chunks WHERE screen_id = $1 AND state IN ('queued', 'running')`,
          [request.params.id]
        );
        await deleteOwned(tx, { table: 'screens', what: 'screen' }, request.params.id, userId, '');
        return rows.map(r => r.id);
      });
      // A job left behind finds no chunk and ends; withdrawing spares the workers the look.
      if (app.screenQueue && chunks.length > 0) {
        await (await app.screenQueue()).withdraw(chunks).catch(() => undefined);
      }
      return reply.code(204).send(null);
    }
  );
};
