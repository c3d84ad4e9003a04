import { parentPort, workerData } from 'node:worker_threads';
import { ElectionIdSchema, KdfSchema, type Kdf } from '@scrutin/shared';
import { stationCredentialsWriter, type StationJob, type StationResult } from './station_credentials.ts';

/**
 * A credentials worker thread: writes the shard and cards of the stations the main thread
 * hands it, one at a time in the order received, and streams their central rows back.
 *
 * Flow control: at most CENTRAL_WINDOW chunks of central rows may be unacknowledged; the
 * main thread acknowledges a chunk once its file stream has accepted it (after 'drain' when
 * the stream is full), so memory stays bounded while the worker never idles on a round trip.
 *
 * Loaded through generate_worker.js, which registers the TypeScript loader in this thread.
 */

export interface WorkerData {
  readonly electionId: string;
  readonly kdf: Kdf;
  readonly outDir: string;
  readonly inMemoryShardVoters?: number;
  /** Write the printable cards (false: the embedded demo's in-server generation). */
  readonly writeCards: boolean;
}

export type ToWorker = { readonly type: 'station'; readonly job: StationJob } | { readonly type: 'ack' };

export type FromWorker =
  | { readonly type: 'ready' }
  | { readonly type: 'central'; readonly rows: Uint8Array }
  | { readonly type: 'done'; readonly result: StationResult }
  | { readonly type: 'failed'; readonly station: string; readonly message: string };

export const CENTRAL_WINDOW = 8;

const port = parentPort;
if (port === null) throw new Error('generate_worker runs in a worker thread');
const data = workerData as WorkerData;
const writeStation = stationCredentialsWriter({
  electionId: ElectionIdSchema.parse(data.electionId),
  kdf: KdfSchema.parse(data.kdf),
  outDir: data.outDir,
  writeCards: data.writeCards,
  ...(data.inMemoryShardVoters === undefined ? {} : { inMemoryShardVoters: data.inMemoryShardVoters }),
});

const queue: StationJob[] = [];
let running = false;
let unacknowledged = 0;
let windowOpen: (() => void) | undefined;

function post(message: FromWorker, transfer: ArrayBuffer[] = []): void {
  port?.postMessage(message, transfer);
}

function central(rows: Buffer): Promise<void> {
  // Transferred, not copied, when the rows own their ArrayBuffer (see ownBuffer); a slice of
  // Node's shared buffer pool must be copied, since transferring would take the whole pool.
  const own = rows.byteOffset === 0 && rows.byteLength === rows.buffer.byteLength ? rows : Uint8Array.prototype.slice.call(rows);
  post({ type: 'central', rows: own }, [own.buffer as ArrayBuffer]);
  unacknowledged += 1;
  if (unacknowledged < CENTRAL_WINDOW) return Promise.resolve();
  return new Promise((resolve) => {
    windowOpen = resolve;
  });
}

async function drain(): Promise<void> {
  if (running) return;
  running = true;
  for (let job = queue.shift(); job !== undefined; job = queue.shift()) {
    try {
      post({ type: 'done', result: await writeStation(job, central) });
    } catch (error) {
      post({ type: 'failed', station: job.id, message: error instanceof Error ? error.message : String(error) });
      queue.length = 0;
    }
  }
  running = false;
}

port.on('message', (message: ToWorker) => {
  switch (message.type) {
    case 'ack': {
      unacknowledged -= 1;
      const resolve = windowOpen;
      if (resolve !== undefined && unacknowledged < CENTRAL_WINDOW) {
        windowOpen = undefined;
        resolve();
      }
      break;
    }
    case 'station':
      queue.push(message.job);
      void drain();
      break;
  }
});
post({ type: 'ready' });
