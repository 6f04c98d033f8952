import assert from 'node:assert/strict';
import { request } from 'node:http';
import { connect } from 'node:net';
import { after, before, describe, it } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { ProblemSchema } from '@cryoprotect/kernel';
import { buildApp } from '../app.js';
import { DEFAULT_MIGRATIONS_DIR } from '../config.js';
import { openPGlite, type Database } from '../db/database.js';
import { MAX_HEADER_BYTES, PROBLEM_TYPE_BASE } from './problem.js';

/** Send `raw` on a fresh connection and read everything until the server closes it. */
function exchange(port: number, raw: string): Promise<string> {
  return new Promise((done, fail) => {
    const socket = connect(port, '127.0.0.1');
    let answer = '';
    socket.setEncoding('utf8');
    socket.on('data', chunk => (answer += chunk));
    socket.on('error', fail);
    socket.on('close', () => done(answer));
    socket.write(raw);
  });
}

function parse(answer: string): { status: number; headers: Record<string, string>; body: string } {
  const [head, ...rest] = answer.split('\r\n\r\n');
  const [statusLine, ...lines] = head.split('\r\n');
  const headers = Object.fromEntries(
    lines.map(line => {
      const at = line.indexOf(':');
      return [line.slice(0, at).toLowerCase(), line.slice(at + 1).trim()];
    })
  );
  return { status: Number(statusLine.split(' ')[1]), headers, body: rest.join('\r\n\r\n') };
}

describe('requests refused by the HTTP parser, before Fastify sees them', () => {
  let db: Database;
  let app: FastifyInstance;
  let port: number;
  before(async () => {
    db = await openPGlite('memory://');
    app = await buildApp({ db, migrationsDir: DEFAULT_MIGRATIONS_DIR, logLevel: 'silent' });
    await app.listen({ port: 0, host: '127.0.0.1' });
    port = (app.server.address() as { port: number }).port;
  });
  after(async () => {
    await app.close();
    await db.close();
  });

  it('answers over-large headers (20 KB) with a 431 problem naming the limit, then closes', async () => {
    const answer = await exchange(
      port,
      `GET /health/live HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`
    );
    const { status, headers, body } = parse(answer);
    assert.equal(status, 431, answer.slice(0, 200));
    assert.equal(headers['content-type'], 'application/problem+json');
    assert.equal(headers.connection, 'close');
    assert.equal(Number(headers['content-length']), Buffer.byteLength(body));
    const problem = ProblemSchema.parse(JSON.parse(body));
    assert.equal(problem.type, `${PROBLEM_TYPE_BASE}headers-too-large`);
    assert.equal(problem.status, 431);
    assert.match(problem.detail, new RegExp(`exceed ${MAX_HEADER_BYTES} bytes`));
  });

  it('does the same for a client library (node:http), and the server goes on serving', async () => {
    const answer = await new Promise<{ status?: number; type?: string; body: string }>(
      (done, fail) => {
        const req = request(
          {
            port,
            host: '127.0.0.1',
            path: '/health/live',
            headers: { cookie: 'c'.repeat(20_000) }
          },
          res => {
            let body = '';
            res.setEncoding('utf8');
            res.on('data', chunk => (body += chunk));
            res.on('end', () =>
              done({ status: res.statusCode, type: res.headers['content-type'], body })
            );
          }
        );
        req.on('error', fail);
        req.end();
      }
    );
    assert.equal(answer.status, 431);
    assert.equal(answer.type, 'application/problem+json');
    assert.equal(ProblemSchema.parse(JSON.parse(answer.body)).status, 431);

    // Just below the limit is served; the earlier refusals left the server as it was.
    const fits = await fetch(`http://127.0.0.1:${port}/health/live`, {
      headers: { 'x-fits': 'f'.repeat(MAX_HEADER_BYTES - 1_000) }
    });
    assert.equal(fits.status, 200);
  });

  it('answers a malformed request with a 400 problem', async () => {
    for (const raw of ['NOT HTTP AT ALL\r\n\r\n', 'GET / HTTP/1.1\r\nBad Header\r\n\r\n']) {
      const { status, headers, body } = parse(await exchange(port, raw));
      assert.equal(status, 400, raw);
      assert.equal(headers['content-type'], 'application/problem+json');
      const problem = ProblemSchema.parse(JSON.parse(body));
      assert.equal(problem.type, `${PROBLEM_TYPE_BASE}bad-request`);
      assert.match(problem.detail, /not valid HTTP\/1\.1 \(HPE_/);
    }
  });
});
