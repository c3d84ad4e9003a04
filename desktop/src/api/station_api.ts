import { z } from 'zod';
import {
  CandidateIdSchema,
  ClipIdSchema,
  LanguageSchema,
  ContestIdSchema,
  ContestSchema,
  ElectionIdSchema,
  ElectionModeSchema,
  PartySchema,
  PublicKeySchema,
  RidingCodeSchema,
  Sha256HexSchema,
  StationIdSchema,
  type BallotError,
  type NasError,
  type PublicKey,
  type Result,
  type StationId,
  type ValidationIssue,
  type VoterCodeError,
} from '@scrutin/shared';
import type { KitError } from '../station/kit.ts';
import type { PollsState } from '../station/poll_workers.ts';

/**
 * The StationApi contract: the station backend's only face to the UI, written once.
 *
 * `STATION_METHODS` below is the one table of its methods: each one's name, doc, the schema
 * of its one object argument and the schema of what it answers. Everything else is derived
 * from it: the `StationApi` type, the wire schemas (`station_protocol.ts`), the host side
 * (`dispatch.ts`) and the client side (`station_client.ts`). Adding a method is one entry
 * here plus its handler in the station backend (`src/station/station.ts`); see docs/kiosk.md.
 *
 * Every method returns a `Result`: expected failures (a wrong PIN, a typo on a card, a
 * refused ballot) are values with a message a poll worker can act on, in French and English.
 * Push events come through `subscribe`. Only JSON-friendly values cross (the API is relayed
 * over IPC or WebSocket), and what crosses is parsed on both sides: unknown keys are dropped,
 * a message that does not fit is refused. Answers are read-only once parsed.
 *
 * Browser-safe: zod, the browser-safe @scrutin/shared, and types only from the station
 * backend (it is bundled into the renderer and the preload).
 */

// --- Building blocks ---------------------------------------------------------------------------

const BilingualSchema = z.object({ fr: z.string(), en: z.string() }).readonly();
export type Bilingual = z.infer<typeof BilingualSchema>;

const IssueSchema = z.object({ path: z.string(), message: z.string() });
const PollsStateSchema = z.enum(['setup', 'open', 'closed']);
/** An ISO 8601 time. */
const Instant = z.string().min(1).max(64);
const Count = z.int().nonnegative();
const Path = z.string().min(1).max(4096);
const Pin = z.string().max(64);
/** A poll worker's name, as in the kit (KitSummary.workers). */
const WorkerName = z.string().min(1).max(64);

/** What an answer is made of: an object whose fields are read-only once parsed. */
const answer = <S extends z.ZodRawShape>(shape: S) => z.object(shape).readonly();

// --- What the methods answer -------------------------------------------------------------------

const KitSummarySchema = answer({
  election: ElectionIdSchema,
  /** `test` for a logic-and-accuracy test election: every kiosk screen then shows a TEST marker. */
  mode: ElectionModeSchema,
  station: StationIdSchema,
  riding: RidingCodeSchema,
  voters: Count,
  pollWorkers: Count,
  /** The poll workers' names, for the PIN pad's list (a PIN is checked against the chosen worker only). */
  workers: z.array(z.string()).readonly(),
  /** What the kiosk screens show, from the election definition, in both languages. */
  electionName: BilingualSchema,
  stationName: BilingualSchema,
  ridingName: BilingualSchema,
  /** The parties (names and colours) of the candidates on the ballot. */
  parties: z.array(PartySchema).readonly(),
  opensAt: Instant,
  closesAt: Instant,
  /** Where a voter checks a receipt code once the polls have closed: central's public receipt page. */
  receiptUrl: z.url({ protocol: /^https?$/ }),
});
export type KitSummary = z.infer<typeof KitSummarySchema>;

const EnrolmentSchema = answer({ publicKey: PublicKeySchema, enrolledAt: Instant });
export type Enrolment = z.infer<typeof EnrolmentSchema>;

const CheckInSchema = answer({
  ticket: z.string().regex(/^[0-9a-f]{16,64}$/),
  /** The ballot style to show: its riding and its contests, in ballot order. */
  riding: RidingCodeSchema,
  contests: z.array(ContestSchema).readonly(),
});
export type CheckIn = z.infer<typeof CheckInSchema>;

const SyncStateSchema = z.enum(['idle', 'waiting', 'syncing', 'offline', 'error']);
export type SyncState = z.infer<typeof SyncStateSchema>;

