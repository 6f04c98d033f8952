import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import {
  canonicalSnapshotText,
  canonicalizeSnapshot,
  snapshotHash,
  SnapshotError,
  type SnapshotTable
} from './canonical';

const table: SnapshotTable = {
  columns: [
    { name: 'smiles', type: 'text' },
    { name: 'tg', type: 'number' },
    { name: 'conditions', type: 'json' }
  ],
  rows: [
    ['OCC(O)CO', 190.5, { temperatureKelvin: 293.15, method: 'DSC' }],
    ['CS(C)=O', 137, null]
  ]
};

describe('canonical snapshot serialization', () => {
  it('writes the documented text: sorted keys, sorted rows, shortest numbers', () => {
    assert.equal(
      canonicalSnapshotText(table),
      '{"columns":[{"name":"smiles","type":"text"},{"name":"tg","type":"number"},{"name":"conditions","type":"json"}],' +
        '"format":"cryoprotect-snapshot/1",' +
        '"rows":[["CS(C)=O",137,null],["OCC(O)CO",190.5,{"method":"DSC","temperatureKelvin":293.15}]]}'
    );
    assert.equal(
      snapshotHash(table),
      createHash('sha256').update(canonicalSnapshotText(table)).digest('hex')
    );
  });

  it('does not depend on row order, key order, whitespace or integer-like keys', () => {
    const reordered: SnapshotTable = JSON.parse(
      JSON.stringify(
        {
          rows: [
            ['CS(C)=O', 137.0, null],
            ['OCC(O)CO', 1.905e2, { method: 'DSC', temperatureKelvin: 293.15 }]
          ],
          columns: table.columns.map(c => ({ type: c.type, name: c.name }))
        },
        null,
        4
      )
    );
    assert.equal(snapshotHash(reordered), snapshotHash(table));
    const numericKeys = (order: string[]) =>
      snapshotHash({
        columns: [{ name: 'j', type: 'json' }],
        rows: [[Object.fromEntries(order.map(k => [k, k]))]]
      });
    assert.equal(numericKeys(['10', '2', 'b']), numericKeys(['b', '2', '10']));
    assert.match(
      canonicalSnapshotText({ columns: [{ name: 'j', type: 'json' }], rows: [[{ 2: 1, 10: 1 }]] }),
      /\{"10":1,"2":1\}/
    );
    assert.equal(
      snapshotHash({ columns: [{ name: 'x', type: 'number' }], rows: [[-0]] }),
      snapshotHash({ columns: [{ name: 'x', type: 'number' }], rows: [[0]] })
    );
  });

  it('changes when any value, column name, column type or column order changes', () => {
    const base = snapshotHash(table);
    const variants: SnapshotTable[] = [
      { ...table, rows: [table.rows[0], ['CS(C)=O', 137.00000000000003, null]] },
      { ...table, rows: [table.rows[0], ['CS(C)=O', 137, {}]] },
      { ...table, rows: [table.rows[0]] },
      { ...table, rows: [...table.rows, table.rows[1]] },
      { ...table, columns: [table.columns[0], { name: 'Tg', type: 'number' }, table.columns[2]] },
      { ...table, columns: [table.columns[0], { name: 'tg', type: 'json' }, table.columns[2]] }
    ];
    for (const variant of variants) {
      assert.notEqual(snapshotHash(variant), base);
    }
    fc.assert(
      fc.property(
        fc.double({ noNaN: true, noDefaultInfinity: true }),
        fc.double({ noNaN: true, noDefaultInfinity: true }),
        (a, b) => {
          const h = (x: number) =>
            snapshotHash({ columns: [{ name: 'v', type: 'number' }], rows: [[x]] });
          return (h(a) === h(b)) === (a === b);
        }
      )
    );
  });

  it('survives a JSON round trip, as through the server and PostgreSQL jsonb', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.tuple(
            fc.string(),
            fc.double({ noNaN: true, noDefaultInfinity: true }),
            fc.jsonValue()
          ),
          {
            maxLength: 20
          }
        ),
        rows => {
          const t: SnapshotTable = {
            columns: [
              { name: 'a', type: 'text' },
              { name: 'b', type: 'number' },
              { name: 'c', type: 'json' }
            ],
            rows: rows.filter(([s]) => !s.includes('\u0000'))
          };
          let canonical: SnapshotTable;
          try {
            canonical = canonicalizeSnapshot(t);
          } catch (error) {
            // fc.jsonValue may produce -0 (fine) but never NaN; refusals here are NUL/surrogates.
            assert.ok(error instanceof SnapshotError);
            return;
          }
          const roundTripped = JSON.parse(JSON.stringify(canonical)) as SnapshotTable;
          assert.deepEqual(canonicalizeSnapshot(roundTripped), roundTripped);
          assert.equal(snapshotHash(roundTripped), snapshotHash(t));
        }
      )
    );
  });

  it('refuses what has no canonical form, naming the cell', () => {
    const refuse = (t: SnapshotTable, path: RegExp) =>
      assert.throws(
        () => snapshotHash(t),
        (error: unknown) => {
          assert.ok(error instanceof SnapshotError);
          assert.match(error.path, path);
          return true;
        }
      );
    const one = (type: 'number' | 'integer' | 'text' | 'json', value: unknown) =>
      ({
        columns: [{ name: 'x', type }],
        rows: [[value]]
      }) as SnapshotTable;
    refuse(one('number', Number.NaN), /^rows\[0\]\[0\]$/);
    refuse(one('number', Number.POSITIVE_INFINITY), /^rows\[0\]\[0\]$/);
    refuse(one('number', '1.5'), /^rows\[0\]\[0\]$/);
    refuse(one('integer', 1.5), /^rows\[0\]\[0\]$/);
    refuse(one('text', 'a\u0000b'), /^rows\[0\]\[0\]$/);
    refuse(one('text', '\ud800'), /^rows\[0\]\[0\]$/);
    refuse(one('json', { a: [1, Number.NaN] }), /^rows\[0\]\[0\]\.a\[1\]$/);
    refuse(one('json', { a: new Date(0) }), /^rows\[0\]\[0\]\.a$/);
    refuse({ columns: [{ name: 'x', type: 'number' }], rows: [[1, 2]] }, /^rows\[0\]$/);
    refuse(
      {
        columns: [
          { name: 'x', type: 'number' },
          { name: 'x', type: 'text' }
        ],
        rows: []
      },
      /^columns\[1\]\.name$/
    );
    refuse(
      { columns: [{ name: 'x', type: 'float' as 'number' }], rows: [] },
      /^columns\[0\]\.type$/
    );
  });
});
