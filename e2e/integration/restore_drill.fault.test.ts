import { execFile } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import { canonicalJson, openSampleElection, unwrap, type RidingCode, type StationId } from '@scrutin/shared';
import { batchChain, readAuditLog, type Station, type SyncOptions } from '@scrutin/desktop';
import {
  GOOD_PIN,
  ballotFor,
  makeCredentials,
  openTestStation,
  removeTempDirs,
  tempDir,
  type CredentialsFixture,
} from '@scrutin/desktop/testing';
import { fetchResults, loadConfig, servicesEnv, startCentral, type Central, type Config } from '@scrutin/server';
import {
  dropTestNamespace,
  freePorts,
  SERVICE_URLS,
  startPrivatePostgres,
  testNamespace,
  type PrivatePostgres,
} from '@scrutin/server/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { enrolledStation, loadElectionInto } from './central.test-support.ts';

/**
 * The restore drill (docs/runbooks/restore.md), on a private PostgreSQL cluster (its own port
 * and data directory, WAL archived; the shared PostgreSQL is never touched) with the shared
 * Redis and RabbitMQ in a namespace of its own, and real stations (the station backend, each
 * with its SQLite database, syncing by itself with retries):
 *
 *   1. a base backup (`pg_basebackup`) of the running election, WAL archived continuously;
 *   2. the morning: ballots cast, synced, acknowledged and counted; then a quiet moment T;
 *   3. more ballots, acknowledged (receipts) and counted after T;
 *   4. mid-day, voters still voting, the database is destroyed (server killed, data directory
 *      deleted);
 *   5. restore: the base backup plus the archive, recovered to T; Redis reset from the restored
 *      Postgres (`scrutin dedup reset`); the central server restarted;
 *   6. the stations' retries deliver what they had not sent; what central had acknowledged
 *      after T is gone from it, and a running station does not know (docs/protocol.md §6: it
 *      reconciles when its sync engine starts). The drill measures that gap, then restarts
 *      the station applications: each compares its chain with `GET /sync/status`, sends the
 *      batches central lost again, and central reaches the exact tally.
 *
 * The recovery times and the ballots sent again are printed as one JSON line.
 */
const exec = promisify(execFile);
const BIN = createRequire(import.meta.url).resolve('@scrutin/server/bin/scrutin.js');
const STATIONS = ['ST-00001', 'ST-00004', 'ST-00007', 'ST-00016'] as StationId[];
const SYNC: Partial<SyncOptions> = {
  autoSync: true,
  maxBatch: 10,
  backoffBaseMs: 100,
  backoffCapMs: 1000,
  requestTimeoutMs: 5000,
};
const PER_PHASE = { morning: 24, afternoon: 16, outage: 24 } as const;
/** The sample election's anonymity set: ballots each station holds back while its polls are open. */
const K = 2;

let pg: PrivatePostgres;
let config: Config;
let central: Central;
let credentials: CredentialsFixture;
const clock = { now: () => Date.now() };

interface StationHandle {
  readonly id: StationId;
  readonly dataDir: string;
  station: Station;
  /** Cards used so far. */
  cast: number;
}
const stations: StationHandle[] = [];

/** Every batch POST a station made: which sequence, how many envelopes, when. */
const posts: { station: StationId; sequence: number; envelopes: number; at: number }[] = [];
function recordingFetch(station: StationId): typeof fetch {
  return async (input, init) => {
    const url = input instanceof Request ? input.url : input instanceof URL ? input.href : input;
    if (init?.method === 'POST' && typeof init.body === 'string' && url.endsWith('/sync/batches')) {
      const body = JSON.parse(init.body) as { header: { sequence: number; envelopeCount: number } };
      posts.push({ station, sequence: body.header.sequence, envelopes: body.header.envelopeCount, at: Date.now() });
    }
    return fetch(input, init);
  };
}

