import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import {
  ConditionsSchema,
  CreateExperimentSchema,
  CursorSchema,
  DateTimeSchema,
  JSON_FIELD_MAX_DEPTH,
  JSON_MAX_DEPTH,
  JsonValueSchema,
  MeasurementQuerySchema,
  MoleculeQuerySchema,
  RegisterModelSchema,
  SimilarityQuerySchema,
  jsonDepth,
  queryInteger,
  queryNumber,
  visibilityProblem
} from './index';

/** A value nested `depth` arrays deep, built without recursion. */
function nested(depth: number): unknown {
  let value: unknown = 1;
  for (let i = 0; i < depth; i++) {
    value = [value];
  }
  return value;
}

describe('JSON nesting limit', () => {
  it('measures depth without recursion, even a million levels deep', () => {
    assert.equal(jsonDepth(1), 0);
    assert.equal(jsonDepth({}), 1);
    assert.equal(jsonDepth({ a: [1, { b: [] }] }), 4);
    assert.equal(jsonDepth(nested(10)), 10);
    // Stops early: the answer only says "deeper than the limit".
    assert.ok(jsonDepth(nested(1_000_000)) > JSON_MAX_DEPTH);
  });

  it('bounds every free-form field to the depth a body leaves it', () => {
    assert.equal(JsonValueSchema.safeParse(nested(JSON_FIELD_MAX_DEPTH)).success, true);
    const deep = JsonValueSchema.safeParse(nested(JSON_FIELD_MAX_DEPTH + 1));
    assert.equal(deep.success, false);
    assert.match(deep.error!.issues[0].message, /nested deeper than 62 levels/);
    assert.equal(
      ConditionsSchema.safeParse({ stirring: nested(JSON_FIELD_MAX_DEPTH) }).success,
      false
    );
    assert.equal(ConditionsSchema.safeParse({ stirring: nested(10) }).success, true);
    const model = {
      name: 'm',
      snapshotId: '00000000-0000-4000-8000-000000000000',
      targetPropertyType: 'glass_transition',
      learner: 'x',
      featurizerVersion: '1',
      kernelVersion: '1',
      rdkitVersion: '1',
      seed: 1
    };
    for (const field of ['params', 'metrics', 'artifact']) {
      const refused = RegisterModelSchema.safeParse({
        ...model,
        [field]: { deep: nested(JSON_FIELD_MAX_DEPTH) }
      });
      assert.equal(refused.success, false, field);
      assert.deepEqual(refused.error!.issues[0].path, [field]);
    }
  });
});

describe('DateTimeSchema', () => {
  const ok = (text: string) => DateTimeSchema.safeParse(text).success;
  const why = (text: string) => DateTimeSchema.safeParse(text).error?.issues[0].message ?? '';

  it('accepts RFC 3339 date-times PostgreSQL and JavaScript both hold exactly', () => {
    for (const text of [
      '2024-05-01T13:45:00Z',
      '2024-05-01T13:45:00.1Z',
      '2024-05-01T13:45:00.250+02:00',
      '2024-02-29T23:59:59.999-15:59',
      '0001-01-01T00:00:00Z',
      '0001-01-01T00:00:00-01:00',
      '9999-12-31T23:59:59.999Z',
      '2000-02-29T00:00:00+15:59'
    ]) {
      assert.ok(ok(text), text);
    }
  });

  it('refuses what either would change or not hold, saying why', () => {
    const cases: [string, RegExp][] = [
      ['2024-05-01', /RFC 3339/],
      ['2024-05-01T13:45Z', /RFC 3339/],
      ['2024-05-01T13:45:00', /RFC 3339/],
      ['2024-05-01 13:45:00Z', /RFC 3339/],
      ['+012024-05-01T13:45:00Z', /RFC 3339/],
      ['0000-01-01T00:00:00Z', /year must be 0001/],
      ['0001-01-01T00:00:00+01:00', /years 0001 to 9999/],
      ['9999-12-31T23:59:59.999-00:01', /years 0001 to 9999/],
      ['2023-02-29T00:00:00Z', /no day 29/],
      ['2024-13-01T00:00:00Z', /no month 13/],
      ['2024-04-31T00:00:00Z', /no day 31/],
      ['2024-05-01T24:00:00Z', /00:00:00 to 23:59:59/],
      ['2016-12-31T23:59:60Z', /no leap second/],
      ['2024-05-01T13:45:00.1234Z', /millisecond/],
      ['2024-05-01T13:45:00.123456Z', /millisecond/],
      ['2024-05-01T13:45:00+16:00', /±15:59/],
      ['2024-05-01T13:45:00+10:60', /±15:59/],
      ['2024-05-01T13:45:00+0100', /RFC 3339/],
      ['x'.repeat(1000), /RFC 3339/]
    ];
    for (const [text, reason] of cases) {
      assert.equal(ok(text), false, text);
      assert.match(why(text), reason, text);
    }
  });

  it('agrees with JavaScript on every accepted instant (property)', () => {
    const instants = fc.date({
      min: new Date('0001-01-01T00:00:00.000Z'),
      max: new Date('9999-12-31T23:59:59.999Z'),
      noInvalidDate: true
    });
    const offsets = fc.integer({ min: -(15 * 60 + 59), max: 15 * 60 + 59 });
    fc.assert(
      fc.property(instants, offsets, (date, offset) => {
        const text = format(date, offset);
        const valid = DateTimeSchema.safeParse(text).success;
        const shifted = date.getTime() + offset * 60_000;
        const yearOk =
          new Date(shifted).getUTCFullYear() >= 1 && new Date(shifted).getUTCFullYear() <= 9999;
        // Accepted exactly when the local wall-clock time is in years 0001-9999.
        assert.equal(valid, yearOk, text);
        if (valid) {
          assert.equal(Date.parse(text), date.getTime(), text);
        }
      }),
      { numRuns: 2000 }
    );
  });

  it('is the schema of every date-time input', () => {
    const refused = CreateExperimentSchema.safeParse({
      title: 't',
      performedAt: '2024-05-01T13:45:00.123456Z'
    });
    assert.deepEqual(refused.error!.issues[0].path, ['performedAt']);
  });
});

