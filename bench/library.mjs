// bench/library: a deterministic virtual screening library of small organic molecules of the kinds
// a cryoprotectant screen looks at (polyols and sugar alcohols, ethers, amides, ureas, esters and
// acids, carbamates, carbonates, amines, amine oxides, sulfoxides, sulfones, nitriles, amino acids,
// saturated heterocycles), written as SMILES strings straight from rules: no RDKit in the
// generation path, 1,000,000 in about 2 s. Every molecule is a single structure (no '.'), valid by
// construction, distinct from all others, with 4 to 40 heavy atoms, uncharged except the amine
// oxides' [N+][O-], without stereochemistry.
//
// RULES
// Fragments are acyclic C/OH groups bonded to the rest through one carbon (their root): sp3
// carbons, at most one OH per carbon (no gem-diols), at most four heavy neighbours per carbon:
//   - every such fragment with at most 10 heavy atoms (7,034), and
//   - the unbranched ones with more heavy atoms, up to 12 carbons, rooted at an end carbon, with
//     every OH pattern (7,959 sugar-alcohol-like and alkyl chains of 11 to 24 heavy atoms).
// A slot takes a fragment, or H where marked "+H". X slots sit on a heteroatom or a nitrile
// carbon and take only fragments without an OH on the root carbon (no hemiacetals, hemiaminals,
// cyanohydrins); C slots sit on a carbon and take any fragment. The families (slots in braces are
// interchangeable):
//   polyol        a whole C/OH tree with at least one OH: every one with at most 11 heavy atoms
//                 (2,854), and the unbranched ones with 12 or more, up to 16 carbons (65,827)
//   ether         {X, X} O                     ketone/aldehyde {C+H, C+H} C=O
//   ester/acid    C+H C(=O)O X+H               amide           C+H C(=O)N {X+H, X+H}
//   urea          N{X+H, X+H} C(=O) N{X+H, X+H}, the two N groups interchangeable too
//   carbamate     X OC(=O)N {X+H, X+H}         carbonate       {X, X} OC(=O)O
//   amine         N {X+H, X+H, X+H}            amine oxide     [N+]([O-]) {X, X, X}
//   sulfoxide     {X, X} S(=O)                 sulfone         {X, X} S(=O)(=O)
//   nitrile       X C#N                        amino acid      N{X+H, X+H} C{C+H, C+H} C(=O)O
//   ring          one of 20 saturated rings (cyclopentane, cyclohexane, oxetane, THF, THP, 1,4-
//                 and 1,3-dioxane, 1,3-dioxolane, pyrrolidine, piperidine, morpholine, piperazine,
//                 2-pyrrolidinone, 2-piperidinone, gamma-butyrolactone, ethylene and trimethylene
//                 carbonate, 2-oxazolidinone, 2-imidazolidinone, sulfolane: RINGS below) with one
//                 substituent at one of 49 listed positions, one per symmetry class of ring atoms:
//                 a fragment on carbon (or a plain OH where both ring neighbours of that carbon are
//                 carbons), an X fragment on nitrogen; the bare ring once, at its position marked
//                 h (none for the two cycloalkanes).
// Heavy atoms: 4 to 40 (fewer or more are not made).
//
// WHY THEY ARE DISTINCT (by construction; `--check` and `--check-upto` confirm it with RDKit)
// Call skeleton atoms the sp3 carbons and the O atoms whose only heavy neighbour is an sp3 carbon
// (hydroxyls); all others are linker atoms. Fragments are skeleton atoms only; every template's
// own atoms (S=O, N, C(=O)O, C#N, ...) are linker atoms, except the amino acids' alpha carbon. So
// the molecule alone tells its family: no linker atom and no ring: polyol; a ring: ring (the
// one ring, with its =O atoms, is one of the list, fragments being acyclic); otherwise the linker
// atoms form one connected group whose structure differs from family to family (the amino acids:
// two groups, N and COOH, joined through the alpha carbon). Cutting the bonds from the linker
// group (the ring, the alpha carbon) leaves the fragments, each hanging from a known template atom.
// Fragments are rooted trees made once per isomorphism class (a root label and a multiset of
// branches, each branch one of the classes made before, taken in nonincreasing order; chains are
// heavier than every branched fragment, so no overlap). So a molecule gives back its family, its
// template and its slot contents up to swaps of interchangeable slots, and of each set of tuples
// related by such swaps only one is made: the smallest by (fragment sizes, then positions in the
// size's list). Polyols are made once per tree by rooting it at its centre: one carbon with at
// least two branches of the largest depth, or one C-C bond joining two branches of equal depth
// taken once as an unordered pair; the long unbranched ones once per pair of reading directions.
// Ring positions are one per symmetry class. Hence no molecule is made twice.
//
// HOW MANY
// The rules allow 63,580,064,018,985 distinct molecules (6.4e13), counted exactly from the
// templates' symmetry by Burnside's lemma (`--count`: per heavy-atom count and family): 93,740
// with at most 12 heavy atoms, 2,674,050 with at most 16, 6,011,454 with at most 17.
//
// ORDER (fixed)
// By heavy-atom count ("level", 4..40). Within a level each family has its own walk over its tuples
// (listed by template, size vector and fragment positions): a fixed start and a golden-ratio
// stride coprime with their number, skipping non-canonical tuples, i.e. a pseudo-random
// permutation spread over every size vector. The library is then read round after round, each
// level in turn giving one molecule, from its families in turn (level l starts at family l mod 15);
// small levels run out first (all 36,817 molecules of 4..11 atoms are among the first 738,762).
// So any prefix is spread over the sizes and families. The i-th molecule (1-based) has the id
// L + i, padded to 7 digits.
//
//   node bench/library.mjs [--size 100000] [--format smi|csv] [--out FILE]   (stdout without --out)
//   node bench/library.mjs --check 20000 [--of 1000000]   RDKit on 20,000 spread over the first 1M
//   node bench/library.mjs --check-upto 12     RDKit on every molecule of 4..12 heavy atoms
//   node bench/library.mjs --count             distinct molecules per heavy-atom count and family
import { once } from 'node:events';
import { createWriteStream } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const MIN_HEAVY = 4;
export const MAX_HEAVY = 40;
const BRANCHED_MAX = 10;
const CHAIN_MAX_CARBONS = 12;
const POLYOL_BRANCHED_MAX = 11;
const POLYOL_CHAIN_MAX_CARBONS = 16;

