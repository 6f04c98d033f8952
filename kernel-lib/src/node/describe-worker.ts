import { parentPort } from 'node:worker_threads';
import { describeRowsWith, type StructureRow } from '../chemistry/describe';
import { loadRDKit } from '../chemistry/rdkit';

// One RDKit instance per worker thread (describe.ts starts them); chunks of rows arrive as messages.
void loadRDKit().then(rdkit => {
  parentPort!.on('message', (message: { chunk: number; rows: StructureRow[] }) => {
    parentPort!.postMessage({
      chunk: message.chunk,
      results: describeRowsWith(rdkit, message.rows)
    });
  });
  parentPort!.postMessage({ ready: true });
});
