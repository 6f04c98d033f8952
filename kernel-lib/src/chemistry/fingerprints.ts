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
 * Fingerprints held in one typed array, searched by Tanimoto top-k.
 *
 * The search visits fingerprints in order of their bit count, nearest to the query's first: a
 * fingerprint with b bits cannot exceed min(a, b) / max(a, b) against a query with a bits
 * (Swamidass & Baldi, J. Chem. Inf. Model. 47 (2007) 302), so the scan stops once that bound falls
 * below the k-th best similarity found. Within a bin, a second bound skips most candidates before
 * the full comparison: with the bits counted per 128-bit block, the intersection cannot exceed
 * the sum over blocks of the smaller count. Results are exact, ties broken by the smaller index.
 */
export class FingerprintLibrary {
  readonly nBits: number;
  private readonly words: number;
  private data: Uint32Array;
  private counts: Uint16Array;
  /** Bits set in each 128-bit block of each fingerprint. */
  private blockCounts: Uint8Array;
  private readonly blocks: number;
  private length = 0;
  private order?: Int32Array;
  private binStart?: Int32Array;

  constructor(nBits = 2048, initialCapacity = 1024) {
    if (!Number.isInteger(nBits) || nBits <= 0 || nBits % 32 !== 0) {
      throw new RangeError(`nBits must be a positive multiple of 32, got ${nBits}`);
    }
    this.nBits = nBits;
    this.words = nBits / 32;
    this.blocks = Math.ceil(this.words / WORDS_PER_BLOCK);
    this.data = new Uint32Array(this.words * initialCapacity);
    this.counts = new Uint16Array(initialCapacity);
    this.blockCounts = new Uint8Array(this.blocks * initialCapacity);
  }

  get size(): number {
    return this.length;
  }

  /** Add a packed fingerprint; returns its index. */
  add(fp: Uint8Array): number {
    if (fp.length * 8 !== this.nBits) {
      throw new RangeError(`fingerprint has ${fp.length * 8} bits, the library ${this.nBits}`);
    }
    if (this.length === this.counts.length) {
      this.grow();
    }
    const view = new Uint32Array(fp.buffer.slice(fp.byteOffset, fp.byteOffset + fp.byteLength));
    const offset = this.length * this.words;
    let count = 0;
    for (let w = 0; w < this.words; w++) {
      this.data[offset + w] = view[w];
      const bits = Private.popcount32(view[w]);
      count += bits;
      this.blockCounts[this.length * this.blocks + Math.floor(w / WORDS_PER_BLOCK)] += bits;
    }
    this.counts[this.length] = count;
    this.order = undefined;
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
    const q = new Uint32Array(
      query.buffer.slice(query.byteOffset, query.byteOffset + query.byteLength)
    );
    let a = 0;
    const queryBlocks = new Uint8Array(this.blocks);
    for (let w = 0; w < this.words; w++) {
      const bits = Private.popcount32(q[w]);
      a += bits;
      queryBlocks[Math.floor(w / WORDS_PER_BLOCK)] += bits;
    }
    const blocks = this.blocks;
    const blockCounts = this.blockCounts;
    const heap = new Private.TopK(Math.min(k, this.length));
    const order = this.order!;
    const binStart = this.binStart!;
    const bound = (b: number): number => (a === 0 && b === 0 ? 0 : Math.min(a, b) / Math.max(a, b));
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
      for (let p = binStart[b]; p < binStart[b + 1]; p++) {
        const index = order[p];
        if (heap.full()) {
          let most = 0;
          const base = index * blocks;
          for (let k = 0; k < blocks; k++) {
            const x = queryBlocks[k];
            const y = blockCounts[base + k];
            most += x < y ? x : y;
          }
          const bestPossible = a + b - most === 0 ? 0 : most / (a + b - most);
          if (bestPossible < heap.worst()) {
            continue;
          }
        }
        const offset = index * this.words;
        let both = 0;
        for (let w = 0; w < this.words; w++) {
          both += Private.popcount32(q[w] & this.data[offset + w]);
        }
        const union = a + b - both;
        heap.offer(index, union === 0 ? 0 : both / union);
      }
    }
    return heap.sorted();
  }

  private grow(): void {
    const capacity = this.counts.length * 2;
    const data = new Uint32Array(this.words * capacity);
    data.set(this.data);
    const counts = new Uint16Array(capacity);
    counts.set(this.counts);
    const blockCounts = new Uint8Array(this.blocks * capacity);
    blockCounts.set(this.blockCounts);
    this.data = data;
    this.counts = counts;
    this.blockCounts = blockCounts;
  }

  /** Counting sort of the fingerprints by their bit count, redone after additions. */
  private index(): void {
    if (this.order) {
      return;
    }
    const binStart = new Int32Array(this.nBits + 2);
    for (let i = 0; i < this.length; i++) {
      binStart[this.counts[i] + 1]++;
    }
    for (let c = 1; c < binStart.length; c++) {
      binStart[c] += binStart[c - 1];
    }
    const next = binStart.slice();
    const order = new Int32Array(this.length);
    for (let i = 0; i < this.length; i++) {
      order[next[this.counts[i]]++] = i;
    }
    this.order = order;
    this.binStart = binStart;
  }
}

namespace Private {
  export function popcount(byte: number): number {
    let v = byte - ((byte >> 1) & 0x55);
    v = (v & 0x33) + ((v >> 2) & 0x33);
    return (v + (v >> 4)) & 0x0f;
  }

  export function popcount32(x: number): number {
    let v = x - ((x >>> 1) & 0x55555555);
    v = (v & 0x33333333) + ((v >>> 2) & 0x33333333);
    return (Math.imul((v + (v >>> 4)) & 0x0f0f0f0f, 0x01010101) >>> 24) & 0xff;
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
