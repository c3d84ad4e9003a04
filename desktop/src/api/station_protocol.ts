import { z } from 'zod';
import {
  CandidateIdSchema,
  ContestIdSchema,
  ContestSchema,
  ElectionIdSchema,
  PartySchema,
  PublicKeySchema,
  RidingCodeSchema,
  Sha256HexSchema,
  StationIdSchema,
  type Result,
} from '@scrutin/shared';
import type { StationApi, StationError, StationEvent, StationProblem } from '../station/station_api.ts';

/**
 * The StationApi on the wire: the schemas of every call's arguments and every answer, used
 * on both sides of each hop (browser host ⇄ renderer over WebSocket, Electron main ⇄
 * preload over IPC). What crosses is parsed, never trusted: unknown keys are dropped, a
 * message that does not fit is refused.
 *
 * Browser-safe: zod and type imports only (it is bundled into the renderer and the preload).
 */

/** The API's methods, by name (everything but `subscribe`, which is relayed as events). */
export type StationMethod = Exclude<keyof StationApi, 'subscribe'>;
export type ArgsOf<M extends StationMethod> = Parameters<StationApi[M]>[0];
export type ValueOf<M extends StationMethod> = Awaited<ReturnType<StationApi[M]>> extends Result<infer T, StationError> ? T : never;

const Bilingual = z.object({ fr: z.string(), en: z.string() });
const Issue = z.object({ path: z.string(), message: z.string() });
const PollsState = z.enum(['setup', 'open', 'closed']);
const PublicKey = PublicKeySchema;
const Instant = z.string().min(1).max(64);

const KitSummarySchema = z.object({
  election: ElectionIdSchema,
  station: StationIdSchema,
  riding: RidingCodeSchema,
  voters: z.int().nonnegative(),
  pollWorkers: z.int().nonnegative(),
  electionName: Bilingual,
  stationName: Bilingual,
  ridingName: Bilingual,
  parties: z.array(PartySchema),
  opensAt: Instant,
  closesAt: Instant,
});

const SyncProgressSchema = z.object({
  state: z.enum(['idle', 'waiting', 'syncing', 'offline', 'error']),
  pendingBallots: z.int().nonnegative(),
  syncedBallots: z.int().nonnegative(),
  batchesSynced: z.int().nonnegative(),
  lastSyncAt: Instant.nullable(),
  nextAttemptAt: Instant.nullable(),
  lastError: Bilingual.nullable(),
});

const StationStatusSchema = z.object({
  kit: KitSummarySchema.nullable(),
  publicKey: PublicKey.nullable(),
  enrolledAt: Instant.nullable(),
  polls: PollsState,
  withinVotingWindow: z.boolean(),
  votersCheckedIn: z.int().nonnegative(),
  ballotsCast: z.int().nonnegative(),
  pendingSync: z.int().nonnegative(),
  pinLockedUntil: Instant.nullable(),
  sync: SyncProgressSchema,
  clockSkewMs: z.number().nullable(),
});

const ContestTapeSchema = z.object({
  contest: z.string(),
  kind: z.enum(['referendum', 'candidate']),
  title: Bilingual,
  ballots: z.int().nonnegative(),
  blank: z.int().nonnegative(),
  counts: z.array(z.object({ option: z.string(), label: Bilingual, votes: z.int().nonnegative() })),
});

const ClosingReportSchema = z.object({
  body: z.object({
    election: ElectionIdSchema,
    station: StationIdSchema,
    riding: RidingCodeSchema,
    generatedAt: Instant,
    pollsOpenedAt: Instant.nullable(),
    pollsClosedAt: Instant.nullable(),
    votersCheckedIn: z.int().nonnegative(),
    ballotsCast: z.int().nonnegative(),
    ballotsSynced: z.int().nonnegative(),
    ballotsPending: z.int().nonnegative(),
    batchesSynced: z.int().nonnegative(),
    auditLogHead: z.string(),
    tape: z.array(ContestTapeSchema),
  }),
  signature: z.string(),
  publicKey: PublicKey,
  html: z.string().max(2_000_000),
});

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
  z.object({ kind: z.literal(kind), message: Bilingual, ...shape });

export const StationErrorSchema = z.discriminatedUnion('kind', [
  problem('kit-unreadable', { path: z.string(), reason: z.string() }),
  problem('kit-invalid', { issues: z.array(Issue) }),
  problem('kit-shard-tampered', { expected: Sha256HexSchema, actual: Sha256HexSchema }),
  problem('kit-shard-mismatch', { reason: z.string() }),
  problem('kit-other-election', { expected: z.string(), actual: z.string() }),
  problem('kit-other-station', { expected: z.string(), actual: z.string() }),
  problem('kit-locked', { state: PollsState }),
  problem('no-kit', {}),
  problem('enrolment-refused', { code: z.string(), status: z.int(), detail: z.string() }),
  problem('central-unreachable', { detail: z.string() }),
  problem('central-key-mismatch', { kit: z.string(), central: z.string() }),
  problem('pin-wrong', { attemptsLeft: z.int().nonnegative() }),
  problem('pin-locked', { until: Instant }),
  problem('invalid-transition', { from: PollsState, to: PollsState }),
  problem('voting-window-over', { closesAt: Instant }),
  problem('polls-not-open', { state: PollsState }),
  problem('outside-voting-window', { opensAt: Instant, closesAt: Instant }),
  problem('nas-invalid', { problem: NasErrorSchema }),
  problem('code-invalid', { problem: VoterCodeErrorSchema }),
  problem('unknown-credential', {}),
  problem('other-station', { station: StationIdSchema, stationName: Bilingual }),
  problem('not-enrolled', {}),
  problem('export-failed', { detail: z.string() }),
  problem('polls-not-closed', { state: PollsState }),
  problem('already-voted', {}),
  problem('unknown-ticket', {}),
  problem('ballot-malformed', { issues: z.array(Issue) }),
  problem('ballot-invalid', { problems: z.array(BallotErrorSchema) }),
]);

