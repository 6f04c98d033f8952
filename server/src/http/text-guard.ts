import type { FastifyInstance } from 'fastify';
import { ProblemError } from './problem.js';

/**
 * Control characters are refused in every string of a request, keys included, at every depth of
 * the body (which the JSON parser bounds to JSON_MAX_DEPTH, json-body.ts), and in the path and
 * query parameters, naming where:
 * - NUL (U+0000) because PostgreSQL text cannot hold it (the write would fail deep in the
 *   database with an encoding error);
 * - the other C0 controls (U+0001 to U+001F) except tab, line feed and carriage return, which
 *   protocols, notes and MOL blocks use: the rest are never part of scientific text, and would
 *   reach logs, terminals, CSV exports and notebooks as escape sequences (ESC, U+001B) or silently
 *   invisible characters. DEL (U+007F) and C1 controls are left alone: they are printable in no
 *   context a terminal interprets without ESC.
 */
export function registerTextGuard(app: FastifyInstance): void {
  app.addHook('preValidation', async request => {
    const found =
      findControl(request.params, 'params') ??
      findControl(request.query, 'querystring') ??
      findControl(request.body, 'body');
    if (found) {
      throw new ProblemError(
        400,
        'validation',
        'Invalid request',
        `${found.path}: ${found.message}`,
        [found]
      );
    }
  });
}

// Any C0 control but tab (U+0009), line feed (U+000A) and carriage return (U+000D).
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u0008\u000b\u000c\u000e-\u001f]/;

function describe(text: string): string {
  const c = CONTROL.exec(text)![0].charCodeAt(0);
  const code = `U+${c.toString(16).toUpperCase().padStart(4, '0')}`;
  return c === 0
    ? 'contains the NUL character (U+0000), which cannot be stored'
    : `contains the control character ${code}; only tab, line feed and carriage return are accepted`;
}

/** Printable form of a key for a path: control characters as \uXXXX. */
function printable(key: string): string {
  return key.replace(
    // eslint-disable-next-line no-control-regex
    /[\u0000-\u001f]/g,
    c => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`
  );
}

/**
 * The first string (or key) of `value` holding a refused control character, with its path, in
 * document order. Iterative: it walks every level whatever the depth.
 */
export function findControl(
  value: unknown,
  root: string
): { path: string; message: string } | undefined {
  const stack: [unknown, string][] = [[value, root]];
  while (stack.length > 0) {
    const [item, path] = stack.pop()!;
    if (typeof item === 'string') {
      if (CONTROL.test(item)) {
        return { path, message: describe(item) };
      }
      continue;
    }
    if (item === null || typeof item !== 'object') {
      continue;
    }
    const children: [unknown, string][] = [];
    if (Array.isArray(item)) {
      item.forEach((child, i) => children.push([child, `${path}[${i}]`]));
    } else {
      for (const [key, child] of Object.entries(item)) {
        const at = `${path}.${printable(key)}`;
        if (CONTROL.test(key)) {
          return { path: at, message: `the key ${describe(key)}` };
        }
        children.push([child, at]);
      }
    }
    // Reversed onto the stack, so the first child is looked at first.
    for (let i = children.length - 1; i >= 0; i--) {
      stack.push(children[i]);
    }
  }
  return undefined;
}
