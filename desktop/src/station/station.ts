import { randomBytes } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import {
  ElectionIdSchema,
  PublicKeySchema,
  RidingCodeSchema,
  Sha256HexSchema,
  StationIdSchema,
  ballotStyle,
  canonicalJson,
  err,
  isWithinVotingWindow,
  ok,
  parseElection,
  unwrap,
  type CredentialHash,
  type Result,
} from '@scrutin/shared/node';
import { appendAudit } from './audit_log.ts';
import { ballotsCast, castBallot, checkBallot, outboxSize } from './ballot_box.ts';
import { openStationDb, type OpenDbError, type StationDb } from './db.ts';
import { enrolStation, stationKey } from './enrolment.ts';
import { loadStationKit, type StationKit } from './kit.ts';
import { stationError } from './messages.ts';
import { PollBook } from './poll_book.ts';
import { ballotGate, checkPin, lockedUntil, pollsState, transitionPolls } from './poll_workers.ts';
import type { KitSummary, StationApi, StationError, StationEvent, StationProblem, StationStatus } from './station_api.ts';

export const STATION_DB_FILE = 'station.sqlite';
export const SHARD_FILE = 'shard.sqlite';

export interface OpenStationOptions {
  /** The station's data folder (its database and its copy of the shard). */
  readonly dataDir: string;
  /** The station clock, ms since the epoch (tests inject one). */
  readonly now?: () => number;
  /** For enrolment; the global fetch by default. */
  readonly fetch?: typeof fetch;
}

export interface Station extends StationApi {
  /** Closes the database; the object is unusable afterwards. */
  close(): void;
  /** The database, for tests and for the sync engine. */
  readonly db: StationDb;
}

interface StationRow {
  election_json: string;
  station_id: string;
  riding: string;
  central_url: string;
  central_public_key: string;
  kit_json_sha256: string;
  shard_sha256: string;
  voter_count: number;
}

function kitFromDb(db: StationDb): StationKit | undefined {
  const row = db
    .prepare<[], StationRow>('SELECT election_json, station_id, riding, central_url, central_public_key, kit_json_sha256, shard_sha256, voter_count FROM station WHERE id = 1')
    .get();
  if (row === undefined) return undefined;
  return {
    election: unwrap(parseElection(JSON.parse(row.election_json))),
    stationId: StationIdSchema.parse(row.station_id),
    riding: RidingCodeSchema.parse(row.riding),
    centralUrl: row.central_url,
    centralPublicKey: PublicKeySchema.parse(row.central_public_key),
    pollWorkers: db.prepare<[], { name: string; pin_hash: string }>('SELECT name, pin_hash FROM poll_workers ORDER BY name').all().map((w) => ({ name: w.name, pinHash: w.pin_hash })),
    shardSha256: Sha256HexSchema.parse(row.shard_sha256),
    voters: row.voter_count,
    kitSha256: Sha256HexSchema.parse(row.kit_json_sha256),
  };
}

function summary(kit: StationKit): KitSummary {
  return { election: ElectionIdSchema.parse(kit.election.id), station: kit.stationId, riding: kit.riding, voters: kit.voters, pollWorkers: kit.pollWorkers.length };
}

/** Runs a synchronous step as a promise: a bug (an exception) becomes a rejection, never a synchronous throw. */
function settle<T>(step: () => T): Promise<T> {
  return new Promise((resolve) => {
    resolve(step());
  });
}

