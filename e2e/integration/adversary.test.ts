import { execFile, spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { Writable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import amqp from 'amqplib';
import Database from 'better-sqlite3';
import { Redis } from 'ioredis';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  canonicalJson,
  kdfOf,
  parseNas,
  parseVoterCode,
  sampleElection,
  trackingCodeOfValue,
  unwrap,
  type Ballot,
  type ElectionDefinition,
  type RidingCode,
  type StationId,
} from '@scrutin/shared';
import { credentialHash, deriveCredential } from '@scrutin/shared/crypto';
import type { Station } from '@scrutin/desktop';
import {
  GOOD_PIN,
  TestClock,
  ballotFor,
  makeCredentials,
  removeTempDirs,
  type Card,
  type CredentialsFixture,
} from '@scrutin/desktop/testing';
import { servicesEnv } from '@scrutin/server';
import { SERVICE_URLS, startTestCentral, type TestCentral } from '@scrutin/server/testing';
import { enrolledStation, loadElectionInto } from './central.test-support.ts';

/**
 * The adversary suite of issue 11 ("Proof"), on the real services: a test central (PostgreSQL,
 * Redis, RabbitMQ, an in-process validator and a second validator stopped and restarted
 * mid-run), three real station backends, and an election whose anonymity set k is 5.
 *
 * The test drives the day one ballot at a time, so it KNOWS which voter cast which ballot
 * (voter → credential → check value → tracking code → choices → cast position). Then each
 * adversary of docs/threat-model.md tries to link voters to choices with what it is given:
 *   - A (central insider): every table with xmin and ctid, the WAL written during the run
 *     (pg_waldump), Redis, RabbitMQ (a tap queue on the batch exchange, and the dead-letter
 *     queue with a poison message in it), the logs and /metrics;
 *   - B (stolen kiosk): each station's SQLite file and -wal as raw bytes, mid-day and after
 *     the day, and the USB export;
 *   - C (observer): the public results and turnout, polled after every single ballot.
 * Each reports the smallest anonymity set it reached (one JSON line); the suite fails if one
 * is under k (or under the whole station, for a station with fewer than k voters).
 *
 * Stations: BIG (200 voters, a ranked race, every ballot's choices distinct: the statistical
 * checks), MID (13 voters: batches of k while open, the close remainder of 8 in the final
 * batch), SMALL (3 voters, fewer than k: one final batch, exported to USB before it syncs).
 */
const exec = promisify(execFile);
const K = 5;
const BIG = 'ST-00007' as StationId; // MONTREAL-CENTRE, IRV
const MID = 'ST-00001' as StationId;
const SMALL = 'ST-00004' as StationId;
const COUNTS = { [BIG]: 200, [MID]: 13, [SMALL]: 3 } as Record<StationId, number>;
/** The BIG station's cast position at which B reads it mid-day, and where the second validator is stopped and restarted. */
const MIDDAY_AT = 57;
const WORKER_STOP_AT = 100;
const WORKER_START_AT = 121;

/** What the test knows about each ballot (no adversary has all of this). */
interface Known {
  readonly station: StationId;
  /** Global cast position (what C knows: who walked in when). */
  readonly position: number;
  /** Position within its station. */
  readonly stationPosition: number;
  readonly credential: string;
  readonly checkValue: string;
  /** The tracking code, without dashes, and as printed. */
  readonly tracking: string;
  readonly receipt: string;
  /** The choices, canonical JSON. */
  readonly choices: string;
  /** A string that occurs in the envelope of this ballot only (BIG: its ranking). */
  readonly needle: string | null;
}

const known: Known[] = [];
const logLines: string[] = [];
const capture = new Writable({
  write(chunk: Buffer, _encoding, done) {
    logLines.push(
      ...chunk
        .toString('utf8')
        .split('\n')
        .filter((l) => l !== ''),
    );
    done();
  },
});

let election: ElectionDefinition;
let credentials: CredentialsFixture;
let central: TestCentral;
let admin: pg.Client;
let amqpConnection: amqp.ChannelModel;
let channel: amqp.Channel;
let tapQueue: string;
const stations = new Map<StationId, Station>();
let smallOnline = true;
let walStart = '';
let walEnd = '';
let dbOid = 0;
let dataDirectory = '';
let slot = '';
/** Public figures diffs: the size of each step of one station's counted ballots (C). */
const cSteps: { subject: string; step: number; least: number }[] = [];
let cChecks = 0;
/** B mid-day: what the raw bytes of BIG showed with MIDDAY_AT ballots cast. */
let middayB: { synced: number; pending: number; syncedFound: number; pendingFound: number } | null = null;
let usbExport: { path: string; text: string } | null = null;
let workerRestarted = false;
/** Raw bytes of each station's files after the day (read after closing the station). */
const stationBytes = new Map<StationId, Buffer>();
const stationFiles = new Map<StationId, string>();
/** Copies of real queue messages (the tap) and what the dead-letter queue held. */
const tapped: Buffer[] = [];
const deadLetters: Buffer[] = [];
let workerMetrics = '';
/** What beforeAll started, to undo in afterAll even when it failed half-way. */
const cleanup: (() => unknown)[] = [];

type Adversary = 'A' | 'B' | 'C' | 'AwithC';
/** The smallest anonymity set each adversary reached, per station (the station's voter count is the most there is). */
const reached: Record<Adversary, Record<string, number>> = { A: {}, B: {}, C: {}, AwithC: {} };
const note = (adversary: Adversary, station: string, size: number) => {
  reached[adversary][station] = Math.min(reached[adversary][station] ?? Infinity, size);
};
const stats: Record<string, number> = {};

// ---------------------------------------------------------------------------------------------
// Helpers

const iso = (ms: number) => new Date(ms).toISOString();
const smallest = (station: StationId) => Math.min(K, COUNTS[station] ?? K);

/** Every ordering of at least two of `ids` (for distinct rankings). */
function orderings(ids: readonly string[]): string[][] {
  const out: string[][] = [];
  const walk = (prefix: string[], rest: string[]) => {
    if (prefix.length >= 2) out.push(prefix);
    for (const [i, id] of rest.entries()) walk([...prefix, id], [...rest.slice(0, i), ...rest.slice(i + 1)]);
  };
  walk([], [...ids]);
  return out;
}

/** BIG's ballots: every one a different ranking, so choices name the voter. */
function bigBallot(i: number): { ballot: Ballot; needle: string } {
  const riding = election.stations.find((s) => s.id === BIG)?.riding as RidingCode;
  const base = ballotFor(election, riding, i);
  let needle = '';
  const selections = base.selections.map((s) => {
    if (s.kind !== 'ranked') return s;
    const contest = election.contests.find((c) => c.id === s.contest);
    if (contest?.kind !== 'candidate') throw new Error('ranked contest without candidates');
    const all = orderings(contest.candidates.map((c) => c.id));
    const ranking = all[i];
    if (ranking === undefined) throw new Error(`only ${all.length} distinct rankings`);
    needle = JSON.stringify(ranking);
    return { ...s, ranking: ranking as typeof s.ranking };
  });
  if (needle === '') throw new Error('BIG has no ranked contest');
  return { ballot: { ...base, selections }, needle };
}

function credentialOf(card: Card): string {
  return deriveCredential(election.id, unwrap(parseNas(card.nas)), unwrap(parseVoterCode(card.code)), kdfOf(election));
}

async function castOne(id: StationId, card: Card, ballot: Ballot, needle: string | null): Promise<void> {
  const station = stations.get(id) as Station;
  const { ticket } = unwrap(await station.checkIn(card));
  const { receipt } = unwrap(await station.cast({ ticket, ballot }));
  const credential = credentialOf(card);
  known.push({
    station: id,
    position: known.length,
    stationPosition: known.filter((k) => k.station === id).length,
    credential,
    checkValue: credentialHash(credential as Parameters<typeof credentialHash>[0]),
    tracking: receipt.replace(/-/g, ''),
    receipt,
    choices: canonicalJson(ballot.selections),
    needle,
  });
}

/** Waits until central has processed every batch `id` synced (`synced` ballots in all). */
async function processed(id: StationId, synced: number): Promise<void> {
  const { db } = central.central.ctx.services;
  const deadline = Date.now() + 60_000;
  for (;;) {
    const { rows } = await db.query<{ pending: string; accepted: string }>(
      `SELECT count(*) FILTER (WHERE status <> 'processed')::text AS pending,
              coalesce(sum(accepted) FILTER (WHERE status = 'processed'), 0)::text AS accepted
         FROM batches WHERE election_id = $1 AND station_id = $2`,
      [election.id, id],
    );
    if (rows[0]?.pending === '0' && Number(rows[0].accepted) === synced) return;
    if (Date.now() > deadline) throw new Error(`central did not count ${synced} ballots of ${id}: ${JSON.stringify(rows[0])}`);
    await sleep(20);
  }
}

/** C: the public figures, flattened to path → number (shares and the version left out: they follow the counts). */
async function publicFigures(): Promise<Map<string, number>> {
  const base = `${central.central.url}/api/v1/elections/${election.id}`;
  const [results, turnout] = await Promise.all([
    fetch(`${base}/results`).then(async (r) => (await r.json()) as unknown),
    fetch(`${base}/turnout`).then(async (r) => (await r.json()) as unknown),
  ]);
  const out = new Map<string, number>();
  const walk = (value: unknown, path: string) => {
    if (typeof value === 'number') {
      if (!/share|percent|version/i.test(path)) out.set(path, value);
    } else if (Array.isArray(value)) {
      value.forEach((v: unknown, i) => {
        const key =
          typeof v === 'object' && v !== null
            ? ['station', 'riding', 'contest', 'candidate', 'option', 'party', 'id', 'code']
                .map((k) => (v as Record<string, unknown>)[k])
                .join('|')
            : String(i);
        walk(v, `${path}[${key}]`);
      });
    } else if (typeof value === 'object' && value !== null) {
      for (const [k, v] of Object.entries(value)) walk(v, `${path}.${k}`);
    }
  };
  walk(results, 'results');
  walk(turnout, 'turnout');
  return out;
}

let lastFigures = new Map<string, number>();

/** C's step: diffs the public figures with the last look; every change must be a batch of ≥ k of one station. */
async function observe(): Promise<void> {
  const now = await publicFigures();
  const changed = [...new Set([...now.keys(), ...lastFigures.keys()])].filter((p) => now.get(p) !== lastFigures.get(p));
  // Turnout per station, and ballots per riding in the results (the results are a snapshot of
  // their own, which may follow the turnout by a look or two).
  const moved = { turnout: 0, results: 0 };
  for (const [path, value] of now) {
    const station = /^turnout\.stations\[([^|\]]*)\|[^\]]*\]\.ballots$/.exec(path)?.[1];
    const riding = /^results\.ridings\[\|([^|\]]*)\|[^\]]*\]\.ballots$/.exec(path)?.[1];
    const subject = station ?? (riding === undefined ? undefined : `riding ${riding}`);
    if (subject === undefined) continue;
    const step = value - (lastFigures.get(path) ?? 0);
    if (step === 0) continue;
    moved[station === undefined ? 'results' : 'turnout'] += 1;
    const ours = [BIG, MID, SMALL].filter((id) => id === station || election.stations.find((s) => s.id === id)?.riding === riding);
    cSteps.push({ subject, step, least: Math.min(...ours.map(smallest)) });
  }
  // Anything public that moved without a station's or a riding's count moving would be a finer signal.
  for (const part of ['turnout', 'results'] as const) {
    const parts = changed.filter((p) => p.startsWith(`${part}.`));
    if (parts.length > 0) expect(moved[part], `${part} moved with no count: ${parts.slice(0, 5).join(', ')}`).toBeGreaterThan(0);
  }
  cChecks += 1;
  lastFigures = now;
}

