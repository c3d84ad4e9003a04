/**
 * How fast this machine is, so that figures measured on different machines (or on one
 * machine on different days) can be compared. The same fixed piece of work (SHA-256,
 * Ed25519 and JSON on batch-shaped data, the pipeline's staple) is run on one core alone,
 * then on every core at once, the best of five one-second runs each. The pipeline keeps every
 * core busy, so the second figure is the one that bounds it; a machine whose cores slow each
 * other down (SMT siblings, an oversubscribed host) shows it in `perCoreWhenAllBusy`. On a
 * shared host both move from one minute to the next: compare runs made close together.
 */
import { fork } from 'node:child_process';
import { generateKeyPairSync, hash, sign, verify } from 'node:crypto';
import { availableParallelism, cpus } from 'node:os';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';

/** One unit: what the API does to a 50-ballot slice of a batch, roughly. */
function makeUnit(): () => void {
  const { publicKey, privateKey } = generateKeyPairSync('ed25519');
  const ballots = Array.from({ length: 50 }, (_, i) => ({
    id: `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`,
    selections: { MAYOR: { kind: 'ranked', ranking: ['CAND-01', 'CAND-02', 'CAND-03'] }, 'REF-1': { kind: 'referendum', answer: 'yes' } },
  }));
  const text = JSON.stringify(ballots);
  const bytes = Buffer.from(text);
  const signature = sign(null, bytes, privateKey);
  return () => {
    const parsed = JSON.parse(text) as unknown[];
    for (const ballot of parsed) hash('sha256', JSON.stringify(ballot), 'buffer');
    if (!verify(null, bytes, publicKey, signature)) throw new Error('calibration signature did not verify');
  };
}

/**
 * Units per second of CPU-bound work on the calling thread: the best of several short runs,
 * since what is wanted is what the machine can do, not how busy its host was for a moment.
 */
function unitsPerSecond(): number {
  const unit = makeUnit();
  for (let i = 0; i < 200; i += 1) unit(); // warm up
  let best = 0;
  for (let run = 0; run < RUNS; run += 1) {
    let units = 0;
    const started = performance.now();
    while (performance.now() - started < RUN_MS) {
      for (let i = 0; i < 20; i += 1) unit();
      units += 20;
    }
    best = Math.max(best, units / ((performance.now() - started) / 1000));
  }
  return best;
}
const RUNS = 5;
const RUN_MS = 1000;

/** The same work in `processes` processes at once (processes, as the pipeline runs). */
async function onInParallel(processes: number): Promise<number[]> {
  return Promise.all(
    Array.from({ length: processes }, () => {
      const child = fork(fileURLToPath(import.meta.url), [CHILD_ARG], { execArgv: ['--import', 'tsx'] });
      return new Promise<number>((resolve, reject) => {
        child.once('message', (rate) => {
          if (typeof rate === 'number') resolve(rate);
          else reject(new Error('calibration child sent no rate'));
        });
        child.once('error', reject);
        child.once('exit', (code) => {
          if (code !== 0) reject(new Error(`calibration child exited with ${String(code)}`));
        });
      });
    }),
  );
}
const CHILD_ARG = '--scrutin-calibration-child';

export type MachineFigures = {
  readonly bench: 'machine';
  readonly cpuModel: string;
  readonly cores: number;
  /** Calibration units per second on one core, the others idle. */
  readonly oneCore: number;
  /** Calibration units per second per core, every core busy with the same work. */
  readonly perCoreWhenAllBusy: number;
};

export async function machineFigures(): Promise<MachineFigures> {
  const cores = availableParallelism();
  // Both in child processes, so the two figures differ only in how many run at once.
  const [oneCore = 0] = await onInParallel(1);
  const rates = await onInParallel(cores);
  const perCore = rates.reduce((a, b) => a + b, 0) / rates.length;
  return {
    bench: 'machine',
    cpuModel: cpus()[0]?.model.trim() ?? 'unknown',
    cores,
    oneCore: Math.round(oneCore),
    perCoreWhenAllBusy: Math.round(perCore),
  };
}

let printed = false;

export async function benchMachine(): Promise<void> {
  console.log(JSON.stringify(await machineFigures()));
  printed = true;
}

/** Prints the machine line unless this run already has: benchmarks run alone still carry it. */
export async function printMachineOnce(): Promise<void> {
  if (!printed) await benchMachine();
}

if (process.argv[2] === CHILD_ARG) process.send?.(unitsPerSecond(), () => process.exit(0));