/** `date` written as wall-clock time at `offset` minutes from UTC. */
function format(date: Date, offset: number): string {
  const local = new Date(date.getTime() + offset * 60_000);
  const iso = local.toISOString();
  // toISOString writes years outside 0000-9999 with six digits and a sign: kept so they are refused.
  const sign = offset < 0 ? '-' : '+';
  const abs = Math.abs(offset);
  const zone = `${sign}${String(Math.floor(abs / 60)).padStart(2, '0')}:${String(abs % 60).padStart(2, '0')}`;
  return `${iso.slice(0, -1)}${zone}`;
}

describe('numbers in query strings', () => {
  it('refuses everything but a finite decimal, never coercing', () => {
    for (const text of [
      '',
      ' ',
      'NaN',
      'Infinity',
      '-Infinity',
      '1e999',
      '0x10',
      '0b1',
      '1_000',
      '12abc',
      '1,5',
      '--1',
      'e5'
    ]) {
      const result = queryNumber().safeParse(text);
      assert.equal(result.success, false, JSON.stringify(text));
    }
    for (const [text, value] of [
      ['0', 0],
      ['-1.5', -1.5],
      ['+2', 2],
      ['.5', 0.5],
      ['5.', 5],
      ['1e3', 1000],
      ['1.5E-7', 1.5e-7]
    ] as const) {
      assert.equal(queryNumber().parse(text), value, text);
    }
    assert.equal(queryNumber({ min: 0, max: 1 }).safeParse('1.5').success, false);
  });

  it('reads integers as digits only, within their range', () => {
    for (const text of ['', '1.0', '1e2', '0x1', '5.5', 'NaN', '99999999999999999']) {
      assert.equal(queryInteger(1, 200).safeParse(text).success, false, text);
    }
    assert.equal(queryInteger(1, 200).parse('200'), 200);
    assert.equal(queryInteger(1, 200).safeParse('201').success, false);
    assert.equal(queryInteger(1, 200).safeParse('0').success, false);
  });

  it('is what every list and search reads its numbers with, naming the parameter', () => {
    assert.equal(MoleculeQuerySchema.parse({}).limit, 50);
    assert.deepEqual(MoleculeQuerySchema.safeParse({ min: '' }).error!.issues[0].path, ['min']);
    assert.deepEqual(MoleculeQuerySchema.safeParse({ max: 'NaN' }).error!.issues[0].path, ['max']);
    assert.deepEqual(MoleculeQuerySchema.safeParse({ limit: '1e1' }).error!.issues[0].path, [
      'limit'
    ]);
    assert.deepEqual(
      MeasurementQuerySchema.safeParse({ minValue: '1e999' }).error!.issues[0].path,
      ['minValue']
    );
    assert.deepEqual(
      SimilarityQuerySchema.safeParse({ structure: 'C', k: '0x5' }).error!.issues[0].path,
      ['k']
    );
    assert.equal(SimilarityQuerySchema.parse({ structure: 'C' }).minSimilarity, 0);
  });
});

describe('cursors and visibility', () => {
  it('bounds a cursor to base64url of at most 200 characters', () => {
    assert.equal(CursorSchema.safeParse('a'.repeat(200)).success, true);
    assert.equal(CursorSchema.safeParse('a'.repeat(201)).success, false);
    assert.equal(CursorSchema.safeParse('').success, false);
    assert.equal(CursorSchema.safeParse('abc=').success, false);
    assert.equal(CursorSchema.safeParse('a/b').success, false);
  });

  it('needs a project for project visibility and refuses one for public', () => {
    assert.deepEqual(visibilityProblem('project', undefined), {
      path: 'body.projectId',
      message: 'required when visibility is project'
    });
    assert.ok(visibilityProblem('project', null));
    assert.equal(visibilityProblem('project', '00000000-0000-4000-8000-000000000000'), undefined);
    assert.equal(
      visibilityProblem('public', '00000000-0000-4000-8000-000000000000')?.path,
      'body.projectId'
    );
    assert.equal(visibilityProblem('public', null), undefined);
    assert.equal(visibilityProblem('public', undefined), undefined);
    assert.equal(visibilityProblem('private', undefined), undefined);
    assert.equal(visibilityProblem('private', '00000000-0000-4000-8000-000000000000'), undefined);
  });
});
