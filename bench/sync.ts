/**
 * Station sync backlog (issue 4's figure, printed, not asserted): a station that was offline
 * all day holds 10,000 ballots; once central is reachable, how long until every batch holds a
 * verified central receipt, and until central's validator has counted them all. Central runs
 * on the real services of this machine (Postgres, Redis, RabbitMQ) with its validator.
 * Target: under 10 s to sync. BENCH_SYNC_BALLOTS changes the size.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  ballotStyle,
  newBallotId,
  syntheticElection,
  unwrap,
  type Ballot,
  type CredentialHash,
  type ElectionDefinition,
  type Selection,
  type StationId,
} from '@scrutin/shared/node';
import { buildStationKit, openStation } from '../desktop/src/station/index.ts';
import { generateCredentials } from '../server/src/credentials/generate.ts';
import { loadCredentials, saveElection, setElectionState } from '../server/src/elections/store.ts';
import { issueEnrolmentToken } from '../server/src/sync/enrolment.ts';
import { startTestCentral } from '../server/src/testing/central.ts';

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
    const manifest = unwrap(await generateCredentials({ election, outDir: join(dir, 'credentials'), workers: 2 }));
    const entry = manifest.stations[0];
    if (entry === undefined) throw new Error('no shard');
    const { db, dedup } = central.central.ctx.services;
    unwrap(await saveElection(db, election));
    await setElectionState(db, election.id, 'open');
    const [, ...lines] = readFileSync(join(dir, 'credentials', manifest.central.file), 'utf8')
      .trimEnd()
      .split('\n');
    await loadCredentials(
      db,
      dedup,
      election.id,
      lines.map((l) => {
        const [credential = '', id = ''] = l.split(',');
        return { credential: credential as CredentialHash, station: id as StationId };
      }),
    );
    unwrap(
      await buildStationKit({
        outDir: join(dir, 'kit'),
        election,
        stationId: station.id,
        credentials: { kind: 'directory', dir: join(dir, 'credentials') },
        centralUrl: central.central.url,
        centralPublicKey: central.central.ctx.centralKey.publicKey,
        pollWorkers: [
          { name: 'Bench One', pin: '482915' },
          { name: 'Bench Two', pin: '730164' },
        ],
        pinCost: { N: 1024, r: 8, p: 1 },
      }),
    );
    const api = unwrap(openStation({ dataDir: join(dir, 'station'), sync: { autoSync: false } }));
    unwrap(await api.loadKit({ path: join(dir, 'kit') }));
    unwrap(await api.enrol({ token: (await issueEnrolmentToken(db, election.id, station.id)).token }));
    unwrap(await api.openPolls({ pin: '482915' }));
    const style = ballotStyle(election, station.riding);
    const cards = readFileSync(join(dir, 'credentials', entry.cards), 'utf8')
      .trimEnd()
      .split('\n')
      .slice(1, ballots + 1);
    for (const [i, line] of cards.entries()) {
      const [nas = '', code = ''] = line.split(',');
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
