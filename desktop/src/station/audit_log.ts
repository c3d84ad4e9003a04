import { canonicalJson, err, ok, type Result } from '@scrutin/shared';
import { taggedSha256Hex } from '@scrutin/shared/crypto';
import type { StationDb } from './db.ts';

/**
 * The station's audit log: append-only (triggers refuse UPDATE and DELETE) and hash-chained,
 * so removing, changing or reordering an entry breaks the chain at that entry.
 *
 *   hash = SHA-256("scrutin/station-audit/v1" ‖ 0x00 ‖ canonical({seq, at, event, details, prev}))
 *
 * with `prev` the hash of the entry before (64 zeros for the first). It records what poll
 * workers and technicians do (kit loaded, enrolment, PIN checks, polls opened and closed),
 * never a credential, a card or a choice, and not individual check-ins or ballots (their
 * times would be cast times).
 */
export const AUDIT_TAG = 'scrutin/station-audit/v1';
export const GENESIS_HASH = '0'.repeat(64);

/** The catalogue of audit events and their details. */
export type AuditEvent =
  | {
      readonly event: 'kit-loaded';
      readonly details: {
        readonly election: string;
        readonly station: string;
        readonly voters: number;
        readonly shardSha256: string;
        /** Clips of the audio ballot (0: the kit has none; absent from entries written before audio existed). */
        readonly audioClips?: number;
      };
    }
  | { readonly event: 'kit-refused'; readonly details: { readonly reason: string } }
  | { readonly event: 'station-key-generated'; readonly details: { readonly publicKey: string } }
  | { readonly event: 'enrolment-succeeded'; readonly details: { readonly publicKey: string; readonly enrolledAt: string } }
  | { readonly event: 'enrolment-failed'; readonly details: { readonly reason: string } }
  | { readonly event: 'pin-accepted'; readonly details: { readonly worker: string; readonly action: string } }
  /** `worker`: the poll worker the PIN was typed for ('' when none of the kit's was named); `locked`: refused unchecked, locked out. */
  | {
      readonly event: 'pin-refused';
      readonly details: { readonly action: string; readonly failures: number; readonly worker?: string; readonly locked?: boolean };
    }
  | { readonly event: 'pin-lockout'; readonly details: { readonly until: string; readonly worker?: string } }
  | { readonly event: 'polls-opened'; readonly details: { readonly worker: string } }
  | { readonly event: 'polls-closed'; readonly details: { readonly worker: string; readonly ballots: number } }
  | {
      readonly event: 'batch-synced';
      readonly details: { readonly sequence: number; readonly envelopes: number; readonly batchHash: string };
    }
  | { readonly event: 'batch-resent'; readonly details: { readonly sequence: number; readonly batchHash: string } }
  | { readonly event: 'receipt-refused'; readonly details: { readonly sequence: number; readonly reason: string } }
  | { readonly event: 'sync-halted'; readonly details: { readonly code: string; readonly sequence: number | null } }
  | { readonly event: 'clock-warning'; readonly details: { readonly skewMs: number } }
  /**
   * The clock set at setup (setClock): the station's time before and the time set (ISO 8601),
   * by the technician's setup screen, with the poll worker whose PIN allowed it ('' before a kit).
   */
  | {
      readonly event: 'clock-set';
      readonly details: { readonly from: string; readonly to: string; readonly by: 'technician-setup'; readonly worker: string };
    }
  | {
      readonly event: 'clock-set-failed';
      readonly details: { readonly to: string; readonly reason: string; readonly by: 'technician-setup'; readonly worker: string };
    }
  | {
      readonly event: 'batches-exported';
      readonly details: { readonly worker: string; readonly batches: number; readonly ballots: number; readonly sha256: string };
    }
  | { readonly event: 'export-failed'; readonly details: { readonly worker: string; readonly reason: string } }
  | {
      readonly event: 'backup-written';
      readonly details: { readonly worker: string; readonly batches: number; readonly ballots: number; readonly sha256: string };
    }
  | { readonly event: 'backup-failed'; readonly details: { readonly worker: string; readonly reason: string } }
  | {
      readonly event: 'logic-and-accuracy';
      readonly details: {
        readonly worker: string;
        readonly ballots: number;
        readonly differences: number;
        readonly passed: boolean;
        readonly resetToZero: boolean;
      };
    }
  /** A report sent to the printer (or not): its kind, its text's SHA-256, whether it reconciles, and CUPS's outcome. */
  | {
      readonly event: 'report-printed';
      readonly details: {
        readonly report: 'zero' | 'closing';
        readonly textSha256: string;
        readonly reconciles: boolean;
        readonly copies: number;
        readonly outcome: string;
        /** Printed by "Resume printing", after it had not printed. */
        readonly resumed?: boolean;
      };
    }
  /** "Resume printing": which pending reports printed, which still wait, and why the printer refused (null: it resumed). */
  | {
      readonly event: 'printing-resumed';
      readonly details: {
        readonly worker: string;
        readonly printed: readonly ('zero' | 'closing')[];
        readonly pending: readonly ('zero' | 'closing')[];
        readonly problem: string | null;
      };
    }
  | {
      readonly event: 'closing-report';
      readonly details: { readonly worker: string; readonly reportSha256: string; readonly ballots: number };
    };

