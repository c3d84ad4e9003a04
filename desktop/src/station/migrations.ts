import { migration as init } from './migrations/0001_init.ts';
import { migration as batches } from './migrations/0002_batches.ts';
import { migration as protocolV2 } from './migrations/0003_protocol_v2.ts';
import { migration as pinLockouts } from './migrations/0004_pin_lockouts.ts';
import { migration as exportKey } from './migrations/0005_export_key.ts';
import { migration as sealedCopies } from './migrations/0006_sealed_copies.ts';
import { migration as reconciliation } from './migrations/0007_reconciliation.ts';
import { migration as pendingPrints } from './migrations/0008_pending_prints.ts';

/**
 * The station database's migrations, one file per version in `migrations/`
 * (`NNNN_name.ts`, like the server's `NNNN_name.sql`): numbered, forward-only, each applied in
 * one transaction together with `PRAGMA user_version = <number>` (`db.ts`). Never edit a
 * released migration; add the next number, and list it here (a test checks that every file
 * of the folder is listed, in order, under its own number).
 *
 * Each is a TypeScript module holding its SQL, not a `.sql` file: the station backend runs
 * from TypeScript sources (tsx, Vitest) and from the Electron bundle
 * (scripts/bundle_electron.ts), and a module is imported the same way by all three, with no
 * file to ship or find at run time.
 *
 * Secrecy by construction: no table has a time or an order for ballots. The outbox and the
 * used marks are WITHOUT ROWID tables keyed by a random id or by the credential hash, so
 * their storage order says nothing about the order of the votes.
 */
export interface Migration {
  readonly version: number;
  /** The file's name after its number: `0002_batches.ts` is `batches`. */
  readonly name: string;
  readonly sql: string;
}

export const MIGRATIONS: readonly Migration[] = [
  init,
  batches,
  protocolV2,
  pinLockouts,
  exportKey,
  sealedCopies,
  reconciliation,
  pendingPrints,
];

export const LATEST_SCHEMA_VERSION = MIGRATIONS.reduce((max, m) => Math.max(max, m.version), 0);
