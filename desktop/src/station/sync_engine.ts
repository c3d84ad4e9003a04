import { err, modeOf, ok, secrecyOf, splitIntoBatches, type Result } from '@scrutin/shared';
import {
  SYNC_ENDPOINTS,
  SealedResendAnswerSchema,
  SignedBatchSchema,
  SyncStatusSchema,
  refusalOf,
  syncUrl,
  sealBatchExport,
  signBatchExport,
  verifyReceipt,
  type BatchExportBody,
  type SyncStatus,
  type SyncStatusQuery,
} from '@scrutin/shared/protocol';
import { appendAudit } from './audit_log.ts';
import {
  batchChain,
  batchCounts,
  checkReceipt,
  markSynced,
  sealBatch,
  sealedCopyOf,
  unsyncedBatches,
  type StoredBatch,
} from './batches.ts';
import { checkpointTruncate, type StationDb } from './db.ts';
import type { StationKey } from './enrolment.ts';
import type { StationKit } from './kit.ts';
import { describeSyncProblem } from './messages.ts';
import type { ConnectionCheck, StationEvent, SyncProgress, SyncState } from '../api/station_api.ts';

/**
 * The sync engine (docs/station-kit.md, docs/protocol.md §4–§8): seals the outbox into
 * signed, shuffled, chained batches, sends them to central, and marks a batch synced only
 * with a central receipt verified with the kit's key, stored in the same transaction.
 *
 * - The anonymity set k (the election's `secrecy.anonymitySet`): while the polls are open the
 *   outbox always keeps k envelopes back, and a batch is sealed only once 2k wait (it takes
 *   all but k), so every batch holds at least k ballots and no timer ever seals fewer. At
 *   close the rest goes in the final batch (split into batches of at least k when large). A
 *   station whose whole day is fewer than k ballots sends them as one final batch.
 * - Network failures, timeouts, 429 and 5xx are retried with exponential backoff and full
 *   jitter, resending the same bytes. A receipt that does not verify is not trusted: the
 *   batch stays unsynced and is sent again later.
 * - Any other refusal (409 sequence-conflict, 403 station-revoked, …) will not change by
 *   itself: the engine stops and reports it (state `error`) instead of looping; a manual
 *   `syncNow` tries again once.
 * - The first contact of each run reconciles with `GET /sync/status`: a batch central lists
 *   with another hash, or a batch central has that the station never made, stops the engine
 *   (sending more could equivocate). A batch marked synced here but unknown there cannot be
 *   sent again (its envelopes were deleted with its receipt): the engine stops and reports it,
 *   for officials to restore central from its backup.
 */
export interface SyncOptions {
  /** About how many envelopes one batch takes (default 1,000, the protocol's maximum). */
  readonly maxBatch: number;
  /** First backoff ceiling (default 1 s), doubled after each failure… */
  readonly backoffBaseMs: number;
  /** …up to this cap (default 60 s). */
  readonly backoffCapMs: number;
  /** Timeout of one request (default 30 s). */
  readonly requestTimeoutMs: number;
  /** A clock further than this from central's raises a warning (default 2 minutes). */
  readonly clockWarningMs: number;
  /** Sync by itself (timers after casts, failures and delays); tests turn it off and call syncNow. */
  readonly autoSync: boolean;
  /** Uniform in [0, 1), for the jitter (tests inject one). */
  readonly random: () => number;
}

export const DEFAULT_SYNC_OPTIONS: SyncOptions = {
  maxBatch: 1000,
  backoffBaseMs: 1000,
  backoffCapMs: 60_000,
  requestTimeoutMs: 30_000,
  clockWarningMs: 2 * 60_000,
  autoSync: true,
  random: Math.random,
};

/** Exponential backoff with full jitter: uniform in [0, min(cap, base · 2^failures)). */
export function backoffDelay(failures: number, options: Pick<SyncOptions, 'backoffBaseMs' | 'backoffCapMs'>, random: () => number): number {
  const ceiling = Math.min(options.backoffCapMs, options.backoffBaseMs * 2 ** Math.min(failures, 30));
  return Math.floor(random() * ceiling);
}