async function syncAndObserve(id: StationId, afterSync?: () => Promise<void>): Promise<void> {
  const progress = unwrap(await (stations.get(id) as Station).syncNow({}));
  await afterSync?.();
  if (id !== SMALL || smallOnline) await processed(id, progress.syncedBallots);
  await observe();
}

/** The raw bytes of a station's database, its WAL and shared-memory file. */
function rawStationBytes(station: Station): Buffer {
  const file = station.db.name;
  return Buffer.concat([file, `${file}-wal`, `${file}-shm`, `${file}-journal`].filter((f) => existsSync(f)).map((f) => readFileSync(f)));
}

/** Whether `bytes` holds `k`'s credential (hex or raw), tracking code or (BIG) its unique choices. */
function linkable(bytes: Buffer, k: Known): { credential: boolean; tracking: boolean; choice: boolean } {
  return {
    credential: bytes.includes(k.credential) || bytes.includes(Buffer.from(k.credential, 'hex')),
    tracking: bytes.includes(k.tracking) || bytes.includes(k.receipt),
    choice: k.needle !== null && bytes.includes(k.needle),
  };
}

// ---------------------------------------------------------------------------------------------
// The day

const SCRUTIN_BIN = fileURLToPath(import.meta.resolve('@scrutin/server/bin/scrutin.js'));

