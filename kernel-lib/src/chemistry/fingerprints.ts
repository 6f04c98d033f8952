import { parseWith, withRDKit, type RDKitModule, type RDKitMol } from './rdkit';
import { toRDKitInput } from './identity';

export interface MorganOptions {
  /** Radius in bonds (2 = ECFP4-like). */
  radius?: number;
  /** Length of the folded fingerprint in bits; a multiple of 32. */
  nBits?: number;
  /** Distinguish stereoisomers. */
  useChirality?: boolean;
  /**
   * Morgan counts. RDKit.js has no count-vector API, so counts use RDKit's count simulation: each
   * hashed environment sets up to 4 bits, for counts >= 1, 2, 4, 8 (native RDKit:
   * GetMorganGenerator(countSimulation=True)). Tanimoto on these bits approximates count Tanimoto.
   */
  counts?: boolean;
}

const DEFAULTS = { radius: 2, nBits: 2048, useChirality: false, counts: false };

/** 128-bit blocks for the per-block bound of FingerprintLibrary. */
const WORDS_PER_BLOCK = 4;

/**
 * Positions per kernel call: between calls the threshold rises to the k-th best found so far, and
 * the survivors of one call fit the output area.
 */
const CHUNK = 4096;

/**
 * From this capacity on, a FingerprintLibrary keeps its fingerprints in WebAssembly memory and
 * scans them with the wasm kernel. Smaller ones use a plain buffer and the JavaScript kernel: they
 * scan in a millisecond or two either way, and every WebAssembly memory reserves gigabytes of
 * address space, which the server, building a library per request, should not pay for. Exported
 * for the tests only (not from the package).
 */
export const WASM_MIN_CAPACITY = 16_384;

/**
 * Morgan fingerprint as packed bits: bit i is `(fp[i >> 3] >> (i & 7)) & 1`, the layout of RDKit.js
 * `get_morgan_fp_as_uint8array`.
 */
export function getMorganFingerprintOf(mol: RDKitMol, options: MorganOptions = {}): Uint8Array {
  const o = { ...DEFAULTS, ...options };
  if (!Number.isInteger(o.nBits) || o.nBits <= 0 || o.nBits % 32 !== 0) {
    throw new RangeError(`nBits must be a positive multiple of 32, got ${o.nBits}`);
  }
  const details = JSON.stringify({
    radius: o.radius,
    nBits: o.nBits,
    useChirality: o.useChirality,
    useCountSimulation: o.counts
  });
  return new Uint8Array(mol.get_morgan_fp_as_uint8array(details) as Uint8Array);
}

/** Morgan fingerprint of SMILES, a MOL block or an InChI. */
export async function getMorganFingerprint(
  input: string,
  options: MorganOptions = {}
): Promise<Uint8Array> {
  const text = await toRDKitInput(input);
  return withRDKit(rdkit => getMorganFingerprintWith(rdkit, text, options));
}

/** Synchronous variant for SMILES and MOL blocks. */
export function getMorganFingerprintWith(
  rdkit: RDKitModule,
  input: string,
  options: MorganOptions = {}
): Uint8Array {
  const mol = parseWith(rdkit, input);
  try {
    return getMorganFingerprintOf(mol, options);
  } finally {
    mol.delete();
  }
}

/** Indices of the set bits. */
export function onBits(fp: Uint8Array): number[] {
  const bits: number[] = [];
  for (let i = 0; i < fp.length * 8; i++) {
    if ((fp[i >> 3] >> (i & 7)) & 1) {
      bits.push(i);
    }
  }
  return bits;
}

/** Tanimoto similarity of two packed fingerprints of equal length (0 when both are empty). */
export function tanimoto(a: Uint8Array, b: Uint8Array): number {
  if (a.length !== b.length) {
    throw new RangeError(
      `fingerprints differ in length (${a.length * 8} and ${b.length * 8} bits)`
    );
  }
  let both = 0;
  let either = 0;
  for (let i = 0; i < a.length; i++) {
    both += Private.popcount(a[i] & b[i]);
    either += Private.popcount(a[i] | b[i]);
  }
  return either === 0 ? 0 : both / either;
}

