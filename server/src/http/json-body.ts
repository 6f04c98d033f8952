import type { FastifyInstance, FastifyRequest } from 'fastify';
import { JSON_MAX_DEPTH } from '@cryoprotect/kernel';
import { ProblemError } from './problem.js';

/**
 * application/json bodies are measured before anything recursive sees them: the raw text is
 * scanned once, without recursion, for the nesting of arrays and objects (brackets inside strings
 * do not count), and a body nested deeper than JSON_MAX_DEPTH is refused with a 400 naming the
 * path where the limit was crossed. Only then does fastify's own JSON parser run (secure-json-parse
 * with __proto__ and constructor.prototype refused, fastify's defaults), followed by validation,
 * the text guard and the database drivers, all of which recurse and now recurse at most that far.
 */
export function registerJsonBodyParser(app: FastifyInstance): void {
  const parse = app.getDefaultJsonParser('error', 'error');
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser(
    'application/json',
    { parseAs: 'string' },
    (request: FastifyRequest, body: string | Buffer, done) => {
      const text = typeof body === 'string' ? body : body.toString('utf8');
      const tooDeep = jsonTooDeep(text, JSON_MAX_DEPTH);
      if (tooDeep !== undefined) {
        const message = `nested deeper than ${JSON_MAX_DEPTH} levels of arrays and objects (the limit of every JSON body)`;
        done(
          new ProblemError(400, 'too-deep', 'JSON nested too deeply', `${tooDeep}: ${message}`, [
            { path: tooDeep, message }
          ]),
          undefined
        );
        return;
      }
      parse(request, text, done);
    }
  );
}

/**
 * The path (body.a.b[2]...) of the first array or object of `text` that opens deeper than
 * `maxDepth`, or undefined when the text never does. Iterative and linear: a body of a million
 * opening brackets costs one pass and no stack. Malformed JSON is left to the parser, which
 * refuses it; this only follows the structure well enough to name the place.
 */
export function jsonTooDeep(text: string, maxDepth: number): string | undefined {
  // One frame per open container: its kind, the index of the current element of an array, the
  // key of the current member of an object (raw text between its quotes) and whether a key is next.
  const frames: { array: boolean; index: number; key: string; expectKey: boolean }[] = [];
  const length = text.length;
  for (let i = 0; i < length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x22 /* " */) {
      const start = i + 1;
      i++;
      while (i < length && text.charCodeAt(i) !== 0x22) {
        if (text.charCodeAt(i) === 0x5c /* \ */) {
          i++;
        }
        i++;
      }
      const top = frames[frames.length - 1];
      if (top && !top.array && top.expectKey) {
        top.key = text.slice(start, Math.min(i, start + 200));
        top.expectKey = false;
      }
    } else if (c === 0x5b /* [ */ || c === 0x7b /* { */) {
      if (frames.length >= maxDepth) {
        return pathOf(frames);
      }
      frames.push({ array: c === 0x5b, index: 0, key: '', expectKey: c === 0x7b });
    } else if (c === 0x5d /* ] */ || c === 0x7d /* } */) {
      frames.pop();
    } else if (c === 0x2c /* , */) {
      const top = frames[frames.length - 1];
      if (top?.array) {
        top.index++;
      } else if (top) {
        top.expectKey = true;
      }
    }
  }
  return undefined;
}

function pathOf(frames: { array: boolean; index: number; key: string }[]): string {
  let path = 'body';
  for (const frame of frames) {
    if (frame.array) {
      path += `[${frame.index}]`;
    } else {
      path += /^[A-Za-z_$][\w$]*$/.test(frame.key)
        ? `.${frame.key}`
        : `[${JSON.stringify(frame.key)}]`;
    }
  }
  return path.length > 500 ? `${path.slice(0, 500)}…` : path;
}