/** Why the last attempt did not finish, without its words. */
export type SyncProblem =
  | { readonly kind: 'unreachable'; readonly detail: string }
  | { readonly kind: 'server-busy'; readonly status: number; readonly code: string }
  | { readonly kind: 'receipt-invalid'; readonly sequence: number; readonly reason: string }
  | { readonly kind: 'refused'; readonly status: number; readonly code: string; readonly detail: string }
  | { readonly kind: 'diverged'; readonly sequence: number; readonly detail: string }
  /** Central no longer holds a batch it acknowledged (restored from an older backup). */
  | { readonly kind: 'central-lost'; readonly sequence: number }
  | { readonly kind: 'not-enrolled' };

/** Retried by the engine (backoff) or needs a person (the engine stops). */
export function isPermanent(problem: SyncProblem): boolean {
  switch (problem.kind) {
    case 'unreachable':
    case 'server-busy':
    case 'receipt-invalid':
    case 'not-enrolled':
      return false;
    case 'refused':
    case 'diverged':
    case 'central-lost':
      return true;
    default: {
      const never: never = problem;
      throw new Error(`unexpected sync problem ${JSON.stringify(never)}`);
    }
  }
}

export interface SyncEngineDeps {
  readonly db: StationDb;
  readonly fetch: typeof fetch;
  readonly now: () => number;
  readonly kit: () => StationKit | undefined;
  readonly key: () => StationKey | undefined;
  readonly pollsOpen: () => boolean;
  readonly emit: (event: StationEvent) => void;
}

type Outcome =
  | { readonly kind: 'done' }
  | { readonly kind: 'retry'; readonly problem: SyncProblem }
  | { readonly kind: 'halt'; readonly problem: SyncProblem };

export class SyncEngine {
  readonly options: SyncOptions;
  readonly #deps: SyncEngineDeps;
  #failures = 0;
  #problem: SyncProblem | null = null;
  #halted = false;
  #running: Promise<void> | null = null;
  #reconciled = false;
  #nextAttemptAt: number | null = null;
  #timer: NodeJS.Timeout | null = null;
  #closed = false;
  readonly #abort = new AbortController();
  #clockSkewMs: number | null = null;
  #clockWarned = false;

  constructor(deps: SyncEngineDeps, options: Partial<SyncOptions> = {}) {
    this.#deps = deps;
    this.options = { ...DEFAULT_SYNC_OPTIONS, ...options };
    if (this.options.maxBatch < 1 || this.options.maxBatch > 1000) throw new Error('sync options: 1 ≤ maxBatch ≤ 1000');
  }

