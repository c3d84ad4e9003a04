import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { syntheticElection } from '@scrutin/shared';
import { describeGenerateCredentialsError, generateCredentials } from '@scrutin/server';

/**
 * Credentials for a national election: 8,000,000 voters on 20,000 stations, through the same
 * function as `scrutin credentials generate` (shards, cards, central file, manifest), into a
 * temporary directory that is removed afterwards. Target: under 3 minutes on 2 cores.
 */
export async function benchCredentials(): Promise<void> {
  const voters = 8_000_000;
  const stations = 20_000;
  const election = syntheticElection({ ridings: 125, stations, voters, id: 'bench-credentials' });
  const outDir = mkdtempSync(join(tmpdir(), 'scrutin-bench-credentials-'));
  try {
    const started = performance.now();
    const result = await generateCredentials({ election, outDir });
    const seconds = (performance.now() - started) / 1000;
    if (!result.ok) throw new Error(describeGenerateCredentialsError(result.error));
    console.log(
      JSON.stringify({
        bench: 'credentials',
        voters: result.value.totals.voters,
        stations: result.value.totals.stations,
        seconds: Number(seconds.toFixed(1)),
        credentialsPerSecond: Math.round(result.value.totals.voters / seconds),
        // maxRSS covers the whole process, worker threads included (kilobytes).
        peakRssMB: Math.round(process.resourceUsage().maxRSS / 1024),
      }),
    );
  } finally {
    rmSync(outDir, { recursive: true, force: true });
  }
}