async function castBallots(handle: StationHandle, count: number, pauseMs = 0): Promise<void> {
  const cards = credentials.cards(handle.id).slice(handle.cast, handle.cast + count);
  for (const card of cards) {
    const { ticket, riding } = unwrap(await handle.station.checkIn(card));
    unwrap(await handle.station.cast({ ticket, ballot: ballotFor(credentials.election, riding, handle.cast) }));
    handle.cast += 1;
    if (pauseMs > 0) await sleep(pauseMs);
  }
}

/** The choices of every ballot the stations cast (castBallots: ballotFor by card index), canonical and sorted. */
const stationChoices = () =>
  stations
    .flatMap((h) => Array.from({ length: h.cast }, (_, i) => canonicalJson(ballotFor(credentials.election, ridingOf(h.id), i).selections)))
    .sort();
const ridingOf = (id: StationId) => credentials.election.stations.find((s) => s.id === id)?.riding ?? ('' as RidingCode);

async function centralCount(sql: string): Promise<number> {
  const { rows } = await central.ctx.services.db.query<{ n: string }>(sql);
  return Number(rows[0]?.n ?? 0);
}

/** Ballots a station holds back while its polls are open (the anonymity set), or fewer. */
const heldBack = (h: StationHandle) => h.station.db.prepare<[], { n: number }>('SELECT count(*) AS n FROM outbox').get()?.n ?? 0;

/**
 * Until every station has every sealed batch acknowledged (while the polls are open a station
 * holds back k ballots, never sealed on a timer), and central has counted every batch it holds.
 */
async function settled(what: string, timeoutMs = 120_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    // A station whose outbox holds 2k ballots seals a batch of them at its sync engine's next
    // tick: not settled yet (a batch sealed just after this check reached central after the
    // restore point was taken, received before it and counted after it).
    const dueToSeal = stations.filter((h) => heldBack(h) >= 2 * K).length;
    const pending = stations.reduce((n, h) => n + h.station.sync.progress().pendingBallots - heldBack(h), 0) + dueToSeal;
    const received = await centralCount("SELECT count(*)::text AS n FROM batches WHERE status <> 'processed'").catch(() => -1);
    if (pending === 0 && received === 0) return;
    if (Date.now() > deadline) throw new Error(`${what}: ${pending} ballot(s) unacknowledged, ${received} batch(es) uncounted`);
    await sleep(100);
  }
}

/** The batches a station holds a receipt for and central does not list (its status answer). */
async function lostBatches(handle: StationHandle): Promise<{ sequence: number; envelopes: number }[]> {
  const response = await fetch(
    `${central.url}/api/v1/sync/status?election=${credentials.election.id}&station=${encodeURIComponent(handle.id)}`,
  );
  const status = (await response.json()) as { batches: { sequence: number }[] };
  const known = new Set(status.batches.map((b) => b.sequence));
  const envelopes = new Map(
    handle.station.db
      .prepare<[], { sequence: number; envelopes: number }>('SELECT sequence, envelopes FROM batches')
      .all()
      .map((b) => [b.sequence, b.envelopes]),
  );
  return batchChain(handle.station.db)
    .filter((b) => b.synced && !known.has(b.sequence))
    .map((b) => ({ sequence: b.sequence, envelopes: envelopes.get(b.sequence) ?? 0 }));
}

function directorySize(dir: string): { files: number; bytes: number } {
  const names = readdirSync(dir);
  return { files: names.length, bytes: names.reduce((n, f) => n + statSync(join(dir, f)).size, 0) };
}

beforeAll(async () => {
  pg = await startPrivatePostgres();
  await pg.query('CREATE DATABASE scrutin');
  const [port] = await freePorts(1);
  config = unwrap(
    loadConfig({
      DATABASE_URL: pg.url('scrutin'),
      AMQP_URL: SERVICE_URLS.amqp,
      REDIS_URL: SERVICE_URLS.redis,
      SCRUTIN_NAMESPACE: testNamespace(),
      PORT: String(port),
      PG_POOL_SIZE: '6',
      LOG_LEVEL: 'silent',
    }),
  );
  central = await startCentral(config, { withValidator: true });
  credentials = await makeCredentials(openSampleElection());
  await loadElectionInto(central, credentials);
  for (const id of STATIONS) {
    const dataDir = tempDir();
    const station = await enrolledStation({ central, config, stop: () => Promise.resolve() }, credentials, id, clock, {
      sync: SYNC,
      dataDir,
      fetch: recordingFetch(id),
    });
    stations.push({ id, dataDir, station, cast: 0 });
  }
}, 300_000);