const SyncProgressSchema = answer({
  /** idle: nothing to send; waiting: envelopes held back (minimum batch size / delay); offline: the last attempt could not reach the server. */
  state: SyncStateSchema,
  /** Ballots cast here and not yet acknowledged by a verified central receipt. */
  pendingBallots: Count,
  syncedBallots: Count,
  batchesSynced: Count,
  lastSyncAt: Instant.nullable(),
  nextAttemptAt: Instant.nullable(),
  lastError: BilingualSchema.nullable(),
});
export type SyncProgress = z.infer<typeof SyncProgressSchema>;

/** A report kept because it did not print yet (src/station/pending_prints.ts). */
const PendingPrintSchema = answer({ report: z.enum(['zero', 'closing']), copies: Count });
export type PendingPrintSummary = z.infer<typeof PendingPrintSchema>;

/** What "Resume printing" did: the reports that printed now, those still waiting, and why they wait. */
const ResumedPrintingSchema = answer({
  printed: z.array(PendingPrintSchema).readonly(),
  pending: z.array(PendingPrintSchema).readonly(),
  problem: BilingualSchema.nullable(),
});
export type ResumedPrinting = z.infer<typeof ResumedPrintingSchema>;

const StationStatusSchema = answer({
  kit: KitSummarySchema.nullable(),
  publicKey: PublicKeySchema.nullable(),
  enrolledAt: Instant.nullable(),
  polls: PollsStateSchema,
  withinVotingWindow: z.boolean(),
  /** Distinct voter cards checked in (a card checked in twice counts once; nothing links a card to a ballot). */
  votersCheckedIn: Count,
  ballotsCast: Count,
  /** Sealed envelopes in the outbox, not yet synced. */
  pendingSync: Count,
  /** Every poll worker is locked out until then at least (ISO 8601), or null while any of them may sign in. */
  pinLockedUntil: Instant.nullable(),
  sync: SyncProgressSchema,
  /** Central clock minus station clock, from the last contact, or null if never reached. */
  clockSkewMs: z.number().nullable(),
  /** Reports that did not print yet (the printer failed): kept until "Resume printing" prints them. */
  pendingPrints: z.array(PendingPrintSchema).readonly(),
});
export type StationStatus = z.infer<typeof StationStatusSchema>;

const ConnectionCheckSchema = answer({
  reachable: z.boolean(),
  centralTime: Instant.nullable(),
  clockSkewMs: z.number().nullable(),
  /** True when the skew is beyond what the station tolerates (a warning for the technician). */
  clockWarning: z.boolean(),
  enrolled: z.boolean(),
  lastAcknowledgedSequence: z.int().nullable(),
});
export type ConnectionCheck = z.infer<typeof ConnectionCheckSchema>;

const BatchExportSummarySchema = answer({
  path: z.string(),
  batches: Count,
  /** Ballots written, every one not yet acknowledged by central and not held back. */
  ballots: Count,
  /** Ballots still in the outbox, held back for the anonymity set while the polls are open: not written; they go at close. */
  heldBack: Count,
  sha256: z.string(),
});

/** What the full backup at close wrote: its file, and every batch (pending and synced) and ballot in it. */
const BackupSummarySchema = answer({ path: z.string(), batches: Count, ballots: Count, sha256: z.string() });
export type BackupSummary = z.infer<typeof BackupSummarySchema>;

/** A removable drive the poll worker may choose for an export (src/station/devices/drives.ts). */
const DriveChoiceSchema = answer({
  /** Opaque, stable while the drive stays plugged in. */
  id: z.string().min(1).max(512),
  label: z.string().max(256),
  device: z.string().max(256),
  sizeBytes: Count,
  freeBytes: Count,
  readOnly: z.boolean(),
});
export type DriveChoice = z.infer<typeof DriveChoiceSchema>;
const DriveListSchema = answer({ drives: z.array(DriveChoiceSchema).readonly() });
export type BatchExportSummary = z.infer<typeof BatchExportSummarySchema>;

/**
 * A station kit found on a removable drive at setup (src/station/kit_drives.ts): its folder on
 * the drive ('.': the drive's own folder), what it is when its kit.json could be read, and why
 * it may not be loaded (null: it was checked and may be).
 */
