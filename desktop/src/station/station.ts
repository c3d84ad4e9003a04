import { createHash, randomBytes } from 'node:crypto';
import { chmodSync, mkdirSync, readdirSync, realpathSync, writeFileSync } from 'node:fs';
import { join, sep } from 'node:path';
import {
  assertNever,
  ElectionIdSchema,
  RidingCodeSchema,
  Sha256HexSchema,
  StationIdSchema,
  ballotStyle,
  canonicalJson,
  err,
  isWithinVotingWindow,
  modeOf,
  ok,
  parseElection,
  testDeck,
  type PublicKey,
  unwrap,
  type Result,
} from '@scrutin/shared';
import { receiptPageUrl } from '@scrutin/shared/api';
import { ExportPublicKeySchema, PublicKeySchema } from '@scrutin/shared/protocol';
import { appendAudit } from './audit_log.ts';
import { auditLogAsCdf, type ElectionEventLog } from './audit_export.ts';
import {
  ballotsCast,
  castBallot,
  outboxSize,
  castTally,
  checkBallot,
  forgetLastCast,
  lastCastReceipt,
  markCheckedIn,
  votersCheckedIn,
  votersWithoutBallot,
  type CheckedCredential,
} from './ballot_box.ts';
import { sealedBatchExport, stationBackup } from './batch_export.ts';
import {
  closingReportHash,
  closingReportHtml,
  printedClosingReport,
  printedZeroReport,
  signClosingReport,
  tallyTape,
} from './closing_report.ts';
import { batchCounts } from './batches.ts';
import { checkpointTruncate, openStationDb, type OpenDbError, type StationDb } from './db.ts';
import { DriveWriter } from './devices/drive_writer.ts';
import { voterSlip, type PrintedReport } from './devices/printed_reports.ts';
import { describePrinterProblem, type Printer } from './devices/printing.ts';
import { DriveIdSchema, describeDriveProblem, driveError, type DriveSource, type MountedDrive } from './devices/drives.ts';
import { describeClockProblem, type ClockSetter } from './devices/clock.ts';
import { checkKitOnDrive, kitsOnDrive, type KitOnDrive as KitFound, type KitOnDriveError } from './kit_drives.ts';
import { checkStoredKey, enrolStation, stationKey } from './enrolment.ts';
import { UNPROTECTED_KEYS, type KeyProtector, type KeyProtectorError } from './key_protector.ts';
import { KIT_AUDIO_DIR, RIDING_INDEX_FILE, loadStationKit, readKitAudioManifest, type StationKit } from './kit.ts';
import { runTestDeck } from './logic_and_accuracy.ts';
import { stationError } from './messages.ts';
import { PollBook } from './poll_book.ts';
import { forgetPendingPrint, keepPendingPrint, pendingPrints, setPendingJob, type PendingReportKind } from './pending_prints.ts';
import { PinChecks, ballotGate, lockedUntil, pollsState, transitionPolls, type PinAttempt } from './poll_workers.ts';
import type {
  AudioClips,
  Bilingual,
  ClosingReport,
  ClosingReportBody,
  KitSummary,
  PendingPrintSummary,
  PrintOutcome,
  ResumedPrinting,
  StationApi,
  StationError,
  StationEvent,
  StationProblem,
  StationStatus,
} from '../api/station_api.ts';
import { SyncEngine, type SyncOptions } from './sync_engine.ts';

/** The station software's version, in exports and the audit log export. */
export const STATION_SOFTWARE_VERSION = '0.1.0';

export const STATION_DB_FILE = 'station.sqlite';
export const SHARD_FILE = 'shard.sqlite';
export { KIT_AUDIO_DIR, RIDING_INDEX_FILE } from './kit.ts';

export interface OpenStationOptions {
  /** The station's data folder (its database and its copy of the shard). */
  readonly dataDir: string;
  /** The station clock, ms since the epoch (tests inject one). */
  readonly now?: () => number;
  /** For enrolment and sync; the global fetch by default. */
  readonly fetch?: typeof fetch;
  /** Sync engine settings (minimum batch, maximum delay, backoff, autoSync …). */
  readonly sync?: Partial<SyncOptions>;
  /**
   * Seals the station's signing key at rest (src/station/key_protector.ts). The hosts give an
   * AES-256-GCM protector under their key-encryption key; left out, the key is kept in clear
   * (tests and development only).
   */
  readonly keyProtector?: KeyProtector;
  /** The removable drives exports may go to (udisks2 on Linux); left out, exports are refused. */
  readonly drives?: DriveSource;
  /**
   * The station's printer, through CUPS (devices/printing.ts): checked before the polls open,
   * then the zero report and the closing report print silently. Left out, nothing prints.
   */
  readonly printer?: Printer;
  /** Prints each voter a slip with their receipt code after the cast (optional per election; needs `printer`). */
  readonly voterSlips?: boolean;
  /**
   * Sets the system clock at setup (devices/clock.ts: systemd-timedated on Linux, a simulated
   * clock in the browser host). Left out, `setClock` says the station cannot set its clock.
   */
  readonly clock?: ClockSetter;
}

/** The range of a plausible clock setting: no election of this software is held outside it. */
const CLOCK_EARLIEST = Date.parse('2024-01-01T00:00:00Z');
const CLOCK_LATEST = Date.parse('2100-01-01T00:00:00Z');

export type OpenStationError = OpenDbError | Extract<KeyProtectorError, { kind: 'station-key-locked' }>;

