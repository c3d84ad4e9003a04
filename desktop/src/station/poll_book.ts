import Database from 'better-sqlite3';
import {
  err,
  ok,
  parseNas,
  parseVoterCode,
  type ElectionDefinition,
  type Kdf,
  type NasError,
  type Result,
  type StationId,
  type VoterCodeError,
} from '@scrutin/shared';
import { kdfOf } from '@scrutin/shared';
import { credentialHash, deriveCredentialAsync } from '@scrutin/shared/crypto';
import { RidingIndex } from '@scrutin/shared/kit';
import type { CheckedCredential } from './ballot_box.ts';
import type { StationDb } from './db.ts';

/**
 * The poll book: the station's shard (its voters' check values, read-only) and the marks of
 * the credentials used here (in the station database, set by the ballot box). A typed card
 * becomes its credential through the election's memory-hard KDF (once per check-in, off the
 * event loop), and the credential its check value, which is what the shard lists: the shard
 * alone gives nothing central accepts.
 *
 * A typed card is normalised and its check characters verified before anything is looked
 * up, so a typo is reported as a typo, never as an unknown voter.
 */
export type CheckInError =
  | { readonly kind: 'nas-invalid'; readonly problem: NasError }
  | { readonly kind: 'code-invalid'; readonly problem: VoterCodeError }
  | { readonly kind: 'unknown-credential' }
  /** Not on this station's list but on another station's of the riding (kit's riding index). */
  | { readonly kind: 'other-station'; readonly station: StationId; readonly stationName: { readonly fr: string; readonly en: string } }
  | { readonly kind: 'already-voted' };

export class PollBook {
  readonly #shard: Database.Database;
  readonly #inShard: Database.Statement<[Buffer], { n: number }>;
  readonly #used: Database.Statement<[Buffer], { n: number }>;
  readonly #election: ElectionDefinition['id'];
  readonly #kdf: Kdf;
  readonly #ridingIndex: RidingIndex | undefined;

  /** `ridingIndexPath`: the kit's verified riding index, if it has one. */
  constructor(db: StationDb, shardPath: string, election: Pick<ElectionDefinition, 'id' | 'credentials'>, ridingIndexPath?: string) {
    this.#shard = new Database(shardPath, { readonly: true, fileMustExist: true });
    this.#ridingIndex = ridingIndexPath === undefined ? undefined : new RidingIndex(ridingIndexPath);
    this.#inShard = this.#shard.prepare('SELECT 1 AS n FROM credentials WHERE credential_hash = ?');
    this.#used = db.prepare('SELECT 1 AS n FROM used_credentials WHERE credential_hash = ?');
    this.#election = election.id;
    this.#kdf = kdfOf(election);
  }

  /** Voters in the shard. */
  voters(): number {
    return this.#shard.prepare<[], { n: number }>('SELECT count(*) AS n FROM credentials').get()?.n ?? 0;
  }

  /** Normalises a typed card and finds its credential: ready, unknown or already used here. */
  async check(card: { readonly nas: string; readonly code: string }): Promise<Result<CheckedCredential, CheckInError>> {
    const nas = parseNas(card.nas);
    if (!nas.ok) return err({ kind: 'nas-invalid', problem: nas.error });
    const code = parseVoterCode(card.code);
    if (!code.ok) return err({ kind: 'code-invalid', problem: code.error });
    const credential = await deriveCredentialAsync(this.#election, nas.value, code.value, this.#kdf);
    const hash = credentialHash(credential);
    const bytes = Buffer.from(hash, 'hex');
    if (this.#inShard.get(bytes) === undefined) {
      const elsewhere = this.#ridingIndex?.stationOf(bytes);
      if (elsewhere === undefined) return err({ kind: 'unknown-credential' });
      return err({ kind: 'other-station', station: elsewhere.station, stationName: { fr: elsewhere.name.fr, en: elsewhere.name.en } });
    }
    if (this.#used.get(bytes) !== undefined) return err({ kind: 'already-voted' });
    return ok({ credential, credentialHash: hash });
  }

  close(): void {
    this.#ridingIndex?.close();
    this.#shard.close();
  }
}