export interface SimilarityHit {
  /** Position in the library (order of `add`). */
  index: number;
  similarity: number;
}

/**
 * Fingerprints held in one buffer, searched by Tanimoto top-k.
 *
 * The search visits fingerprints in order of their bit count, nearest to the query's first: a
 * fingerprint with b bits cannot exceed min(a, b) / max(a, b) against a query with a bits
 * (Swamidass & Baldi, J. Chem. Inf. Model. 47 (2007) 302), so the scan stops once that bound falls
 * below the k-th best similarity found. Within a bin, a second bound skips most candidates before
 * the full comparison: with the bits counted per 128-bit block, the intersection cannot exceed
 * the sum over blocks of the smaller count. Both bounds become one integer per stretch of a bin:
 * the fewest common bits c with c / (a + b - c) at least the k-th best, which a candidate's block
 * bound and then its intersection must reach to be offered to the heap. Results are exact, ties
 * broken by the smaller index.
 *
 * The fingerprints are stored sorted by bit count, so a bin is one contiguous stretch of memory
 * that the scan reads front to back at memory speed; fingerprints added after a search wait at
 * the end and are merged in by the next one. Large libraries live in WebAssembly memory and are
 * scanned by a small hand-assembled wasm kernel (64-bit popcount, SIMD for the block bound);
 * without WebAssembly, and for small libraries, a JavaScript kernel does the same work.
 */
export class FingerprintLibrary {
  readonly nBits: number;
  private readonly words: number;
  private readonly blocks: number;
  private readonly store: Private.Store;
  /** Library index (order of `add`) of the fingerprint at each stored position. */
  private ids: Int32Array;
  private length = 0;
  /** Positions below this are sorted by bit count (binStart); later additions follow in order. */
  private sorted = 0;
  /** First sorted position with each bit count; bit count c ends at binStart[c + 1]. */
  private binStart: Int32Array;

  /**
   * `options.wasm: false` keeps the library on the JavaScript kernel (same results, slower on large
   * libraries): the server's `wasm-similarity` feature flag, to turn the wasm kernel off without a
   * release.
   */
  constructor(nBits = 2048, initialCapacity = 1024, options: { wasm?: boolean } = {}) {
    if (!Number.isInteger(nBits) || nBits <= 0 || nBits % 32 !== 0) {
      throw new RangeError(`nBits must be a positive multiple of 32, got ${nBits}`);
    }
    this.nBits = nBits;
    this.words = nBits / 32;
    this.blocks = Math.ceil(this.words / WORDS_PER_BLOCK);
    const capacity = Math.max(1, Math.ceil(initialCapacity) || 1);
    this.store = new Private.Store(Private.layout(nBits), capacity, options.wasm ?? true);
    this.ids = new Int32Array(capacity);
    this.binStart = new Int32Array(nBits + 2);
  }

  get size(): number {
    return this.length;
  }

  /** Add a packed fingerprint; returns its index. */
  add(fp: Uint8Array): number {
    if (fp.length * 8 !== this.nBits) {
      throw new RangeError(`fingerprint has ${fp.length * 8} bits, the library ${this.nBits}`);
    }
    if (this.length === this.store.capacity) {
      this.grow();
    }
    const { bytes, ints, layout } = this.store;
    const p = this.length;
    const offset = this.store.dataOffset + p * layout.stride;
    bytes.set(fp, offset);
    Private.countBlocks(
      ints,
      offset >> 2,
      this.words,
      bytes,
      layout.header + p * layout.blockStride
    );
    this.ids[p] = p;
    return this.length++;
  }