const KitOnDriveSchema = answer({
  folder: z.string().min(1).max(255),
  kit: answer({
    election: z.string(),
    electionName: BilingualSchema,
    station: z.string(),
    stationName: BilingualSchema,
    riding: z.string(),
    voters: Count,
  }).nullable(),
  problem: BilingualSchema.nullable(),
});
export type KitOnDrive = z.infer<typeof KitOnDriveSchema>;
/** The removable drives plugged in at setup and the kits on each. */
const SetupKitsSchema = answer({
  drives: z
    .array(
      answer({
        id: z.string().min(1).max(512),
        label: z.string().max(256),
        device: z.string().max(256),
        kits: z.array(KitOnDriveSchema).readonly(),
      }),
    )
    .readonly(),
});
export type SetupKits = z.infer<typeof SetupKitsSchema>;

/** The clock set at setup: the station's time before, and the time it was set to. */
const ClockSetSchema = answer({ previous: Instant, now: Instant });
export type ClockSet = z.infer<typeof ClockSetSchema>;

/**
 * What became of a report sent to the station's printer: printed (CUPS says the job completed),
 * already printed (the closing report's copies print once), pending (it did not print: the words
 * say why; the station keeps it, and "Resume printing" prints it once the printer is fixed), or
 * no printer configured on this station.
 */
const PrintOutcomeSchema = answer({
  outcome: z.enum(['printed', 'already-printed', 'pending', 'no-printer']),
  copies: Count,
  /** Whether every reconciliation the report states holds. */
  reconciles: z.boolean(),
  problem: BilingualSchema.nullable(),
});
export type PrintOutcome = z.infer<typeof PrintOutcomeSchema>;

/**
 * A logic-and-accuracy run at the station (src/station/logic_and_accuracy.ts): the test deck
 * cast through the ballot box, its tally compared with the expected results, then all of it
 * rolled back and the station checked back at zero.
 */
const LogicAndAccuracyRunSchema = answer({
  /** Ballots in the deck. */
  ballots: Count,
  /** Deck ballots the ballot box stored. */
  cast: Count,
  /** Deck ballots the ballot box refused (a failure: every deck ballot is valid). */
  refused: Count,
  /** Every difference between the tally and the expected results, in words (none: the count is right). */
  differences: z.array(BilingualSchema).readonly(),
  passed: z.boolean(),
  /** The station holds no ballot, mark, tally or batch afterwards. */
  resetToZero: z.boolean(),
});
export type LogicAndAccuracyRun = z.infer<typeof LogicAndAccuracyRunSchema>;

const ContestTapeSchema = answer({
  contest: z.string(),
  kind: z.enum(['referendum', 'candidate']),
  /** A ranked race: its counts are first choices only, and every report says so. */
  firstChoices: z.boolean(),
  title: BilingualSchema,
  ballots: Count,
  blank: Count,
  /** Votes per option (candidate id, or 'yes' / 'no'); for ranked races, first preferences. */
  counts: z.array(answer({ option: z.string(), label: BilingualSchema, votes: Count })).readonly(),
});
export type ContestTape = z.infer<typeof ContestTapeSchema>;

const ClosingReportBodySchema = answer({
  election: ElectionIdSchema,
  /**
   * The election's mode, from the kit (docs/decisions/0010-test-mode.md): signed with the rest,
   * so a test election's report relabelled live (or the reverse) no longer verifies.
   */
  mode: ElectionModeSchema,
  station: StationIdSchema,
  riding: RidingCodeSchema,
  generatedAt: Instant,
  pollsOpenedAt: Instant.nullable(),
  pollsClosedAt: Instant.nullable(),
  /** Distinct voter cards checked in (a card checked in twice counts once). */
  votersCheckedIn: Count,
  /** Check-in sessions (a voter who checked in twice has two). */
  checkIns: Count,
  /** Voters checked in whose card was never used for a ballot (counted from the poll book, not derived). */
  leftWithoutVoting: Count,
  /** Check-in sessions that ended without a ballot: check-ins − ballots cast. */
  abandonedSessions: Count,
  ballotsCast: Count,
  ballotsSynced: Count,
  ballotsPending: Count,
  batchesSynced: Count,
  auditLogHead: z.string(),
  tape: z.array(ContestTapeSchema).readonly(),
});
export type ClosingReportBody = z.infer<typeof ClosingReportBodySchema>;

/** What the station signs and keeps of a closing report (closing-report-<station>.json, its backups). */
const signedClosingReport = {
  body: ClosingReportBodySchema,
  /** Ed25519 signature by the station key over the canonical JSON of `body` (base64, as for batches). */
  signature: z.string(),
  publicKey: PublicKeySchema,
};

