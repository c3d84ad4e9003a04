/**
 * The station backend with a 1,000,000-voter shard (issue 4's figures, printed, not
 * asserted): loading the kit, voter check-in latency, and casting latency with
 * synchronous=FULL (each cast is one durable SQLite transaction). Targets: check-in p99
 * under 10 ms, cast p99 under 30 ms. BENCH_STATION_VOTERS lowers the size.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { ballotStyle, syntheticElection, unwrap, type Ballot, type Selection } from '@scrutin/shared';
import { newBallotId } from '@scrutin/shared/crypto';
import { generateStationKeyPair } from '@scrutin/shared/protocol';
import { openStation } from '@scrutin/desktop';
import { buildKit, generateElectionCredentials } from '@scrutin/server/testing';

const percentile = (sorted: readonly number[], p: number) =>
  Math.round((sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0) * 100) / 100;

export async function benchStation(): Promise<void> {
  const voters = Number(process.env.BENCH_STATION_VOTERS ?? 1_000_000);
  const samples = 2000;
  const dir = mkdtempSync(join(tmpdir(), 'scrutin-bench-station-'));
  try {
    const election = syntheticElection({ ridings: 1, stations: 1, voters, irvShare: 1 });
    const station = election.stations[0];
    if (station === undefined) throw new Error('no station');
    const credentials = await generateElectionCredentials(election, { dir: join(dir, 'credentials'), workers: 2 });
    const kit = await buildKit(credentials, station.id, {
      outDir: join(dir, 'kit'),
      centralUrl: 'http://127.0.0.1:1',
      centralPublicKey: generateStationKeyPair().publicKey,
      pollWorkers: [
        { name: 'Bench One', pin: '482915' },
        { name: 'Bench Two', pin: '730164' },
      ],
    });
    const now = Date.parse(election.opensAt) + 3_600_000;
    const api = unwrap(openStation({ dataDir: join(dir, 'station'), now: () => now }));
    const t0 = performance.now();
    unwrap(await api.loadKit({ path: kit }));
    const kitLoadMs = performance.now() - t0;
    unwrap(await api.openPolls({ pin: '482915' }));

    const cards = credentials.cards(station.id).slice(0, samples);
    const style = ballotStyle(election, station.riding);
    const checkIns: number[] = [];
    const casts: number[] = [];
    for (const { nas, code } of cards) {
      const a = performance.now();
      const ticket = unwrap(await api.checkIn({ nas, code })).ticket;
      checkIns.push(performance.now() - a);
      const selections = style.map((c): Selection =>
        c.kind === 'referendum'
          ? { kind: 'referendum', contest: c.id, choice: 'oui' }
          : c.method === 'irv'
            ? { kind: 'ranked', contest: c.id, ranking: c.candidates.slice(0, 2).map((k) => k.id) }
            : { kind: 'plurality', contest: c.id, choice: c.candidates[0]?.id ?? null },
      );
      const ballot: Ballot = { id: newBallotId(), election: election.id, riding: station.riding, selections };
      const b = performance.now();
      unwrap(await api.cast({ ticket, ballot }));
      casts.push(performance.now() - b);
    }
    api.close();
    checkIns.sort((x, y) => x - y);
    casts.sort((x, y) => x - y);
    console.log(
      JSON.stringify({
        bench: 'station',
        voters,
        kitLoadMs: Math.round(kitLoadMs),
        samples: cards.length,
        checkInMs: { p50: percentile(checkIns, 50), p99: percentile(checkIns, 99) },
        castMs: { p50: percentile(casts, 50), p99: percentile(casts, 99), synchronous: 'FULL' },
      }),
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