  /** The k most similar fingerprints, most similar first. */
  topK(query: Uint8Array, k = 10): SimilarityHit[] {
    if (query.length * 8 !== this.nBits) {
      throw new RangeError(`query has ${query.length * 8} bits, the library ${this.nBits}`);
    }
    if (!Number.isInteger(k) || k < 1) {
      throw new RangeError(`k must be a positive whole number, got ${k}`);
    }
    this.index();
    const q = this.setQuery(query);
    const a = q.bits;
    const n = Math.min(k, this.length);
    if (n === 0) {
      return [];
    }
    if (a === 0) {
      // Every similarity is 0, so the ties decide: the first k added.
      return Array.from({ length: n }, (_, index) => ({ index, similarity: 0 }));
    }
    const heap = new Private.TopK(n);
    const { ints, layout } = this.store;
    const ids = this.ids;
    const binStart = this.binStart;
    const out = layout.out >> 2;
    const bound = (b: number): number => Math.min(a, b) / Math.max(a, b);
    let below = a; // next bit count to visit at or below a
    let above = a + 1; // next bit count to visit above a
    for (;;) {
      const canBelow = below >= 0;
      const canAbove = above <= this.nBits;
      if (!canBelow && !canAbove) {
        break;
      }
      const takeBelow = canBelow && (!canAbove || bound(below) >= bound(above));
      const b = takeBelow ? below-- : above++;
      if (heap.full() && bound(b) < heap.worst()) {
        break;
      }
      const end = binStart[b + 1];
      for (let from = binStart[b]; from < end; from += CHUNK) {
        const threshold = heap.full() ? Private.threshold(a, b, heap.worst()) : 0;
        if (threshold > Math.min(a, b)) {
          break;
        }
        const found = this.scan(q, from, Math.min(CHUNK, end - from), threshold);
        for (let s = 0; s < found; s++) {
          const both = ints[out + 2 * s + 1];
          heap.offer(ids[from + ints[out + 2 * s]], both / (a + b - both));
        }
      }
    }
    return heap.sorted();
  }

  /** Write the query where the kernels read it; its bit count and nonzero words and blocks. */
  private setQuery(query: Uint8Array): Private.Query {
    const { bytes, ints, layout } = this.store;
    bytes.set(query, 0);
    const blocks = layout.queryBlocks;
    Private.countBlocks(ints, 0, this.words, bytes, blocks);
    const words: number[] = [];
    for (let w = 0; w < this.words; w++) {
      if (ints[w] !== 0) {
        words.push(w);
      }
    }
    const nonzeroBlocks: number[] = [];
    let bits = 0;
    for (let k = 0; k < this.blocks; k++) {
      bits += bytes[blocks + k];
      if (bytes[blocks + k] !== 0) {
        nonzeroBlocks.push(k);
      }
    }
    return {
      bits,
      wordIndex: Int32Array.from(words),
      wordValue: Int32Array.from(words, w => ints[w]),
      blockIndex: Int32Array.from(nonzeroBlocks),
      blockCount: Int32Array.from(nonzeroBlocks, k => bytes[blocks + k])
    };
  }

  /**
   * Compare the query with n stored fingerprints from position `from`; each that reaches
   * `threshold` common bits leaves (position - from, common bits) in the output area.
   */
  private scan(q: Private.Query, from: number, n: number, threshold: number): number {
    const { bytes, ints, layout, dataOffset, wasmScan } = this.store;
    const data = dataOffset + from * layout.stride;
    const blocks = layout.header + from * layout.blockStride;
    if (wasmScan) {
      return wasmScan(
        0,
        layout.queryBlocks,
        data,
        blocks,
        n,
        layout.stride,
        layout.blockStride,
        threshold,
        layout.out
      );
    }
    return Private.scanJs(q, ints, bytes, data >> 2, blocks, n, layout, threshold);
  }

  private grow(): void {
    const capacity = this.store.capacity * 2;
    this.store.reserve(capacity, this.length);
    const ids = new Int32Array(capacity);
    ids.set(this.ids);
    this.ids = ids;
  }