  /** Read through a method: a close() may happen during any await. */
  #isClosed(): boolean {
    return this.#closed;
  }

  get clockSkewMs(): number | null {
    return this.#clockSkewMs;
  }

  /** Starts the engine: the first attempt reconciles with central and sends what is due. */
  start(): void {
    if (this.options.autoSync) this.#schedule(0);
  }

  close(): void {
    this.#closed = true;
    this.#abort.abort();
    if (this.#timer !== null) clearTimeout(this.#timer);
    this.#timer = null;
  }

  progress(): SyncProgress {
    const counts = batchCounts(this.#deps.db);
    const pending = counts.outbox + counts.ballotsInBatches - counts.ballotsSynced;
    const unsyncedBatches = counts.batches - counts.batchesSynced;
    let state: SyncState;
    if (this.#halted) state = 'error';
    else if (this.#running !== null) state = 'syncing';
    else if (this.#problem !== null && pending > 0)
      state = this.#problem.kind === 'unreachable' || this.#problem.kind === 'server-busy' ? 'offline' : 'error';
    else if (pending === 0) state = 'idle';
    else if (unsyncedBatches === 0) state = 'waiting';
    else state = 'syncing';
    return {
      state,
      pendingBallots: pending,
      syncedBallots: counts.ballotsSynced,
      batchesSynced: counts.batchesSynced,
      lastSyncAt: counts.lastSyncAt,
      nextAttemptAt: this.#nextAttemptAt === null ? null : new Date(this.#nextAttemptAt).toISOString(),
      lastError: this.#problem === null ? null : describeSyncProblem(this.#problem),
    };
  }

  /** A ballot went into the outbox. */
  notifyCast(): void {
    if (this.options.autoSync && !this.#halted && this.#failures === 0) this.#scheduleDue();
  }

  /** Something changed that may make envelopes due (polls closed, enrolment): try now. */
  kick(): void {
    if (this.options.autoSync && !this.#halted) this.#schedule(0);
  }

  /**
   * Seals what is due into batches under the anonymity-set rule (see above): while the polls
   * are open, all but k once 2k wait; once they are closed, everything, the last batch final.
   * Needs the station key. Returns how many batches were sealed.
   */
  seal(): number {
    const kit = this.#deps.kit();
    const key = this.#deps.key();
    if (kit === undefined || key === undefined) return 0;
    const k = secrecyOf(kit.election).anonymitySet;
    const outbox = batchCounts(this.#deps.db).outbox;
    const closing = !this.#deps.pollsOpen();
    // Batches of about equal size (1,005 envelopes → 503 + 502, never 1,000 + 5), each at least k.
    const sizes = closing
      ? splitIntoBatches(outbox, this.options.maxBatch, k)
      : outbox >= 2 * k
        ? splitIntoBatches(outbox - k, this.options.maxBatch, k)
        : [];
    const identity = { election: kit.election.id, station: kit.stationId, mode: modeOf(kit.election), privateKeyPem: key.privateKeyPem };
    let sealed = 0;
    sizes.forEach((size, i) => {
      if (sealBatch(this.#deps.db, identity, size, closing && i === sizes.length - 1) !== undefined) sealed += 1;
    });
    return sealed;
  }

  /** Ballots held back in the outbox until 2k wait or the polls close (the anonymity set). */
  heldBack(): { readonly waiting: number; readonly anonymitySet: number } | null {
    const kit = this.#deps.kit();
    if (kit === undefined) return null;
    return { waiting: batchCounts(this.#deps.db).outbox, anonymitySet: secrecyOf(kit.election).anonymitySet };
  }

  /** One attempt now, whatever the backoff says; a manual attempt also retries after a stop. */
  async syncNow(): Promise<Result<SyncProgress, { readonly kind: 'no-kit' } | { readonly kind: 'not-enrolled' }>> {
    if (this.#deps.kit() === undefined) return err({ kind: 'no-kit' });
    if (this.#deps.key()?.enrolledAt == null) return err({ kind: 'not-enrolled' });
    await this.#run(true);
    return ok(this.progress());
  }

  /** Reaches central: its clock, and the last batch it holds from this station. */
  async checkConnection(): Promise<Result<ConnectionCheck, { readonly kind: 'no-kit' }>> {
    const kit = this.#deps.kit();
    if (kit === undefined) return err({ kind: 'no-kit' });
    const enrolled = this.#deps.key()?.enrolledAt != null;
    const status = await this.#fetchStatus(kit);
    const skew = this.#clockSkewMs;
    const base = { clockSkewMs: skew, clockWarning: skew !== null && Math.abs(skew) > this.options.clockWarningMs, enrolled };
    if (!status.ok) {
      const reachable = status.error.kind !== 'unreachable';
      return ok({
        ...base,
        reachable,
        centralTime: reachable && skew !== null ? new Date(this.#deps.now() + skew).toISOString() : null,
        lastAcknowledgedSequence: null,
      });
    }
    return ok({
      ...base,
      reachable: true,
      centralTime: skew === null ? null : new Date(this.#deps.now() + skew).toISOString(),
      lastAcknowledgedSequence: status.value.lastSequence,
    });
  }

  #emitProgress(): void {
    if (!this.#closed) this.#deps.emit({ kind: 'sync-progress', progress: this.progress() });
  }

  #schedule(delayMs: number): void {
    if (this.#closed || !this.options.autoSync) return;
    if (this.#timer !== null) clearTimeout(this.#timer);
    this.#nextAttemptAt = delayMs > 0 ? this.#deps.now() + delayMs : null;
    this.#timer = setTimeout(
      () => {
        this.#timer = null;
        void this.#run(false);
      },
      Math.max(0, delayMs),
    );
    this.#timer.unref();
  }

  /** After a successful attempt: now if something is due. Held envelopes wait for more ballots or the close, never for a timer. */
  #scheduleDue(): void {
    if (this.#running !== null) return; // the end of the running attempt reschedules
    const counts = batchCounts(this.#deps.db);
    const unsynced = counts.batches - counts.batchesSynced;
    const k = this.heldBack()?.anonymitySet ?? Number.POSITIVE_INFINITY;
    if (unsynced > 0 || (counts.outbox > 0 && (!this.#deps.pollsOpen() || counts.outbox >= 2 * k))) this.#schedule(0);
  }

  async #run(manual: boolean): Promise<void> {
    while (this.#running !== null) {
      if (!manual) return;
      await this.#running;
    }
    const attempt = this.#attempt(manual).finally(() => {
      this.#running = null;
    });
    this.#running = attempt;
    await attempt;
    if (this.#closed) return;
    this.#emitProgress();
    // Stopped, or waiting for enrolment (enrol() kicks the engine): no timer.
    if (this.#halted || this.#problem?.kind === 'not-enrolled') return;
    if (this.#problem !== null) {
      const delay = backoffDelay(this.#failures - 1, this.options, this.options.random);
      if (this.options.autoSync) this.#schedule(delay);
      else this.#nextAttemptAt = this.#deps.now() + delay;
    } else {
      this.#nextAttemptAt = null;
      if (this.options.autoSync) this.#scheduleDue();
    }
  }

  async #attempt(manual: boolean): Promise<void> {
    const kit = this.#deps.kit();
    const key = this.#deps.key();
    if (kit === undefined || this.#closed) return;
    if (key === undefined || key.enrolledAt === null) {
      this.#problem = { kind: 'not-enrolled' };
      return;
    }
    if (this.#halted && !manual) return;
    this.#halted = false;
    this.seal();
    this.#emitProgress();
    const outcome = await this.#send(kit);
    if (this.#isClosed()) return;
    switch (outcome.kind) {
      case 'done':
        this.#failures = 0;
        this.#problem = null;
        return;
      case 'retry':
        this.#failures += 1;
        this.#problem = outcome.problem;
        return;
      case 'halt':
        this.#halted = true;
        this.#problem = outcome.problem;
        appendAudit(this.#deps.db, { event: 'sync-halted', details: haltDetails(outcome.problem) }, this.#deps.now());
        return;
      default: {
        const never: never = outcome;
        throw new Error(`unexpected outcome ${JSON.stringify(never)}`);
      }
    }
  }

  async #send(kit: StationKit): Promise<Outcome> {
    const resend: StoredBatch[] = [];
    const pending = unsyncedBatches(this.#deps.db);
    if (!this.#reconciled) {
      if (pending.length === 0 && batchChain(this.#deps.db).length === 0) {
        this.#reconciled = true;
        return { kind: 'done' };
      }
      const reconciled = await this.#reconcile(kit);
      if (reconciled.kind !== 'reconciled') return reconciled;
      resend.push(...reconciled.resend);
    }
    const queue = [...resend, ...pending].sort((a, b) => a.sequence - b.sequence);
    for (const batch of queue) {
      const outcome = await this.#post(kit, batch);
      if (outcome.kind !== 'done') return outcome;
      this.#emitProgress();
    }
    return { kind: 'done' };
  }

  /** Compares the local chain with central's (docs/protocol.md §6). */
  async #reconcile(
    kit: StationKit,
  ): Promise<Exclude<Outcome, { readonly kind: 'done' }> | { readonly kind: 'reconciled'; readonly resend: StoredBatch[] }> {
    const status = await this.#fetchStatus(kit);
    if (!status.ok) return isPermanent(status.error) ? { kind: 'halt', problem: status.error } : { kind: 'retry', problem: status.error };
    const local = new Map(batchChain(this.#deps.db).map((b) => [b.sequence, b]));
    const central = new Set<number>();
    for (const b of status.value.batches) {
      central.add(b.sequence);
      const mine = local.get(b.sequence);
      if (mine === undefined) {
        return {
          kind: 'halt',
          problem: { kind: 'diverged', sequence: b.sequence, detail: 'central holds a batch this station never made' },
        };
      }
      if (mine.batchHash !== b.batchHash) {
        return {
          kind: 'halt',
          problem: { kind: 'diverged', sequence: b.sequence, detail: 'central holds another batch under this sequence' },
        };
      }
    }
    // A batch acknowledged here but unknown there: central lost it (a restore from an older
    // backup). Its envelopes went with its receipt; its sealed copy, which only central can
    // open, goes back (below), or, without one, the engine stops and says so.
    const lost = [...local.values()].filter((b) => b.synced && !central.has(b.sequence));
    if (lost.length > 0) {
      const resent = await this.#resendLost(kit, lost);
      if (resent.kind !== 'done') return resent;
    }
    this.#reconciled = true;
    return { kind: 'reconciled', resend: [] };
  }

  async #fetchStatus(kit: StationKit): Promise<Result<SyncStatus, SyncProblem>> {
    const url = syncUrl(kit.centralUrl, SYNC_ENDPOINTS.syncStatus);
    url.search = new URLSearchParams({ election: kit.election.id, station: kit.stationId } satisfies SyncStatusQuery).toString();
    const answer = await this.#request(url, { method: 'GET' });
    if (!answer.ok) return answer;
    const { status, json } = answer.value;
    if (status !== 200) return err(refusal(status, json));
    const parsed = SyncStatusSchema.safeParse(json);
    if (!parsed.success) return err({ kind: 'server-busy', status, code: 'malformed-status' });
    return ok(parsed.data);
  }

  async #post(kit: StationKit, batch: StoredBatch): Promise<Outcome> {
    const answer = await this.#request(syncUrl(kit.centralUrl, SYNC_ENDPOINTS.batches), {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: batch.json,
    });
    if (!answer.ok) return { kind: 'retry', problem: answer.error };
    const { status, json } = answer.value;
    if (status !== 202 && status !== 200) {
      const problem = refusal(status, json);
      return isPermanent(problem) ? { kind: 'halt', problem } : { kind: 'retry', problem };
    }
    if (this.#closed) return { kind: 'done' };
    const checked = checkReceipt(json, batch, {
      election: kit.election.id,
      station: kit.stationId,
      centralPublicKey: kit.centralPublicKey,
    });
    if ('kind' in checked) {
      const reason = checked.kind === 'receipt-other-batch' ? `${checked.kind}:${checked.field}` : checked.kind;
      appendAudit(this.#deps.db, { event: 'receipt-refused', details: { sequence: batch.sequence, reason } }, this.#deps.now());
      return { kind: 'retry', problem: { kind: 'receipt-invalid', sequence: batch.sequence, reason } };
    }
    const db = this.#deps.db;
    const copy = await this.#sealedCopy(kit, batch);
    if (this.#isClosed()) return { kind: 'done' };
    db.transaction(() => {
      if (markSynced(db, batch.sequence, checked, this.#deps.now(), copy)) {
        appendAudit(
          db,
          { event: 'batch-synced', details: { sequence: batch.sequence, envelopes: batch.envelopes, batchHash: batch.batchHash } },
          this.#deps.now(),
        );
      }
    }).immediate();
    checkpointTruncate(db);
    return { kind: 'done' };
  }

  /**
   * The batch sealed to central's export key, as a one-batch export signed by the station: what
   * the station keeps once its envelopes are deleted, so that central can be given the batch
   * again if it loses it. Null without an export key in the kit.
   */
  async #sealedCopy(kit: StationKit, batch: StoredBatch): Promise<string | null> {
    const key = this.#deps.key();
    if (kit.centralExportKey === null || key === undefined) return null;
    const signed = SignedBatchSchema.parse(JSON.parse(batch.json));
    const body: BatchExportBody = {
      format: 'scrutin-batch-export',
      version: 2,
      election: kit.election.id,
      station: kit.stationId,
      exportedAt: new Date(this.#deps.now()).toISOString(),
      batches: [signed],
    };
    return JSON.stringify(await sealBatchExport(signBatchExport(body, key.privateKeyPem), kit.centralExportKey));
  }

  /**
   * Gives central again the batches it acknowledged and then lost, from their sealed copies
   * (`POST /sync/sealed-batches`, which opens them and takes them through the same checks and
   * idempotency as the network). Done when central answers with a valid receipt for each.
   */
  async #resendLost(kit: StationKit, lost: readonly { readonly sequence: number; readonly batchHash: string }[]): Promise<Outcome> {
    for (const b of lost) {
      const copy = sealedCopyOf(this.#deps.db, b.sequence);
      if (copy === null) return { kind: 'halt', problem: { kind: 'central-lost', sequence: b.sequence } };
      const answer = await this.#request(syncUrl(kit.centralUrl, SYNC_ENDPOINTS.sealedBatches), {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: copy,
      });
      if (!answer.ok) return { kind: 'retry', problem: answer.error };
      const { status, json } = answer.value;
      if (status !== 200) {
        const problem = refusal(status, json);
        return isPermanent(problem) ? { kind: 'halt', problem } : { kind: 'retry', problem };
      }
      const report = SealedResendAnswerSchema.safeParse(json);
      const receipt = report.success ? report.data.receipts.find((r) => r.body.sequence === b.sequence) : undefined;
      if (receipt === undefined || receipt.body.batchHash !== b.batchHash || !verifyReceipt(receipt, kit.centralPublicKey)) {
        return { kind: 'retry', problem: { kind: 'receipt-invalid', sequence: b.sequence, reason: 'resend-without-receipt' } };
      }
      appendAudit(this.#deps.db, { event: 'batch-resent', details: { sequence: b.sequence, batchHash: b.batchHash } }, this.#deps.now());
    }
    return { kind: 'done' };
  }

  /** One HTTP exchange; a network failure, a timeout or an unreadable body is `unreachable`. */
  async #request(url: URL, init: RequestInit): Promise<Result<{ readonly status: number; readonly json: unknown }, SyncProblem>> {
    const sentAt = this.#deps.now();
    let response: Response;
    let text: string;
    try {
      response = await this.#deps.fetch(url, {
        ...init,
        signal: AbortSignal.any([AbortSignal.timeout(this.options.requestTimeoutMs), this.#abort.signal]),
      });
      text = await response.text();
    } catch (error) {
      return err({ kind: 'unreachable', detail: error instanceof Error ? error.message : String(error) });
    }
    this.#observeClock(response.headers.get('date'), sentAt, this.#deps.now());
    let json: unknown;
    try {
      json = text === '' ? undefined : JSON.parse(text);
    } catch {
      // A body cut half-way: whatever it was, it proves nothing.
      return err({ kind: 'unreachable', detail: `an unreadable answer (HTTP ${response.status})` });
    }
    return ok({ status: response.status, json });
  }

  /** Central's `Date` header (1 s resolution) against the middle of the exchange. */
  #observeClock(header: string | null, sentAt: number, receivedAt: number): void {
    if (header === null || this.#closed) return;
    const central = Date.parse(header);
    if (Number.isNaN(central)) return;
    const skew = central + 500 - Math.round((sentAt + receivedAt) / 2);
    this.#clockSkewMs = skew;
    if (Math.abs(skew) > this.options.clockWarningMs) {
      if (!this.#clockWarned) {
        this.#clockWarned = true;
        appendAudit(this.#deps.db, { event: 'clock-warning', details: { skewMs: skew } }, this.#deps.now());
        this.#deps.emit({ kind: 'clock-warning', skewMs: skew });
      }
    } else {
      this.#clockWarned = false;
    }
  }
}

function refusal(status: number, json: unknown): SyncProblem {
  const { code, message } = refusalOf(status, json);
  if (status === 429 || status >= 500) return { kind: 'server-busy', status, code };
  return { kind: 'refused', status, code, detail: message };
}

function haltDetails(problem: SyncProblem): { readonly code: string; readonly sequence: number | null } {
  switch (problem.kind) {
    case 'refused':
      return { code: problem.code, sequence: null };
    case 'diverged':
      return { code: 'diverged', sequence: problem.sequence };
    case 'central-lost':
      return { code: 'central-lost', sequence: problem.sequence };
    case 'unreachable':
    case 'server-busy':
    case 'receipt-invalid':
    case 'not-enrolled':
      return { code: problem.kind, sequence: null };
    default: {
      const never: never = problem;
      throw new Error(`unexpected sync problem ${JSON.stringify(never)}`);
    }
  }
}
