import { endianness } from 'node:os';
import {
  trackingCodeHalves,
  trackingCodeOfValue,
  trackingCodeValue,
  type ElectionDefinition,
  type ElectionId,
  type TrackingCode,
} from '@scrutin/shared';
import type { ElectionState } from '@scrutin/shared/api';
import type { Queryable } from '../db/database.ts';

/**
 * A batch's accepted tracking codes as central stores them (`tracking_code_sets.codes`,
 * migration 0009): each code's 60-bit value (`trackingCodeValue`) in 8 bytes, big-endian, in
 * numeric order, so the row keeps nothing of the order the voters cast in.
 */
export function packTrackingCodes(codes: readonly TrackingCode[]): Buffer {
  // Codes sort as their numbers do (each character is five bits, in alphabet order).
  const inOrder = [...codes].sort();
  const packed = Buffer.allocUnsafe(inOrder.length * 8);
  inOrder.forEach((code, i) => {
    // The 60-bit value high × 2^30 + low as two big-endian 32-bit words.
    const [high, low] = trackingCodeHalves(code);
    packed.writeUInt32BE(high >>> 2, i * 8);
    packed.writeUInt32BE((((high & 3) << 30) | low) >>> 0, i * 8 + 4);
  });
  return packed;
}

/** The codes of a stored set, in its order (the inverse of `packTrackingCodes`). */
export function trackingCodesIn(set: Buffer): TrackingCode[] {
  const codes: TrackingCode[] = [];
  for (let at = 0; at + 8 <= set.length; at += 8) codes.push(trackingCodeOfValue(set.readBigUInt64BE(at)));
  return codes;
}

/** Stored sets (8-byte big-endian values) as one sorted array of numbers. */
function unpackSorted(sets: readonly Buffer[]): BigUint64Array {
  const values = new BigUint64Array(sets.reduce((n, set) => n + set.length / 8, 0));
  const bytes = Buffer.from(values.buffer);
  let at = 0;
  for (const set of sets) at += set.copy(bytes, at);
  if (endianness() === 'LE') bytes.swap64();
  return values.sort();
}

function sortedHas(values: BigUint64Array, value: bigint): boolean {
  let lo = 0;
  let hi = values.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >>> 1;
    const v = values[mid] ?? 0n;
    if (v === value) return true;
    if (v < value) lo = mid + 1;
    else hi = mid - 1;
  }
  return false;
}

/** Beyond this many loaded pieces, the pieces are merged into one sorted array. */
const MAX_PIECES = 16;

/** How often, at most, a code that is not found makes the API look for sets stored since. */
export const RECEIPT_RELOAD_INTERVAL_MS = 1_000;

/**
 * The tracking codes counted in one election, in memory: a few sorted arrays (8 bytes a code,
 * 64 MB for 8 million voters), searched by bisection. The sets are loaded by `seq`, the rows
 * not seen yet: all of them at the first check, then only those that came after (a late USB
 * import), when a code is not found. Concurrent checks share one load, and loads start at
 * most once per reload interval: codes that are not found, sent from as many addresses as
 * one likes, cost Postgres at most one indexed query a second per election and API process.
 * A set stored less than the interval after the last load is found a second later.
 */
class CountedCodes {
  private pieces: BigUint64Array[] = [];
  private lastSeq = '0';
  private loading: Promise<void> | null = null;
  private lastLoadAt = Number.NEGATIVE_INFINITY;

  constructor(
    private readonly db: Queryable,
    private readonly election: ElectionId,
    private readonly now: () => number,
  ) {}

  async has(code: TrackingCode): Promise<boolean> {
    const value = trackingCodeValue(code);
    if (this.pieces.some((piece) => sortedHas(piece, value))) return true;
    await this.loadNew();
    return this.pieces.some((piece) => sortedHas(piece, value));
  }

  /** The load in progress, else a new one if the interval has passed, else nothing to wait for. */
  private loadNew(): Promise<void> {
    if (this.loading !== null) return this.loading;
    const now = this.now();
    if (now - this.lastLoadAt < RECEIPT_RELOAD_INTERVAL_MS) return Promise.resolve();
    this.lastLoadAt = now;
    this.loading = this.load().finally(() => {
      this.loading = null;
    });
    return this.loading;
  }

  private async load(): Promise<void> {
    const { rows } = await this.db.query<{ seq: string; codes: Buffer }>(
      'SELECT seq::text AS seq, codes FROM tracking_code_sets WHERE election_id = $1 AND seq > $2 ORDER BY seq',
      [this.election, this.lastSeq],
      'receipt_sets_load',
    );
    const last = rows.at(-1);
    if (last === undefined) return;
    this.pieces.push(unpackSorted(rows.map((r) => r.codes)));
    this.lastSeq = last.seq;
    if (this.pieces.length > MAX_PIECES) {
      const merged = new BigUint64Array(this.pieces.reduce((n, p) => n + p.length, 0));
      let at = 0;
      for (const piece of this.pieces) {
        merged.set(piece, at);
        at += piece.length;
      }
      this.pieces = [merged.sort()];
    }
  }
}

/**
 * Whether a counted ballot of an election carried a tracking code (the public receipt check,
 * docs/protocol.md §3). The validators keep the codes of counted envelopes in
 * `tracking_code_sets`, one row of sorted codes per batch, with no link to a ballot or a
 * station, so the answer is yes or no and nothing more. One per API process: it holds each
 * checked election's codes in memory.
 */
export class ReceiptChecker {
  private readonly elections = new Map<ElectionId, CountedCodes>();

  /** `now`: the clock in ms (tests set it to step over the reload interval). */
  constructor(
    private readonly db: Queryable,
    private readonly now: () => number = Date.now,
  ) {}

  isCounted(election: ElectionId, code: TrackingCode): Promise<boolean> {
    let codes = this.elections.get(election);
    if (codes === undefined) {
      codes = new CountedCodes(this.db, election, this.now);
      this.elections.set(election, codes);
    }
    return codes.has(code);
  }
}

/**
 * Whether receipts of `election` may be checked at `now`: once its polls have closed, by the
 * clock or by an official closing it (a draft never).
 */
export function receiptsArePublic(election: ElectionDefinition, state: ElectionState, now: Date): boolean {
  switch (state) {
    case 'draft':
      return false;
    case 'closed':
    case 'certified':
      return true;
    case 'open':
      return now.getTime() >= Date.parse(election.closesAt);
  }
}