  /**
   * Merge the fingerprints added since the last search into the bit-count order: each bin moves up
   * by the number of additions below it (the highest first, so none lands on one not yet moved)
   * and takes its additions at its end, which keeps every bin in the order of `add`.
   */
  private index(): void {
    const added = this.length - this.sorted;
    if (added === 0) {
      return;
    }
    const { bytes, ints, layout } = this.store;
    const { header, stride, blockStride } = layout;
    const data = this.store.dataOffset;
    const counts = new Uint16Array(added);
    // below[c]: additions with fewer than c bits, so the additions with c bits go to stash
    // positions below[c] .. below[c + 1]
    const below = new Int32Array(this.nBits + 2);
    for (let j = 0; j < added; j++) {
      const base = header + (this.sorted + j) * blockStride;
      let count = 0;
      for (let k = 0; k < this.blocks; k++) {
        count += bytes[base + k];
      }
      counts[j] = count;
      below[count + 1]++;
    }
    for (let c = 1; c < below.length; c++) {
      below[c] += below[c - 1];
    }
    const strideInts = stride >> 2;
    const blockInts = blockStride >> 2;
    const stashData = new Int32Array(added * strideInts);
    const stashBlocks = new Int32Array(added * blockInts);
    const stashIds = new Int32Array(added);
    const next = below.slice();
    for (let j = 0; j < added; j++) {
      const s = next[counts[j]]++;
      const p = this.sorted + j;
      Private.copyInts(ints, (data >> 2) + p * strideInts, stashData, s * strideInts, strideInts);
      Private.copyInts(ints, (header >> 2) + p * blockInts, stashBlocks, s * blockInts, blockInts);
      stashIds[s] = this.ids[p];
    }
    const old = this.binStart;
    const binStart = new Int32Array(this.nBits + 2);
    for (let c = 0; c < binStart.length; c++) {
      binStart[c] = old[c] + below[c];
    }
    for (let c = this.nBits; c >= 0; c--) {
      const from = old[c];
      const kept = old[c + 1] - from;
      const to = binStart[c];
      if (kept > 0 && to !== from) {
        bytes.copyWithin(data + to * stride, data + from * stride, data + (from + kept) * stride);
        bytes.copyWithin(
          header + to * blockStride,
          header + from * blockStride,
          header + (from + kept) * blockStride
        );
        this.ids.copyWithin(to, from, from + kept);
      }
      const first = below[c];
      const last = below[c + 1];
      if (last > first) {
        ints.set(
          stashData.subarray(first * strideInts, last * strideInts),
          (data >> 2) + (to + kept) * strideInts
        );
        ints.set(
          stashBlocks.subarray(first * blockInts, last * blockInts),
          (header >> 2) + (to + kept) * blockInts
        );
        this.ids.set(stashIds.subarray(first, last), to + kept);
      }
    }
    this.binStart = binStart;
    this.sorted = this.length;
  }
}

namespace Private {
  export function popcount(byte: number): number {
    let v = byte - ((byte >> 1) & 0x55);
    v = (v & 0x33) + ((v >> 2) & 0x33);
    return (v + (v >> 4)) & 0x0f;
  }

  /** Bits set in a 32-bit word, signed or not. */
  export function popcount32(x: number): number {
    // `| 0` keeps the first step an int32 for the JIT when x is negative.
    let v = (x - ((x >>> 1) & 0x55555555)) | 0;
    v = (v & 0x33333333) + ((v >>> 2) & 0x33333333);
    return Math.imul((v + (v >>> 4)) & 0x0f0f0f0f, 0x01010101) >>> 24;
  }

  /** Bits per 128-bit block of the fingerprint at ints[word...], written to bytes[at...]. */
  export function countBlocks(
    ints: Int32Array,
    word: number,
    words: number,
    bytes: Uint8Array,
    at: number
  ): void {
    for (let w = 0; w < words; w += WORDS_PER_BLOCK) {
      let count = 0;
      const last = Math.min(w + WORDS_PER_BLOCK, words);
      for (let i = w; i < last; i++) {
        count += popcount32(ints[word + i]);
      }
      bytes[at + w / WORDS_PER_BLOCK] = count;
    }
  }

  export function copyInts(
    from: Int32Array,
    start: number,
    to: Int32Array,
    at: number,
    n: number
  ): void {
    for (let i = 0; i < n; i++) {
      to[at + i] = from[start + i];
    }
  }

