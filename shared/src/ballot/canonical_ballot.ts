import { canonicalJson } from '../canonical.ts';
import type { Ballot, CastBallot, Selection } from './ballot.ts';

/**
 * A ballot's canonical JSON (RFC 8785), written straight from its known shape: keys in
 * sorted order (`election`, `id`, `riding`, `selections`; in a selection `choice`, `contest`,
 * `kind` or `contest`, `kind`, `ranking`) and strings as JSON.stringify writes them, which is
 * what RFC 8785 prescribes. Hashing and verifying batches canonicalises every ballot, so this
 * skips the general serialiser's sorted copy of each object. Anything not of exactly that
 * shape (an extra key, a missing one) goes through the general serialiser, so the result is
 * always `canonicalJson(ballot)`.
 */
export function canonicalBallotJson(ballot: Ballot): string {
  if (
    !hasKeys(ballot, 4) ||
    typeof ballot.election !== 'string' ||
    typeof ballot.id !== 'string' ||
    typeof ballot.riding !== 'string' ||
    !Array.isArray(ballot.selections)
  ) {
    return canonicalJson(ballot);
  }
  let out = `{"election":${JSON.stringify(ballot.election)},"id":${JSON.stringify(ballot.id)},"riding":${JSON.stringify(ballot.riding)},"selections":[`;
  for (let i = 0; i < ballot.selections.length; i += 1) {
    const selection = canonicalSelection(ballot.selections[i] as Selection);
    if (selection === null) return canonicalJson(ballot);
    out += i === 0 ? selection : `,${selection}`;
  }
  return `${out}]}`;
}

/** The canonical JSON of a ballot without id (keys `election`, `riding`, `selections`), as in an envelope. */
export function canonicalCastBallotJson(ballot: CastBallot): string {
  if (
    !hasKeys(ballot, 3) ||
    typeof ballot.election !== 'string' ||
    typeof ballot.riding !== 'string' ||
    !Array.isArray(ballot.selections)
  ) {
    return canonicalJson(ballot);
  }
  let out = `{"election":${JSON.stringify(ballot.election)},"riding":${JSON.stringify(ballot.riding)},"selections":[`;
  for (let i = 0; i < ballot.selections.length; i += 1) {
    const selection = canonicalSelection(ballot.selections[i] as Selection);
    if (selection === null) return canonicalJson(ballot);
    out += i === 0 ? selection : `,${selection}`;
  }
  return `${out}]}`;
}

function canonicalSelection(s: Selection): string | null {
  // Null and other non-objects fail here too: no keys, or no string `contest`.
  if (!hasKeys(s, 3) || typeof s.contest !== 'string') return null;
  switch (s.kind) {
    case 'referendum':
    case 'plurality':
      if (s.choice !== null && typeof s.choice !== 'string') return null;
      return `{"choice":${s.choice === null ? 'null' : JSON.stringify(s.choice)},"contest":${JSON.stringify(s.contest)},"kind":"${s.kind}"}`;
    case 'ranked':
      if (!Array.isArray(s.ranking) || !s.ranking.every((c) => typeof c === 'string')) return null;
      return `{"contest":${JSON.stringify(s.contest)},"kind":"ranked","ranking":${JSON.stringify(s.ranking)}}`;
    default:
      return null;
  }
}

/** Whether `value` has exactly `n` enumerable keys, none of them undefined. */
function hasKeys(value: object, n: number): boolean {
  let count = 0;
  for (const key in value) {
    if ((value as Record<string, unknown>)[key] === undefined) return false;
    count += 1;
  }
  return count === n;
}
