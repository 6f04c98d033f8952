import fc from 'fast-check';

/**
 * Requests generated from the server's own OpenAPI document (tests only): for every operation,
 * well-formed requests built from its JSON Schemas and malformed ones derived from them, with
 * every kind of credential. Values that name records are drawn from the ids the database holds,
 * so generated requests reach past validation into the handlers.
 */

export interface JsonSchema {
  type?: string | string[];
  properties?: Record<string, JsonSchema>;
  required?: string[];
  items?: JsonSchema;
  enum?: unknown[];
  const?: unknown;
  anyOf?: JsonSchema[];
  oneOf?: JsonSchema[];
  allOf?: JsonSchema[];
  minLength?: number;
  maxLength?: number;
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: number | boolean;
  exclusiveMaximum?: number | boolean;
  minItems?: number;
  maxItems?: number;
  format?: string;
  additionalProperties?: boolean | JsonSchema;
}

export interface Operation {
  method: string;
  path: string;
  parameters: { name: string; in: string; required?: boolean; schema: JsonSchema }[];
  body?: JsonSchema;
}

export interface GeneratedRequest {
  method: string;
  url: string;
  headers: Record<string, string>;
  payload?: string;
  /** How the request was made, for the failure message. */
  kind: string;
}

export interface Vocabulary {
  /** Ids of records in the database (any table), used for uuid-typed values. */
  ids: string[];
  /** Structures (SMILES), SMARTS patterns and other strings worth trying. */
  structures: string[];
  smarts: string[];
  /** Header sets for each kind of caller: owner, read-only token, anonymous, garbage... */
  credentials: Record<string, Record<string, string>>;
}

export function operationsOf(document: {
  paths: Record<string, Record<string, Record<string, unknown>>>;
}): Operation[] {
  const operations: Operation[] = [];
  for (const [path, methods] of Object.entries(document.paths)) {
    for (const [method, spec] of Object.entries(methods)) {
      const body = (
        spec.requestBody as { content?: Record<string, { schema: JsonSchema }> } | undefined
      )?.content?.['application/json']?.schema;
      operations.push({
        method: method.toUpperCase(),
        path,
        parameters: (spec.parameters as Operation['parameters'] | undefined) ?? [],
        body
      });
    }
  }
  return operations;
}

/** Any JSON value: the universe of wrong values. */
const anyJson: fc.Arbitrary<unknown> = fc.oneof(
  fc.constantFrom(null, true, false, 0, -1, 1e308, -1e308, 0.5, '', ' ', '\u0000', 'null', '[]'),
  fc.string({ maxLength: 30 }),
  fc.string({ unit: 'binary', maxLength: 30 }),
  fc.integer(),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
  fc.jsonValue({ maxDepth: 2 })
);

/** A value the schema accepts (or nearly: patterns other than uuid are not honoured). */
export function valueOf(
  schema: JsonSchema,
  vocabulary: Vocabulary,
  name = ''
): fc.Arbitrary<unknown> {
  const alternatives = schema.anyOf ?? schema.oneOf;
  if (alternatives) {
    return fc.oneof(...alternatives.map(s => valueOf(s, vocabulary, name)));
  }
  if (schema.allOf?.length) {
    return valueOf(schema.allOf[0], vocabulary, name);
  }
  if (schema.const !== undefined) {
    return fc.constant(schema.const);
  }
  if (schema.enum) {
    return fc.constantFrom(...schema.enum);
  }
  const type = Array.isArray(schema.type) ? schema.type[0] : schema.type;
  switch (type) {
    case 'null':
      return fc.constant(null);
    case 'boolean':
      return fc.boolean();
    case 'integer': {
      const min = schema.minimum ?? -1000;
      const max = schema.maximum ?? 100_000;
      return fc.oneof(fc.constantFrom(min, max), fc.integer({ min, max }));
    }
    case 'number': {
      // Draft 4 (what the document uses) writes exclusive bounds as booleans beside minimum and
      // maximum; later drafts as numbers of their own. Both are read.
      const lowerOpen =
        schema.exclusiveMinimum === true
          ? schema.minimum
          : typeof schema.exclusiveMinimum === 'number'
            ? schema.exclusiveMinimum
            : undefined;
      const upperOpen =
        schema.exclusiveMaximum === true
          ? schema.maximum
          : typeof schema.exclusiveMaximum === 'number'
            ? schema.exclusiveMaximum
            : undefined;
      const min = lowerOpen ?? schema.minimum ?? -1e6;
      const max = upperOpen ?? schema.maximum ?? 1e6;
      return fc
        .double({ min, max, noNaN: true, noDefaultInfinity: true })
        .filter(
          v =>
            (lowerOpen === undefined || v > lowerOpen) && (upperOpen === undefined || v < upperOpen)
        );
    }
    case 'string':
      return Private.stringOf(schema, vocabulary, name);
    case 'array': {
      const minLength = schema.minItems ?? 0;
      const maxLength = Math.max(minLength, Math.min(schema.maxItems ?? 4, 4));
      return fc.array(valueOf(schema.items ?? {}, vocabulary, name), { minLength, maxLength });
    }
    case 'object': {
      const properties = schema.properties ?? {};
      const required = new Set(schema.required ?? []);
      const record: Record<string, fc.Arbitrary<unknown>> = {};
      for (const [key, child] of Object.entries(properties)) {
        record[key] = valueOf(child, vocabulary, key);
      }
      return fc.record(record, {
        requiredKeys: Object.keys(properties).filter(key => required.has(key))
      });
    }
    default:
      return anyJson;
  }
}

