import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';

// Capture RDKit's WebAssembly memory as it is instantiated: RDKit.js does not expose its heap, and
// a leaked molecule shows only there (the JavaScript garbage collector never frees it).
interface WasmMemory {
  buffer: ArrayBuffer;
}
interface WasmInstance {
  exports: Record<string, unknown>;
}
const wasm = (
  globalThis as unknown as {
    WebAssembly: {
      instantiate: (...args: unknown[]) => Promise<unknown>;
      Memory: new (...args: never[]) => WasmMemory;
    };
  }
).WebAssembly;
let memory: WasmMemory | undefined;
const instantiate = wasm.instantiate.bind(wasm);
wasm.instantiate = async (...args: unknown[]) => {
  const result = (await instantiate(...args)) as { instance?: WasmInstance } & WasmInstance;
  const instance = result.instance ?? result;
  for (const value of Object.values(instance.exports)) {
    if (value instanceof wasm.Memory) {
      memory ??= value;
    }
  }
  return result;
};

const CYCLES = 100_000;
const MOLECULES = ['CS(C)=O', 'OCC(O)CO', 'OCCO', 'CC(O)CO', 'NC(N)=O', 'OC(=O)[C@@H]1CCCN1'];

describe('RDKit memory', () => {
  // Imported after the hook, so that the hook sees RDKit's instantiation.
  let api: typeof import('./index.js');
  before(async () => {
    api = await import('./index.js');
    await api.loadRDKit();
    assert.ok(memory, 'the WebAssembly memory of RDKit was not captured');
  });

  it(`stays flat over ${CYCLES.toLocaleString('en')} parse / describe / fingerprint / free cycles`, async () => {
    const rdkit = await api.loadRDKit();
    const cycle = (i: number) => {
      const mol = api.parseWith(rdkit, MOLECULES[i % MOLECULES.length]);
      try {
        api.getDescriptorsOf(rdkit, mol);
        api.getMorganFingerprintOf(mol);
      } finally {
        mol.delete();
      }
    };
    for (let i = 0; i < 2_000; i++) {
      cycle(i);
    }
    const before = memory!.buffer.byteLength;
    for (let i = 0; i < CYCLES; i++) {
      cycle(i);
    }
    const growth = memory!.buffer.byteLength - before;
    // One leaked molecule per cycle would grow the heap by tens of MiB (measured: 20,000 leaked
    // glycerol molecules grew it from 16 to 83 MiB).
    assert.ok(growth <= 1 << 20, `WASM heap grew by ${(growth / 2 ** 20).toFixed(1)} MiB`);
  });

  it('detects a leak when molecules are not freed (the check above can fail)', async () => {
    const rdkit = await api.loadRDKit();
    const before = memory!.buffer.byteLength;
    const leaked = [];
    for (let i = 0; i < 30_000; i++) {
      leaked.push(api.parseWith(rdkit, 'OCC(O)CO'));
    }
    assert.ok(memory!.buffer.byteLength - before > 1 << 20);
    leaked.forEach(mol => mol.delete());
  });
});