const ClosingReportSchema = answer({
  ...signedClosingReport,
  /** A printable, self-contained HTML page of the report (also written to the data folder). */
  html: z.string().max(2_000_000),
  /** The numbered paper copies, printed silently through CUPS. */
  printed: PrintOutcomeSchema,
});
export type ClosingReport = z.infer<typeof ClosingReportSchema>;

/** A signed closing report as the station writes it to its data folder and its backups: the body, its signature and the key. */
export const SignedClosingReportSchema = answer(signedClosingReport);
export type SignedClosingReport = z.infer<typeof SignedClosingReportSchema>;

/**
 * What became of a cast the kiosk lost track of (a crash, a lost link): stored, with its
 * receipt; or not stored, and either the same ticket can cast again or the card must be
 * checked in again (the ticket died with the backend; the card is still unused).
 */
const CastOutcomeSchema = z.discriminatedUnion('outcome', [
  answer({ outcome: z.literal('stored'), receipt: z.string().max(64) }),
  answer({ outcome: z.literal('not-stored'), retry: z.enum(['cast-again', 'check-in-again']) }),
]);
export type CastOutcome = z.infer<typeof CastOutcomeSchema>;

const AudioClipsSchema = answer({
  /**
   * Every clip of the loaded kit's audio ballot (none for a kit without audio): what it says, in
   * which language. Its bytes are served by the host at `/audio/<id>.wav` (src/host/renderer_files.ts).
   */
  clips: z.array(answer({ id: ClipIdSchema, language: LanguageSchema, text: z.string().min(1).max(600) })).readonly(),
});
export type AudioClips = z.infer<typeof AudioClipsSchema>;

// --- Push events -------------------------------------------------------------------------------

export type StationEvent =
  | { readonly kind: 'kit-loaded'; readonly kit: KitSummary }
  | { readonly kind: 'enrolled'; readonly publicKey: PublicKey; readonly enrolledAt: string }
  | { readonly kind: 'polls-changed'; readonly state: PollsState }
  | { readonly kind: 'ballot-cast'; readonly ballotsCast: number; readonly pendingSync: number }
  | { readonly kind: 'pin-lockout'; readonly until: string }
  | { readonly kind: 'sync-progress'; readonly progress: SyncProgress }
  | { readonly kind: 'clock-warning'; readonly skewMs: number };

export const StationEventSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('kit-loaded'), kit: KitSummarySchema }),
  z.object({ kind: z.literal('enrolled'), publicKey: PublicKeySchema, enrolledAt: Instant }),
  z.object({ kind: z.literal('polls-changed'), state: PollsStateSchema }),
  z.object({ kind: z.literal('ballot-cast'), ballotsCast: Count, pendingSync: Count }),
  z.object({ kind: z.literal('pin-lockout'), until: Instant }),
  z.object({ kind: z.literal('sync-progress'), progress: SyncProgressSchema }),
  z.object({ kind: z.literal('clock-warning'), skewMs: z.number() }),
]);

// --- Errors ------------------------------------------------------------------------------------

