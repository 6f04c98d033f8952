import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import {
  FingerprintLibrary,
  WASM_MIN_CAPACITY,
  tanimoto,
  type SimilarityHit
} from './fingerprints';

/** The answer by definition: every fingerprint scored, best first, ties by the smaller index. */
function bruteForce(fps: Uint8Array[], query: Uint8Array, k: number): SimilarityHit[] {
  return fps
    .map((fp, index) => ({ index, similarity: tanimoto(query, fp) }))
    .sort((a, b) => b.similarity - a.similarity || a.index - b.index)
    .slice(0, k);
}

function fingerprint(nBits: number, bits: Iterable<number>): Uint8Array {
  const fp = new Uint8Array(nBits / 8);
  for (const bit of bits) {
    fp[bit >> 3] |= 1 << (bit & 7);
  }
  return fp;
}

/**
 * Which kernel a library scans with. Read from a private field on purpose: when WebAssembly fails
 * the library falls back silently, and then the wasm kernel would go untested without a word.
 */
function kernelOf(library: FingerprintLibrary): 'wasm' | 'js' {
  const store = (library as unknown as { store: { wasmScan?: unknown } }).store;
  return typeof store.wasmScan === 'function' ? 'wasm' : 'js';
}

/** A small deterministic generator for libraries too large for fast-check to shrink usefully. */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
}

// The JavaScript kernel serves small capacities, the wasm kernel from WASM_MIN_CAPACITY on.
const KERNELS = [
  { kernel: 'js', capacity: 1 },
  { kernel: 'wasm', capacity: WASM_MIN_CAPACITY }
] as const;

/** A fingerprint given by its set bits, or a copy of an earlier one (ties), or no bits at all. */
type Entry = { bits: readonly number[] } | { copyOf: number };

const cases = fc.constantFrom(32, 64, 96, 160, 1024, 2048).chain(nBits => {
  const entry: fc.Arbitrary<Entry> = fc.oneof(
    { weight: 1, arbitrary: fc.constant({ bits: [] }) },
    {
      weight: 6,
      arbitrary: fc
        .uniqueArray(fc.nat(nBits - 1), { maxLength: Math.min(nBits, 70) })
        .map(bits => ({ bits }))
    },
    { weight: 3, arbitrary: fc.nat().map(copyOf => ({ copyOf })) }
  );
  return fc.record({
    nBits: fc.constant(nBits),
    first: fc.array(entry, { maxLength: 60 }),
    later: fc.array(entry, { maxLength: 40 }),
    queries: fc.array(entry, { minLength: 1, maxLength: 4 }),
    k: fc.integer({ min: 1, max: 120 })
  });
});

function resolve(entry: Entry, nBits: number, fps: Uint8Array[]): Uint8Array {
  if ('bits' in entry) {
    return fingerprint(nBits, entry.bits);
  }
  return fps.length === 0 ? new Uint8Array(nBits / 8) : fps[entry.copyOf % fps.length].slice();
}