const branch = s => (s ? `(${s})` : '');

// A fragment: f = SMILES starting at the root, b = SMILES ending at the root (so that a linker
// written right after it bonds to the root), heavy atoms, depth in carbons (a lone carbon: 0),
// whether the root carries the OH, number of OH.
const HYDROGEN = { f: '', b: '', heavy: 0, height: -1, rootOH: 0, ohs: 0 };
const HYDROXY = { f: 'O', b: 'O', heavy: 1, height: 0, rootOH: 0, ohs: 1 };

function treeFragment(oh, kids) {
  // kids in nonincreasing class order: the first (largest) is the main chain.
  const tail = kids.map(k => k.f).reverse();
  const items = oh ? ['O', ...tail] : tail;
  const f = 'C' + items.slice(0, -1).map(branch).join('') + (items.at(-1) ?? '');
  const b =
    kids.length === 0
      ? oh
        ? 'OC'
        : 'C'
      : kids[0].b +
        'C' +
        (oh ? ['O', ...kids.slice(1).map(k => k.f)] : kids.slice(1).map(k => k.f))
          .map(branch)
          .join('');
  let heavy = 1 + oh;
  let height = 0;
  let ohs = oh;
  for (const k of kids) {
    heavy += k.heavy;
    height = Math.max(height, k.height + 1);
    ohs += k.ohs;
  }
  return { f, b, heavy, height, rootOH: oh, ohs };
}

/** Unbranched chain of n carbons, OH on carbon i when bit i of bits is set (carbon 0 = root). */
function chainFragment(n, bits) {
  let f = '';
  let b = '';
  let ohs = 0;
  for (let i = 0; i < n; i++) {
    const oh = (bits >> i) & 1;
    ohs += oh;
    f += i === n - 1 ? (oh ? 'CO' : 'C') : oh ? 'C(O)' : 'C';
    b = (i === n - 1 ? (oh ? 'OC' : 'C') : oh ? 'C(O)' : 'C') + b;
  }
  return { f, b, heavy: n + ohs, height: n - 1, rootOH: bits & 1, ohs };
}

/** A whole unbranched chain, OH on carbon i when bit i of bits is set. */
function chainSmiles(n, bits) {
  let s = '';
  for (let i = 0; i < n; i++) {
    const oh = (bits >> i) & 1;
    s += !oh ? 'C' : i === 0 ? 'OC' : i === n - 1 ? 'CO' : 'C(O)';
  }
  return s;
}