export interface AuditEntry {
  readonly seq: number;
  readonly at: string;
  readonly event: string;
  readonly details: unknown;
  readonly prevHash: string;
  readonly hash: string;
}

interface AuditRow {
  seq: number;
  at: string;
  event: string;
  details: string;
  prev_hash: string;
  hash: string;
}

function entryHash(seq: number, at: string, event: string, details: unknown, prev: string): string {
  return taggedSha256Hex(AUDIT_TAG, Buffer.from(canonicalJson({ seq, at, event, details, prev }), 'utf8'));
}

/** Appends one entry; call inside the transaction of the change it records, if any. */
export function appendAudit(db: StationDb, entry: AuditEvent, now: number): AuditEntry {
  const last = db.prepare<[], { seq: number; hash: string }>('SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1').get();
  const seq = (last?.seq ?? 0) + 1;
  const prevHash = last?.hash ?? GENESIS_HASH;
  const at = new Date(now).toISOString();
  const hash = entryHash(seq, at, entry.event, entry.details, prevHash);
  db.prepare('INSERT INTO audit_log (seq, at, event, details, prev_hash, hash) VALUES (?, ?, ?, ?, ?, ?)').run(
    seq,
    at,
    entry.event,
    canonicalJson(entry.details),
    prevHash,
    hash,
  );
  return { seq, at, event: entry.event, details: entry.details, prevHash, hash };
}

export function readAuditLog(db: StationDb): AuditEntry[] {
  return db
    .prepare<[], AuditRow>('SELECT seq, at, event, details, prev_hash, hash FROM audit_log ORDER BY seq')
    .all()
    .map((r) => ({ seq: r.seq, at: r.at, event: r.event, details: JSON.parse(r.details) as unknown, prevHash: r.prev_hash, hash: r.hash }));
}

export type AuditChainError = {
  readonly kind: 'audit-chain-broken';
  readonly seq: number;
  readonly reason: 'sequence-gap' | 'wrong-previous-hash' | 'wrong-hash';
};

/** Recomputes the chain; returns the number of entries and the head hash, or where it breaks. */
export function verifyAuditLog(db: StationDb): Result<{ readonly entries: number; readonly head: string }, AuditChainError> {
  let prev = GENESIS_HASH;
  let expectedSeq = 1;
  for (const row of db.prepare<[], AuditRow>('SELECT seq, at, event, details, prev_hash, hash FROM audit_log ORDER BY seq').iterate()) {
    if (row.seq !== expectedSeq) return err({ kind: 'audit-chain-broken', seq: row.seq, reason: 'sequence-gap' });
    if (row.prev_hash !== prev) return err({ kind: 'audit-chain-broken', seq: row.seq, reason: 'wrong-previous-hash' });
    if (entryHash(row.seq, row.at, row.event, JSON.parse(row.details) as unknown, row.prev_hash) !== row.hash) {
      return err({ kind: 'audit-chain-broken', seq: row.seq, reason: 'wrong-hash' });
    }
    prev = row.hash;
    expectedSeq += 1;
  }
  return ok({ entries: expectedSeq - 1, head: prev });
}
