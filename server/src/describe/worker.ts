import { parentPort } from 'node:worker_threads';
import { describeRowsWith, loadRDKit, type StructureRow } from '@cryoprotect/kernel';

// One RDKit instance per worker thread; chunks of rows arrive as messages.
const rdkit = await loadRDKit();
parentPort!.on('message', (message: { chunk: number; rows: StructureRow[] }) => {
  parentPort!.postMessage({ chunk: message.chunk, results: describeRowsWith(rdkit, message.rows) });
});
parentPort!.postMessage({ ready: true });
