import type {
  BallotError,
  Contest,
  NasError,
  Party,
  PublicKey,
  Result,
  RidingCode,
  StationId,
  ElectionId,
  ValidationIssue,
  VoterCodeError,
} from '@scrutin/shared';
import type { KitError } from './kit.ts';
import type { PollsState } from './poll_workers.ts';

/**
 * The station backend's only face to the UI. Every method takes one object argument and
 * returns a `Result`: expected failures (a wrong PIN, a typo on a card, a refused ballot) are
 * values with a message a poll worker can act on, in French and English. Push events come
 * through `subscribe`. The Electron preload and the browser host both satisfy this type.
 *
 * Only JSON-friendly values cross it (it is relayed over IPC or WebSocket).
 */
export interface StationApi {
  status(args: Readonly<Record<string, never>>): Promise<Result<StationStatus, StationError>>;
  /** Loads the station kit from a folder (setup only). */
  loadKit(args: { readonly path: string }): Promise<Result<KitSummary, StationError>>;
  /** Registers the station's public key with the central server, with a one-time token. */
  enrol(args: { readonly token: string }): Promise<Result<Enrolment, StationError>>;
  /** Checks a poll worker's PIN (for the poll-worker screen). */
  unlock(args: { readonly pin: string }): Promise<Result<{ readonly worker: string }, StationError>>;
  openPolls(args: { readonly pin: string }): Promise<Result<{ readonly state: PollsState }, StationError>>;
  closePolls(args: { readonly pin: string }): Promise<Result<{ readonly state: PollsState }, StationError>>;
  /**
   * Checks a voter card in. On success the voter gets a one-time ticket for `cast`: the
   * credential itself stays in the backend.
   */
  checkIn(args: { readonly nas: string; readonly code: string }): Promise<Result<CheckIn, StationError>>;
  /** Casts a ballot (any JSON, parsed here) with a check-in ticket; the receipt comes after the commit. */
  cast(args: { readonly ticket: string; readonly ballot: unknown }): Promise<Result<{ readonly receipt: string }, StationError>>;
  /**
   * Sends what is due now: while the polls are open, envelopes wait for the minimum batch
   * size or the maximum delay; once closed, everything goes. Resolves with the progress after
   * this attempt (an offline central server is a progress state, not an error).
   */
  syncNow(args: Readonly<Record<string, never>>): Promise<Result<SyncProgress, StationError>>;
  /** Reaches the central server: its clock against ours and whether it knows this station's key. */
  checkConnection(args: Readonly<Record<string, never>>): Promise<Result<ConnectionCheck, StationError>>;
  /**
   * Writes every unsynced batch (sealing the outbox into batches first) to a signed file
   * for a USB stick; `npx scrutin import-batches FILE` reads it centrally.
   */
  exportBatches(args: { readonly pin: string; readonly path: string }): Promise<Result<BatchExportSummary, StationError>>;
  /** The signed closing report (polls closed): counts and the station's own tally. */
  closingReport(args: { readonly pin: string }): Promise<Result<ClosingReport, StationError>>;
  /** Push events; returns the unsubscribe function. */
  subscribe(listener: (event: StationEvent) => void): () => void;
}

export interface Bilingual {
  readonly fr: string;
  readonly en: string;
}

export interface KitSummary {
  readonly election: ElectionId;
  readonly station: StationId;
  readonly riding: RidingCode;
  readonly voters: number;
  readonly pollWorkers: number;
  /** What the kiosk screens show, from the election definition, in both languages. */
  readonly electionName: Bilingual;
  readonly stationName: Bilingual;
  readonly ridingName: Bilingual;
  /** The parties (names and colours) of the candidates on the ballot. */
  readonly parties: readonly Party[];
  readonly opensAt: string;
  readonly closesAt: string;
}

export interface Enrolment {
  readonly publicKey: PublicKey;
  readonly enrolledAt: string;
}

export interface CheckIn {
  readonly ticket: string;
  /** The ballot style to show: its riding and its contests, in ballot order. */
  readonly riding: RidingCode;
  readonly contests: readonly Contest[];
}

