import { mkdtempSync, rmSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEFAULT_KDF, syntheticElection, TEST_KDF, type ElectionDefinition } from '@scrutin/shared';
import { describeGenerateCredentialsError, generateCredentials } from '@scrutin/server';
import { printMachineOnce } from './machine.ts';

/**
 * Credentials generation (`scrutin credentials generate`), in two parts that together stay
 * under 2 minutes:
 * - `credentials-kdf`: with the production KDF (scrypt 2^14, r 8), generation is CPU-bound by
 *   design: one memory-hard derivation per card. A small election (sized to about 30 s of
 *   work) measures derivations per second on every core, extrapolated to 8,000,000 voters.
 * - `credentials-io`: everything but the KDF (cards, shards, the central file's external
 *   sort) for 200,000 voters with the cheap test KDF (scrypt 2^4, still ~10 µs a card),
 *   extrapolated to 8,000,000, with the peak memory, which must not grow with the election.
 * BENCH_KDF_VOTERS and BENCH_IO_VOTERS change the sizes.
 */
const NATIONAL_VOTERS = 8_000_000;

async function generate(election: ElectionDefinition): Promise<{ seconds: number; voters: number }> {
  const outDir = mkdtempSync(join(tmpdir(), 'scrutin-bench-credentials-'));
  try {
    const started = performance.now();
    const result = await generateCredentials({ election, outDir });
    const seconds = (performance.now() - started) / 1000;
    if (!result.ok) throw new Error(describeGenerateCredentialsError(result.error));
    return { seconds, voters: result.value.totals.voters };
  } finally {
    rmSync(outDir, { recursive: true, force: true });
  }
}

export async function benchCredentials(): Promise<void> {
  await printMachineOnce();
  const cores = availableParallelism();
  // About 20 to 40 s at the 100 to 500 ms a derivation takes per core on a 2-core machine.
  const kdfVoters = Number(process.env.BENCH_KDF_VOTERS ?? 40 * cores);
  const kdfElection = syntheticElection({ ridings: 2, stations: 4 * cores, voters: kdfVoters, id: 'bench-credentials-kdf' });
  const withKdf = await generate({ ...kdfElection, credentials: { kdf: DEFAULT_KDF } });
  const rate = withKdf.voters / withKdf.seconds;
  console.log(
    JSON.stringify({
      bench: 'credentials-kdf',
      kdf: DEFAULT_KDF,
      voters: withKdf.voters,
      seconds: Number(withKdf.seconds.toFixed(1)),
      cores,
      derivationsPerSecond: Number(rate.toFixed(1)),
      derivationsPerSecondPerCore: Number((rate / cores).toFixed(1)),
      nationalVoters: NATIONAL_VOTERS,
      nationalHoursOnThisMachine: Number((NATIONAL_VOTERS / rate / 3600).toFixed(1)),
    }),
  );

  const ioVoters = Number(process.env.BENCH_IO_VOTERS ?? 200_000);
  const io = await generate({
    ...syntheticElection({ ridings: 125, stations: Math.round(ioVoters / 400), voters: ioVoters, id: 'bench-credentials-io' }),
    credentials: { kdf: TEST_KDF },
  });
  console.log(
    JSON.stringify({
      bench: 'credentials-io',
      kdf: TEST_KDF,
      voters: io.voters,
      seconds: Number(io.seconds.toFixed(1)),
      credentialsPerSecond: Math.round(io.voters / io.seconds),
      nationalSecondsWithoutKdf: Math.round((NATIONAL_VOTERS / io.voters) * io.seconds),
      // maxRSS covers the whole process, worker threads included, and both runs (kilobytes).
      peakRssMB: Math.round(process.resourceUsage().maxRSS / 1024),
    }),
  );
}