/** What went wrong, without its words. */
export type StationProblem =
  // Kit
  | KitError
  | { readonly kind: 'kit-locked'; readonly state: PollsState }
  | { readonly kind: 'no-kit' }
  /** A file or folder of a kit on a drive that is not loaded, whatever it holds: a link, not a plain file, off the drive, too large, too many files. */
  | { readonly kind: 'kit-unsafe'; readonly reason: string; readonly file: string }
  /** The setup-time methods (the kits on the drives) are for a station without a kit only. */
  | { readonly kind: 'setup-over' }
  // The clock
  /** The clock is set while the polls are in setup only. */
  | { readonly kind: 'clock-locked'; readonly state: PollsState }
  /** A time out of any election's range (before 2024 or after 2099): a typo. */
  | { readonly kind: 'clock-invalid'; readonly at: string }
  /** The time service could not set the clock (src/station/devices/clock.ts): its own words. */
  | { readonly kind: 'clock-problem'; readonly reason: string; readonly words: Bilingual }
  // Enrolment
  | { readonly kind: 'enrolment-refused'; readonly code: string; readonly status: number; readonly detail: string }
  | { readonly kind: 'central-unreachable'; readonly detail: string }
  | { readonly kind: 'central-key-mismatch'; readonly kit: string; readonly central: string }
  // Poll workers and the polls
  | { readonly kind: 'pin-wrong'; readonly attemptsLeft: number }
  | { readonly kind: 'pin-locked'; readonly until: string }
  | { readonly kind: 'invalid-transition'; readonly from: PollsState; readonly to: PollsState }
  | { readonly kind: 'voting-window-over'; readonly closesAt: string }
  | { readonly kind: 'polls-not-open'; readonly state: PollsState }
  | { readonly kind: 'outside-voting-window'; readonly opensAt: string; readonly closesAt: string }
  // Check-in and casting
  | { readonly kind: 'nas-invalid'; readonly problem: NasError }
  | { readonly kind: 'code-invalid'; readonly problem: VoterCodeError }
  | { readonly kind: 'unknown-credential' }
  /** The card belongs to another polling station of this riding (from the kit's riding index). */
  | { readonly kind: 'other-station'; readonly station: StationId; readonly stationName: Bilingual }
  | { readonly kind: 'not-enrolled' }
  | { readonly kind: 'export-failed'; readonly detail: string }
  /**
   * Nothing to write: central acknowledged every sealed batch (a successful send). `heldBack`
   * ballots wait in the outbox for the anonymity set while the polls are open; they go at close.
   */
  | { readonly kind: 'nothing-to-export'; readonly heldBack: number }
  /** The kit was loaded before kits carried central's export key: nothing is written in clear. */
  | { readonly kind: 'kit-without-export-key' }
  /** A removable drive could not be listed, mounted or written (src/station/devices): its own words. */
  | { readonly kind: 'drive-problem'; readonly reason: string; readonly words: Bilingual }
  /** The chosen drive holds the station's own data folder (or sits inside it): nothing is written there. */
  | { readonly kind: 'export-refused'; readonly reason: 'station-data' }
  /** The station's printer is not ready (no paper, offline, unknown queue...): its own words (src/station/devices/printing.ts). */
  | { readonly kind: 'printer-problem'; readonly reason: string; readonly words: Bilingual }
  /** Logic-and-accuracy testing is for a station whose polls have not opened yet. */
  | { readonly kind: 'test-after-opening'; readonly state: PollsState }
  /** The closing report needs the polls closed. */
  | { readonly kind: 'polls-not-closed'; readonly state: PollsState }
  | { readonly kind: 'already-voted' }
  | { readonly kind: 'unknown-ticket' }
  | { readonly kind: 'ballot-malformed'; readonly issues: readonly ValidationIssue[] }
  | { readonly kind: 'ballot-invalid'; readonly problems: readonly BallotError[] };

/** A problem with the words a poll worker reads. */
export type StationError = StationProblem & { readonly message: Bilingual };

const NasErrorSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('wrong-length'), length: z.int(), expected: z.literal(9) }),
  z.object({ kind: z.literal('invalid-character'), char: z.string(), position: z.int() }),
  z.object({ kind: z.literal('check-failed') }),
]);
const VoterCodeErrorSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('wrong-length'), length: z.int(), expected: z.literal(13) }),
  z.object({ kind: z.literal('invalid-character'), char: z.string(), position: z.int() }),
  z.object({ kind: z.literal('check-failed') }),
]);
const SelectionKind = z.enum(['referendum', 'plurality', 'ranked']);
const BallotErrorSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('wrong-election'), expected: z.string(), actual: z.string() }),
  z.object({ kind: z.literal('wrong-ballot-style'), expected: RidingCodeSchema, actual: RidingCodeSchema }),
  z.object({ kind: z.literal('missing-contest'), contest: ContestIdSchema }),
  z.object({ kind: z.literal('contest-not-on-ballot'), contest: ContestIdSchema }),
  z.object({ kind: z.literal('duplicate-contest'), contest: ContestIdSchema }),
  z.object({ kind: z.literal('wrong-selection-kind'), contest: ContestIdSchema, expected: SelectionKind, actual: SelectionKind }),
  z.object({ kind: z.literal('unknown-candidate'), contest: ContestIdSchema, candidate: CandidateIdSchema }),
  z.object({ kind: z.literal('duplicate-ranking'), contest: ContestIdSchema, candidate: CandidateIdSchema }),
  z.object({ kind: z.literal('too-many-rankings'), contest: ContestIdSchema, max: z.int(), actual: z.int() }),
]);

const problem = <K extends string, S extends z.ZodRawShape>(kind: K, shape: S) =>
  z.object({ kind: z.literal(kind), message: BilingualSchema, ...shape });