/**
 * Calls visit(picked) for every multiset of pool members (pool sorted by heavy atoms; members
 * picked in nonincreasing index order) with minK..maxK members and `budget` heavy atoms in all.
 */
function multisets(pool, budget, minK, maxK, visit) {
  const picked = [];
  const rec = (remaining, maxIndex) => {
    if (remaining === 0) {
      if (picked.length >= minK) {
        visit(picked);
      }
      return;
    }
    const room = maxK - picked.length;
    if (room === 0) {
      return;
    }
    for (let i = maxIndex; i >= 0; i--) {
      const h = pool[i].heavy;
      if (h * room < remaining) {
        return; // indices only get lighter
      }
      if (h <= remaining) {
        picked.push(pool[i]);
        rec(remaining - h, i);
        picked.pop();
      }
    }
  };
  rec(budget, pool.length - 1);
}

const popcount = x => {
  let c = 0;
  for (; x; x &= x - 1) {
    c++;
  }
  return c;
};

function reverseBits(bits, n) {
  let r = 0;
  for (let i = 0; i < n; i++) {
    r |= ((bits >> i) & 1) << (n - 1 - i);
  }
  return r;
}

function buildPools() {
  // Rooted fragments, one per isomorphism class, by heavy atoms.
  const branched = [];
  const fragments = [[]];
  for (let h = 1; h <= BRANCHED_MAX; h++) {
    const list = [];
    for (const oh of [0, 1]) {
      if (h - 1 - oh >= 0) {
        multisets(branched, h - 1 - oh, 0, 3 - oh, kids => list.push(treeFragment(oh, kids)));
      }
    }
    fragments[h] = list;
    for (const x of list) {
      branched.push(x);
    }
  }
  for (let n = 2; n <= CHAIN_MAX_CARBONS; n++) {
    for (let bits = 0; bits < 1 << n; bits++) {
      const heavy = n + popcount(bits);
      if (heavy > BRANCHED_MAX) {
        (fragments[heavy] ??= []).push(chainFragment(n, bits));
      }
    }
  }
  // Whole polyols, rooted at their centre.
  const polyols = [];
  const add = (heavy, smiles) => (polyols[heavy] ??= []).push({ f: smiles, b: smiles, heavy });
  for (let heavy = 2; heavy <= POLYOL_BRANCHED_MAX; heavy++) {
    for (const oh of [0, 1]) {
      multisets(branched, heavy - 1 - oh, 2, 4 - oh, kids => {
        const top = kids.reduce((m, k) => Math.max(m, k.height), 0);
        if (kids.filter(k => k.height === top).length >= 2 && kids.some(k => k.ohs) + oh > 0) {
          const rest = (oh ? ['O'] : []).concat(kids.slice(1).map(k => k.f));
          add(heavy, kids[0].b + 'C' + rest.slice(0, -1).map(branch).join('') + rest.at(-1));
        }
      });
    }
    for (let ha = 1; 2 * ha <= heavy; ha++) {
      const left = fragments[ha];
      const right = fragments[heavy - ha];
      for (let i = 0; i < left.length; i++) {
        for (let j = ha === heavy - ha ? i : 0; j < right.length; j++) {
          const a = left[i];
          const c = right[j];
          if (a.height === c.height && a.ohs + c.ohs > 0) {
            add(heavy, a.b + c.f);
          }
        }
      }
    }
  }
  for (let n = 2; n <= POLYOL_CHAIN_MAX_CARBONS; n++) {
    for (let bits = 1; bits < 1 << n; bits++) {
      const heavy = n + popcount(bits);
      if (heavy > POLYOL_BRANCHED_MAX && bits <= reverseBits(bits, n)) {
        add(heavy, chainSmiles(n, bits));
      }
    }
  }
  return { fragments, polyols };
}

const { fragments: FRAGMENTS, polyols: POLYOLS } = buildPools();

// Slot kinds: lists of candidates by heavy atoms.
const kindCache = new Map();
function kind(spec) {
  let buckets = kindCache.get(spec);
  if (buckets) {
    return buckets;
  }
  const base = spec[0];
  const source = base === 'P' ? POLYOLS : FRAGMENTS;
  buckets = source.map(list => (list ?? []).filter(x => base !== 'X' || !x.rootOH));
  if (spec.includes('o')) {
    buckets[1] = [HYDROXY, ...buckets[1]];
  }
  buckets[0] = spec.includes('h') ? [HYDROGEN] : [];
  kindCache.set(spec, buckets);
  return buckets;
}

