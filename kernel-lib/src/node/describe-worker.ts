import { parentPort } from 'node:worker_threads';
import { describeStructures, type StructureRow } from '../chemistry/describe';
import { loadRDKit } from '../chemistry/rdkit';

// One RDKit instance per worker thread (describe.ts starts them), replaced within the thread after a
// WebAssembly failure (describeStructures); chunks of rows arrive as messages, answered in order.
let queue = Promise.resolve();
void loadRDKit().then(() => {
  parentPort!.on('message', (message: { chunk: number; rows: StructureRow[] }) => {
    queue = queue.then(async () => {
      parentPort!.postMessage({
        chunk: message.chunk,
        results: await describeStructures(message.rows)
      });
    });
  });
  parentPort!.postMessage({ ready: true });
});
