import { createHash } from 'node:crypto';
import { closeSync, mkdirSync, openSync, readdirSync, renameSync, rmSync, statSync, writeFileSync, writeSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { err, kdfOf, ok, SYNTHETIC_NAS_CAPACITY, type ElectionDefinition, type Result, type Sha256Hex } from '@scrutin/shared/node';
import { bucketsFor, SortedCentralWriter } from './central_sort.ts';
import type { FromWorker, ToWorker, WorkerData } from './generate_worker.ts';
import {
  CARDS_DIR,
  CENTRAL_FILE,
  CENTRAL_HEADER,
  CENTRAL_ORDER,
  CENTRAL_SORT_DIR,
  CREDENTIALS_MANIFEST_FORMAT,
  CREDENTIALS_MANIFEST_VERSION,
  MANIFEST_FILE,
  SHARDS_DIR,
  cardsFileOf,
  shardFileOf,
  type CredentialsManifest,
  type StationManifestEntry,
} from './manifest.ts';
import type { StationJob, StationResult } from './station_credentials.ts';

/**
 * `scrutin credentials generate`, run by the electoral authority on an offline machine:
 * synthetic voters for every station of an election, each with a unique synthetic NAS across
 * the election and a fresh random code, written as
 *
 *   shards/<STATION>.sqlite  the station's check values (station kit)
 *   cards/<STATION>.csv      nas,code,station_id,riding — the cards to print (secret; they
 *                            never go to central)
 *   central.csv              credential_hash,station_id — the check values central loads,
 *                            sorted by check value: a random order with respect to the voters
 *   manifest.json            totals, per-station files and shard SHA-256; written last
 *
 * Each check value costs one derivation of the election's KDF (memory-hard on purpose), so
 * generation is CPU-bound: stations are spread over worker threads. Each worker streams its
 * central rows back to this thread, which spreads them over the bucket files of an external
 * sort (central_sort.ts) and writes the sorted central file at the end. Memory is bounded by
 * workers × CENTRAL_WINDOW chunks of CHUNK_VOTERS voters plus the sort's buffers, not by the
 * size of the election.
 */

export interface CredentialsProgress {
  readonly voters: number;
  readonly totalVoters: number;
  readonly stations: number;
  readonly totalStations: number;
}

export interface GenerateCredentialsOptions {
  readonly election: ElectionDefinition;
  readonly outDir: string;
  /** Worker threads; defaults to the number of CPUs. */
  readonly workers?: number;
  /** Replace the outputs of an earlier run in a non-empty directory. */
  readonly force?: boolean;
  /** Called after each station. */
  readonly onProgress?: (progress: CredentialsProgress) => void;
  readonly now?: () => Date;
  /** Shards up to this many voters are built in memory (default IN_MEMORY_SHARD_VOTERS). */
  readonly inMemoryShardVoters?: number;
  /**
   * Write the printable cards (default true). The embedded demo's in-server generation passes
   * false: voter cards are never written on central.
   */
  readonly cards?: boolean;
}

export type GenerateCredentialsError =
  | { readonly kind: 'output-not-empty'; readonly dir: string; readonly entries: number }
  | { readonly kind: 'output-not-a-directory'; readonly dir: string }
  | { readonly kind: 'too-many-voters'; readonly voters: number; readonly capacity: number }
  | { readonly kind: 'invalid-workers'; readonly workers: number }
  | { readonly kind: 'station-failed'; readonly station: string; readonly message: string }
  | { readonly kind: 'io'; readonly message: string };

export const MAX_WORKERS = 256;

export function describeGenerateCredentialsError(error: GenerateCredentialsError): string {
  switch (error.kind) {
    case 'output-not-empty':
      return `the output directory ${error.dir} is not empty (${error.entries} entries); choose an empty directory or pass --force to replace an earlier run`;
    case 'output-not-a-directory':
      return `the output path ${error.dir} exists and is not a directory`;
    case 'too-many-voters':
      return `the election has ${error.voters} registered voters; synthetic NAS numbers run out at ${error.capacity}`;
    case 'invalid-workers':
      return `--workers must be a whole number from 1 to ${MAX_WORKERS}, not ${error.workers}`;
    case 'station-failed':
      return `generating station ${error.station} failed: ${error.message} (the output is incomplete: there is no manifest.json)`;
    case 'io':
      return `${error.message} (the output is incomplete: there is no manifest.json)`;
  }
}

export async function generateCredentials(
  options: GenerateCredentialsOptions,
): Promise<Result<CredentialsManifest, GenerateCredentialsError>> {
  const { election, outDir } = options;
  const stations = election.stations;
  const totalVoters = stations.reduce((sum, s) => sum + s.registeredVoters, 0);
  if (totalVoters > SYNTHETIC_NAS_CAPACITY) {
    return err({ kind: 'too-many-voters', voters: totalVoters, capacity: SYNTHETIC_NAS_CAPACITY });
  }
  const workers = options.workers ?? availableParallelism();
  if (!Number.isInteger(workers) || workers < 1 || workers > MAX_WORKERS) return err({ kind: 'invalid-workers', workers });

  const prepared = prepareOutput(outDir, options.force ?? false, options.cards ?? true);
  if (!prepared.ok) return prepared;

  const writeCards = options.cards ?? true;
  options.onProgress?.({ voters: 0, totalVoters, stations: 0, totalStations: stations.length });
  let serial = 0;
  const jobs: StationJob[] = stations.map((s, index) => {
    const job = { index, id: s.id, riding: s.riding, voters: s.registeredVoters, firstSerial: serial };
    serial += s.registeredVoters;
    return job;
  });

  let sorter: SortedCentralWriter;
  try {
    sorter = new SortedCentralWriter(join(outDir, CENTRAL_SORT_DIR), bucketsFor(totalVoters));
  } catch (error) {
    return err({ kind: 'io', message: `cannot prepare the sort of ${CENTRAL_FILE}: ${messageOf(error)}` });
  }

  const run = await runWorkers(
    jobs,
    Math.min(workers, Math.max(1, jobs.length)),
    { electionId: election.id, kdf: kdfOf(election), outDir, inMemoryShardVoters: options.inMemoryShardVoters, writeCards },
    {
      addCentral: (rows) => {
        sorter.add(rows);
      },
      onStation: (() => {
        let voters = 0;
        let done = 0;
        return (result: StationResult) => {
          voters += result.voters;
          done += 1;
          options.onProgress?.({ voters, totalVoters, stations: done, totalStations: stations.length });
        };
      })(),
    },
  );
  if (!run.ok) {
    sorter.abort();
    return run;
  }
  const written = writeSortedCentral(join(outDir, CENTRAL_FILE), sorter);
  if (!written.ok) return written;

  const entries: StationManifestEntry[] = jobs.map((job) => {
    const result = run.value[job.index];
    if (result === undefined) throw new Error(`no result for station ${job.id}`);
    return {
      id: job.id,
      riding: job.riding,
      voters: job.voters,
      shard: shardFileOf(job.id),
      shardSha256: result.shardSha256,
      cards: writeCards ? cardsFileOf(job.id) : null,
    };
  });
  const manifest: CredentialsManifest = {
    format: CREDENTIALS_MANIFEST_FORMAT,
    version: CREDENTIALS_MANIFEST_VERSION,
    electionId: election.id,
    generatedAt: (options.now?.() ?? new Date()).toISOString(),
    totals: { stations: stations.length, voters: totalVoters },
    central: { file: CENTRAL_FILE, sha256: written.value, order: CENTRAL_ORDER },
    stations: entries,
  };
  try {
    // Written last, and renamed into place: a manifest means a complete run.
    const temporary = join(outDir, `${MANIFEST_FILE}.tmp`);
    writeFileSync(temporary, `${JSON.stringify(manifest, null, 2)}\n`, { flag: 'wx' });
    renameSync(temporary, join(outDir, MANIFEST_FILE));
  } catch (error) {
    return err({ kind: 'io', message: `cannot write ${MANIFEST_FILE}: ${messageOf(error)}` });
  }
  return ok(manifest);
}

/** Checks the output directory and clears an earlier run's outputs when forced. */
function prepareOutput(dir: string, force: boolean, writeCards: boolean): Result<void, GenerateCredentialsError> {
  try {
    let entries: string[] = [];
    try {
      if (!statSync(dir).isDirectory()) return err({ kind: 'output-not-a-directory', dir });
      entries = readdirSync(dir);
    } catch (error) {
      if (!isNotFound(error)) throw error;
    }
    if (entries.length > 0) {
      if (!force) return err({ kind: 'output-not-empty', dir, entries: entries.length });
      // The manifest goes first: from here on, the directory no longer claims a complete run.
      for (const name of [MANIFEST_FILE, `${MANIFEST_FILE}.tmp`, CENTRAL_FILE, CENTRAL_SORT_DIR, SHARDS_DIR, CARDS_DIR]) {
        rmSync(join(dir, name), { recursive: true, force: true });
      }
    }
    mkdirSync(join(dir, SHARDS_DIR), { recursive: true });
    // The cards are secrets until printed: readable by the generating user only.
    if (writeCards) mkdirSync(join(dir, CARDS_DIR), { recursive: true, mode: 0o700 });
    return ok(undefined);
  } catch (error) {
    return err({ kind: 'io', message: `cannot prepare the output directory ${dir}: ${messageOf(error)}` });
  }
}

interface Sink {
  /** Takes a chunk of central rows synchronously: the worker's chunk is acknowledged at once. */
  readonly addCentral: (rows: Uint8Array) => void;
  readonly onStation: (result: StationResult) => void;
}

/** Hands stations to the workers (two in hand each); resolves with the results by station index. */
function runWorkers(
  jobs: readonly StationJob[],
  count: number,
  data: WorkerData,
  sink: Sink,
): Promise<Result<StationResult[], GenerateCredentialsError>> {
  const results = new Array<StationResult>(jobs.length);
  const workers: Worker[] = [];
  let next = 0;
  let completed = 0;
  let settled = false;

  return new Promise((resolve) => {
    const finish = (outcome: Result<StationResult[], GenerateCredentialsError>): void => {
      if (settled) return;
      settled = true;
      void Promise.all(workers.map((w) => w.terminate())).then(() => {
        resolve(outcome);
      });
    };
    const dispatch = (worker: Worker): void => {
      const job = jobs[next];
      if (job === undefined) return;
      next += 1;
      worker.postMessage({ type: 'station', job } satisfies ToWorker);
    };

    if (jobs.length === 0) {
      finish(ok(results));
      return;
    }
    for (let i = 0; i < count; i += 1) {
      const worker = new Worker(new URL('./generate_worker.js', import.meta.url), { workerData: data });
      workers.push(worker);
      worker.on('message', (message: FromWorker) => {
        if (settled) return;
        switch (message.type) {
          case 'ready':
            // Two stations in hand, so a worker starts its next one without a round trip.
            dispatch(worker);
            dispatch(worker);
            break;
          case 'central':
            try {
              sink.addCentral(message.rows);
            } catch (error) {
              finish(err({ kind: 'io', message: `cannot sort ${CENTRAL_FILE}: ${messageOf(error)}` }));
              break;
            }
            worker.postMessage({ type: 'ack' } satisfies ToWorker);
            break;
          case 'done':
            results[message.result.index] = message.result;
            completed += 1;
            sink.onStation(message.result);
            if (completed === jobs.length) finish(ok(results));
            else dispatch(worker);
            break;
          case 'failed':
            finish(err({ kind: 'station-failed', station: message.station, message: message.message }));
            break;
        }
      });
      worker.on('error', (error) => {
        finish(err({ kind: 'station-failed', station: `(worker ${i + 1})`, message: messageOf(error) }));
      });
      worker.on('exit', (code) => {
        if (!settled)
          finish(err({ kind: 'station-failed', station: `(worker ${i + 1})`, message: `the worker thread exited with code ${code}` }));
      });
    }
  });
}

/** The header, then the sorted rows; returns the SHA-256 of the file's bytes. */
function writeSortedCentral(path: string, sorter: SortedCentralWriter): Result<Sha256Hex, GenerateCredentialsError> {
  let fd: number | undefined;
  try {
    fd = openSync(path, 'wx', 0o644);
    const out = fd;
    const digest = createHash('sha256');
    const write = (bytes: Buffer): void => {
      digest.update(bytes);
      let offset = 0;
      while (offset < bytes.length) offset += writeSync(out, bytes, offset, bytes.length - offset);
    };
    write(Buffer.from(CENTRAL_HEADER, 'latin1'));
    sorter.finish(write);
    return ok(digest.digest('hex') as Sha256Hex);
  } catch (error) {
    sorter.abort();
    return err({ kind: 'io', message: `cannot write ${CENTRAL_FILE}: ${messageOf(error)}` });
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

function isNotFound(error: unknown): boolean {
  return error instanceof Error && 'code' in error && error.code === 'ENOENT';
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