/** All non-identity elements of the permutation group the generators make. */
function group(n, generators) {
  const id = [...Array(n).keys()];
  const seen = new Map([[id.join(), id]]);
  const todo = [id];
  while (todo.length) {
    const p = todo.pop();
    for (const g of generators) {
      const q = p.map(i => g[i]);
      if (!seen.has(q.join())) {
        seen.set(q.join(), q);
        todo.push(q);
      }
    }
  }
  seen.delete(id.join());
  return [...seen.values()];
}

const SMILES_ATOM = /\[[^\]]+\]|Cl|Br|[BCNOSPFI]|[bcnops]/g;
const countAtoms = smiles => (smiles.match(SMILES_ATOM) ?? []).length;

function shape(name, kinds, generators, core, build) {
  return { name, kinds, perms: group(kinds.length, generators), core, build };
}

const SWAP2 = [[1, 0]];
const S3 = [
  [1, 0, 2],
  [0, 2, 1]
];
// Ring templates; '(*)' marks the substituted atom. Flags: h = the bare ring comes from this
// position, o = OH allowed there, n = a nitrogen (X slot).
const RINGS = [
  ['C1CCC(*)C1', 'o'],
  ['C1CCC(*)CC1', 'o'],
  ['O1C(*)CC1', 'h', 'O1CC(*)C1', 'o'],
  ['O1C(*)CCC1', 'h', 'O1CC(*)CC1', 'o'],
  ['O1C(*)CCCC1', 'h', 'O1CC(*)CCC1', 'o', 'O1CCC(*)CC1', 'o'],
  ['O1C(*)COCC1', 'h'],
  ['O1C(*)OCC1', 'h', 'O1COC(*)C1', ''],
  ['O1C(*)OCCC1', 'h', 'O1COC(*)CC1', '', 'O1COCC(*)C1', 'o'],
  ['C1CCN(*)C1', 'nh', 'N1C(*)CCC1', '', 'N1CC(*)CC1', 'o'],
  ['C1CCN(*)CC1', 'nh', 'N1C(*)CCCC1', '', 'N1CC(*)CCC1', 'o', 'N1CCC(*)CC1', 'o'],
  ['O1CCN(*)CC1', 'nh', 'O1C(*)CNCC1', '', 'O1CC(*)NCC1', ''],
  ['N1CCN(*)CC1', 'nh', 'N1C(*)CNCC1', ''],
  ['O=C1CCCN1(*)', 'nh', 'O=C1C(*)CCN1', 'o', 'O=C1CC(*)CN1', 'o', 'O=C1CCC(*)N1', ''],
  [
    ...['O=C1CCCCN1(*)', 'nh', 'O=C1C(*)CCCN1', 'o', 'O=C1CC(*)CCN1', 'o'],
    ...['O=C1CCC(*)CN1', 'o', 'O=C1CCCC(*)N1', '']
  ],
  ['O=C1C(*)CCO1', 'ho', 'O=C1CC(*)CO1', 'o', 'O=C1CCC(*)O1', ''],
  ['O=C1OCC(*)O1', 'h'],
  ['O=C1OCC(*)CO1', 'ho', 'O=C1OC(*)CCO1', ''],
  ['O=C1N(*)CCO1', 'nh', 'O=C1NC(*)CO1', '', 'O=C1NCC(*)O1', ''],
  ['O=C1NCCN1(*)', 'nh', 'O=C1NCC(*)N1', ''],
  ['O=S1(=O)C(*)CCC1', 'h', 'O=S1(=O)CC(*)CC1', 'o']
];