export const StationErrorSchema = z.discriminatedUnion('kind', [
  problem('kit-unreadable', { path: z.string(), reason: z.string() }),
  problem('kit-invalid', { issues: z.array(IssueSchema) }),
  problem('kit-shard-tampered', { expected: Sha256HexSchema, actual: Sha256HexSchema }),
  problem('kit-shard-mismatch', { reason: z.string() }),
  problem('kit-audio-tampered', { file: z.string(), expected: Sha256HexSchema, actual: Sha256HexSchema }),
  problem('kit-audio-invalid', { reason: z.string() }),
  problem('kit-other-election', { expected: z.string(), actual: z.string() }),
  problem('kit-other-station', { expected: z.string(), actual: z.string() }),
  problem('kit-locked', { state: PollsStateSchema }),
  problem('no-kit', {}),
  problem('kit-unsafe', { reason: z.string(), file: z.string() }),
  problem('setup-over', {}),
  problem('clock-locked', { state: PollsStateSchema }),
  problem('clock-invalid', { at: z.string() }),
  problem('clock-problem', { reason: z.string(), words: BilingualSchema }),
  problem('enrolment-refused', { code: z.string(), status: z.int(), detail: z.string() }),
  problem('central-unreachable', { detail: z.string() }),
  problem('central-key-mismatch', { kit: z.string(), central: z.string() }),
  problem('pin-wrong', { attemptsLeft: Count }),
  problem('pin-locked', { until: Instant }),
  problem('invalid-transition', { from: PollsStateSchema, to: PollsStateSchema }),
  problem('voting-window-over', { closesAt: Instant }),
  problem('polls-not-open', { state: PollsStateSchema }),
  problem('outside-voting-window', { opensAt: Instant, closesAt: Instant }),
  problem('nas-invalid', { problem: NasErrorSchema }),
  problem('code-invalid', { problem: VoterCodeErrorSchema }),
  problem('unknown-credential', {}),
  problem('other-station', { station: StationIdSchema, stationName: BilingualSchema }),
  problem('not-enrolled', {}),
  problem('export-failed', { detail: z.string() }),
  problem('nothing-to-export', { heldBack: Count }),
  problem('kit-without-export-key', {}),
  problem('drive-problem', { reason: z.string(), words: BilingualSchema }),
  problem('export-refused', { reason: z.literal('station-data') }),
  problem('printer-problem', { reason: z.string(), words: BilingualSchema }),
  problem('test-after-opening', { state: PollsStateSchema }),
  problem('polls-not-closed', { state: PollsStateSchema }),
  problem('already-voted', {}),
  problem('unknown-ticket', {}),
  problem('ballot-malformed', { issues: z.array(IssueSchema) }),
  problem('ballot-invalid', { problems: z.array(BallotErrorSchema) }),
]);

// A problem or an event kind added to the API without its schema here is a compile error.
type Missing<All extends string, Covered extends string> = [Exclude<All, Covered>] extends [never] ? true : Exclude<All, Covered>;
type Covered<T extends true> = T;
export type EveryProblemHasASchema = Covered<Missing<StationProblem['kind'], z.infer<typeof StationErrorSchema>['kind']>>;
export type EveryEventHasASchema = Covered<Missing<StationEvent['kind'], z.infer<typeof StationEventSchema>['kind']>>;

// --- The methods -------------------------------------------------------------------------------

/** The argument of a method that takes nothing. */
const Empty = z.strictObject({});
/**
 * A poll worker's PIN, for every command that changes the station's state. `worker` names the
 * poll worker it is typed for (the kiosk always does): only that worker's hash is checked and
 * only that worker is locked out after wrong PINs. Without it, every worker's hash is tried
 * and wrong PINs count against a lockout of their own (src/station/poll_workers.ts).
 */
const PinFields = { pin: Pin, worker: WorkerName.optional() };
const WithPin = z.strictObject(PinFields);

/**
 * Every method of the StationApi: what it takes (`args`, one object, strict: an unknown key is
 * refused), what it answers on success (`value`; a failure is always a `StationError`), and how
 * long a host waits for it (`timeoutMs`: loading a kit or syncing takes longer than a status).
 * The doc comment of an entry is the doc of the method on `StationApi`.
 */