describe('FingerprintLibrary against a brute-force scan', () => {
  for (const { kernel, capacity } of KERNELS) {
    it(`finds the exact top k on random libraries (${kernel} kernel)`, () => {
      fc.assert(
        fc.property(cases, ({ nBits, first, later, queries, k }) => {
          const library = new FingerprintLibrary(nBits, capacity);
          assert.equal(kernelOf(library), kernel);
          const fps: Uint8Array[] = [];
          const search = () => {
            for (const entry of queries) {
              const query = resolve(entry, nBits, fps);
              assert.deepEqual(library.topK(query, k), bruteForce(fps, query, k));
            }
          };
          for (const entry of first) {
            fps.push(resolve(entry, nBits, fps));
            assert.equal(library.add(fps.at(-1)!), fps.length - 1);
          }
          search();
          // Additions after a search wait outside the bit-count order until the next one.
          for (const entry of later) {
            fps.push(resolve(entry, nBits, fps));
            library.add(fps.at(-1)!);
          }
          assert.equal(library.size, fps.length);
          search();
        }),
        { numRuns: 300 }
      );
    });
  }

  it('reads fingerprints from any offset of a larger buffer', () => {
    const buffer = new Uint8Array(1 + 3 * 8);
    buffer.set([0b1011, 0, 0, 0, 0, 0, 0, 1], 1);
    buffer.set([0b0011, 0, 0, 0, 0, 0, 0, 0], 9);
    buffer.set([0b1000, 0, 0, 0, 0, 0, 0, 1], 17);
    const fps = [0, 1, 2].map(i => buffer.subarray(1 + 8 * i, 9 + 8 * i));
    for (const { capacity } of KERNELS) {
      const library = new FingerprintLibrary(64, capacity);
      fps.forEach(fp => library.add(fp));
      assert.deepEqual(library.topK(fps[2], 3), bruteForce(fps, fps[2], 3));
    }
  });

  it('answers an empty library and a query without bits', () => {
    for (const { capacity } of KERNELS) {
      const library = new FingerprintLibrary(128, capacity);
      assert.deepEqual(library.topK(new Uint8Array(16), 5), []);
      const fps = [fingerprint(128, [3]), new Uint8Array(16), fingerprint(128, [3, 100])];
      fps.forEach(fp => library.add(fp));
      assert.deepEqual(library.topK(new Uint8Array(16), 5), [
        { index: 0, similarity: 0 },
        { index: 1, similarity: 0 },
        { index: 2, similarity: 0 }
      ]);
      assert.deepEqual(library.topK(fps[1], 2), bruteForce(fps, fps[1], 2));
    }
  });

  for (const { kernel, capacity } of [
    { kernel: 'js', capacity: 1000 },
    { kernel: 'wasm', capacity: WASM_MIN_CAPACITY }
  ] as const) {
    it(`scans bins longer than one kernel call, growing from ${capacity} (${kernel} first)`, () => {
      // Most fingerprints with exactly 6 of 64 bits make one bin of thousands, and the threshold
      // rises between the kernel's calls within it; a quarter copy earlier ones (ties). The
      // library grows past WASM_MIN_CAPACITY from below and grows its WebAssembly memory from it.
      const next = random(capacity);
      const library = new FingerprintLibrary(64, capacity);
      assert.equal(kernelOf(library), kernel);
      const fps: Uint8Array[] = [];
      for (const size of [3000, 12000, 40000]) {
        while (fps.length < size) {
          const bits = new Set<number>();
          const count = next() < 0.8 ? 6 : 1 + Math.floor(next() * 20);
          while (bits.size < count) {
            bits.add(Math.floor(next() * 64));
          }
          fps.push(
            next() < 0.25 && fps.length > 0
              ? fps[Math.floor(next() * fps.length)]
              : fingerprint(64, bits)
          );
          library.add(fps.at(-1)!);
        }
        for (let j = 0; j < 6; j++) {
          const query = j % 2 === 0 ? fps[Math.floor(next() * fps.length)] : fingerprint(64, [j]);
          const expected = bruteForce(fps, query, 5000);
          for (const k of [1, 10, 5000]) {
            assert.deepEqual(library.topK(query, k), expected.slice(0, k));
          }
        }
      }
      assert.equal(kernelOf(library), 'wasm');
    });
  }

  it('keeps to the JavaScript kernel when told to (wasm: false), with the same hits', () => {
    const fps = Array.from({ length: WASM_MIN_CAPACITY + 10 }, (_, i) =>
      fingerprint(256, [i % 256, (i * 7) % 256, (i * 13) % 256])
    );
    const off = new FingerprintLibrary(256, WASM_MIN_CAPACITY, { wasm: false });
    const on = new FingerprintLibrary(256, WASM_MIN_CAPACITY);
    fps.forEach(fp => {
      off.add(fp);
      on.add(fp);
    });
    assert.equal(kernelOf(off), 'js');
    assert.equal(kernelOf(on), 'wasm');
    assert.deepEqual(off.topK(fps[3], 20), on.topK(fps[3], 20));
  });

  it('falls back to the JavaScript kernel without WebAssembly', () => {
    const saved = Object.getOwnPropertyDescriptor(globalThis, 'WebAssembly')!;
    Reflect.deleteProperty(globalThis, 'WebAssembly');
    let library: FingerprintLibrary;
    try {
      library = new FingerprintLibrary(256, WASM_MIN_CAPACITY);
    } finally {
      Object.defineProperty(globalThis, 'WebAssembly', saved);
    }
    assert.equal(kernelOf(library), 'js');
    const next = random(5);
    const fps = Array.from({ length: 500 }, () =>
      fingerprint(
        256,
        Array.from({ length: 12 }, () => Math.floor(next() * 256))
      )
    );
    fps.forEach(fp => library.add(fp));
    for (const q of [0, 17, 499]) {
      assert.deepEqual(library.topK(fps[q], 20), bruteForce(fps, fps[q], 20));
    }
  });
});
