import type { BallotError, Contest, NasError, PublicKey, Result, RidingCode, StationId, ElectionId, ValidationIssue, VoterCodeError } from '@scrutin/shared';
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
  readonly ballotsCast: number;
  /** Sealed envelopes in the outbox, not yet synced. */
  readonly pendingSync: number;
  /** PINs are refused until then (ISO 8601), or null. */
  readonly pinLockedUntil: string | null;
}

export type StationEvent =
  | { readonly kind: 'kit-loaded'; readonly kit: KitSummary }
  | { readonly kind: 'enrolled'; readonly publicKey: PublicKey; readonly enrolledAt: string }
  | { readonly kind: 'polls-changed'; readonly state: PollsState }
  | { readonly kind: 'ballot-cast'; readonly ballotsCast: number; readonly pendingSync: number }
  | { readonly kind: 'pin-lockout'; readonly until: string };

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
  | { readonly kind: 'already-voted' }
  | { readonly kind: 'unknown-ticket' }
  | { readonly kind: 'ballot-malformed'; readonly issues: readonly ValidationIssue[] }
  | { readonly kind: 'ballot-invalid'; readonly problems: readonly BallotError[] };

/** A problem with the words a poll worker reads. */
export type StationError = StationProblem & { readonly message: Bilingual };
