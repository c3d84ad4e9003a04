import { randomBytes } from 'node:crypto';
import { canonicalBallotJson } from './canonical_ballot.ts';
import { taggedSha256, taggedSha256Hex } from '../crypto/hash.node.ts';
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

const CROCKFORD = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';

/**
 * The voter's receipt: the first 50 bits of the ballot hash as 10 Crockford base32
 * characters, `XXXXX-XXXXX`. It lets a voter find their ballot's hash on the published list
 * without revealing anything about the choices.
 */
export function receiptCode(ballot: Ballot): string {
  const digest = taggedSha256(BALLOT_TAG, canonicalBallot(ballot));
  let bits = 0n;
  for (let i = 0; i < 7; i += 1) bits = (bits << 8n) | BigInt(digest[i] ?? 0);
  bits >>= 6n; // 56 bits read, keep the top 50
  let out = '';
  for (let i = 9; i >= 0; i -= 1) out += CROCKFORD[Number((bits >> BigInt(i * 5)) & 31n)] ?? '';
  return `${out.slice(0, 5)}-${out.slice(5)}`;
}