const METHODS = {
  /** The station's state: its kit, key, polls, counts and sync progress. */
  status: { args: Empty, value: StationStatusSchema, timeoutMs: 15_000 },
  /**
   * Loads the station kit from a folder (setup only). Replacing a loaded kit needs a PIN of one
   * of its poll workers; the first kit has no poll workers yet and needs none.
   */
  loadKit: {
    args: z.union([
      /** A typed folder (or kit.json): the browser host's fallback. */
      z.strictObject({ path: Path, pin: Pin.optional(), worker: WorkerName.optional() }),
      /** A kit of `setupKits`: a drive of the list, as listed now, and the kit's folder on it; checked again before it is loaded. */
      z.strictObject({
        drive: z.string().min(1).max(512),
        folder: z.string().min(1).max(255),
        pin: Pin.optional(),
        worker: WorkerName.optional(),
      }),
    ]),
    value: KitSummarySchema,
    timeoutMs: 180_000,
  },
  /**
   * Setup only, without a PIN (a station without a kit has no poll workers yet): the removable
   * drives plugged in now, mounted, and the station kits found on each, every one checked on
   * the drive before it is offered (src/station/kit_drives.ts). Once a kit is loaded it is
   * refused (`setup-over`) before anything is listed or mounted.
   */
  setupKits: { args: Empty, value: SetupKitsSchema, timeoutMs: 180_000 },
  /**
   * Sets the station's clock from the technician's trusted source (setup only: the polls not
   * yet opened), with network time off; once a kit is loaded, with a poll worker's PIN. Every
   * change is in the audit log (the time before, the time set, who).
   */
  setClock: {
    args: z.strictObject({ at: Instant, pin: Pin.optional(), worker: WorkerName.optional() }),
    value: ClockSetSchema,
    timeoutMs: 30_000,
  },
  /** Registers the station's public key with the central server, with a one-time token and a poll worker's PIN. */
  enrol: { args: z.strictObject({ token: z.string().min(1).max(512), ...PinFields }), value: EnrolmentSchema, timeoutMs: 120_000 },
  /** Checks a poll worker's PIN (for the poll-worker screen). */
  unlock: { args: WithPin, value: answer({ worker: z.string() }), timeoutMs: 15_000 },
  /**
   * Logic-and-accuracy test (a poll worker's PIN; before the polls open): casts the riding's
   * test deck through the ballot box, compares its tally with the expected results, then rolls
   * everything back and checks the station is at zero. Test ballots never leave the run.
   */
  logicAndAccuracy: { args: WithPin, value: LogicAndAccuracyRunSchema, timeoutMs: 120_000 },
  /**
   * Opens the polls (a poll worker's PIN). With a printer configured, it must be ready (paper,
   * online) or the polls stay closed; the zero report then prints.
   */
  openPolls: { args: WithPin, value: answer({ state: PollsStateSchema, zeroReport: PrintOutcomeSchema }), timeoutMs: 90_000 },
  /** Closes the polls (a poll worker's PIN); everything not yet sent becomes due. */
  closePolls: { args: WithPin, value: answer({ state: PollsStateSchema }), timeoutMs: 30_000 },
  /**
   * Checks a voter card in. On success the voter gets a one-time ticket for `cast`: the
   * credential itself stays in the backend.
   */
  checkIn: { args: z.strictObject({ nas: z.string().max(64), code: z.string().max(64) }), value: CheckInSchema, timeoutMs: 15_000 },
  /**
   * Casts a ballot with a check-in ticket; the receipt comes after the commit. The ballot is
   * any JSON here: the station backend parses it (BallotSchema, then the ballot style).
   */
  cast: {
    args: z.strictObject({ ticket: z.string().max(128), ballot: z.unknown() }),
    value: answer({ receipt: z.string().max(64) }),
    timeoutMs: 30_000,
  },
  /**
   * What became of the cast made with this ticket, for a kiosk whose `cast` got no answer:
   * the receipt if the ballot was stored, otherwise how to retry cleanly. Only the last cast is
   * known (one kiosk, one voter at a time); the polls closing forgets it.
   */
  castOutcome: { args: z.strictObject({ ticket: z.string().max(128) }), value: CastOutcomeSchema, timeoutMs: 15_000 },
  /**
   * Sends what is due now: while the polls are open, envelopes wait for the minimum batch
   * size or the maximum delay; once closed, everything goes. Resolves with the progress after
   * this attempt (an offline central server is a progress state, not an error).
   */
  syncNow: { args: Empty, value: SyncProgressSchema, timeoutMs: 120_000 },
  /** Reaches the central server: its clock against ours and whether it knows this station's key. */
  checkConnection: { args: Empty, value: ConnectionCheckSchema, timeoutMs: 60_000 },
  /** The removable drives (USB keys) plugged in now, mounted, for the poll worker to choose from (a PIN: mounting changes the system). */
  listDrives: { args: WithPin, value: DriveListSchema, timeoutMs: 60_000 },
  /**
   * Writes every unsynced batch (sealing the outbox into batches first) to a file on a
   * removable drive chosen from `listDrives`, under a new name (never over a file), signed by
   * the station and sealed to the kit's central export key; `npx scrutin import-batches FILE`
   * opens and imports it centrally. There is no path to give.
   */
  exportBatches: {
    args: z.strictObject({ ...PinFields, drive: z.string().min(1).max(512) }),
    value: BatchExportSummarySchema,
    timeoutMs: 180_000,
  },
  /**
   * Writes the full sealed backup at close (polls closed) onto a removable drive chosen from
   * `listDrives`, under a new name (never over a file): every batch central has not
   * acknowledged, sealed to central's export key, the sealed copies of the synced ones, and the
   * signed closing report (src/station/batch_export.ts, `StationBackup`).
   */
  backupToDrive: {
    args: z.strictObject({ ...PinFields, drive: z.string().min(1).max(512) }),
    value: BackupSummarySchema,
    timeoutMs: 180_000,
  },
  /** The signed closing report (polls closed): counts and the station's own tally. */
  closingReport: { args: WithPin, value: ClosingReportSchema, timeoutMs: 120_000 },
  /**
   * Resumes the printer after a failure (a poll worker's PIN): the queue is started again
   * (`cupsenable`), and once the printer is ready every report that did not print (the zero
   * report, the closing report) prints, each exactly once: a job CUPS still holds is waited for,
   * not sent again. Refused with the printer's words while it still cannot print.
   */
  resumePrinting: { args: WithPin, value: ResumedPrintingSchema, timeoutMs: 180_000 },
  /** The clips of the audio ballot in the loaded kit (checked when the kit was loaded), for the kiosk's audio session. */
  audioClips: { args: Empty, value: AudioClipsSchema, timeoutMs: 15_000 },
} satisfies Readonly<Record<string, { readonly args: z.ZodType; readonly value: z.ZodType; readonly timeoutMs: number }>>;

