import { availableParallelism } from 'node:os';
import { performance } from 'node:perf_hooks';
import {
  createCredentialHasher,
  DEFAULT_KDF,
  deriveCredentialAsync,
  kdfMemoryBytes,
  syntheticNas,
  type ElectionId,
  type Kdf,
  type VoterCode,
} from '@scrutin/shared/node';
import { printMachineOnce } from './machine.ts';

/**
 * The credential KDF (credentials v2): what one derivation costs on this machine at the
 * production setting (scrypt N = 2^14, r = 8, p = 1, 16 MiB), which is what a kiosk does
 * once per check-in. Target: ≤ 100 ms per check-in (`pass`), measured as the kiosk calls it
 * (`deriveCredentialAsync`, off the event loop) and also synchronously (as the card
 * generator's worker threads do). Neighbouring settings are timed too, to show the margin.
 */
export const KDF_TARGET_MS = 100;
const ELECTION = 'bench-kdf' as ElectionId;
const CODE = '0123456789ABC' as VoterCode;

function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] ?? Number.NaN;
}

const round = (ms: number) => Math.round(ms * 10) / 10;

/** Wall times (sorted), and the CPU milliseconds per derivation: on a shared host the second is the steadier figure. */
function timeSync(kdf: Kdf, samples: number): { readonly times: number[]; readonly cpuMs: number } {
  const hasher = createCredentialHasher(ELECTION, kdf);
  hasher.digest(syntheticNas(0), CODE);
  const times: number[] = [];
  const cpu = process.cpuUsage();
  for (let i = 1; i <= samples; i += 1) {
    const started = performance.now();
    hasher.digest(syntheticNas(i), CODE);
    times.push(performance.now() - started);
  }
  const used = process.cpuUsage(cpu);
  return { times: times.sort((a, b) => a - b), cpuMs: (used.user + used.system) / 1000 / samples };
}

async function timeAsync(kdf: Kdf, samples: number): Promise<number[]> {
  await deriveCredentialAsync(ELECTION, syntheticNas(0), CODE, kdf);
  const times: number[] = [];
  for (let i = 1; i <= samples; i += 1) {
    const started = performance.now();
    await deriveCredentialAsync(ELECTION, syntheticNas(i), CODE, kdf);
    times.push(performance.now() - started);
  }
  return times.sort((a, b) => a - b);
}

export async function benchKdf(): Promise<void> {
  await printMachineOnce();
  const checkIn = await timeAsync(DEFAULT_KDF, 30);
  const { times: sync, cpuMs } = timeSync(DEFAULT_KDF, 30);
  const p95 = percentile(checkIn, 0.95);
  console.log(
    JSON.stringify({
      bench: 'kdf',
      kdf: DEFAULT_KDF,
      memoryMiB: kdfMemoryBytes(DEFAULT_KDF) / 1024 / 1024,
      samples: checkIn.length,
      // A check-in, as the kiosk derives: one derivation on libuv's thread pool.
      checkInMedianMs: round(percentile(checkIn, 0.5)),
      checkInP95Ms: round(p95),
      // A generator worker thread, synchronously.
      syncMedianMs: round(percentile(sync, 0.5)),
      // CPU time per derivation: what a core that is not shared with other work would take.
      cpuMsPerDerivation: round(cpuMs),
      derivationsPerSecondPerCore: Math.round(1000 / percentile(sync, 0.5)),
      cores: availableParallelism(),
      targetMs: KDF_TARGET_MS,
      pass: p95 <= KDF_TARGET_MS,
    }),
  );
  // The margin: the medians of the settings around the production one.
  const around: Kdf[] = [
    { algorithm: 'scrypt', logN: 15, r: 8, p: 1 },
    { algorithm: 'scrypt', logN: 16, r: 8, p: 1 },
    { algorithm: 'scrypt', logN: 17, r: 8, p: 1 },
  ];
  for (const kdf of around) {
    const { times, cpuMs: cpu } = timeSync(kdf, 5);
    console.log(
      JSON.stringify({
        bench: 'kdf-setting',
        kdf,
        memoryMiB: kdfMemoryBytes(kdf) / 1024 / 1024,
        syncMedianMs: round(percentile(times, 0.5)),
        cpuMsPerDerivation: round(cpu),
      }),
    );
  }
}