/** A value derived from a valid one by one mistake a client could make. */
function mistakeOf(schema: JsonSchema, vocabulary: Vocabulary): fc.Arbitrary<unknown> {
  const valid = valueOf(schema, vocabulary);
  const properties = Object.keys(schema.properties ?? {});
  const mistakes: fc.Arbitrary<unknown>[] = [anyJson];
  if (properties.length > 0) {
    mistakes.push(
      // A field with a wrong value (wrong type, out of range, absurdly long).
      fc
        .tuple(valid, fc.constantFrom(...properties), fc.oneof(anyJson, Private.absurd))
        .map(([value, key, wrong]) => ({ ...(value as object), [key]: wrong })),
      // A required field left out.
      fc
        .tuple(valid, fc.constantFrom(...properties))
        .map(([value, key]) =>
          Object.fromEntries(Object.entries(value as object).filter(([k]) => k !== key))
        ),
      // An unknown field.
      fc
        .tuple(valid, fc.string({ minLength: 1, maxLength: 12 }), anyJson)
        .map(([value, key, extra]) => ({ ...(value as object), [key]: extra }))
    );
  }
  return fc.oneof(...mistakes);
}

/** Requests for one operation: mostly well-formed, a third malformed, any caller. */
export function requestsFor(
  operation: Operation,
  vocabulary: Vocabulary
): fc.Arbitrary<GeneratedRequest> {
  const pathParams = operation.parameters.filter(p => p.in === 'path');
  const queryParams = operation.parameters.filter(p => p.in === 'query');
  const pathValues = fc.tuple(
    ...pathParams.map(p =>
      fc.oneof(
        { weight: 4, arbitrary: valueOf(p.schema, vocabulary, p.name).map(String) },
        {
          weight: 1,
          arbitrary: fc.oneof(
            fc.string({ maxLength: 40 }),
            fc.constantFrom('0', '-1', '..', '%00', 'null')
          )
        }
      )
    )
  );
  const queryValues = fc.record(
    Object.fromEntries(
      queryParams.map(p => [
        p.name,
        fc.oneof(
          { weight: 4, arbitrary: valueOf(p.schema, vocabulary, p.name).map(v => String(v)) },
          {
            weight: 1,
            arbitrary: fc.oneof(
              fc.string({ maxLength: 40 }),
              fc.constantFrom('-1', '1e999', 'NaN', '', '[]')
            )
          }
        )
      ])
    ),
    { requiredKeys: [] }
  );
  const body: fc.Arbitrary<{ kind: string; payload?: string; contentType?: string }> =
    operation.body
      ? fc.oneof(
          {
            weight: 3,
            arbitrary: valueOf(operation.body, vocabulary).map(v => ({
              kind: 'valid body',
              payload: JSON.stringify(v),
              contentType: 'application/json'
            }))
          },
          {
            weight: 2,
            arbitrary: mistakeOf(operation.body, vocabulary).map(v => ({
              kind: 'mistaken body',
              payload: JSON.stringify(v) ?? 'null',
              contentType: 'application/json'
            }))
          },
          {
            weight: 1,
            arbitrary: fc
              .tuple(
                fc.oneof(
                  fc.constantFrom(
                    '{',
                    '{"a":',
                    '[1,',
                    'nul',
                    '',
                    '\u0000',
                    '{"__proto__":{"x":1}}'
                  ),
                  fc.string({ maxLength: 50 })
                ),
                fc.constantFrom(
                  'application/json',
                  'text/plain',
                  'application/x-www-form-urlencoded',
                  'application/json; charset=latin1'
                )
              )
              .map(([payload, contentType]) => ({ kind: 'raw body', payload, contentType }))
          }
        )
      : fc.oneof(
          { weight: 5, arbitrary: fc.constant({ kind: 'no body' }) },
          {
            weight: 1,
            arbitrary: fc.jsonValue({ maxDepth: 1 }).map(v => ({
              kind: 'unexpected body',
              payload: JSON.stringify(v),
              contentType: 'application/json'
            }))
          }
        );
  // The first caller (the owner of the fixtures) most often, so requests get past authorization.
  const [first, ...rest] = Object.keys(vocabulary.credentials);
  const credentials = fc.oneof(
    { weight: rest.length, arbitrary: fc.constant(first) },
    { weight: rest.length, arbitrary: fc.constantFrom(...rest) }
  );
  const extraHeaders = fc.oneof(
    { weight: 5, arbitrary: fc.constant({}) },
    {
      weight: 1,
      arbitrary: fc.record({ 'idempotency-key': fc.string({ minLength: 0, maxLength: 300 }) })
    },
    { weight: 1, arbitrary: fc.record({ 'x-request-id': fc.string({ maxLength: 100 }) }) }
  );
  return fc
    .tuple(pathValues, queryValues, body, credentials, extraHeaders)
    .map(([pathArgs, query, body, caller, extra]) => {
      let url = operation.path;
      pathParams.forEach((p, i) => {
        url = url.replace(`{${p.name}}`, encodeURIComponent(pathArgs[i]));
      });
      const search = new URLSearchParams(query as Record<string, string>).toString();
      const headers: Record<string, string> = {
        ...Private.printable(extra),
        ...vocabulary.credentials[caller]
      };
      if (body.contentType) {
        headers['content-type'] = body.contentType;
      }
      return {
        method: operation.method,
        url: search ? `${url}?${search}` : url,
        headers,
        payload: body.payload,
        kind: `${body.kind} as ${caller}`
      };
    });
}