export const StationEventSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('kit-loaded'), kit: KitSummarySchema }),
  z.object({ kind: z.literal('enrolled'), publicKey: PublicKey, enrolledAt: Instant }),
  z.object({ kind: z.literal('polls-changed'), state: PollsState }),
  z.object({ kind: z.literal('ballot-cast'), ballotsCast: z.int().nonnegative(), pendingSync: z.int().nonnegative() }),
  z.object({ kind: z.literal('pin-lockout'), until: Instant }),
  z.object({ kind: z.literal('sync-progress'), progress: SyncProgressSchema }),
  z.object({ kind: z.literal('clock-warning'), skewMs: z.number() }),
]);

// A problem or an event kind added to the API without its schema here is a compile error.
type Missing<All extends string, Covered extends string> = [Exclude<All, Covered>] extends [never] ? true : Exclude<All, Covered>;
type Covered<T extends true> = T;
export type EveryProblemHasASchema = Covered<Missing<StationProblem['kind'], z.infer<typeof StationErrorSchema>['kind']>>;
export type EveryEventHasASchema = Covered<Missing<StationEvent['kind'], z.infer<typeof StationEventSchema>['kind']>>;

const Empty = z.object({}).strict();
const Pin = z.object({ pin: z.string().max(64) }).strict();

interface MethodSpec<M extends StationMethod> {
  readonly args: z.ZodType<ArgsOf<M>>;
  readonly value: z.ZodType<ValueOf<M>>;
}

/** Every method: what it takes and what it answers. */
export const STATION_METHODS: { readonly [M in StationMethod]: MethodSpec<M> } = {
  status: { args: Empty, value: StationStatusSchema },
  loadKit: { args: z.object({ path: z.string().min(1).max(4096) }).strict(), value: KitSummarySchema },
  enrol: { args: z.object({ token: z.string().min(1).max(512) }).strict(), value: z.object({ publicKey: PublicKey, enrolledAt: Instant }) },
  unlock: { args: Pin, value: z.object({ worker: z.string() }) },
  openPolls: { args: Pin, value: z.object({ state: PollsState }) },
  closePolls: { args: Pin, value: z.object({ state: PollsState }) },
  checkIn: {
    args: z.object({ nas: z.string().max(64), code: z.string().max(64) }).strict(),
    value: z.object({ ticket: z.string().regex(/^[0-9a-f]{16,64}$/), riding: RidingCodeSchema, contests: z.array(ContestSchema) }),
  },
  // The ballot itself is parsed by the station backend (BallotSchema, then the ballot style).
  cast: { args: z.object({ ticket: z.string().max(128), ballot: z.unknown() }).strict(), value: z.object({ receipt: z.string().max(64) }) },
  syncNow: { args: Empty, value: SyncProgressSchema },
  checkConnection: {
    args: Empty,
    value: z.object({
      reachable: z.boolean(),
      centralTime: Instant.nullable(),
      clockSkewMs: z.number().nullable(),
      clockWarning: z.boolean(),
      enrolled: z.boolean(),
      lastAcknowledgedSequence: z.int().nullable(),
    }),
  },
  exportBatches: {
    args: z.object({ pin: z.string().max(64), path: z.string().min(1).max(4096) }).strict(),
    value: z.object({ path: z.string(), batches: z.int().nonnegative(), ballots: z.int().nonnegative(), sha256: z.string() }),
  },
  closingReport: { args: Pin, value: ClosingReportSchema },
};

export const StationMethodSchema = z.enum([
  'status',
  'loadKit',
  'enrol',
  'unlock',
  'openPolls',
  'closePolls',
  'checkIn',
  'cast',
  'syncNow',
  'checkConnection',
  'exportBatches',
  'closingReport',
]);
export type EveryMethodIsNamed = Covered<Missing<StationMethod, z.infer<typeof StationMethodSchema>>>;

/** A call, as the UI side sends it. */
export const CallSchema = z.object({ method: StationMethodSchema, args: z.unknown() }).strict();
export type Call = z.infer<typeof CallSchema>;

/** The answer to a call: the method's Result. */
export function replySchema<M extends StationMethod>(method: M): z.ZodType<Result<ValueOf<M>, StationError>> {
  return z.discriminatedUnion('ok', [
    z.object({ ok: z.literal(true), value: STATION_METHODS[method].value }),
    z.object({ ok: z.literal(false), error: StationErrorSchema }),
  ]);
}

/** WebSocket frames, UI side → host: a numbered call. */
export const ClientFrameSchema = z.object({ id: z.int().nonnegative(), call: CallSchema }).strict();
export type ClientFrame = z.infer<typeof ClientFrameSchema>;

/** Host → UI side: the reply to a call, a pushed event, or a fault (a refused frame or a bug in the backend). */
export const HostFrameSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('reply'), id: z.int().nonnegative(), reply: z.unknown() }),
  z.object({ type: z.literal('event'), event: z.unknown() }),
  z.object({ type: z.literal('fault'), id: z.int().nonnegative().nullable(), message: z.string().max(2000) }),
]);
export type HostFrame = z.infer<typeof HostFrameSchema>;