export interface StationStatus {
  readonly kit: KitSummary | null;
  readonly publicKey: PublicKey | null;
  readonly enrolledAt: string | null;
  readonly polls: PollsState;
  readonly withinVotingWindow: boolean;
  /** Card check-ins accepted (a voter checked in twice counts twice; no credential is kept for this count). */
  readonly votersCheckedIn: number;
  readonly ballotsCast: number;
  /** Sealed envelopes in the outbox, not yet synced. */
  readonly pendingSync: number;
  /** PINs are refused until then (ISO 8601), or null. */
  readonly pinLockedUntil: string | null;
  readonly sync: SyncProgress;
  /** Central clock minus station clock, from the last contact, or null if never reached. */
  readonly clockSkewMs: number | null;
}

export type SyncState = 'idle' | 'waiting' | 'syncing' | 'offline' | 'error';

export interface SyncProgress {
  /** idle: nothing to send; waiting: envelopes held back (minimum batch size / delay); offline: the last attempt could not reach the server. */
  readonly state: SyncState;
  /** Ballots cast here and not yet acknowledged by a verified central receipt. */
  readonly pendingBallots: number;
  readonly syncedBallots: number;
  readonly batchesSynced: number;
  readonly lastSyncAt: string | null;
  readonly nextAttemptAt: string | null;
  readonly lastError: Bilingual | null;
}

export interface ConnectionCheck {
  readonly reachable: boolean;
  readonly centralTime: string | null;
  readonly clockSkewMs: number | null;
  /** True when the skew is beyond what the station tolerates (a warning for the technician). */
  readonly clockWarning: boolean;
  readonly enrolled: boolean;
  readonly lastAcknowledgedSequence: number | null;
}

export interface BatchExportSummary {
  readonly path: string;
  readonly batches: number;
  readonly ballots: number;
  readonly sha256: string;
}

export interface ContestTape {
  readonly contest: string;
  readonly kind: Contest['kind'];
  readonly title: Bilingual;
  readonly ballots: number;
  readonly blank: number;
  /** Votes per option (candidate id, or 'yes' / 'no'); for ranked races, first preferences. */
  readonly counts: readonly { readonly option: string; readonly label: Bilingual; readonly votes: number }[];
}

export interface ClosingReportBody {
  readonly election: ElectionId;
  readonly station: StationId;
  readonly riding: RidingCode;
  readonly generatedAt: string;
  readonly pollsOpenedAt: string | null;
  readonly pollsClosedAt: string | null;
  readonly votersCheckedIn: number;
  readonly ballotsCast: number;
  readonly ballotsSynced: number;
  readonly ballotsPending: number;
  readonly batchesSynced: number;
  readonly auditLogHead: string;
  readonly tape: readonly ContestTape[];
}

export interface ClosingReport {
  readonly body: ClosingReportBody;
  /** Ed25519 signature by the station key over the canonical JSON of `body` (base64, as for batches). */
  readonly signature: string;
  readonly publicKey: PublicKey;
  /** A printable, self-contained HTML page of the report (also written to the data folder). */
  readonly html: string;
}

export type StationEvent =
  | { readonly kind: 'kit-loaded'; readonly kit: KitSummary }
  | { readonly kind: 'enrolled'; readonly publicKey: PublicKey; readonly enrolledAt: string }
  | { readonly kind: 'polls-changed'; readonly state: PollsState }
  | { readonly kind: 'ballot-cast'; readonly ballotsCast: number; readonly pendingSync: number }
  | { readonly kind: 'pin-lockout'; readonly until: string }
  | { readonly kind: 'sync-progress'; readonly progress: SyncProgress }
  | { readonly kind: 'clock-warning'; readonly skewMs: number };

/** What went wrong, without its words. */
export type StationProblem =
  // Kit
  | KitError
  | { readonly kind: 'kit-locked'; readonly state: PollsState }
  | { readonly kind: 'no-kit' }
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
  /** The closing report needs the polls closed. */
  | { readonly kind: 'polls-not-closed'; readonly state: PollsState }
  | { readonly kind: 'already-voted' }
  | { readonly kind: 'unknown-ticket' }
  | { readonly kind: 'ballot-malformed'; readonly issues: readonly ValidationIssue[] }
  | { readonly kind: 'ballot-invalid'; readonly problems: readonly BallotError[] };

/** A problem with the words a poll worker reads. */
export type StationError = StationProblem & { readonly message: Bilingual };