namespace Private {
  export const absurd: fc.Arbitrary<unknown> = fc.constantFrom(
    'x'.repeat(100_001),
    -1e300,
    1e300,
    Array.from({ length: 6000 }, () => 'C'),
    { nested: { deeper: { deepest: [[[[]]]] } } }
  );

  export function stringOf(
    schema: JsonSchema,
    vocabulary: Vocabulary,
    name: string
  ): fc.Arbitrary<string> {
    const minLength = schema.minLength ?? 0;
    const maxLength = Math.max(minLength, Math.min(schema.maxLength ?? 40, 40));
    const free = fc.oneof(
      fc.string({ minLength, maxLength }),
      fc.string({ unit: 'binary', minLength, maxLength })
    );
    if (schema.format === 'uuid') {
      return fc.oneof(
        { weight: 4, arbitrary: fc.constantFrom(...vocabulary.ids) },
        { weight: 1, arbitrary: fc.uuid() }
      );
    }
    if (schema.format === 'date-time') {
      return fc.date({ noInvalidDate: true }).map(d => d.toISOString());
    }
    if (/structure|smiles/i.test(name)) {
      return fc.oneof(
        { weight: 3, arbitrary: fc.constantFrom(...vocabulary.structures) },
        { weight: 1, arbitrary: free }
      );
    }
    if (/smarts|highlight/i.test(name)) {
      return fc.oneof(
        { weight: 3, arbitrary: fc.constantFrom(...vocabulary.smarts) },
        { weight: 1, arbitrary: free }
      );
    }
    return free;
  }

  /** Header values must be printable ASCII, or the HTTP layer (not the server) refuses them. */
  export function printable(headers: Record<string, string>): Record<string, string> {
    return Object.fromEntries(
      Object.entries(headers).map(([k, v]) => [k, v.replace(/[^\x20-\x7e]/g, '?')])
    );
  }
}