const FAMILIES = [
  { name: 'polyol', shapes: [shape('polyol', ['P'], [], 0, ([a]) => a.f)] },
  { name: 'ether', shapes: [shape('ether', ['X', 'X'], SWAP2, 1, ([a, b]) => a.b + 'O' + b.f)] },
  {
    name: 'ketone',
    shapes: [shape('ketone', ['Ch', 'Ch'], SWAP2, 2, ([a, b]) => a.b + 'C(=O)' + b.f)]
  },
  {
    name: 'ester',
    shapes: [shape('ester', ['Ch', 'Xh'], [], 3, ([a, b]) => a.b + 'C(=O)O' + b.f)]
  },
  {
    name: 'amide',
    shapes: [
      shape(
        'amide',
        ['Ch', 'Xh', 'Xh'],
        [[0, 2, 1]],
        3,
        ([a, b, c]) => a.b + 'C(=O)N' + branch(b.f) + c.f
      )
    ]
  },
  {
    name: 'urea',
    shapes: [
      shape(
        'urea',
        ['Xh', 'Xh', 'Xh', 'Xh'],
        [
          [1, 0, 2, 3],
          [0, 1, 3, 2],
          [2, 3, 0, 1]
        ],
        4,
        ([a, b, c, d]) => b.b + 'N' + branch(a.f) + 'C(=O)N' + branch(c.f) + d.f
      )
    ]
  },
  {
    name: 'carbamate',
    shapes: [
      shape(
        'carbamate',
        ['X', 'Xh', 'Xh'],
        [[0, 2, 1]],
        4,
        ([a, b, c]) => a.b + 'OC(=O)N' + branch(b.f) + c.f
      )
    ]
  },
  {
    name: 'carbonate',
    shapes: [shape('carbonate', ['X', 'X'], SWAP2, 4, ([a, b]) => a.b + 'OC(=O)O' + b.f)]
  },
  {
    name: 'amine',
    shapes: [
      shape('amine', ['Xh', 'Xh', 'Xh'], S3, 1, ([a, b, c]) => c.b + 'N' + branch(a.f) + b.f)
    ]
  },
  {
    name: 'amine oxide',
    shapes: [
      shape(
        'amine oxide',
        ['X', 'X', 'X'],
        S3,
        2,
        ([a, b, c]) => c.b + '[N+]([O-])' + branch(a.f) + b.f
      )
    ]
  },
  {
    name: 'sulfoxide',
    shapes: [shape('sulfoxide', ['X', 'X'], SWAP2, 2, ([a, b]) => a.b + 'S(=O)' + b.f)]
  },
  {
    name: 'sulfone',
    shapes: [shape('sulfone', ['X', 'X'], SWAP2, 3, ([a, b]) => a.b + 'S(=O)(=O)' + b.f)]
  },
  { name: 'nitrile', shapes: [shape('nitrile', ['X'], [], 2, ([a]) => a.b + 'C#N')] },
  {
    name: 'amino acid',
    shapes: [
      shape(
        'amino acid',
        ['Xh', 'Xh', 'Ch', 'Ch'],
        [
          [1, 0, 2, 3],
          [0, 1, 3, 2]
        ],
        5,
        ([a, b, c, d]) => b.b + 'N' + branch(a.f) + 'C' + branch(c.f) + branch(d.f) + 'C(=O)O'
      )
    ]
  },
  {
    name: 'ring',
    shapes: RINGS.flatMap(ring => {
      const out = [];
      for (let i = 0; i < ring.length; i += 2) {
        const [pre, post] = ring[i].split('(*)');
        const flags = ring[i + 1];
        const spec = (flags.includes('n') ? 'X' : 'C') + flags.replace('n', '');
        out.push(
          shape(ring[i], [spec], [], countAtoms(pre + post), ([a]) => pre + branch(a.f) + post)
        );
      }
      return out;
    })
  }
];

const lexLess = (a, b) => {
  for (let i = 0; i < a.length; i++) {
    if (a[i] !== b[i]) {
      return a[i] < b[i];
    }
  }
  return false;
};

/**
 * The blocks of one family at one heavy-atom count: for each template and each size vector that
 * is the smallest of its symmetry class, the product of the slots' candidate lists.
 */
function blocksOf(family, level) {
  const blocks = [];
  for (const sh of family.shapes) {
    const buckets = sh.kinds.map(kind);
    const target = level - sh.core;
    const sizes = new Array(sh.kinds.length);
    const rec = (slot, remaining) => {
      if (slot === sizes.length) {
        if (remaining !== 0) {
          return;
        }
        // The smallest size vector of its class; perms that keep it are the stabilizer.
        const stab = [];
        for (const g of sh.perms) {
          const image = g.map(i => sizes[i]);
          if (lexLess(image, sizes)) {
            return;
          }
          if (!lexLess(sizes, image)) {
            stab.push(g);
          }
        }
        const lists = sizes.map((s, i) => buckets[i][s]);
        const product = lists.reduce((p, l) => p * l.length, 1);
        if (product > 0) {
          blocks.push({ shape: sh, lists, product, stab, sizes: sizes.slice() });
        }
        return;
      }
      const b = buckets[slot];
      for (let s = 0; s <= remaining && s < b.length; s++) {
        if (b[s]?.length) {
          sizes[slot] = s;
          rec(slot + 1, remaining - s);
        }
      }
    };
    if (target >= 0) {
      rec(0, target);
    }
  }
  return blocks;
}