interface WorkerProcess {
  readonly metricsUrl: string;
  /** Stops it with `signal` (SIGKILL: as a crash would) and waits until it has exited. */
  stop(signal: 'SIGTERM' | 'SIGKILL'): Promise<void>;
}

/** `scrutin worker` as its own process, on central's services; A reads its log lines with the API's. */
async function startWorkerProcess(): Promise<WorkerProcess> {
  const services = central.config.services;
  if (services === null) throw new Error('the adversary suite runs on the real services');
  const child = spawn(process.execPath, [SCRUTIN_BIN, 'worker'], {
    env: { ...process.env, ...servicesEnv(services), SCRUTIN_NAMESPACE: central.config.namespace, LOG_LEVEL: 'trace', METRICS_PORT: '0' },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const exited = new Promise<void>((resolve) =>
    child.once('exit', () => {
      resolve();
    }),
  );
  const lines = createInterface({ input: child.stdout });
  const metricsUrl = await new Promise<string>((resolve, reject) => {
    child.once('exit', (code) => {
      reject(new Error(`scrutin worker exited with ${String(code)}`));
    });
    lines.on('line', (line) => {
      const m = /metrics and probes on (http:\/\/\S+)/.exec(line);
      if (m?.[1] !== undefined) resolve(m[1]);
      else if (line.startsWith('{')) logLines.push(line);
    });
  });
  return {
    metricsUrl,
    async stop(signal) {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      await exited;
    },
  };
}

beforeAll(async () => {
  const now = Date.now();
  election = sampleElection({
    opensAt: iso(now - 3_600_000),
    closesAt: iso(now + 36_000_000),
    syncDeadline: iso(now + 86_400_000),
    anonymitySet: K,
    embargo: false,
  });
  credentials = await makeCredentials(election);
  central = await startTestCentral({ withValidator: true, logDestination: capture, env: { LOG_LEVEL: 'trace', METRICS_PORT: '0' } });
  cleanup.push(() => central.stop());
  await loadElectionInto(central.central, credentials);
  const ns = central.config.namespace;

  // A's WAL: a temporary physical slot keeps every segment from here on (the session holds it).
  admin = new pg.Client({ connectionString: SERVICE_URLS.postgresAdmin });
  await admin.connect();
  cleanup.push(() => admin.end());
  slot = `scrutin_adv_${ns}`;
  await admin.query('SELECT pg_create_physical_replication_slot($1, true, true)', [slot]);
  cleanup.push(() => admin.query('SELECT pg_drop_replication_slot($1)', [slot]));
  dataDirectory = (await admin.query<{ data_directory: string }>('SHOW data_directory')).rows[0]?.data_directory ?? '';
  dbOid = Number(
    (
      await central.central.ctx.services.db.query<{ oid: string }>(
        'SELECT oid::text AS oid FROM pg_database WHERE datname = current_database()',
      )
    ).rows[0]?.oid,
  );
  walStart = (await admin.query<{ l: string }>('SELECT pg_current_wal_lsn()::text AS l')).rows[0]?.l ?? '';

  // A's tap on the batch exchange: a copy of every message the API publishes.
  amqpConnection = await amqp.connect(SERVICE_URLS.amqp);
  cleanup.push(() => amqpConnection.close());
  channel = await amqpConnection.createChannel();
  tapQueue = `${ns}.adversary-tap`;
  await channel.assertQueue(tapQueue, { durable: false });
  cleanup.push(() => channel.deleteQueue(tapQueue));
  await channel.bindQueue(tapQueue, `${ns}.batches`, 'batch');

  // A second validator, `scrutin worker` in its own process, killed mid-run and started again.
  let worker = await startWorkerProcess();
  cleanup.push(async () => {
    await worker.stop('SIGTERM');
  });

  const clock = new TestClock(now);
  const flaky: typeof fetch = (input, init) => (smallOnline ? fetch(input, init) : Promise.reject(new TypeError('fetch failed: offline')));
  stations.set(BIG, await enrolledStation(central, credentials, BIG, clock));
  stations.set(MID, await enrolledStation(central, credentials, MID, clock));
  stations.set(SMALL, await enrolledStation(central, credentials, SMALL, clock, { fetch: flaky }));
  const closed = new Set<StationId>();
  cleanup.push(() => {
    for (const [id, station] of stations) if (!closed.has(id)) station.close();
  });
  smallOnline = false; // SMALL's day is offline: its only batch goes by USB first, then by the network.
  lastFigures = await publicFigures();

  const cards = { [BIG]: credentials.cards(BIG), [MID]: credentials.cards(MID), [SMALL]: credentials.cards(SMALL) } as Record<
    StationId,
    readonly Card[]
  >;
  for (let i = 0; i < COUNTS[BIG]!; i += 1) {
    clock.value += 30_000;
    const { ballot, needle } = bigBallot(i);
    await castOne(BIG, cards[BIG]![i]!, ballot, needle);
    // The second validator is killed (SIGKILL) as a batch has just been queued: whatever it
    // held unacknowledged, half-checked in Redis or not, is delivered again. Started later.
    await syncAndObserve(
      BIG,
      i + 1 === WORKER_STOP_AT
        ? async () => {
            await worker.stop('SIGKILL');
          }
        : undefined,
    );
    if (i + 1 === MIDDAY_AT) {
      // B mid-day: the envelopes not yet acknowledged may be there (at most 2k − 1); no synced one.
      const bytes = rawStationBytes(stations.get(BIG) as Station);
      const mine = known.filter((k) => k.station === BIG);
      // Which ballots were synced: the station seals a random part of its outbox, so it is not
      // the first ones cast; central's credential uses say (the test's knowledge, not B's).
      const { rows } = await central.central.ctx.services.db.query<{ h: string }>(
        "SELECT encode(credential_hash, 'hex') AS h FROM credential_uses WHERE election_id = $1",
        [election.id],
      );
      const used = new Set(rows.map((r) => r.h));
      const synced = mine.filter((k) => used.has(k.checkValue));
      const pending = mine.filter((k) => !used.has(k.checkValue));
      const status = unwrap(await (stations.get(BIG) as Station).status({})).sync;
      expect(synced.length).toBe(status.syncedBallots);
      const found = (ks: Known[]) => ks.filter((k) => Object.values(linkable(bytes, k)).some(Boolean)).length;
      middayB = { synced: synced.length, pending: pending.length, syncedFound: found(synced), pendingFound: found(pending) };
    }
    if (i + 1 === WORKER_START_AT) {
      worker = await startWorkerProcess();
      workerRestarted = true;
    }
    if (i < COUNTS[MID]!) {
      clock.value += 10_000;
      const riding = election.stations.find((s) => s.id === MID)?.riding as RidingCode;
      await castOne(MID, cards[MID]![i]!, ballotFor(election, riding, i), null);
      await syncAndObserve(MID);
    }
    if (i < COUNTS[SMALL]!) {
      const riding = election.stations.find((s) => s.id === SMALL)?.riding as RidingCode;
      await castOne(SMALL, cards[SMALL]![i]!, ballotFor(election, riding, i), null);
      await syncAndObserve(SMALL);
    }
  }

  // Close: the remainders go in each station's final batch. SMALL, offline, exports to USB first.
  for (const id of [BIG, MID, SMALL]) unwrap(await (stations.get(id) as Station).closePolls({ pin: GOOD_PIN }));
  await syncAndObserve(BIG);
  await syncAndObserve(MID);
  await syncAndObserve(SMALL); // offline: seals its only batch (3 < k, final)
  // The poll worker picks the USB key from the list (a temporary folder in tests).
  const [drive] = unwrap(await (stations.get(SMALL) as Station).listDrives({ pin: GOOD_PIN })).drives;
  if (drive === undefined) throw new Error('no USB drive listed for the export');
  const exported = unwrap(await (stations.get(SMALL) as Station).exportBatches({ pin: GOOD_PIN, drive: drive.id }));
  usbExport = { path: exported.path, text: readFileSync(exported.path, 'utf8') };
  smallOnline = true;
  await syncAndObserve(SMALL);
  // The results snapshot may follow the turnout: C keeps looking until it has the whole day.
  const ridingsCounted = () => cSteps.filter((s) => s.subject.startsWith('riding ')).reduce((n, s) => n + s.step, 0);
  for (let tries = 0; tries < 200 && ridingsCounted() < known.length; tries += 1) {
    await sleep(50);
    await observe();
  }

  // A: a poison message (not JSON) and an undecryptable copy of a real one, for the dead-letter queue.
  const tap = async () => {
    for (;;) {
      const m = await channel.get(tapQueue, { noAck: true });
      if (m === false) return;
      tapped.push(m.content);
    }
  };
  await tap();
  // The real message's identity line kept, a byte of its sealed envelopes flipped.
  const corrupted = Buffer.from(tapped[0] ?? '');
  const at = corrupted.indexOf(0x0a) + 20;
  corrupted[at] = (corrupted[at] ?? 0) ^ 0xff;
  const broker = central.central.ctx.services.broker;
  await broker.publish(Buffer.from('this is not a batch'), 'adversary-poison-1');
  await broker.publish(corrupted, 'adversary-poison-2');
  const dlq = `${ns}.batches.dead`;
  for (let tries = 0; tries < 300 && deadLetters.length < 2; tries += 1) {
    const m = await channel.get(dlq, { noAck: false });
    if (m === false) {
      await sleep(50);
      continue;
    }
    deadLetters.push(Buffer.concat([m.content, Buffer.from(`\n${JSON.stringify(m.properties.headers ?? {})}`)]));
    channel.ack(m);
  }
  await tap();

  workerMetrics = await (await fetch(`${worker.metricsUrl}/metrics`)).text();
  await worker.stop('SIGTERM');
  walEnd = (await admin.query<{ l: string }>('SELECT pg_current_wal_lsn()::text AS l')).rows[0]?.l ?? '';
  // B takes the folder as it is (a pulled plug), and again after a clean shutdown.
  for (const [id, station] of stations) {
    const running = rawStationBytes(station);
    station.close();
    closed.add(id);
    stationBytes.set(id, Buffer.concat([running, rawStationBytes(station)]));
    stationFiles.set(id, station.db.name);
  }
}, 240_000);

afterAll(async () => {
  console.log(
    JSON.stringify({
      adversarySuite: { k: K, voters: COUNTS, smallestAnonymitySet: reached, ...stats },
    }),
  );
  // Whatever beforeAll got to start, last first (the slot, the tap queue, the validator, central).
  for (const undo of cleanup.reverse())
    await Promise.resolve()
      .then(undo)
      .catch(() => undefined);
  removeTempDirs();
});

// ---------------------------------------------------------------------------------------------
// A: the central insider

interface Row {
  readonly xmin: string;
  readonly ctid: string;
  readonly table: string;
  readonly row: Record<string, unknown>;
}

async function tableRows(): Promise<Row[]> {
  const { db } = central.central.ctx.services;
  const { rows: tables } = await db.query<{ t: string }>(
    `SELECT c.relname AS t FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE n.nspname = 'public' AND c.relkind = 'r' ORDER BY 1`,
  );
  const out: Row[] = [];
  for (const { t } of tables) {
    const { rows } = await db.query<{ xmin: string; ctid: string; row: Record<string, unknown> }>(
      `SELECT xmin::text AS xmin, ctid::text AS ctid, row_to_json(x) AS row FROM ${t} x`,
    );
    for (const r of rows) out.push({ ...r, table: t });
  }
  return out;
}

const ctidKey = (ctid: string) => ctid.replace(/[()]/g, '').split(',').map(Number) as [number, number];
const byCtid = (a: Row, b: Row) => {
  const [ab, ao] = ctidKey(a.ctid);
  const [bb, bo] = ctidKey(b.ctid);
  return a.table === b.table ? ab - bb || ao - bo : a.table < b.table ? -1 : 1;
};
const hexOf = (v: unknown) => String(v).replace(/^\\x/, '');
const choicesOf = (row: Row) => canonicalJson(row.row.selections);
/** The codes of a `tracking_code_sets` row (8-byte big-endian values), in stored order. */
const codesOf = (codes: unknown): string[] => (hexOf(codes).match(/[0-9a-f]{16}/g) ?? []).map((h) => trackingCodeOfValue(BigInt(`0x${h}`)));

/**
 * Hoeffding's bound on a sum of independent, zero-mean terms T_b in [−c_b, c_b]:
 * P(|Σ T_b| ≥ t) ≤ 2·exp(−t² / (2·Σ c_b²)). The threshold below makes that ≤ 1e-6, so a store
 * order that is a true random permutation within each batch fails with probability < 1e-6.
 */
function withinBatchCorrelation(groups: readonly (readonly number[])[]): { statistic: number; threshold: number; perfectLeak: number } {
  let statistic = 0;
  let c2 = 0;
  let perfect = 0;
  for (const castPositions of groups) {
    // castPositions: the cast positions of a batch's ballots, in stored order.
    const n = castPositions.length;
    if (n < 2) continue;
    const rank = [...castPositions].sort((a, b) => a - b);
    const castRank = castPositions.map((p) => rank.indexOf(p));
    const mean = (n - 1) / 2;
    let t = 0;
    for (let i = 0; i < n; i += 1) t += (i - mean) * ((castRank[i] as number) - mean);
    const c = (n * (n * n - 1)) / 12;
    statistic += t;
    c2 += c * c;
    perfect += c;
  }
  return { statistic, threshold: Math.sqrt(2 * c2 * Math.log(2 / 1e-6)), perfectLeak: perfect };
}

/**
 * Kendall's τ between two orders of the same items, and its Hoeffding (U-statistic) bound:
 * P(|τ| ≥ t) ≤ 2·exp(−⌊n/2⌋·t²/2); the threshold makes that ≤ 1e-6.
 */
function kendall(a: readonly number[], b: readonly number[]): { tau: number; threshold: number } {
  const n = a.length;
  let s = 0;
  for (let i = 0; i < n; i += 1)
    for (let j = i + 1; j < n; j += 1) s += Math.sign(((a[i] as number) - (a[j] as number)) * ((b[i] as number) - (b[j] as number)));
  return { tau: s / ((n * (n - 1)) / 2), threshold: Math.sqrt((2 * Math.log(2 / 1e-6)) / Math.floor(n / 2)) };
}

describe('adversary A: the central insider', () => {
  it('counts every ballot exactly once despite the validator stopped and restarted mid-run', async () => {
    expect(workerRestarted).toBe(true);
    const rows = await tableRows();
    const ballots = rows.filter((r) => r.table.startsWith('ballots'));
    expect(ballots).toHaveLength(known.length);
    expect(ballots.map(choicesOf).sort()).toEqual(known.map((k) => k.choices).sort());
  });

  it('joins credential uses, ballots and tracking codes on xmin and gets at least k ballots of one station per voter', async () => {
    const rows = await tableRows();
    const uses = rows.filter((r) => r.table.startsWith('credential_uses'));
    const ballots = rows.filter((r) => r.table.startsWith('ballots'));
    const sets = rows.filter((r) => r.table === 'tracking_code_sets');
    const useOf = new Map(uses.map((r) => [hexOf(r.row.credential_hash), r]));
    const codeOf = new Map(sets.flatMap((r) => codesOf(r.row.codes).map((c) => [c, r] as const)));
    for (const k of known) {
      const use = useOf.get(k.checkValue);
      const code = codeOf.get(k.tracking);
      expect(use, 'every voter has a credential use').toBeDefined();
      expect(code, 'every receipt is stored').toBeDefined();
      for (const xmin of [use!.xmin, code!.xmin]) {
        const group = ballots.filter((b) => b.xmin === xmin);
        // The truth is in the group (the join is a real link), and the group is the set A reached.
        expect(group.map(choicesOf)).toContain(k.choices);
        // All of one station: the same riding, and as many as the station's batch.
        expect(new Set(group.map((b) => b.row.riding)).size).toBe(1);
        expect(group.length, `${k.station}: xmin group of ${group.length}`).toBeGreaterThanOrEqual(smallest(k.station));
        note('A', k.station, group.length);
        note('AwithC', k.station, group.length);
      }
      // Within the transaction, uses are in check-value order (in each partition: the heap of
      // each) and codes in one set in code order: nothing of cast order.
      for (const partition of new Set(uses.map((u) => u.table))) {
        const sameUses = uses
          .filter((u) => u.xmin === use!.xmin && u.table === partition)
          .sort(byCtid)
          .map((u) => hexOf(u.row.credential_hash));
        expect(sameUses).toEqual([...sameUses].sort());
      }
      // One set of codes a transaction, in code order.
      expect(sets.filter((c) => c.xmin === code!.xmin)).toHaveLength(1);
      const sameCodes = codesOf(code!.row.codes);
      expect(sameCodes).toEqual([...sameCodes].sort());
    }
  });

  it('finds no credential, and no check value or tracking code beside a choice, in any row', async () => {
    const rows = await tableRows();
    const credentials = new Set(known.map((k) => k.credential));
    const voterTokens = new Set(known.flatMap((k) => [k.checkValue, k.tracking]));
    let withVoter = 0;
    for (const r of rows) {
      const text = JSON.stringify(r.row);
      const hexes = text.match(/[0-9a-f]{64}/g) ?? [];
      expect(
        hexes.some((h) => credentials.has(h)),
        `${r.table} holds a credential`,
      ).toBe(false);
      const codes = r.table === 'tracking_code_sets' ? codesOf(r.row.codes) : [];
      const tokens = [...hexes, ...(text.match(/[0-9A-Z]{12}/g) ?? []), ...codes];
      if (!tokens.some((t) => voterTokens.has(t))) continue;
      withVoter += 1;
      expect(r.row.selections, `${r.table} links a voter to a choice`).toBeUndefined();
      expect(/"ranking"|"choice"|selections/.test(text), r.table).toBe(false);
    }
    // Every use and every set of tracking codes was looked at.
    expect(withVoter).toBeGreaterThanOrEqual(known.length + new Set(known.map((k) => k.station)).size);
  });

  it('reads the WAL written during the run with pg_waldump: per transaction, uses in value order, ballots in no cast order', async () => {
    const bin = readdirSync('/usr/lib/postgresql')
      .map((v) => join('/usr/lib/postgresql', v, 'bin', 'pg_waldump'))
      .filter((p) => existsSync(p))
      .sort()
      .at(-1);
    expect(bin, 'pg_waldump (apt-get install postgresql)').toBeDefined();
    const { stdout } = await exec(bin!, ['--path', join(dataDirectory, 'pg_wal'), '--start', walStart, '--end', walEnd, '--rmgr', 'Heap'], {
      maxBuffer: 512 * 1024 * 1024,
    });
    const { db } = central.central.ctx.services;
    const { rows: rels } = await db.query<{ f: string; t: string }>(
      `SELECT pg_relation_filenode(c.oid)::text AS f, c.relname AS t FROM pg_class c
        WHERE c.relkind = 'r' AND (c.relname LIKE 'ballots%' OR c.relname LIKE 'credential_uses%' OR c.relname = 'tracking_code_sets')`,
    );
    const tableOf = new Map(rels.map((r) => [Number(r.f), r.t]));
    // One line per heap insert: "tx: N, lsn: …, desc: INSERT off O …, blkref #0: rel S/D/F blk B".
    const inserts: { tx: string; table: string; ctid: string }[] = [];
    const line = /tx:\s+(\d+),.*desc: INSERT(?:\+INIT)? off:? ?(\d+).*blkref #0: rel \d+\/(\d+)\/(\d+)(?: fork \w+)? blk (\d+)/;
    for (const l of stdout.split('\n')) {
      const m = line.exec(l);
      if (m === null || Number(m[3]) !== dbOid) continue;
      const table = tableOf.get(Number(m[4]));
      if (table !== undefined) inserts.push({ tx: m[1]!, table, ctid: `(${m[5]},${m[2]})` });
    }
    const rows = await tableRows();
    const rowAt = new Map(rows.map((r) => [`${r.table}${r.ctid}`, r]));
    const byTx = new Map<string, { uses: string[]; ballots: string[]; codes: string[] }>();
    let resolved = 0;
    for (const ins of inserts) {
      const row = rowAt.get(`${ins.table}${ins.ctid}`);
      if (row === undefined || row.xmin !== ins.tx) continue; // a rolled-back attempt (general path retried)
      resolved += 1;
      const tx = byTx.get(ins.tx) ?? { uses: [], ballots: [], codes: [] };
      if (ins.table.startsWith('credential_uses')) tx.uses.push(hexOf(row.row.credential_hash));
      else if (ins.table.startsWith('ballots')) tx.ballots.push(choicesOf(row));
      else tx.codes.push(...codesOf(row.row.codes));
      byTx.set(ins.tx, tx);
    }
    // The WAL saw every insert of the run: each voter's use, ballot and code (one set a batch).
    const seen = [...byTx.values()];
    expect(resolved).toBe(known.length * 2 + seen.filter((t) => t.codes.length > 0).length);
    for (const part of ['uses', 'ballots', 'codes'] as const) expect(seen.reduce((n, t) => n + t[part].length, 0)).toBe(known.length);
    const txOfUse = new Map<string, string>();
    for (const [tx, t] of byTx) {
      for (const u of t.uses) txOfUse.set(u, tx);
      expect(t.uses, 'uses in check-value order in the WAL').toEqual([...t.uses].sort());
      expect(t.codes, 'tracking codes in code order in the WAL').toEqual([...t.codes].sort());
      expect(t.ballots.length).toBe(t.uses.length);
    }
    for (const k of known) {
      const tx = byTx.get(txOfUse.get(k.checkValue) ?? '');
      expect(tx?.ballots).toContain(k.choices);
      expect(tx!.ballots.length).toBeGreaterThanOrEqual(smallest(k.station));
      note('A', k.station, tx!.ballots.length);
    }
    // Within each transaction the ballots' WAL order against cast order (BIG: choices name the voter).
    const positionOf = new Map(known.filter((k) => k.station === BIG).map((k) => [k.choices, k.position]));
    const groups = [...byTx.values()]
      .map((t) => t.ballots.map((c) => positionOf.get(c)))
      .filter((g): g is number[] => g.every((p) => p !== undefined));
    expect(groups.flat()).toHaveLength(COUNTS[BIG]!);
    const test = withinBatchCorrelation(groups);
    stats.walOrderStatistic = Math.round(test.statistic);
    stats.walOrderThreshold = Math.round(test.threshold);
    expect(test.perfectLeak, 'the test would see a batch stored in cast order').toBeGreaterThan(test.threshold);
    expect(Math.abs(test.statistic)).toBeLessThan(test.threshold);
  });

  it('reads Redis: the used marks name a batch per credential, never fewer than k, and no choice', async () => {
    const redis = new Redis(SERVICE_URLS.redis);
    try {
      const keys = await redis.keys(`*${central.config.namespace}*`);
      expect(keys.length).toBeGreaterThan(0);
      const batchOf = new Map<string, string>();
      const all: Buffer[] = [];
      for (const key of keys) {
        const type = await redis.type(key);
        if (type === 'hash') {
          // Fields are raw bytes (check values): read them as bytes, not as text.
          const flat = (await redis.callBuffer('HGETALL', key)) as Buffer[];
          all.push(...flat);
          for (let i = 0; i + 1 < flat.length; i += 2) {
            if (key.includes('used')) batchOf.set((flat[i] as Buffer).toString('hex'), (flat[i + 1] as Buffer).toString('hex'));
          }
        } else if (type === 'set') all.push(...(await redis.smembersBuffer(key)));
        else if (type === 'string') all.push((await redis.getBuffer(key)) ?? Buffer.alloc(0));
        else if (type === 'list') all.push(...(await redis.lrangeBuffer(key, 0, -1)));
      }
      const bytes = Buffer.concat(all);
      for (const k of known) {
        expect(linkable(bytes, k)).toEqual({ credential: false, tracking: false, choice: false });
      }
      for (const c of ['"ranking"', '"choice"', 'selections']) expect(bytes.includes(c)).toBe(false);
      // Each voter's mark names a batch; the batch's marks are A's set.
      const sizeOf = new Map<string, number>();
      for (const b of batchOf.values()) sizeOf.set(b, (sizeOf.get(b) ?? 0) + 1);
      for (const k of known) {
        const batch = batchOf.get(k.checkValue);
        expect(batch, 'every used credential is marked').toBeDefined();
        const size = sizeOf.get(batch!) ?? 0;
        expect(size).toBeGreaterThanOrEqual(smallest(k.station));
        note('A', k.station, size);
      }
    } finally {
      redis.disconnect();
    }
  });

  it('reads RabbitMQ: copies of every batch message and the dead-letter queue show no credential, tracking code or choice', () => {
    expect(tapped.length).toBeGreaterThanOrEqual(known.length / 10);
    expect(deadLetters).toHaveLength(2);
    const bytes = Buffer.concat([...tapped, ...deadLetters].flatMap((b) => [b, Buffer.from('\n')]));
    for (const k of known) expect(linkable(bytes, k)).toEqual({ credential: false, tracking: false, choice: false });
    for (const c of ['"ranking"', '"choice"', 'selections', 'credential']) expect(bytes.includes(c), c).toBe(false);
    for (const k of known) expect(bytes.includes(k.checkValue)).toBe(false);
  });

  it('reads the logs and /metrics (API and validators): no credential, check value, tracking code or choice', async () => {
    expect(logLines.length).toBeGreaterThan(50);
    const metricsUrl = central.central.metricsUrl;
    expect(metricsUrl).toBeDefined();
    const metrics = await (await fetch(`${metricsUrl}/metrics`)).text();
    expect(metrics).toContain('scrutin_');
    expect(workerMetrics).toContain('scrutin_');
    const bytes = Buffer.from([...logLines, metrics, workerMetrics].join('\n'));
    for (const k of known) {
      expect(linkable(bytes, k)).toEqual({ credential: false, tracking: false, choice: false });
      expect(bytes.includes(k.checkValue)).toBe(false);
    }
    const candidates = election.contests.flatMap((c) => (c.kind === 'candidate' ? c.candidates.map((x) => x.id) : []));
    for (const c of candidates) expect(metrics.includes(c) || workerMetrics.includes(c), c).toBe(false);
  });
});

// ---------------------------------------------------------------------------------------------
// Stored order against arrival order

describe('the CVR order is independent of arrival order', () => {
  it('by ctid and by ballot_id, within each batch (Hoeffding bound, false alarm < 1e-6) and over the station (Kendall)', async () => {
    const rows = await tableRows();
    const bigBallots = rows.filter((r) => r.table.startsWith('ballots'));
    const positionOf = new Map(known.filter((k) => k.station === BIG).map((k) => [k.choices, k.position]));
    const mine = bigBallots.filter((b) => positionOf.has(choicesOf(b)));
    expect(mine.length).toBe(COUNTS[BIG]);
    const groups = new Map<string, Row[]>();
    for (const b of mine) groups.set(b.xmin, [...(groups.get(b.xmin) ?? []), b]);
    for (const [order, sort] of [
      ['ctid', byCtid],
      ['ballotId', (a: Row, b: Row) => (String(a.row.ballot_id) < String(b.row.ballot_id) ? -1 : 1)],
    ] as const) {
      const test = withinBatchCorrelation([...groups.values()].map((g) => [...g].sort(sort).map((b) => positionOf.get(choicesOf(b))!)));
      stats[`${order}WithinBatchStatistic`] = Math.round(test.statistic);
      stats[`${order}WithinBatchThreshold`] = Math.round(test.threshold);
      expect(test.perfectLeak).toBeGreaterThan(test.threshold);
      expect(Math.abs(test.statistic), order).toBeLessThan(test.threshold);
    }
    // Ballot ids are central's own random ids: their order says nothing even across batches.
    const sortedById = [...mine].sort((a, b) => (String(a.row.ballot_id) < String(b.row.ballot_id) ? -1 : 1));
    const { tau, threshold } = kendall(
      sortedById.map((_, i) => i),
      sortedById.map((b) => positionOf.get(choicesOf(b))!),
    );
    stats.ballotIdKendallTau = Number(tau.toFixed(3));
    stats.kendallThreshold = Number(threshold.toFixed(3));
    expect(Math.abs(tau)).toBeLessThan(threshold);
  });
});

// ---------------------------------------------------------------------------------------------
// B: the stolen kiosk

describe('adversary B: the stolen kiosk', () => {
  it('mid-day, finds at most the 2k − 1 envelopes not yet acknowledged, and nothing of a synced ballot', () => {
    // The documented window (threat-model.md): up to 2k − 1 envelopes wait in the outbox or in
    // a batch not yet acknowledged; each is readable by B until its receipt comes back.
    expect(middayB).not.toBeNull();
    expect(middayB!.synced).toBeGreaterThan(0);
    expect(middayB!.syncedFound).toBe(0);
    expect(middayB!.pending).toBeLessThanOrEqual(2 * K - 1);
    expect(middayB!.pendingFound).toBeLessThanOrEqual(2 * K - 1);
    stats.middayEnvelopesReadableByB = middayB!.pendingFound;
  });

  it('after the day, finds no credential, tracking code or choice of any ballot in the database or its WAL', () => {
    for (const [id, bytes] of stationBytes) {
      expect(bytes.length).toBeGreaterThan(0);
      for (const k of known.filter((x) => x.station === id)) {
        expect(linkable(bytes, k), `${id}: voter ${k.stationPosition}`).toEqual({ credential: false, tracking: false, choice: false });
      }
    }
    // Nothing links: B's set is the whole station.
    for (const id of stationBytes.keys()) note('B', id, COUNTS[id] ?? 0);
  });
});

// ---------------------------------------------------------------------------------------------
// C: the observer

describe('adversary C: the observer', () => {
  it('sees the public figures move only in steps of at least k ballots of one station (or the whole small station)', () => {
    expect(cChecks).toBeGreaterThanOrEqual(known.length);
    const total = new Map<string, number>();
    for (const s of cSteps) {
      expect(s.step, `${s.subject} moved by ${s.step}`).toBeGreaterThanOrEqual(s.least);
      total.set(s.subject, (total.get(s.subject) ?? 0) + s.step);
      note('C', s.subject, s.step);
    }
    const ridingOf = (id: StationId) => `riding ${election.stations.find((s) => s.id === id)?.riding ?? ''}`;
    expect(Object.fromEntries(total)).toEqual(
      Object.fromEntries(
        [BIG, MID, SMALL].flatMap((id) => [
          [id, COUNTS[id]],
          [ridingOf(id), COUNTS[id]],
        ]),
      ),
    );
  });
});

// ---------------------------------------------------------------------------------------------
// The attacks of issue 11, "What was found", one by one

describe('the old attacks fail', () => {
  it('1. a join on xmin links a credential to no fewer than k ballots (see A above), and credential_uses has no batch_hash', async () => {
    const { db } = central.central.ctx.services;
    const { rows } = await db.query<{ table_name: string; column_name: string }>(
      "SELECT table_name, column_name FROM information_schema.columns WHERE table_schema = 'public' AND table_name LIKE 'credential_uses%'",
    );
    expect(rows.length).toBeGreaterThan(0);
    for (const r of rows) expect(['election_id', 'credential_hash']).toContain(r.column_name);
    expect(Object.keys(reached.A).sort()).toEqual([BIG, MID, SMALL].sort());
    for (const [station, size] of Object.entries(reached.A)) expect(size).toBeGreaterThanOrEqual(smallest(station as StationId));
  });

  it('1. the ctid order of each ballots partition does not follow arrival within a batch (see the order test above)', async () => {
    const { db } = central.central.ctx.services;
    const { rows } = await db.query<{ s: string }>('SELECT selections::text AS s FROM ballots ORDER BY tableoid, ctid');
    const positionOf = new Map(known.filter((k) => k.station === BIG).map((k) => [k.choices, k.position]));
    const heap = rows.map((r) => positionOf.get(canonicalJson(JSON.parse(r.s)))).filter((p): p is number => p !== undefined);
    expect(heap).toHaveLength(COUNTS[BIG]!);
    expect(heap).not.toEqual([...heap].sort((a, b) => a - b));
  });

  it('2. a station keeps no envelope in batches.signed_batch once synced, nor in its outbox, file or WAL', () => {
    expect(stationFiles.size).toBe(3);
    for (const [id, file] of stationFiles) {
      const db = new Database(file, { readonly: true });
      try {
        const batches = db.prepare<[], { signed_batch: string; receipt: string | null }>('SELECT signed_batch, receipt FROM batches').all();
        expect(batches.length, id).toBeGreaterThan(0);
        for (const b of batches) {
          expect(b.receipt, `${id}: every batch acknowledged`).not.toBeNull();
          const text = b.signed_batch;
          const kept = JSON.parse(text) as Record<string, unknown>;
          expect(Object.keys(kept).sort(), `${id}: a synced batch keeps its header and signature, no envelope`).toEqual([
            'header',
            'signature',
          ]);
          for (const k of known.filter((x) => x.station === id))
            expect(text.includes(k.credential) || text.includes(k.tracking)).toBe(false);
        }
        expect(db.prepare<[], { n: number }>('SELECT count(*) AS n FROM outbox').get()?.n).toBe(0);
      } finally {
        db.close();
      }
      // And the raw bytes (file, -wal, -shm, read before and after a clean shutdown), as B reads them.
      const bytes = stationBytes.get(id) as Buffer;
      for (const k of known.filter((x) => x.station === id)) expect(bytes.includes(k.credential), id).toBe(false);
    }
  });

  it('2. the USB export, sealed to central’s export key, lets B link no voter, not even those it carries', () => {
    expect(usbExport).not.toBeNull();
    const text = usbExport!.text;
    for (const k of known) expect(linkable(Buffer.from(text), k)).toEqual({ credential: false, tracking: false, choice: false });
    const clear = known.filter((x) => x.station === SMALL).filter((k) => text.includes(k.credential)).length;
    stats.usbExportVotersReadable = clear;
    expect(clear).toBe(0);
  });

  it('3. public results never move by a single ballot (see C above)', () => {
    expect(cSteps.every((s) => s.step >= s.least)).toBe(true);
    expect(cSteps.some((s) => s.step === 1)).toBe(false);
  });

  it('4. a receipt is a random tracking code: not a function of the choices, not in any ballot row, its xmin group ≥ k', async () => {
    const rows = await tableRows();
    const ballotsText = rows
      .filter((r) => r.table.startsWith('ballots'))
      .map((r) => JSON.stringify(r.row))
      .join('\n');
    for (const k of known) expect(ballotsText.includes(k.tracking)).toBe(false);
    // Two voters with the same choices have different receipts.
    const byChoice = new Map<string, Set<string>>();
    for (const k of known) byChoice.set(k.choices, (byChoice.get(k.choices) ?? new Set()).add(k.tracking));
    const repeated = [...byChoice].filter(([c]) => known.filter((k) => k.choices === c).length > 1);
    expect(repeated.length).toBeGreaterThan(0);
    for (const [c, codes] of repeated) expect(codes.size).toBe(known.filter((k) => k.choices === c).length);
    const { rows: cols } = await central.central.ctx.services.db.query<{ column_name: string }>(
      "SELECT column_name FROM information_schema.columns WHERE table_name = 'tracking_code_sets' ORDER BY 1",
    );
    // Nor its station: a receipt check asks only whether a code was counted in the election.
    expect(cols.map((c) => c.column_name)).toEqual(['codes', 'election_id', 'seq']);
  });
});
