/**
 * Station sync backlog (issue 4's figure, printed, not asserted): a station that was offline
 * all day holds 10,000 ballots; once central is reachable, how long until every batch holds a
 * verified central receipt, and until central's validator has counted them all. Central runs
 * on the real services of this machine (Postgres, Redis, RabbitMQ) with its validator.
 * Target: under 10 s to sync. BENCH_SYNC_BALLOTS changes the size.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { ballotStyle, syntheticElection, unwrap, type Ballot, type ElectionDefinition, type Selection } from '@scrutin/shared';
import { newBallotId } from '@scrutin/shared/crypto';
import { openStation } from '@scrutin/desktop';
import {
  buildKit,
  enrolmentToken,
  generateElectionCredentials,
  openElection,
  startTestCentral,
  TEST_PIN_COST,
} from '@scrutin/server/testing';

export async function benchSync(): Promise<void> {
  const ballots = Number(process.env.BENCH_SYNC_BALLOTS ?? 10_000);
  const dir = mkdtempSync(join(tmpdir(), 'scrutin-bench-sync-'));
  const iso = (ms: number) => new Date(ms).toISOString();
  const now = Date.now();
  const election: ElectionDefinition = {
    ...syntheticElection({ ridings: 1, stations: 1, voters: ballots, irvShare: 1, id: 'bench-sync' }),
    opensAt: iso(now - 3_600_000),
    closesAt: iso(now + 36_000_000),
    syncDeadline: iso(now + 86_400_000),
  };
  const station = election.stations[0];
  if (station === undefined) throw new Error('no station');
  const central = await startTestCentral({ withValidator: true });
  try {
    const credentials = await generateElectionCredentials(election, { dir: join(dir, 'credentials'), workers: 2 });
    const { db } = central.central.ctx.services;
    await openElection(central.central, election, credentials);
    const kit = await buildKit(credentials, station.id, {
      outDir: join(dir, 'kit'),
      centralUrl: central.central.url,
      centralPublicKey: central.central.ctx.centralKey.publicKey,
      pollWorkers: [
        { name: 'Bench One', pin: '482915' },
        { name: 'Bench Two', pin: '730164' },
      ],
      pinCost: TEST_PIN_COST,
    });
    const api = unwrap(openStation({ dataDir: join(dir, 'station'), sync: { autoSync: false } }));
    unwrap(await api.loadKit({ path: kit }));
    unwrap(await api.enrol({ token: await enrolmentToken(central.central, election.id, station.id), pin: '482915' }));
    unwrap(await api.openPolls({ pin: '482915' }));
    const style = ballotStyle(election, station.riding);
    const cards = credentials.cards(station.id).slice(0, ballots);
    for (const [i, { nas, code }] of cards.entries()) {
      const { ticket } = unwrap(await api.checkIn({ nas, code }));
      const selections = style.map((c): Selection =>
        c.kind === 'referendum'
          ? { kind: 'referendum', contest: c.id, choice: i % 2 === 0 ? 'oui' : 'non' }
          : c.method === 'irv'
            ? { kind: 'ranked', contest: c.id, ranking: c.candidates.slice(i % 2, (i % 2) + 3).map((k) => k.id) }
            : { kind: 'plurality', contest: c.id, choice: c.candidates[i % c.candidates.length]?.id ?? null },
      );
      const ballot: Ballot = { id: newBallotId(), election: election.id, riding: station.riding, selections };
      unwrap(await api.cast({ ticket, ballot }));
    }
    unwrap(await api.closePolls({ pin: '482915' }));

    const t0 = performance.now();
    const progress = unwrap(await api.syncNow({}));
    const syncMs = performance.now() - t0;
    if (progress.pendingBallots !== 0)
      throw new Error(`sync left ${progress.pendingBallots} ballots: ${JSON.stringify(progress.lastError)}`);
    let countedMs: number | null = null;
    for (let i = 0; i < 1200; i += 1) {
      const { rows } = await db.query<{ pending: string }>("SELECT count(*)::text AS pending FROM batches WHERE status <> 'processed'");
      if (rows[0]?.pending === '0') {
        countedMs = performance.now() - t0;
        break;
      }
      await sleep(25);
    }
    const { rows } = await db.query<{ n: string }>('SELECT count(*)::text AS n FROM ballots');
    api.close();
    console.log(
      JSON.stringify({
        bench: 'station-sync',
        ballots,
        batches: progress.batchesSynced,
        syncMs: Math.round(syncMs),
        ballotsPerSecond: Math.round(ballots / (syncMs / 1000)),
        countedCentrallyMs: countedMs === null ? null : Math.round(countedMs),
        centralBallots: Number(rows[0]?.n),
      }),
    );
  } finally {
    await central.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}