/** Distinct molecules of one block: orbits of the size vector's stabilizer (Burnside). */
function blockCount(block) {
  let fixed = block.product;
  for (const g of block.stab) {
    let f = 1;
    const seen = new Array(g.length).fill(false);
    for (let i = 0; i < g.length; i++) {
      if (!seen[i]) {
        f *= block.lists[i].length;
        for (let j = i; !seen[j]; j = g[j]) {
          seen[j] = true;
        }
      }
    }
    fixed += f;
  }
  return fixed / (block.stab.length + 1);
}

const gcd = (a, b) => {
  while (b) {
    [a, b] = [b, a % b];
  }
  return a;
};

/** The walk of one family at one level: next() gives the next SMILES or null when done. */
function familyWalk(family, level) {
  const blocks = blocksOf(family, level);
  const starts = new Float64Array(blocks.length);
  let total = 0;
  blocks.forEach((b, i) => {
    starts[i] = total;
    total += b.product;
  });
  if (total >= 2 ** 52) {
    throw new Error(`${family.name} at ${level} heavy atoms: ${total} tuples, too many`);
  }
  let step = Math.floor(total * 0.6180339887498949);
  while (gcd(step, total) !== 1) {
    step++;
  }
  // Start somewhere different for every family and level (fixed), then stride.
  const phase = (level * 0.6180339887498949 + FAMILIES.indexOf(family) * 0.4142135623730951) % 1;
  let x = Math.min(total - 1, Math.floor(total * phase));
  let visited = 0;
  return {
    family: family.name,
    level,
    blocks,
    next() {
      while (visited < total) {
        let lo = 0;
        let hi = blocks.length - 1;
        while (lo < hi) {
          const mid = (lo + hi + 1) >> 1;
          if (starts[mid] <= x) {
            lo = mid;
          } else {
            hi = mid - 1;
          }
        }
        const block = blocks[lo];
        let r = x - starts[lo];
        visited++;
        x += step;
        if (x >= total) {
          x -= total;
        }
        const lists = block.lists;
        const pos = new Array(lists.length);
        for (let i = 0; i < lists.length; i++) {
          const len = lists[i].length;
          pos[i] = r % len;
          r = (r - pos[i]) / len;
        }
        let canonical = true;
        for (const g of block.stab) {
          for (let i = 0; i < pos.length; i++) {
            const other = pos[g[i]];
            if (other !== pos[i]) {
              canonical = pos[i] < other;
              break;
            }
          }
          if (!canonical) {
            break;
          }
        }
        if (canonical) {
          return block.shape.build(pos.map((p, i) => lists[i][p]));
        }
      }
      return null;
    }
  };
}

/** Every molecule of one heavy-atom count, family by family: [smiles, family]. */
export function* levelMolecules(level) {
  for (const family of FAMILIES) {
    const walk = familyWalk(family, level);
    for (let s = walk.next(); s !== null; s = walk.next()) {
      yield [s, family.name];
    }
  }
}

/** The library in its fixed order: [smiles, heavy atoms, family]. */
export function* enumerateDetailed() {
  const levels = [];
  for (let level = MIN_HEAVY; level <= MAX_HEAVY; level++) {
    levels.push({ level, walks: FAMILIES.map(f => familyWalk(f, level)), turn: level });
  }
  let active = levels;
  while (active.length) {
    for (const lv of active) {
      while (lv.walks.length) {
        const k = lv.turn % lv.walks.length;
        const smiles = lv.walks[k].next();
        if (smiles === null) {
          lv.walks.splice(k, 1);
          continue;
        }
        lv.turn = k + 1;
        yield [smiles, lv.level, lv.walks[k].family];
        break;
      }
    }
    active = active.filter(lv => lv.walks.length);
  }
}

export const libraryId = i => `L${String(i).padStart(7, '0')}`;

