import { randomBytes } from 'node:crypto';
import { canonicalBallotJson } from './canonical_ballot.ts';
import { taggedSha256Hex } from '../crypto/hash.node.ts';
import type { Sha256Hex } from '../ids.ts';
import type { Ballot, BallotId } from './ballot.ts';

export const BALLOT_TAG = 'scrutin/ballot/v1';

/**
 * The ballot's canonical bytes (RFC 8785). Selections keep the order the kiosk gave them
 * (the ballot style's order): a ballot is made once and never re-ordered, and its canonical
 * form is then exactly the one it has inside a batch's canonical body.
 */
export function canonicalBallot(ballot: Ballot): Buffer {
  return Buffer.from(canonicalBallotJson(ballot), 'utf8');
}

export function ballotHash(ballot: Ballot): Sha256Hex {
  return taggedSha256Hex(BALLOT_TAG, canonicalBallot(ballot));
}

export function newBallotId(): BallotId {
  return randomBytes(16).toString('hex') as BallotId;
}

/**
 * `n` fresh random ballot ids from one draw of the CSPRNG (16 bytes each): on the validator's
 * bulk path a call per ballot costs more than the rest of the ballot's handling.
 */
export function newBallotIds(n: number): BallotId[] {
  const hex = randomBytes(16 * n).toString('hex');
  const ids: BallotId[] = new Array<BallotId>(n);
  for (let i = 0; i < n; i += 1) ids[i] = hex.slice(32 * i, 32 * i + 32) as BallotId;
  return ids;
}