// --- Derived from the table --------------------------------------------------------------------

/** The API's methods, by name (everything but `subscribe`, which is relayed as events). */
export type StationMethod = keyof typeof METHODS;
/** What a method takes. */
export type ArgsOf<M extends StationMethod> = z.output<(typeof METHODS)[M]['args']>;
/** What a method answers on success. */
export type ValueOf<M extends StationMethod> = z.output<(typeof METHODS)[M]['value']>;

/** A method as a function: one object argument in, a `Result` out. */
export type StationCall<M extends StationMethod> = (args: ArgsOf<M>) => Promise<Result<ValueOf<M>, StationError>>;

/** Every method of the table. */
export type StationCalls = { readonly [M in keyof typeof METHODS]: StationCall<M> };

/** The station backend's only face to the UI. The Electron preload and the browser host both satisfy it. */
export interface StationApi extends StationCalls {
  /** Push events; returns the unsubscribe function. */
  subscribe(listener: (event: StationEvent) => void): () => void;
}

interface MethodSpec<M extends StationMethod> {
  readonly args: z.ZodType<ArgsOf<M>>;
  readonly value: z.ZodType<ValueOf<M>>;
  /** How long a host waits for the backend's answer before giving up on the call (Electron IPC). */
  readonly timeoutMs: number;
}

/** The table, typed per method (so that `STATION_METHODS[method]` keeps its method's types). */
export const STATION_METHODS: { readonly [M in StationMethod]: MethodSpec<M> } = METHODS;

/** Every method's name, in the table's order. */
export const STATION_METHOD_NAMES = Object.keys(METHODS) as readonly StationMethod[];

/** One function per method of the table, each made by `make` for its method (the client, test doubles). */
export function stationCalls(make: <M extends StationMethod>(method: M) => StationCall<M>): StationCalls {
  // Object.fromEntries cannot say which key holds which function; `make` typed each one.
  return Object.fromEntries(STATION_METHOD_NAMES.map((method) => [method, make(method)])) as StationCalls;
}