afterAll(async () => {
  for (const h of stations) h.station.close();
  await central.stop().catch(() => undefined);
  await dropTestNamespace(config.namespace);
  await pg.stop();
  removeTempDirs();
}, 120_000);

describe('the restore drill', () => {
  it('brings central back to the exact tally after the database is destroyed and restored to a point in time', async () => {
    // 1. The base backup of the running election.
    let started = Date.now();
    const backup = await pg.baseBackup();
    const baseBackupSeconds = (Date.now() - started) / 1000;

    // 2. The morning, then a quiet moment: everything received is counted.
    await Promise.all(stations.map((h) => castBallots(h, PER_PHASE.morning)));
    await settled('the morning');
    const morning = await centralCount('SELECT count(*)::text AS n FROM ballots');
    expect(morning).toBe(STATIONS.length * (PER_PHASE.morning - K));
    const [target] = await pg.query<{ t: string }>('SELECT clock_timestamp()::text AS t');
    if (target === undefined) throw new Error('no time');
    await sleep(1100);

    // 3. The afternoon: acknowledged and counted after the restore point.
    await Promise.all(stations.map((h) => castBallots(h, PER_PHASE.afternoon)));
    await settled('the afternoon');
    expect(await centralCount('SELECT count(*)::text AS n FROM ballots')).toBe(
      STATIONS.length * (PER_PHASE.morning + PER_PHASE.afternoon - K),
    );
    // Continuous archiving (archive_timeout 1 s) has shipped the WAL of the afternoon.
    await pg.archiveCurrentWal();

    // 4. Voters keep voting; the database is destroyed.
    const outage = Promise.all(stations.map((h) => castBallots(h, PER_PHASE.outage, 120)));
    await sleep(400);
    const destroyedAt = Date.now();
    await pg.destroy();
    const centralBefore = central;
    await centralBefore.stop().catch(() => undefined);

    // 5. Restore to T, reset Redis from the restored Postgres, restart central.
    started = Date.now();
    await pg.restore(backup, target.t);
    const restoreSeconds = (Date.now() - started) / 1000;
    // The restore point is one where the guarantees hold: every batch received before it was
    // counted before it. Read from the restored database before central serves again: once it
    // does, the stations' retries (every second at most) bring batches in at once.
    const restored = async (sql: string) => Number((await pg.query<{ n: string }>(sql, [], 'scrutin'))[0]?.n ?? -1);
    expect(await restored("SELECT count(*)::text AS n FROM batches WHERE status <> 'processed'")).toBe(0);
    expect(await restored('SELECT count(*)::text AS n FROM ballots')).toBe(morning);
    if (config.services === null) throw new Error('services mode expected');
    const reset = await exec(process.execPath, [BIN, 'dedup', 'reset', credentials.election.id], {
      env: { ...process.env, ...servicesEnv(config.services), SCRUTIN_NAMESPACE: config.namespace, LOG_LEVEL: 'silent' },
    });
    const resetReport = JSON.parse(reset.stdout) as { event: string; credentials: number };
    expect(resetReport.event).toBe('dedup.reset');
    central = await startCentral(config, { withValidator: true });
    const servingAt = Date.now();

    // 6a. The running stations retry and deliver what they had not sent…
    await outage;
    await settled('after the restore');
    const lost = await Promise.all(stations.map(lostBatches));
    const lostBatchCount = lost.reduce((n, l) => n + l.length, 0);
    const lostBallots = lost.flat().reduce((n, b) => n + b.envelopes, 0);
    const held = stations.reduce((n, h) => n + heldBack(h), 0);
    const shortfall = stationChoices().length - held - (await centralCount('SELECT count(*)::text AS n FROM ballots'));
    // …but the batches central acknowledged after T are gone from it, and no running station knows.
    expect(lostBallots).toBeGreaterThanOrEqual(STATIONS.length * PER_PHASE.afternoon);
    expect(shortfall).toBe(lostBallots);

    // 6b. The station applications restart: each reconciles with GET /sync/status and sends the lost batches again.
    const restartAt = Date.now();
    const synced = new Map(
      stations.map((h) => [
        h.id,
        new Set(
          batchChain(h.station.db)
            .filter((b) => b.synced)
            .map((b) => b.sequence),
        ),
      ]),
    );
    for (const h of stations) {
      h.station.close();
      h.station = openTestStation(h.dataDir, clock, recordingFetch(h.id), SYNC);
    }
    // The polls close: each station seals the ballots it held back as its final batch.
    for (const h of stations) unwrap(await h.station.closePolls({ pin: GOOD_PIN }));
    const expected = stationChoices();
    for (let i = 0; i < 1200 && (await centralCount('SELECT count(*)::text AS n FROM ballots')) < expected.length; i += 1) await sleep(100);
    await settled('after the stations reconciled');
    const exactAt = Date.now();
    // Acknowledged batches go back sealed (their envelopes were deleted with the receipt): each
    // station's audit log names the ones it gave back.
    const resent = stations.flatMap((h) =>
      readAuditLog(h.station.db)
        .filter((e) => e.event === 'batch-resent')
        .map((e) => ({ station: h.id, sequence: (e.details as { sequence: number }).sequence })),
    );
    const envelopesOf = (h: StationHandle, sequence: number) =>
      h.station.db.prepare<[number], { n: number }>('SELECT envelopes AS n FROM batches WHERE sequence = ?').get(sequence)?.n ?? 0;
    const resentBatches = new Set(resent.map((p) => `${p.station}/${p.sequence}`)).size;
    const resentBallots = resent.reduce(
      (n, p) =>
        n +
        envelopesOf(
          stations.find((h) => h.id === p.station)!,
          p.sequence,
        ),
      0,
    );
    expect(resent.every((p) => synced.get(p.station)?.has(p.sequence) === true)).toBe(true);

    // Exact: every ballot the stations hold is counted once, nothing else.
    const { rows } = await central.ctx.services.db.query<{ s: string }>('SELECT selections::text AS s FROM ballots');
    expect(rows.map((r) => canonicalJson(JSON.parse(r.s))).sort()).toEqual(expected);
    expect(await centralCount('SELECT count(*)::text AS n FROM credential_uses')).toBe(expected.length);
    expect(await centralCount('SELECT coalesce(sum(duplicates + invalid), 0)::text AS n FROM batches')).toBe(0);
    expect((await fetchResults(central.url, credentials.election.id)).turnout.ballots).toBe(expected.length);
    expect(resentBatches).toBe(lostBatchCount);
    expect(resentBallots).toBe(lostBallots);

    const archive = directorySize(pg.archiveDir);
    const report = {
      drill: 'restore',
      stations: STATIONS.length,
      ballots: expected.length,
      restoreTarget: target.t,
      baseBackupSeconds,
      walArchive: { segments: archive.files, bytes: archive.bytes },
      restoreSeconds,
      dedupReset: { credentials: resetReport.credentials },
      centralDowntimeSeconds: (servingAt - destroyedAt) / 1000,
      lostAcknowledged: { batches: lostBatchCount, ballots: lostBallots },
      shortfallBeforeStationRestart: shortfall,
      resent: { batches: resentBatches, ballots: resentBallots },
      exactTallySecondsAfterStationRestart: (exactAt - restartAt) / 1000,
      exactTallySecondsAfterDestruction: (exactAt - destroyedAt) / 1000,
    };
    console.log(JSON.stringify(report));
  }, 600_000);
});