/** The library in its fixed order: { id, smiles }, ids L0000001, L0000002, ... */
export function* enumerateLibrary() {
  let i = 0;
  for (const [smiles] of enumerateDetailed()) {
    yield { id: libraryId(++i), smiles };
  }
}

/** The first n SMILES. */
export function librarySmiles(n) {
  const out = [];
  if (n <= 0) {
    return out;
  }
  for (const [smiles] of enumerateDetailed()) {
    out.push(smiles);
    if (out.length === n) {
      break;
    }
  }
  return out;
}

/** The first n lines of the .smi ("SMILES id") or .csv ("id,smiles", no header) form. */
export function libraryLines(n, format = 'smi') {
  return librarySmiles(n).map((s, i) =>
    format === 'csv' ? `${libraryId(i + 1)},${s}` : `${s} ${libraryId(i + 1)}`
  );
}

/** Distinct molecules the rules allow, per heavy-atom count and family. */
export function libraryCounts() {
  const rows = [];
  for (let level = MIN_HEAVY; level <= MAX_HEAVY; level++) {
    const byFamily = {};
    let total = 0;
    for (const family of FAMILIES) {
      const n = blocksOf(family, level).reduce((s, b) => s + blockCount(b), 0);
      byFamily[family.name] = n;
      total += n;
    }
    rows.push({ level, total, byFamily });
  }
  return rows;
}

// ---------------------------------------------------------------------------------------------
// CLI

/** Resolves when the stream wants more, or is gone. */
function drained(out) {
  return new Promise(resolve => {
    const done = () => {
      out.off('drain', done);
      out.off('close', done);
      resolve();
    };
    out.on('drain', done);
    out.on('close', done);
  });
}

async function write(size, format, file) {
  const out = file ? createWriteStream(file) : process.stdout;
  let closed = false;
  out.on('error', error => {
    if (error.code !== 'EPIPE' && error.code !== 'ERR_STREAM_DESTROYED') {
      throw error;
    }
    closed = true; // the reader (head, ...) has had enough
  });
  let chunk = format === 'csv' ? 'id,smiles\n' : '';
  let i = 0;
  for (const [smiles] of enumerateDetailed()) {
    if (i === size || closed || out.destroyed) {
      break;
    }
    i++;
    chunk += format === 'csv' ? `${libraryId(i)},${smiles}\n` : `${smiles} ${libraryId(i)}\n`;
    if (chunk.length > 1 << 16) {
      if (!out.write(chunk)) {
        await drained(out);
      }
      chunk = '';
    }
  }
  if (closed || out.destroyed) {
    return;
  }
  if (i < size) {
    throw new Error(`the rules give only ${i} molecules`);
  }
  out.write(chunk);
  if (file) {
    out.end();
    await once(out, 'finish');
  }
}

/** RDKit: parses, no '.', heavy atoms as designed and in range, canonical SMILES distinct. */
async function check(items, label) {
  const { loadRDKit } = await import('@cryoprotect/kernel');
  const rdkit = await loadRDKit();
  const t0 = performance.now();
  const seen = new Map();
  const families = {};
  const failures = [];
  let heavyMin = Infinity;
  let heavyMax = 0;
  let heavySum = 0;
  let n = 0;
  for (const { id, smiles, heavy, family } of items) {
    n++;
    families[family] = (families[family] ?? 0) + 1;
    const mol = rdkit.get_mol(smiles);
    if (!mol || !mol.is_valid()) {
      mol?.delete();
      failures.push(`${id} ${smiles}: does not parse`);
      continue;
    }
    const canonical = mol.get_smiles();
    const atoms = mol.get_num_atoms();
    mol.delete();
    if (smiles.includes('.') || canonical.includes('.')) {
      failures.push(`${id} ${smiles}: more than one fragment`);
    }
    if (atoms !== heavy || atoms < MIN_HEAVY || atoms > MAX_HEAVY) {
      failures.push(`${id} ${smiles}: ${atoms} heavy atoms, designed ${heavy}`);
    }
    if (seen.has(canonical)) {
      failures.push(`${id} ${smiles}: same molecule as ${seen.get(canonical)} (${canonical})`);
    } else {
      seen.set(canonical, id);
    }
    heavyMin = Math.min(heavyMin, atoms);
    heavyMax = Math.max(heavyMax, atoms);
    heavySum += atoms;
  }
  const seconds = (performance.now() - t0) / 1000;
  console.log(
    `${label}: ${n.toLocaleString('en')} checked with RDKit in ${seconds.toFixed(1)} s: ` +
      `${(n - failures.length).toLocaleString('en')} pass, ${failures.length} fail; ` +
      `${seen.size.toLocaleString('en')} distinct canonical SMILES; heavy atoms ${heavyMin}..${heavyMax} (mean ${(heavySum / n).toFixed(1)})`
  );
  console.log(
    'by family: ' +
      Object.entries(families)
        .map(([f, c]) => `${f} ${c.toLocaleString('en')}`)
        .join(', ')
  );
  for (const f of failures.slice(0, 20)) {
    console.log('FAIL ' + f);
  }
  if (failures.length || seen.size !== n) {
    process.exitCode = 1;
  }
}