  /**
   * The fewest common bits with which a fingerprint of b bits scores at least `worst` against a
   * query of a bits (a > 0); min(a, b) + 1 when none does. The score c / (a + b - c) rises with c,
   * also as rounded, so this is exact for the comparisons the heap makes.
   */
  export function threshold(a: number, b: number, worst: number): number {
    let lo = 0;
    let hi = Math.min(a, b) + 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (mid / (a + b - mid) >= worst) {
        hi = mid;
      } else {
        lo = mid + 1;
      }
    }
    return lo;
  }

  export interface Query {
    bits: number;
    /** The query's nonzero 32-bit words, which alone can share bits (JavaScript kernel). */
    wordIndex: Int32Array;
    wordValue: Int32Array;
    /** Its nonzero blocks and their bit counts, which alone add to the block bound. */
    blockIndex: Int32Array;
    blockCount: Int32Array;
  }

  /** JavaScript kernel: what the wasm kernel does, over the query's nonzero words only. */
  export function scanJs(
    q: Query,
    ints: Int32Array,
    bytes: Uint8Array,
    data: number,
    blocks: number,
    n: number,
    layout: Layout,
    threshold: number
  ): number {
    const { wordIndex, wordValue, blockIndex, blockCount } = q;
    const words = wordIndex.length;
    const nonzeroBlocks = blockIndex.length;
    const stride = layout.stride >> 2;
    const blockStride = layout.blockStride;
    const out = layout.out >> 2;
    let found = 0;
    for (let i = 0; i < n; i++, data += stride, blocks += blockStride) {
      if (threshold > 0) {
        let most = 0;
        for (let j = 0; j < nonzeroBlocks; j++) {
          const x = blockCount[j];
          const y = bytes[blocks + blockIndex[j]];
          most += x < y ? x : y;
        }
        if (most < threshold) {
          continue;
        }
      }
      let both = 0;
      for (let j = 0; j < words; j++) {
        both += popcount32(wordValue[j] & ints[data + wordIndex[j]]);
      }
      if (both >= threshold) {
        ints[out + 2 * found] = i;
        ints[out + 2 * found + 1] = both;
        found++;
      }
    }
    return found;
  }

  /**
   * Byte layout of a library's buffer: the query at 0, its block counts at `queryBlocks`, the
   * kernel's output (CHUNK pairs of 32-bit integers) at `out`; from `header` on, the block counts of
   * every stored fingerprint, then the fingerprints themselves. A fingerprint takes whole 32-byte
   * rounds of the wasm kernel and its block counts whole 16-byte vectors, padded with zeros, which
   * count nothing because the query's padding is zero too.
   */
  export interface Layout {
    stride: number;
    blockStride: number;
    queryBlocks: number;
    out: number;
    header: number;
  }

  export function layout(nBits: number): Layout {
    const stride = Math.ceil(nBits / 256) * 32;
    const blockStride = Math.ceil(nBits / 128 / 16) * 16;
    const out = stride + blockStride;
    return { stride, blockStride, queryBlocks: stride, out, header: out + CHUNK * 8 };
  }

  /** The scan function of the wasm kernel; arguments are byte addresses and counts. */
  export type WasmScan = (
    query: number,
    queryBlocks: number,
    data: number,
    blocks: number,
    n: number,
    stride: number,
    blockStride: number,
    threshold: number,
    out: number
  ) => number;

  interface WasmMemory {
    readonly buffer: ArrayBuffer;
    grow(pages: number): number;
  }

  /** What is used of the WebAssembly API, which kernel-lib's TypeScript libraries do not type. */
  interface WasmApi {
    Module: new (bytes: Uint8Array) => object;
    Instance: new (module: object, imports: object) => { exports: { scan: WasmScan } };
    Memory: new (descriptor: { initial: number }) => WasmMemory;
  }

  const PAGE = 65536;
  let compiled: object | null | undefined;

  /** A library's buffer: a WebAssembly memory with the wasm kernel when possible and wanted. */
  export class Store {
    buffer!: ArrayBuffer;
    bytes!: Uint8Array;
    ints!: Int32Array;
    wasmScan?: WasmScan;
    capacity: number;
    dataOffset: number;
    private memory?: WasmMemory;

    constructor(
      readonly layout: Layout,
      capacity: number,
      private readonly wasmAllowed = true
    ) {
      this.capacity = capacity;
      this.dataOffset = layout.header + capacity * layout.blockStride;
      this.allocate(this.bytesFor(capacity), this.wantsWasm(capacity));
    }

    /** Room for `capacity` fingerprints, keeping the first `used`. */
    reserve(capacity: number, used: number): void {
      const { header, stride, blockStride } = this.layout;
      const bytes = this.bytesFor(capacity);
      const dataOffset = header + capacity * blockStride;
      const oldBytes = this.bytes;
      const oldData = this.dataOffset;
      let grown = false;
      if (this.memory) {
        try {
          this.memory.grow(Math.ceil(Math.max(0, bytes - this.buffer.byteLength) / PAGE));
          this.view(this.memory.buffer);
          grown = true;
        } catch {
          // Beyond what WebAssembly can address (4 GiB) or allocate: a plain buffer from now on.
          this.memory = undefined;
          this.wasmScan = undefined;
        }
      }
      if (grown) {
        this.bytes.copyWithin(dataOffset, oldData, oldData + used * stride);
        // What was fingerprint data there is now block counts, padding included, which nothing
        // writes: zero, as everywhere beyond the stored data.
        this.bytes.fill(0, oldData, dataOffset);
      } else {
        this.allocate(bytes, this.wantsWasm(capacity));
        this.bytes.set(oldBytes.subarray(header, header + used * blockStride), header);
        this.bytes.set(oldBytes.subarray(oldData, oldData + used * stride), dataOffset);
      }
      this.capacity = capacity;
      this.dataOffset = dataOffset;
    }

    private wantsWasm(capacity: number): boolean {
      return this.wasmAllowed && capacity >= WASM_MIN_CAPACITY;
    }

    private bytesFor(capacity: number): number {
      return this.layout.header + capacity * (this.layout.blockStride + this.layout.stride);
    }

    private allocate(bytes: number, wasm: boolean): void {
      const api = (globalThis as { WebAssembly?: WasmApi }).WebAssembly;
      if (wasm && api && compiled !== null) {
        try {
          compiled ??= new api.Module(scanModule());
        } catch {
          // WebAssembly not allowed (a Content-Security-Policy without 'wasm-unsafe-eval') or
          // without SIMD: the JavaScript kernel, for every library.
          compiled = null;
        }
        if (compiled) {
          try {
            const memory = new api.Memory({ initial: Math.ceil(bytes / PAGE) });
            this.wasmScan = new api.Instance(compiled, { m: { memory } }).exports.scan;
            this.memory = memory;
            this.view(memory.buffer);
            return;
          } catch {
            // No address space for another memory, or more than it can hold: a plain buffer.
          }
        }
      }
      this.memory = undefined;
      this.wasmScan = undefined;
      this.view(new ArrayBuffer(bytes));
    }

    private view(buffer: ArrayBuffer): void {
      this.buffer = buffer;
      this.bytes = new Uint8Array(buffer);
      this.ints = new Int32Array(buffer);
    }
  }

  /**
   * The wasm kernel, assembled here so that no toolchain is needed. In the text format:
   *
   *   (func (export "scan") (param $q $qb $f $bc $n $stride $bstride $t $out i32) (result i32)
   *     for $i in 0 .. $n:
   *       most = sum of i8x16.min_u(qb[j], bc[j]) over $bstride bytes, widened pairwise
   *       if most >= $t:
   *         both = sum of i64.popcnt(q[j] & f[j]) over $stride bytes, 4 words a round
   *         if both >= $t: out[2 found] = $i; out[2 found + 1] = both; found++
   *       $f += $stride; $bc += $bstride
   *     return found)
   *
   * Memory comes from the importer ("m" "memory"). Scalar 64-bit popcount keeps up with memory
   * where i8x16.popcnt (a byte table lookup in V8) did not: 57 against 37 ms for a million
   * 2048-bit fingerprints on the development VM; unrolling beyond 4 words changed nothing.
   */
  export function scanModule(): Uint8Array {
    const [q, qb, f, bc, n, stride, bstride, t, out] = [0, 1, 2, 3, 4, 5, 6, 7, 8];
    const [i, j, found, pq, end, both, acc, sum] = [9, 10, 11, 12, 13, 14, 15, 16];
    const simd = (code: number, ...immediates: number[]) => [0xfd, ...leb(code), ...immediates];
    const op = {
      block: [0x02, 0x40],
      loop: [0x03, 0x40],
      if: [0x04, 0x40],
      else: [0x05],
      end: [0x0b],
      br: (depth: number) => [0x0c, depth],
      brIf: (depth: number) => [0x0d, depth],
      get: (local: number) => [0x20, local],
      set: (local: number) => [0x21, local],
      tee: (local: number) => [0x22, local],
      i32Const: (value: number) => [0x41, ...sleb(value)],
      i32Add: [0x6a],
      i32GeU: [0x4f],
      i32LtU: [0x49],
      i32Store: (offset: number) => [0x36, 2, offset],
      i64Const0: [0x42, 0],
      i64Load: (offset: number) => [0x29, 3, offset],
      i64And: [0x83],
      i64Popcnt: [0x7b],
      i64Add: [0x7c],
      i32WrapI64: [0xa7],
      v128Load: simd(0x00, 4, 0),
      v128Zero: simd(0x0c, ...new Array<number>(16).fill(0)),
      i8x16MinU: simd(0x77),
      i16x8ExtaddPairwiseI8x16U: simd(0x7d),
      i16x8Add: simd(0x8e),
      i32x4ExtaddPairwiseI16x8U: simd(0x7f),
      i32x4ExtractLane: (lane: number) => simd(0x1b, lane)
    };
    const { get, set, tee } = op;
    const round: number[] = [];
    for (let w = 0; w < 4; w++) {
      round.push(...get(sum), ...get(pq), ...op.i64Load(8 * w), ...get(f), ...op.i64Load(8 * w));
      round.push(...op.i64And, ...op.i64Popcnt, ...op.i64Add, ...set(sum));
    }
    // prettier-ignore
    const body = [
      ...op.block, ...op.loop,
      ...get(i), ...get(n), ...op.i32GeU, ...op.brIf(1),
      // the block bound
      ...op.v128Zero, ...set(acc), ...op.i32Const(0), ...set(j),
      ...op.loop,
      ...get(acc),
      ...get(qb), ...get(j), ...op.i32Add, ...op.v128Load,
      ...get(bc), ...get(j), ...op.i32Add, ...op.v128Load,
      ...op.i8x16MinU, ...op.i16x8ExtaddPairwiseI8x16U, ...op.i16x8Add, ...set(acc),
      ...get(j), ...op.i32Const(16), ...op.i32Add, ...tee(j), ...get(bstride), ...op.i32LtU, ...op.brIf(0),
      ...op.end,
      ...get(acc), ...op.i32x4ExtaddPairwiseI16x8U, ...tee(acc), ...op.i32x4ExtractLane(0),
      ...get(acc), ...op.i32x4ExtractLane(1), ...op.i32Add,
      ...get(acc), ...op.i32x4ExtractLane(2), ...op.i32Add,
      ...get(acc), ...op.i32x4ExtractLane(3), ...op.i32Add,
      ...get(t), ...op.i32GeU,
      ...op.if,
      // the intersection, 32 bytes a round
      ...op.i64Const0, ...set(sum), ...get(q), ...set(pq),
      ...get(f), ...get(stride), ...op.i32Add, ...set(end),
      ...op.loop,
      ...round,
      ...get(pq), ...op.i32Const(32), ...op.i32Add, ...set(pq),
      ...get(f), ...op.i32Const(32), ...op.i32Add, ...tee(f), ...get(end), ...op.i32LtU, ...op.brIf(0),
      ...op.end,
      ...get(sum), ...op.i32WrapI64, ...tee(both), ...get(t), ...op.i32GeU,
      ...op.if,
      ...get(out), ...get(i), ...op.i32Store(0),
      ...get(out), ...get(both), ...op.i32Store(4),
      ...get(out), ...op.i32Const(8), ...op.i32Add, ...set(out),
      ...get(found), ...op.i32Const(1), ...op.i32Add, ...set(found),
      ...op.end,
      ...op.else,
      ...get(f), ...get(stride), ...op.i32Add, ...set(f),
      ...op.end,
      ...get(bc), ...get(bstride), ...op.i32Add, ...set(bc),
      ...get(i), ...op.i32Const(1), ...op.i32Add, ...set(i),
      ...op.br(0),
      ...op.end, ...op.end,
      ...get(found),
      ...op.end
    ];
    const [I32, I64, V128] = [0x7f, 0x7e, 0x7b];
    const locals = [3, 6, I32, 1, V128, 1, I64]; // i, j, found, pq, end, both; acc; sum
    const code = [...locals, ...body];
    const name = (s: string) => [s.length, ...Array.from(s, ch => ch.charCodeAt(0))];
    const section = (id: number, content: number[]) => [id, ...leb(content.length), ...content];
    return new Uint8Array([
      ...[0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00],
      ...section(1, [1, 0x60, 9, ...new Array<number>(9).fill(I32), 1, I32]),
      ...section(2, [1, ...name('m'), ...name('memory'), 0x02, 0x00, 0x01]),
      ...section(3, [1, 0]),
      ...section(7, [1, ...name('scan'), 0x00, 0]),
      ...section(10, [1, ...leb(code.length), ...code])
    ]);
  }

  function leb(value: number): number[] {
    const bytes: number[] = [];
    do {
      const low = value & 0x7f;
      value >>>= 7;
      bytes.push(value === 0 ? low : low | 0x80);
    } while (value !== 0);
    return bytes;
  }

  function sleb(value: number): number[] {
    const bytes: number[] = [];
    for (;;) {
      const low = value & 0x7f;
      value >>= 7;
      if ((value === 0 && (low & 0x40) === 0) || (value === -1 && (low & 0x40) !== 0)) {
        bytes.push(low);
        return bytes;
      }
      bytes.push(low | 0x80);
    }
  }

  /** A bounded min-heap on (similarity, -index): the worst kept hit is at the root. */
  export class TopK {
    private readonly indices: Int32Array;
    private readonly scores: Float64Array;
    private n = 0;

    constructor(private readonly capacity: number) {
      this.indices = new Int32Array(Math.max(capacity, 1));
      this.scores = new Float64Array(Math.max(capacity, 1));
    }

    full(): boolean {
      return this.n === this.capacity;
    }

    worst(): number {
      return this.scores[0];
    }

    offer(index: number, score: number): void {
      if (this.capacity === 0) {
        return;
      }
      if (this.n < this.capacity) {
        this.indices[this.n] = index;
        this.scores[this.n] = score;
        this.up(this.n++);
      } else if (this.better(index, score, 0)) {
        this.indices[0] = index;
        this.scores[0] = score;
        this.down(0);
      }
    }

    sorted(): SimilarityHit[] {
      const hits: SimilarityHit[] = [];
      for (let i = 0; i < this.n; i++) {
        hits.push({ index: this.indices[i], similarity: this.scores[i] });
      }
      return hits.sort((x, y) => y.similarity - x.similarity || x.index - y.index);
    }

    /** Whether (index, score) ranks above the hit at heap position p. */
    private better(index: number, score: number, p: number): boolean {
      return score > this.scores[p] || (score === this.scores[p] && index < this.indices[p]);
    }

    private swap(i: number, j: number): void {
      const index = this.indices[i];
      const score = this.scores[i];
      this.indices[i] = this.indices[j];
      this.scores[i] = this.scores[j];
      this.indices[j] = index;
      this.scores[j] = score;
    }

    private up(i: number): void {
      while (i > 0) {
        const parent = (i - 1) >> 1;
        if (!this.better(this.indices[parent], this.scores[parent], i)) {
          break;
        }
        this.swap(i, parent);
        i = parent;
      }
    }

    private down(i: number): void {
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let worst = i;
        if (l < this.n && this.better(this.indices[worst], this.scores[worst], l)) {
          worst = l;
        }
        if (r < this.n && this.better(this.indices[worst], this.scores[worst], r)) {
          worst = r;
        }
        if (worst === i) {
          return;
        }
        this.swap(i, worst);
        i = worst;
      }
    }
  }
}
