import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { describeStructures, type DescribedRow, type StructureRow } from '../chemistry/describe';

export interface DescribeOptions {
  /** Worker threads; 1 describes in this thread. Default: the number of cores. */
  workers?: number;
  /** Rows per message to a worker. */
  chunkSize?: number;
  onProgress?: (done: number) => void;
}

/** Below this many rows, starting threads (each loads RDKit, ~0.2 s) costs more than it saves. */
export const WORKER_THRESHOLD = 2000;

/** Describe rows, in worker threads when the input is large; results keep the input order. */
export async function describeRows(
  rows: StructureRow[],
  options: DescribeOptions = {}
): Promise<DescribedRow[]> {
  const workers = Math.max(1, Math.min(options.workers ?? availableParallelism(), 64));
  const chunkSize = options.chunkSize ?? 250;
  const chunks: StructureRow[][] = [];
  for (let i = 0; i < rows.length; i += chunkSize) {
    chunks.push(rows.slice(i, i + chunkSize));
  }
  if (workers === 1 || rows.length < WORKER_THRESHOLD) {
    const results: DescribedRow[] = [];
    for (const chunk of chunks) {
      results.push(...(await describeStructures(chunk)));
      options.onProgress?.(results.length);
    }
    return results;
  }
  return Private.runInWorkers(chunks, Math.min(workers, chunks.length), options.onProgress);
}

namespace Private {
  export function runInWorkers(
    chunks: StructureRow[][],
    count: number,
    onProgress?: (done: number) => void
  ): Promise<DescribedRow[]> {
    const results: DescribedRow[][] = new Array(chunks.length);
    let next = 0;
    let done = 0;
    let finished = 0;
    const pool: Worker[] = [];
    return new Promise((resolve, reject) => {
      const stopAll = () => Promise.all(pool.map(w => w.terminate()));
      const feed = (worker: Worker) => {
        if (next < chunks.length) {
          const chunk = next++;
          worker.postMessage({ chunk, rows: chunks[chunk] });
        }
      };
      for (let i = 0; i < count; i++) {
        const worker = new Worker(join(__dirname, 'describe-worker.js'));
        pool.push(worker);
        worker.on(
          'message',
          (message: { ready?: boolean; chunk: number; results: DescribedRow[] }) => {
            if (message.ready) {
              feed(worker);
              return;
            }
            results[message.chunk] = message.results;
            done += message.results.length;
            finished++;
            onProgress?.(done);
            if (finished === chunks.length) {
              void stopAll().then(() => resolve(results.flat()));
            } else {
              feed(worker);
            }
          }
        );
        worker.on('error', error => {
          void stopAll();
          reject(error);
        });
      }
    });
  }
}