function* spread(count, of) {
  const stride = of / count;
  let next = 0;
  let taken = 0;
  let i = 0;
  for (const [smiles, heavy, family] of enumerateDetailed()) {
    if (taken === count) {
      return;
    }
    if (i >= Math.floor(next)) {
      yield { id: libraryId(i + 1), smiles, heavy, family };
      taken++;
      next += stride;
    }
    i++;
  }
}

function* upto(maxHeavy) {
  for (let level = MIN_HEAVY; level <= maxHeavy; level++) {
    let i = 0;
    for (const [smiles, family] of levelMolecules(level)) {
      yield { id: `H${level}-${++i}`, smiles, heavy: level, family };
    }
  }
}

async function main(argv) {
  const opt = name => (argv.includes(name) ? argv[argv.indexOf(name) + 1] : undefined);
  if (argv.includes('--count')) {
    let cumulative = 0;
    console.log('heavy atoms\tdistinct molecules\tcumulative\tby family');
    for (const row of libraryCounts()) {
      cumulative += row.total;
      const parts = Object.entries(row.byFamily)
        .filter(([, c]) => c)
        .map(([f, c]) => `${f} ${c.toExponential(2)}`);
      console.log(
        `${row.level}\t${row.total.toExponential(3)}\t${cumulative.toExponential(3)}\t${parts.join(', ')}`
      );
    }
    console.log(`total: ${cumulative.toExponential(4)} (${cumulative.toLocaleString('en')})`);
    const sum = (lists, from, to) =>
      lists.slice(from, to + 1).reduce((n, l) => n + (l?.length ?? 0), 0);
    console.log(
      `fragments: ${sum(FRAGMENTS, 1, BRANCHED_MAX)} with <= ${BRANCHED_MAX} heavy atoms, ` +
        `${sum(FRAGMENTS, BRANCHED_MAX + 1, 99)} longer unbranched chains; polyols: ` +
        `${sum(POLYOLS, 0, POLYOL_BRANCHED_MAX)} with <= ${POLYOL_BRANCHED_MAX} heavy atoms, ` +
        `${sum(POLYOLS, POLYOL_BRANCHED_MAX + 1, 99)} longer unbranched chains; ring templates: ` +
        `${FAMILIES.at(-1).shapes.length}`
    );
    return;
  }
  if (opt('--check') !== undefined) {
    const count = Number(opt('--check'));
    const of = Number(opt('--of') ?? count);
    await check(
      spread(count, of),
      `first ${of.toLocaleString('en')}, every ${(of / count).toFixed(1)}th`
    );
    return;
  }
  if (opt('--check-upto') !== undefined) {
    const h = Number(opt('--check-upto'));
    await check(upto(h), `every molecule of ${MIN_HEAVY}..${h} heavy atoms`);
    return;
  }
  const size = Number(opt('--size') ?? 100_000);
  const format = opt('--format') ?? (opt('--out')?.endsWith('.csv') ? 'csv' : 'smi');
  if (!Number.isInteger(size) || size < 0 || !['smi', 'csv'].includes(format)) {
    throw new Error(
      'usage: node bench/library.mjs [--size N] [--format smi|csv] [--out FILE] | --check N [--of M] | --check-upto H | --count'
    );
  }
  const t0 = performance.now();
  await write(size, format, opt('--out'));
  if (opt('--out')) {
    console.error(
      `${size.toLocaleString('en')} molecules written to ${opt('--out')} in ${((performance.now() - t0) / 1000).toFixed(1)} s`
    );
  }
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  await main(process.argv.slice(2));
}
