import { parentPort, workerData } from 'node:worker_threads';
import { ElectionIdSchema } from '@scrutin/shared/node';
import { stationCredentialsWriter, type StationJob, type StationResult } from './station_credentials.ts';

/**
 * A credentials worker thread: takes one station at a time from the main thread, writes its
 * shard and cards, and streams its central rows back, waiting for an acknowledgement of each
 * chunk (so the main thread's write queue, and memory, stay bounded).
 *
 * Loaded through generate_worker.js, which registers the TypeScript loader in this thread.
 */

export interface WorkerData {
  readonly electionId: string;
  readonly outDir: string;
  readonly inMemoryShardVoters?: number;
}

export type ToWorker = { readonly type: 'station'; readonly job: StationJob } | { readonly type: 'ack' };

export type FromWorker =
  | { readonly type: 'ready' }
  | { readonly type: 'central'; readonly rows: Uint8Array }
  | { readonly type: 'done'; readonly result: StationResult }
  | { readonly type: 'failed'; readonly station: string; readonly message: string };

const port = parentPort;
if (port === null) throw new Error('generate_worker runs in a worker thread');
const data = workerData as WorkerData;
const writeStation = stationCredentialsWriter({ electionId: ElectionIdSchema.parse(data.electionId), outDir: data.outDir, inMemoryShardVoters: data.inMemoryShardVoters });

let acknowledge: (() => void) | undefined;

function post(message: FromWorker): void {
  port?.postMessage(message);
}

function central(rows: Buffer): Promise<void> {
  return new Promise((resolve) => {
    acknowledge = resolve;
    post({ type: 'central', rows });
  });
}

async function run(job: StationJob): Promise<void> {
  try {
    post({ type: 'done', result: await writeStation(job, central) });
  } catch (error) {
    post({ type: 'failed', station: job.id, message: error instanceof Error ? error.message : String(error) });
  }
}

port.on('message', (message: ToWorker) => {
  switch (message.type) {
    case 'ack': {
      const resolve = acknowledge;
      acknowledge = undefined;
      resolve?.();
      break;
    }
    case 'station':
      void run(message.job);
      break;
  }
});
post({ type: 'ready' });