/** Whether a name in the data folder is one of the station's own files (or folders). */
function isStationFile(name: string): boolean {
  return (
    [STATION_DB_FILE, SHARD_FILE, RIDING_INDEX_FILE, KIT_AUDIO_DIR].some((own) => name === own || name.startsWith(`${own}-`)) ||
    /^closing-report-.+\.(html|json)$/.test(name)
  );
}

/** A folder of the station's and everything in it, owner-only: folders 0700, files 0600. */
function restrictTree(path: string, isDirectory: boolean): void {
  chmodSync(path, isDirectory ? 0o700 : 0o600);
  if (!isDirectory) return;
  for (const entry of readdirSync(path, { withFileTypes: true })) {
    if (entry.isDirectory() || entry.isFile()) restrictTree(join(path, entry.name), entry.isDirectory());
  }
}

/**
 * The data folder and the station's own files in it, owner-only: the folder 0700, files 0600
 * (issue 11): the database and its `-wal` / `-shm`, the shard, the riding index, the audio
 * folder and the closing reports. Anything else someone put in the folder is left as it is (a
 * data folder given as `.` in development must not change the modes of a whole checkout).
 * Runs at start and after a kit is loaded; symbolic links are left alone.
 */
export function restrictDataDir(dir: string): void {
  chmodSync(dir, 0o700);
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (!isStationFile(entry.name)) continue;
    if (entry.isDirectory() || entry.isFile()) restrictTree(join(dir, entry.name), entry.isDirectory());
  }
}

/** Whether `a` is `b` or inside it. */
const within = (a: string, b: string) => a === b || a.startsWith(b.endsWith(sep) ? b : `${b}${sep}`);

export interface Station extends StationApi {
  /** Closes the database; the object is unusable afterwards. */
  close(): void;
  /** The database, for tests and tools. */
  readonly db: StationDb;
  /** The sync engine (tests drive it; the UI goes through syncNow and events). */
  readonly sync: SyncEngine;
  /** The audit log in the NIST SP 1500-101 event-log shape. */
  auditExport(): ElectionEventLog;
}

interface StationRow {
  election_json: string;
  station_id: string;
  riding: string;
  central_url: string;
  central_public_key: string;
  central_export_key: string | null;
  kit_json_sha256: string;
  shard_sha256: string;
  voter_count: number;
  riding_index_sha256: string | null;
}

function kitFromDb(db: StationDb): StationKit | undefined {
  const row = db
    .prepare<[], StationRow>(
      'SELECT election_json, station_id, riding, central_url, central_public_key, central_export_key, kit_json_sha256, shard_sha256, voter_count, riding_index_sha256 FROM station WHERE id = 1',
    )
    .get();
  if (row === undefined) return undefined;
  return {
    election: unwrap(parseElection(JSON.parse(row.election_json))),
    stationId: StationIdSchema.parse(row.station_id),
    riding: RidingCodeSchema.parse(row.riding),
    centralUrl: row.central_url,
    centralPublicKey: PublicKeySchema.parse(row.central_public_key),
    centralExportKey: row.central_export_key === null ? null : ExportPublicKeySchema.parse(row.central_export_key),
    pollWorkers: db
      .prepare<[], { name: string; pin_hash: string }>('SELECT name, pin_hash FROM poll_workers ORDER BY name')
      .all()
      .map((w) => ({ name: w.name, pinHash: w.pin_hash })),
    shardSha256: Sha256HexSchema.parse(row.shard_sha256),
    voters: row.voter_count,
    kitSha256: Sha256HexSchema.parse(row.kit_json_sha256),
    ridingIndexSha256: row.riding_index_sha256 === null ? null : Sha256HexSchema.parse(row.riding_index_sha256),
  };
}

function summary(kit: StationKit): KitSummary {
  const { election } = kit;
  const name = (text: { readonly fr: string; readonly en: string } | undefined) => ({ fr: text?.fr ?? '', en: text?.en ?? '' });
  return {
    election: ElectionIdSchema.parse(election.id),
    mode: modeOf(election),
    station: kit.stationId,
    riding: kit.riding,
    voters: kit.voters,
    pollWorkers: kit.pollWorkers.length,
    workers: kit.pollWorkers.map((w) => w.name),
    electionName: name(election.name),
    stationName: name(election.stations.find((s) => s.id === kit.stationId)?.name),
    ridingName: name(election.ridings.find((r) => r.code === kit.riding)?.name),
    parties: election.parties,
    opensAt: election.opensAt,
    closesAt: election.closesAt,
    receiptUrl: receiptPageUrl(kit.centralUrl),
  };
}

/** A kit found on a drive, as the setup screen lists it: no poll worker, no PIN hash, no central key. */
function kitOnDriveChoice(found: KitFound) {
  const kit = found.kit;
  const name = (text: { readonly fr: string; readonly en: string } | undefined) => ({ fr: text?.fr ?? '', en: text?.en ?? '' });
  return {
    folder: found.folder,
    kit:
      kit === null
        ? null
        : {
            election: kit.election.id,
            electionName: name(kit.election.name),
            station: kit.file.stationId,
            stationName: name(kit.election.stations.find((st) => st.id === kit.file.stationId)?.name),
            riding: kit.file.riding,
            voters: kit.file.shard.voters,
          },
    problem: found.problem === null ? null : stationError(kitProblem(found.problem)).message,
  };
}

/** Why a kit was refused, for the audit log: its kind, and for an unsafe kit what was unsafe (`kit-unsafe:too-large`). */
function refusalReason(problem: KitOnDriveError): string {
  return problem.kind === 'kit-unsafe' ? `kit-unsafe:${problem.reason}` : problem.kind;
}

