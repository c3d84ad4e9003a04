import { createCredentialHasher, kdfMemoryBytes, syntheticNas, type ElectionId, type Kdf, type VoterCode } from '@scrutin/shared/node';

/**
 * What the election's KDF costs on this machine, measured before `scrutin credentials
 * generate` starts, so the authority knows how long generation will take: a memory-hard KDF
 * makes generation CPU-bound by design (each card is one derivation), about
 * voters × per-derivation time / worker threads.
 */

export interface KdfMeasure {
  /** Milliseconds per derivation on one thread (the best of the samples). */
  readonly msPerDerivation: number;
  readonly samples: number;
}

/** A fixed canonical code: only the time matters here. */
const PROBE_CODE = '0123456789ABC' as VoterCode;

/** Times `samples` derivations of `kdf` (after one warm-up) on the calling thread. */
export function measureKdf(electionId: ElectionId, kdf: Kdf, samples = 5): KdfMeasure {
  const hasher = createCredentialHasher(electionId, kdf);
  hasher.digest(syntheticNas(0), PROBE_CODE);
  let best = Number.POSITIVE_INFINITY;
  for (let i = 1; i <= samples; i += 1) {
    const started = performance.now();
    hasher.digest(syntheticNas(i), PROBE_CODE);
    best = Math.min(best, performance.now() - started);
  }
  return { msPerDerivation: best, samples };
}

export interface GenerationEstimate {
  readonly voters: number;
  readonly workers: number;
  readonly msPerDerivation: number;
  /** voters × ms / workers: a lower bound, since cores sharing memory bandwidth slow each other. */
  readonly seconds: number;
}

export function estimateGeneration(voters: number, workers: number, measure: KdfMeasure): GenerationEstimate {
  const seconds = (voters * measure.msPerDerivation) / 1000 / Math.max(1, workers);
  return { voters, workers, msPerDerivation: measure.msPerDerivation, seconds };
}

/** Generation longer than this gets a warning before it starts. */
export const LONG_GENERATION_SECONDS = 15 * 60;

/** "3 h 25 min", "12 min 5 s", "42 s". */
export function formatDuration(seconds: number): string {
  const s = Math.round(seconds);
  if (s < 60) return `${s} s`;
  const minutes = Math.floor(s / 60);
  if (minutes < 60) return `${minutes} min ${s % 60} s`;
  const hours = Math.floor(minutes / 60);
  if (hours < 48) return `${hours} h ${minutes % 60} min`;
  return `${Math.floor(hours / 24)} days ${hours % 24} h`;
}

export function describeKdf(kdf: Kdf): string {
  return `${kdf.algorithm} N=2^${kdf.logN} r=${kdf.r} p=${kdf.p} (${Math.round(kdfMemoryBytes(kdf) / 1024 / 1024)} MiB)`;
}

/** The lines the CLI prints before generating: the measure, the estimate, and a warning when long. */
export function estimateLines(kdf: Kdf, estimate: GenerationEstimate): { readonly info: string; readonly warning: string | null } {
  const info =
    `KDF ${describeKdf(kdf)}: ${estimate.msPerDerivation.toFixed(1)} ms per derivation on this machine; ` +
    `${estimate.voters} voters on ${estimate.workers} worker thread(s): about ${formatDuration(estimate.seconds)}`;
  const warning =
    estimate.seconds >= LONG_GENERATION_SECONDS
      ? `generation will take at least ${formatDuration(estimate.seconds)} (${estimate.voters} derivations × ` +
        `${estimate.msPerDerivation.toFixed(1)} ms / ${estimate.workers} threads): the KDF is slow on purpose. ` +
        'Use a machine with more cores (--workers), or start it well ahead of printing.'
      : null;
  return { info, warning };
}