/** Opens (or creates) a station in `dataDir`; refuses a database from a newer version. */
export function openStation(options: OpenStationOptions): Result<Station, OpenDbError> {
  mkdirSync(options.dataDir, { recursive: true });
  const opened = openStationDb(join(options.dataDir, STATION_DB_FILE));
  if (!opened.ok) return opened;
  const db = opened.value;
  const now = options.now ?? Date.now;
  const fetchFn = options.fetch ?? fetch;
  const shardPath = join(options.dataDir, SHARD_FILE);
  const listeners = new Set<(event: StationEvent) => void>();
  /** One-time check-in tickets → credential; only in memory, never logged. */
  const tickets = new Map<string, CredentialHash>();
  let kit = kitFromDb(db);
  let pollBook = kit === undefined ? undefined : new PollBook(db, shardPath, kit.election.id);

  const fail = (problem: StationProblem) => err<StationError>(stationError(problem));
  const emit = (event: StationEvent) => {
    for (const listener of listeners) listener(event);
  };

  const withPin = async (pin: string, action: string): Promise<Result<string, StationError>> => {
    if (kit === undefined) return fail({ kind: 'no-kit' });
    const checked = await checkPin(db, pin, action, now);
    if (checked.ok) return checked;
    if (checked.error.kind === 'pin-locked') emit({ kind: 'pin-lockout', until: checked.error.until });
    return fail(checked.error);
  };

  const station: Station = {
    db,
    close() {
      tickets.clear();
      pollBook?.close();
      db.close();
    },

    status: () =>
      settle(() => {
        const key = stationKey(db);
        const locked = lockedUntil(db, now());
        const status: StationStatus = {
          kit: kit === undefined ? null : summary(kit),
          publicKey: key?.publicKey ?? null,
          enrolledAt: key?.enrolledAt ?? null,
          polls: pollsState(db),
          withinVotingWindow: kit !== undefined && isWithinVotingWindow(kit.election, now()),
          ballotsCast: ballotsCast(db),
          pendingSync: outboxSize(db),
          pinLockedUntil: locked === null ? null : new Date(locked).toISOString(),
        };
        return ok(status);
      }),

    loadKit: ({ path }) =>
      settle(() => {
        const state = pollsState(db);
        if (state !== 'setup') return fail({ kind: 'kit-locked', state });
        pollBook?.close();
        pollBook = undefined;
        const loaded = loadStationKit(path, shardPath, kit === undefined ? undefined : { election: kit.election.id, station: kit.stationId });
        if (!loaded.ok) {
          appendAudit(db, { event: 'kit-refused', details: { reason: loaded.error.kind } }, now());
          if (kit !== undefined) pollBook = new PollBook(db, shardPath, kit.election.id);
          return fail(loaded.error);
        }
        const next = loaded.value;
        db.transaction(() => {
          db.prepare(
            `INSERT INTO station (id, election_id, station_id, riding, central_url, central_public_key, election_json, kit_json_sha256, shard_sha256, voter_count)
             VALUES (1, ?, ?, ?, ?, ?, ?, ?, ?, ?)
             ON CONFLICT (id) DO UPDATE SET election_id = excluded.election_id, station_id = excluded.station_id, riding = excluded.riding,
               central_url = excluded.central_url, central_public_key = excluded.central_public_key, election_json = excluded.election_json,
               kit_json_sha256 = excluded.kit_json_sha256, shard_sha256 = excluded.shard_sha256, voter_count = excluded.voter_count`,
          ).run(next.election.id, next.stationId, next.riding, next.centralUrl, next.centralPublicKey, canonicalJson(next.election), next.kitSha256, next.shardSha256, next.voters);
          db.prepare('DELETE FROM poll_workers').run();
          const insert = db.prepare('INSERT INTO poll_workers (name, pin_hash) VALUES (?, ?)');
          for (const w of next.pollWorkers) insert.run(w.name, w.pinHash);
          appendAudit(db, { event: 'kit-loaded', details: { election: next.election.id, station: next.stationId, voters: next.voters, shardSha256: next.shardSha256 } }, now());
        }).immediate();
        kit = next;
        pollBook = new PollBook(db, shardPath, next.election.id);
        const loadedSummary = summary(next);
        emit({ kind: 'kit-loaded', kit: loadedSummary });
        return ok(loadedSummary);
      }),

    async enrol({ token }) {
      if (kit === undefined) return fail({ kind: 'no-kit' });
      const enrolled = await enrolStation(db, kit, token, { fetch: fetchFn, now });
      if (!enrolled.ok) return fail(enrolled.error);
      emit({ kind: 'enrolled', publicKey: enrolled.value.publicKey, enrolledAt: enrolled.value.enrolledAt });
      return enrolled;
    },

    async unlock({ pin }) {
      const worker = await withPin(pin, 'unlock');
      return worker.ok ? ok({ worker: worker.value }) : worker;
    },

    async openPolls({ pin }) {
      const worker = await withPin(pin, 'open-polls');
      if (!worker.ok) return worker;
      if (kit === undefined) return fail({ kind: 'no-kit' });
      const moved = transitionPolls(db, kit.election, 'open', worker.value, now());
      if (!moved.ok) return fail(moved.error);
      emit({ kind: 'polls-changed', state: moved.value });
      return ok({ state: moved.value });
    },

    async closePolls({ pin }) {
      const worker = await withPin(pin, 'close-polls');
      if (!worker.ok) return worker;
      if (kit === undefined) return fail({ kind: 'no-kit' });
      const moved = transitionPolls(db, kit.election, 'closed', worker.value, now());
      if (!moved.ok) return fail(moved.error);
      tickets.clear();
      emit({ kind: 'polls-changed', state: moved.value });
      return ok({ state: moved.value });
    },

    checkIn: ({ nas, code }) =>
      settle(() => {
        if (kit === undefined || pollBook === undefined) return fail({ kind: 'no-kit' });
        const gate = ballotGate(db, kit.election, now());
        if (!gate.ok) return fail(gate.error);
        const found = pollBook.check({ nas, code });
        if (!found.ok) return fail(found.error);
        const ticket = randomBytes(16).toString('hex');
        tickets.set(ticket, found.value);
        return ok({ ticket, riding: kit.riding, contests: ballotStyle(kit.election, kit.riding) });
      }),

    cast: ({ ticket, ballot }) =>
      settle(() => {
        if (kit === undefined) return fail({ kind: 'no-kit' });
        const gate = ballotGate(db, kit.election, now());
        if (!gate.ok) return fail(gate.error);
        const credential = tickets.get(ticket);
        if (credential === undefined) return fail({ kind: 'unknown-ticket' });
        const checked = checkBallot(kit.election, kit.riding, ballot);
        if (!checked.ok) return fail(checked.error);
        const cast = castBallot(db, credential, checked.value);
        // Stored or refused as already used, the ticket is spent either way.
        tickets.delete(ticket);
        if (!cast.ok) return fail(cast.error);
        emit({ kind: 'ballot-cast', ballotsCast: ballotsCast(db), pendingSync: outboxSize(db) });
        return ok(cast.value);
      }),

    subscribe(listener) {
      listeners.add(listener);
      return () => {
        listeners.delete(listener);
      };
    },
  };
  return ok(station);
}