/** A kit-on-drive refusal as a station problem. */
function kitProblem(problem: KitOnDriveError): StationProblem {
  return problem.kind === 'kit-unsafe' ? { kind: 'kit-unsafe', reason: problem.reason, file: problem.file } : problem;
}

/**
 * The audio ballot's clips of the loaded kit, from the station's verified copy of the audio
 * folder (`<dataDir>/audio`): none for a kit without audio.
 */
function audioClipsIn(dir: string): Result<AudioClips, StationError> {
  const manifest = readKitAudioManifest(dir);
  if (!manifest.ok) return err(stationError({ kind: 'kit-audio-invalid', reason: manifest.error }));
  const clips = manifest.value?.clips ?? [];
  return ok({ clips: clips.map((c) => ({ id: c.id, language: c.language, text: c.text })) });
}

/** Runs a synchronous step as a promise: a bug (an exception) becomes a rejection, never a synchronous throw. */
function settle<T>(step: () => T): Promise<T> {
  return new Promise((resolve) => {
    resolve(step());
  });
}

/** Opens (or creates) a station in `dataDir`; refuses a database from a newer version. */
export function openStation(options: OpenStationOptions): Result<Station, OpenStationError> {
  mkdirSync(options.dataDir, { recursive: true, mode: 0o700 });
  restrictDataDir(options.dataDir);
  const opened = openStationDb(join(options.dataDir, STATION_DB_FILE));
  if (!opened.ok) return opened;
  const db = opened.value;
  const protector = options.keyProtector ?? UNPROTECTED_KEYS;
  const keyChecked = checkStoredKey(db, protector);
  if (!keyChecked.ok) {
    db.close();
    return err({ kind: 'station-key-locked', detail: keyChecked.error.kind === 'station-key-locked' ? keyChecked.error.detail : '' });
  }
  // A key sealed just now leaves no copy in clear behind it.
  checkpointTruncate(db);
  const now = options.now ?? Date.now;
  const fetchFn = options.fetch ?? fetch;
  const shardPath = join(options.dataDir, SHARD_FILE);
  const listeners = new Set<(event: StationEvent) => void>();
  /** One-time check-in tickets → credential; only in memory, never logged. */
  const tickets = new Map<string, CheckedCredential>();
  let kit = kitFromDb(db);
  const ridingIndexPath = join(options.dataDir, RIDING_INDEX_FILE);
  const openPollBook = (k: StationKit) =>
    new PollBook(db, shardPath, k.election, k.ridingIndexSha256 === null ? undefined : ridingIndexPath);
  let pollBook = kit === undefined ? undefined : openPollBook(kit);
  const audioDir = join(options.dataDir, KIT_AUDIO_DIR);
  let audio = audioClipsIn(audioDir);

  const fail = (problem: StationProblem) => err<StationError>(stationError(problem));
  const noDrives = () =>
    fail({
      kind: 'drive-problem',
      reason: 'drives-unavailable',
      words: describeDriveProblem({ kind: 'drives-unavailable', detail: 'this station has no drive service' }),
    });
  /** The station writes exports only through the drive writer: one at a time, onto a listed drive, under a new name. */
  const writer = new DriveWriter(
    () =>
      options.drives?.available() ??
      Promise.resolve(err(driveError({ kind: 'drives-unavailable', detail: 'this station has no drive service' }))),
  );
  const dataDirReal = realpathSync(options.dataDir);
  /** Whether a folder holds the station's data folder or is inside it. */
  const onStationData = (folder: string) => {
    let real: string;
    try {
      real = realpathSync(folder);
    } catch {
      return false;
    }
    return within(real, dataDirReal) || within(dataDirReal, real);
  };
  /** Only a drive of the list, as listed now; never one on the station's own data. */
  const chosenDrive = async (
    drives: DriveSource,
    id: string,
  ): Promise<Result<MountedDrive, { readonly reason: string; readonly problem: StationProblem }>> => {
    const listed = await drives.available();
    if (!listed.ok) {
      return err({ reason: listed.error.kind, problem: { kind: 'drive-problem', reason: listed.error.kind, words: listed.error.message } });
    }
    const chosen = listed.value.find((d) => d.id === id);
    if (chosen === undefined) {
      const words = describeDriveProblem({ kind: 'drive-not-found', id: DriveIdSchema.parse(id) });
      return err({ reason: 'drive-not-found', problem: { kind: 'drive-problem', reason: 'drive-not-found', words } });
    }
    if (onStationData(chosen.mountPoint))
      return err({ reason: 'station-data', problem: { kind: 'export-refused', reason: 'station-data' } });
    return ok(chosen);
  };
  const emit = (event: StationEvent) => {
    for (const listener of listeners) listener(event);
  };

  /** What CUPS said about a report's job, in the audit log, with the text's hash. */
  const auditPrint = (
    which: PendingReportKind,
    report: Pick<PrintedReport, 'text' | 'copies' | 'reconciles'>,
    outcome: string,
    resumed: boolean,
  ) => {
    const textSha256 = createHash('sha256').update(report.text, 'utf8').digest('hex');
    const { copies, reconciles } = report;
    const details = { report: which, textSha256, reconciles, copies, outcome, ...(resumed ? { resumed } : {}) };
    appendAudit(db, { event: 'report-printed', details }, now());
  };

  /**
   * Prints a report silently (when the station has a printer) and logs what became of it. A
   * report that does not print is kept (pending_prints.ts), with the CUPS job that still holds
   * it when there is one, until "Resume printing" prints it: it is never lost.
   */
  const printReport = async (which: PendingReportKind, report: PrintedReport): Promise<PrintOutcome> => {
    const { copies, reconciles } = report;
    if (options.printer === undefined) return { outcome: 'no-printer', copies, reconciles, problem: null };
    const printed = await options.printer.print(report);
    auditPrint(which, report, printed.ok ? 'printed' : printed.error.kind, false);
    if (printed.ok) {
      forgetPendingPrint(db, which);
      return { outcome: 'printed', copies, reconciles, problem: null };
    }
    keepPendingPrint(db, which, report, printed.error.kind === 'print-not-finished' ? printed.error.job : null);
    return { outcome: 'pending', copies, reconciles, problem: printed.error.message };
  };

  const pendingSummary = (): PendingPrintSummary[] => pendingPrints(db).map(({ report, copies }) => ({ report, copies }));

  /** The closing report's body as of now, signed with the station key. */
  const signedClosingReport = (k: StationKit, key: { readonly privateKeyPem: string; readonly publicKey: PublicKey }) => {
    const progress = engine.progress();
    const body: ClosingReportBody = {
      election: k.election.id,
      mode: modeOf(k.election),
      station: k.stationId,
      riding: k.riding,
      generatedAt: new Date(now()).toISOString(),
      pollsOpenedAt: firstAuditTime('polls-opened'),
      pollsClosedAt: firstAuditTime('polls-closed'),
      votersCheckedIn: votersCheckedIn(db),
      checkIns: checkIns(),
      leftWithoutVoting: votersWithoutBallot(db),
      abandonedSessions: Math.max(0, checkIns() - ballotsCast(db)),
      ballotsCast: ballotsCast(db),
      ballotsSynced: progress.syncedBallots,
      ballotsPending: progress.pendingBallots,
      batchesSynced: progress.batchesSynced,
      auditLogHead: auditHead(),
      tape: tallyTape(k.election, k.riding, castTally(db)),
    };
    return { body, signature: signClosingReport(body, key.privateKeyPem), publicKey: key.publicKey };
  };

  const closingReportPrinted = () =>
    db
      .prepare<[], { n: number }>(
        `SELECT 1 AS n FROM audit_log WHERE event = 'report-printed'
           AND json_extract(details, '$.report') = 'closing' AND json_extract(details, '$.outcome') = 'printed' LIMIT 1`,
      )
      .get() !== undefined;

  const pins = new PinChecks(db, now);
  const withPin = async (attempt: PinAttempt, action: string): Promise<Result<string, StationError>> => {
    if (kit === undefined) return fail({ kind: 'no-kit' });
    const checked = await pins.check(attempt, action);
    if (checked.ok) return checked;
    if (checked.error.kind === 'pin-locked') emit({ kind: 'pin-lockout', until: checked.error.until });
    return fail(checked.error);
  };

  const currentKey = () => stationKey(db, protector);
  let syncedBatches = -1;
  const engine = new SyncEngine(
    {
      db,
      fetch: fetchFn,
      now,
      kit: () => kit,
      key: currentKey,
      pollsOpen: () => pollsState(db) === 'open',
      emit: (event) => {
        // A receipt verified may have let rows go: no copy of them stays in the WAL.
        if (event.kind === 'sync-progress' && event.progress.batchesSynced !== syncedBatches) {
          syncedBatches = event.progress.batchesSynced;
          checkpointTruncate(db);
        }
        emit(event);
      },
    },
    options.sync,
  );
  const countCheckIn = db.prepare('UPDATE polls SET checked_in = checked_in + 1 WHERE id = 1');
  const checkInsQuery = db.prepare<[], { n: number }>('SELECT checked_in AS n FROM polls WHERE id = 1');
  /** Check-in sessions (a card checked in twice counts twice). */
  const checkIns = () => checkInsQuery.get()?.n ?? 0;
  const firstAuditTime = (event: string) =>
    db.prepare<[string], { at: string }>('SELECT at FROM audit_log WHERE event = ? ORDER BY seq LIMIT 1').get(event)?.at ?? null;
  const auditHead = () =>
    db.prepare<[], { hash: string }>('SELECT hash FROM audit_log ORDER BY seq DESC LIMIT 1').get()?.hash ?? '0'.repeat(64);

  /** Whether a kit is loaded now (read again after an await). */
  const kitLoaded = () => kit !== undefined;
  const station: Station = {
    db,
    sync: engine,
    close() {
      engine.close();
      tickets.clear();
      pollBook?.close();
      checkpointTruncate(db);
      db.close();
    },

    auditExport: () =>
      auditLogAsCdf(
        db,
        { id: kit?.stationId ?? 'unconfigured-station', election: kit?.election.id, version: STATION_SOFTWARE_VERSION },
        now(),
      ),

    status: () =>
      settle(() => {
        const key = currentKey();
        const locked = lockedUntil(db, now());
        const sync = engine.progress();
        const status: StationStatus = {
          kit: kit === undefined ? null : summary(kit),
          publicKey: key?.publicKey ?? null,
          enrolledAt: key?.enrolledAt ?? null,
          polls: pollsState(db),
          withinVotingWindow: kit !== undefined && isWithinVotingWindow(kit.election, now()),
          votersCheckedIn: votersCheckedIn(db),
          ballotsCast: ballotsCast(db),
          pendingSync: sync.pendingBallots,
          pinLockedUntil: locked === null ? null : new Date(locked).toISOString(),
          sync,
          clockSkewMs: engine.clockSkewMs,
          pendingPrints: pendingSummary(),
        };
        return ok(status);
      }),

    async loadKit(args) {
      const { pin, worker } = args;
      const state = pollsState(db);
      if (state !== 'setup') return fail({ kind: 'kit-locked', state });
      // Replacing a kit (its poll workers, its central URL) takes a PIN of the loaded kit's workers.
      if (kit !== undefined) {
        const allowed = await withPin({ pin: pin ?? '', worker }, 'load-kit');
        if (!allowed.ok) return allowed;
      }
      let path: string;
      if ('path' in args) path = args.path;
      else {
        // A kit of the setup list: the drive as listed now, the kit checked again on it.
        if (options.drives === undefined) return noDrives();
        const listed = await chosenDrive(options.drives, args.drive);
        if (!listed.ok) return fail(listed.error.problem);
        const found = checkKitOnDrive(listed.value.mountPoint, args.folder);
        if (found?.problem != null) {
          appendAudit(
            db,
            {
              event: 'kit-refused',
              details: { reason: refusalReason(found.problem) },
            },
            now(),
          );
          return fail(kitProblem(found.problem));
        }
        if (found === null) return fail({ kind: 'kit-unreadable', path: args.folder, reason: 'no kit.json in this folder' });
        path = found.path;
      }
      return settle(() => {
        const state = pollsState(db);
        if (state !== 'setup') return fail({ kind: 'kit-locked', state });
        pollBook?.close();
        pollBook = undefined;
        const loaded = loadStationKit(
          path,
          shardPath,
          kit === undefined ? undefined : { election: kit.election.id, station: kit.stationId },
        );
        if (!loaded.ok) {
          appendAudit(db, { event: 'kit-refused', details: { reason: refusalReason(loaded.error) } }, now());
          if (kit !== undefined) pollBook = openPollBook(kit);
          return fail(loaded.error);
        }
        const next = loaded.value;
        audio = audioClipsIn(audioDir);
        const audioClips = audio.ok ? audio.value.clips.length : 0;
        db.transaction(() => {
          db.prepare(
            `INSERT INTO station (id, election_id, station_id, riding, central_url, central_public_key, central_export_key, election_json, kit_json_sha256, shard_sha256, voter_count, riding_index_sha256)
             VALUES (1, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
             ON CONFLICT (id) DO UPDATE SET election_id = excluded.election_id, station_id = excluded.station_id, riding = excluded.riding,
               central_url = excluded.central_url, central_public_key = excluded.central_public_key,
               central_export_key = excluded.central_export_key, election_json = excluded.election_json,
               kit_json_sha256 = excluded.kit_json_sha256, shard_sha256 = excluded.shard_sha256, voter_count = excluded.voter_count,
               riding_index_sha256 = excluded.riding_index_sha256`,
          ).run(
            next.election.id,
            next.stationId,
            next.riding,
            next.centralUrl,
            next.centralPublicKey,
            next.centralExportKey,
            canonicalJson(next.election),
            next.kitSha256,
            next.shardSha256,
            next.voters,
            next.ridingIndexSha256,
          );
          db.prepare('DELETE FROM poll_workers').run();
          const insert = db.prepare('INSERT INTO poll_workers (name, pin_hash) VALUES (?, ?)');
          for (const w of next.pollWorkers) insert.run(w.name, w.pinHash);
          appendAudit(
            db,
            {
              event: 'kit-loaded',
              details: {
                election: next.election.id,
                station: next.stationId,
                voters: next.voters,
                shardSha256: next.shardSha256,
                audioClips,
              },
            },
            now(),
          );
        }).immediate();
        kit = next;
        pollBook = openPollBook(next);
        restrictDataDir(options.dataDir);
        checkpointTruncate(db);
        const loadedSummary = summary(next);
        emit({ kind: 'kit-loaded', kit: loadedSummary });
        return ok(loadedSummary);
      });
    },

    async setupKits() {
      // Reveals nothing and mounts nothing once a kit is loaded.
      if (kit !== undefined) return fail({ kind: 'setup-over' });
      if (options.drives === undefined) return noDrives();
      const listed = await options.drives.available();
      // A kit loaded meanwhile closes the list too.
      if (kitLoaded()) return fail({ kind: 'setup-over' });
      if (!listed.ok) return fail({ kind: 'drive-problem', reason: listed.error.kind, words: listed.error.message });
      return ok({
        drives: listed.value
          .filter((d) => !onStationData(d.mountPoint))
          .map((d) => ({ id: d.id, label: d.label, device: d.device, kits: kitsOnDrive(d.mountPoint).map(kitOnDriveChoice) })),
      });
    },

    async setClock({ at, pin, worker }) {
      const state = pollsState(db);
      if (state !== 'setup') return fail({ kind: 'clock-locked', state });
      // Once a kit is loaded, a poll worker of the kit is present (as for enrolling).
      let who = '';
      if (kit !== undefined) {
        const allowed = await withPin({ pin: pin ?? '', worker }, 'set-clock');
        if (!allowed.ok) return allowed;
        who = allowed.value;
      }
      const target = Date.parse(at);
      if (Number.isNaN(target) || target < CLOCK_EARLIEST || target >= CLOCK_LATEST) return fail({ kind: 'clock-invalid', at });
      const to = new Date(target).toISOString();
      const by = 'technician-setup' as const;
      if (options.clock === undefined) {
        const problem = { kind: 'clock-unavailable', detail: 'this station has no time service' } as const;
        appendAudit(db, { event: 'clock-set-failed', details: { to, reason: problem.kind, by, worker: who } }, now());
        return fail({ kind: 'clock-problem', reason: problem.kind, words: describeClockProblem(problem) });
      }
      if (pollsState(db) !== 'setup') return fail({ kind: 'clock-locked', state: pollsState(db) });
      const from = new Date(now()).toISOString();
      const set = await options.clock.set(target);
      if (!set.ok) {
        appendAudit(db, { event: 'clock-set-failed', details: { to, reason: set.error.kind, by, worker: who } }, now());
        return fail({ kind: 'clock-problem', reason: set.error.kind, words: set.error.message });
      }
      appendAudit(db, { event: 'clock-set', details: { from, to, by, worker: who } }, now());
      return ok({ previous: from, now: to });
    },

    async enrol({ token, pin, worker }) {
      if (kit === undefined) return fail({ kind: 'no-kit' });
      const allowed = await withPin({ pin, worker }, 'enrol');
      if (!allowed.ok) return allowed;
      const enrolled = await enrolStation(db, kit, token, { fetch: fetchFn, now, protector });
      if (!enrolled.ok) return fail(enrolled.error);
      emit({ kind: 'enrolled', publicKey: enrolled.value.publicKey, enrolledAt: enrolled.value.enrolledAt });
      engine.kick();
      return enrolled;
    },

    async unlock({ pin, worker }) {
      const who = await withPin({ pin, worker }, 'unlock');
      return who.ok ? ok({ worker: who.value }) : who;
    },

    async logicAndAccuracy({ pin, worker }) {
      const who = await withPin({ pin, worker }, 'logic-and-accuracy');
      if (!who.ok) return who;
      if (kit === undefined) return fail({ kind: 'no-kit' });
      const state = pollsState(db);
      if (state !== 'setup') return fail({ kind: 'test-after-opening', state });
      // The deck of the kit's own riding: it cannot be refused, so a failure here is a bug.
      const deck = unwrap(testDeck(kit.election, kit.riding));
      const run = runTestDeck(db, kit.election, kit.riding, deck);
      appendAudit(
        db,
        {
          event: 'logic-and-accuracy',
          details: {
            worker: who.value,
            ballots: run.ballots,
            differences: run.differences.length,
            passed: run.passed,
            resetToZero: run.resetToZero,
          },
        },
        now(),
      );
      return ok(run);
    },

    async openPolls({ pin, worker }) {
      const who = await withPin({ pin, worker }, 'open-polls');
      if (!who.ok) return who;
      if (kit === undefined) return fail({ kind: 'no-kit' });
      // Printer and paper first: the zero report must print, and so must the closing report tonight.
      if (options.printer !== undefined && pollsState(db) === 'setup') {
        const ready = await options.printer.check();
        if (!ready.ok) return fail({ kind: 'printer-problem', reason: ready.error.kind, words: ready.error.message });
      }
      const moved = transitionPolls(db, kit.election, 'open', who.value, now());
      if (!moved.ok) return fail(moved.error);
      emit({ kind: 'polls-changed', state: moved.value });
      const counts = batchCounts(db);
      const zeroReport = await printReport(
        'zero',
        printedZeroReport({
          election: kit.election,
          station: kit.stationId,
          riding: kit.riding,
          pollsOpenedAt: firstAuditTime('polls-opened') ?? new Date(now()).toISOString(),
          ballotsInBox: counts.outbox + counts.ballotsInBatches,
          pollBookVoted: ballotsCast(db),
          batchesPending: counts.batches - counts.batchesSynced,
          tally: castTally(db),
          pollWorkers: kit.pollWorkers.map((w) => w.name),
        }),
      );
      return ok({ state: moved.value, zeroReport });
    },

    async closePolls({ pin, worker }) {
      const who = await withPin({ pin, worker }, 'close-polls');
      if (!who.ok) return who;
      if (kit === undefined) return fail({ kind: 'no-kit' });
      const moved = transitionPolls(db, kit.election, 'closed', who.value, now());
      if (!moved.ok) return fail(moved.error);
      tickets.clear();
      forgetLastCast(db);
      emit({ kind: 'polls-changed', state: moved.value });
      // Closing the polls flushes the outbox: everything is due now.
      engine.kick();
      return ok({ state: moved.value });
    },

    // An async function, like settle: a bug becomes a rejection. The KDF runs off the event loop.
    checkIn: async ({ nas, code }) => {
      if (kit === undefined || pollBook === undefined) return fail({ kind: 'no-kit' });
      const gate = ballotGate(db, kit.election, now());
      if (!gate.ok) return fail(gate.error);
      const found = await pollBook.check({ nas, code });
      if (!found.ok) return fail(found.error);
      const ticket = randomBytes(16).toString('hex');
      tickets.set(ticket, found.value);
      // A count of sessions, and the card once among the cards checked in: no time, no order, no ballot.
      db.transaction(() => {
        countCheckIn.run();
        markCheckedIn(db, found.value);
      }).immediate();
      return ok({ ticket, riding: kit.riding, contests: ballotStyle(kit.election, kit.riding) });
    },

    cast: async ({ ticket, ballot }) => {
      const cast = await settle(() => {
        if (kit === undefined) return fail({ kind: 'no-kit' });
        const gate = ballotGate(db, kit.election, now());
        if (!gate.ok) return fail(gate.error);
        const credential = tickets.get(ticket);
        if (credential === undefined) return fail({ kind: 'unknown-ticket' });
        const checked = checkBallot(kit.election, kit.riding, ballot);
        if (!checked.ok) return fail(checked.error);
        const cast = castBallot(db, credential, checked.value, ticket);
        // Stored or refused as already used, the ticket is spent either way.
        tickets.delete(ticket);
        if (!cast.ok) return fail(cast.error);
        emit({ kind: 'ballot-cast', ballotsCast: ballotsCast(db), pendingSync: engine.progress().pendingBallots });
        engine.notifyCast();
        return ok(cast.value);
      });
      if (cast.ok && options.voterSlips === true && options.printer !== undefined && kit !== undefined) {
        // Queued, not awaited: the receipt on screen never waits for paper. The code is never logged.
        const slip = voterSlip({
          electionName: summary(kit).electionName,
          stationName: summary(kit).stationName,
          trackingCode: cast.value.receipt,
          verifyAt: receiptPageUrl(kit.centralUrl),
          mode: modeOf(kit.election),
        });
        void options.printer.print(slip, { waitMs: 0 });
      }
      return cast;
    },

    castOutcome: ({ ticket }) =>
      settle(() => {
        const receipt = lastCastReceipt(db, ticket);
        if (receipt !== null) return ok({ outcome: 'stored', receipt } as const);
        return ok({ outcome: 'not-stored', retry: tickets.has(ticket) ? 'cast-again' : 'check-in-again' } as const);
      }),

    async syncNow() {
      const synced = await engine.syncNow();
      return synced.ok ? synced : fail(synced.error);
    },

    async checkConnection() {
      const checked = await engine.checkConnection();
      return checked.ok ? checked : fail(checked.error);
    },

    async listDrives({ pin, worker }) {
      const allowed = await withPin({ pin, worker }, 'list-drives');
      if (!allowed.ok) return allowed;
      if (options.drives === undefined) return noDrives();
      const listed = await options.drives.available();
      if (!listed.ok) return fail({ kind: 'drive-problem', reason: listed.error.kind, words: listed.error.message });
      return ok({
        drives: listed.value.map((d) => ({
          id: d.id,
          label: d.label,
          device: d.device,
          sizeBytes: d.sizeBytes,
          freeBytes: d.freeBytes,
          readOnly: d.readOnly,
        })),
      });
    },

    async exportBatches({ pin, worker, drive }) {
      const who = await withPin({ pin, worker }, 'export-batches');
      if (!who.ok) return who;
      if (kit === undefined) return fail({ kind: 'no-kit' });
      const key = currentKey();
      if (key === undefined) return fail({ kind: 'not-enrolled' });
      if (options.drives === undefined) return noDrives();
      const refuse = (reason: string, problem: StationProblem) => {
        appendAudit(db, { event: 'export-failed', details: { worker: who.value, reason } }, now());
        return fail(problem);
      };
      const listed = await chosenDrive(options.drives, drive);
      if (!listed.ok) return refuse(listed.error.reason, listed.error.problem);
      const chosen = listed.value;
      // While the polls are open the held envelopes stay held (the anonymity set); closed, everything goes.
      engine.seal();
      // Signed, then sealed to central's export key from the kit: a lost stick reveals nothing.
      const sealed = await sealedBatchExport(
        db,
        { election: kit.election.id, station: kit.stationId, privateKeyPem: key.privateKeyPem, centralExportKey: kit.centralExportKey },
        now(),
      );
      // While the polls are open, ballots short of the anonymity set stay in the outbox: counted, never hidden.
      const heldBack = outboxSize(db);
      if (!sealed.ok) {
        switch (sealed.error.kind) {
          case 'nothing-to-export':
            return refuse(sealed.error.kind, { kind: 'nothing-to-export', heldBack });
          case 'no-export-key':
            return refuse(sealed.error.kind, { kind: 'kit-without-export-key' });
          case 'target-exists':
            return refuse(sealed.error.kind, { kind: 'export-failed', detail: `${sealed.error.path} exists` });
          case 'write-failed':
            return refuse(sealed.error.kind, { kind: 'export-failed', detail: sealed.error.detail });
          default:
            return assertNever(sealed.error, 'export error');
        }
      }
      const written = await writer.write({
        directory: chosen.mountPoint,
        station: kit.stationId,
        kind: 'pending-batches',
        content: sealed.value.content,
        now: now(),
      });
      if (!written.ok)
        return refuse(written.error.kind, { kind: 'drive-problem', reason: written.error.kind, words: written.error.message });
      const { batches, ballots } = sealed.value;
      const { path, sha256 } = written.value;
      appendAudit(db, { event: 'batches-exported', details: { worker: who.value, batches, ballots, sha256 } }, now());
      checkpointTruncate(db);
      emit({ kind: 'sync-progress', progress: engine.progress() });
      return ok({ path, batches, ballots, heldBack, sha256 });
    },

    async backupToDrive({ pin, worker, drive }) {
      const who = await withPin({ pin, worker }, 'backup');
      if (!who.ok) return who;
      if (kit === undefined) return fail({ kind: 'no-kit' });
      const state = pollsState(db);
      if (state !== 'closed') return fail({ kind: 'polls-not-closed', state });
      const key = currentKey();
      if (key === undefined) return fail({ kind: 'not-enrolled' });
      if (options.drives === undefined) return noDrives();
      if (kit.centralExportKey === null) return fail({ kind: 'kit-without-export-key' });
      const refuse = (reason: string, problem: StationProblem) => {
        appendAudit(db, { event: 'backup-failed', details: { worker: who.value, reason } }, now());
        return fail(problem);
      };
      const listed = await chosenDrive(options.drives, drive);
      if (!listed.ok) return refuse(listed.error.reason, listed.error.problem);
      const chosen = listed.value;
      // Closed: everything left in the outbox is sealed into batches first.
      engine.seal();
      const backup = await stationBackup(
        db,
        { election: kit.election.id, station: kit.stationId, privateKeyPem: key.privateKeyPem, centralExportKey: kit.centralExportKey },
        signedClosingReport(kit, key),
        now(),
      );
      const written = await writer.write({
        directory: chosen.mountPoint,
        station: kit.stationId,
        kind: 'full-backup',
        content: backup.content,
        now: now(),
      });
      if (!written.ok)
        return refuse(written.error.kind, { kind: 'drive-problem', reason: written.error.kind, words: written.error.message });
      const { path, sha256 } = written.value;
      const { batches, ballots } = backup;
      appendAudit(db, { event: 'backup-written', details: { worker: who.value, batches, ballots, sha256 } }, now());
      return ok({ path, batches, ballots, sha256 });
    },

    async closingReport({ pin, worker }) {
      const who = await withPin({ pin, worker }, 'closing-report');
      if (!who.ok) return who;
      if (kit === undefined) return fail({ kind: 'no-kit' });
      const state = pollsState(db);
      if (state !== 'closed') return fail({ kind: 'polls-not-closed', state });
      const key = currentKey();
      if (key === undefined) return fail({ kind: 'not-enrolled' });
      const signed = signedClosingReport(kit, key);
      const { body } = signed;
      const workers = kit.pollWorkers.map((w) => w.name);
      // The paper copies print once; asking for the report again shows it without printing it again.
      const paper = printedClosingReport(signed, kit.election, workers);
      // A closing report waiting for the printer is not sent again: "Resume printing" prints it.
      const waiting = pendingPrints(db).some((p) => p.report === 'closing');
      const printed: PrintOutcome = closingReportPrinted()
        ? { outcome: 'already-printed', copies: paper.copies, reconciles: paper.reconciles, problem: null }
        : waiting
          ? { outcome: 'pending', copies: paper.copies, reconciles: paper.reconciles, problem: null }
          : await printReport('closing', paper);
      const report: ClosingReport = { ...signed, html: closingReportHtml(signed, kit.election, workers), printed };
      writeFileSync(join(options.dataDir, `closing-report-${kit.stationId}.html`), report.html, { mode: 0o600 });
      writeFileSync(join(options.dataDir, `closing-report-${kit.stationId}.json`), `${JSON.stringify(signed, null, 2)}\n`, { mode: 0o600 });
      appendAudit(
        db,
        { event: 'closing-report', details: { worker: who.value, reportSha256: closingReportHash(body), ballots: body.ballotsCast } },
        now(),
      );
      return ok(report);
    },

    async resumePrinting({ pin, worker }) {
      const who = await withPin({ pin, worker }, 'resume-printing');
      if (!who.ok) return who;
      const printer = options.printer;
      if (printer === undefined)
        return fail({ kind: 'printer-problem', reason: 'no-printer', words: describePrinterProblem({ kind: 'no-printer' }) });
      const waiting = pendingPrints(db);
      // The jobs CUPS still holds print by themselves once the queue runs again: they are waited for, never sent twice.
      const queued = waiting.flatMap((p) => (p.cupsJob === null ? [] : [{ pending: p, job: p.cupsJob }]));
      const resumed = await printer.resume(queued.map(({ job }) => ({ printer: job.slice(0, job.lastIndexOf('-')), job })));
      if (!resumed.ok) {
        appendAudit(
          db,
          {
            event: 'printing-resumed',
            details: { worker: who.value, printed: [], pending: waiting.map((p) => p.report), problem: resumed.error.kind },
          },
          now(),
        );
        return fail({ kind: 'printer-problem', reason: resumed.error.kind, words: resumed.error.message });
      }
      const printed: PendingPrintSummary[] = [];
      let problem: Bilingual | null = null;
      for (const pending of waiting) {
        const index = queued.findIndex((q) => q.pending === pending);
        const outcome = index >= 0 ? resumed.value.jobs[index] : await printer.print(pending);
        if (outcome === undefined) continue;
        auditPrint(pending.report, pending, outcome.ok ? 'printed' : outcome.error.kind, true);
        if (outcome.ok) {
          forgetPendingPrint(db, pending.report);
          printed.push({ report: pending.report, copies: pending.copies });
        } else {
          setPendingJob(db, pending.report, outcome.error.kind === 'print-not-finished' ? outcome.error.job : null);
          problem ??= outcome.error.message;
        }
      }
      const still = pendingSummary();
      appendAudit(
        db,
        {
          event: 'printing-resumed',
          details: { worker: who.value, printed: printed.map((p) => p.report), pending: still.map((p) => p.report), problem: null },
        },
        now(),
      );
      const answer: ResumedPrinting = { printed, pending: still, problem };
      return ok(answer);
    },

    audioClips: () =>
      settle(() => {
        if (kit === undefined) return fail({ kind: 'no-kit' });
        return audio;
      }),

    subscribe(listener) {
      listeners.add(listener);
      return () => {
        listeners.delete(listener);
      };
    },
  };
  engine.start();
  return ok(station);
}
