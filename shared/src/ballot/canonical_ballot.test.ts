import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { canonicalJson } from '../canonical.ts';
import type { Ballot } from './ballot.ts';
import { canonicalBallotJson } from './canonical_ballot.ts';

const text = fc.string({ unit: 'grapheme', maxLength: 12 });
const selection = fc.oneof(
  fc.record({ kind: fc.constantFrom('referendum' as const, 'plurality' as const), contest: text, choice: fc.option(text, { nil: null }) }),
  fc.record({ kind: fc.constant('ranked' as const), contest: text, ranking: fc.array(text, { maxLength: 5 }) }),
);
const ballot = fc.record({ id: text, election: text, riding: text, selections: fc.array(selection, { maxLength: 6 }) });

describe('canonicalBallotJson', () => {
  it('is exactly the general RFC 8785 serialiser on ballots, whatever the strings hold', () => {
    fc.assert(
      fc.property(ballot, (b) => {
        expect(canonicalBallotJson(b as unknown as Ballot)).toBe(canonicalJson(b));
      }),
      { numRuns: 2000 },
    );
  });

  it('falls back to the general serialiser for anything not shaped like a ballot', () => {
    const odd = [
      { id: 'a', election: 'e', riding: 'r', selections: [], extra: 1 },
      { id: 'a', election: 'e', riding: 'r', selections: [{ kind: 'plurality', contest: 'c', choice: 'x', note: 'y' }] },
      { id: 'a', election: 'e', riding: 'r', selections: [{ kind: 'other', contest: 'c', choice: 'x' }] },
      { id: 'a', election: 'e', riding: 'r', selections: [{ kind: 'plurality', contest: 'c', choice: undefined, x: 1 }] },
      { id: 'a', election: 'e', riding: 'r', selections: [{ kind: 'ranked', contest: 'c', ranking: [1, 'b'] }] },
    ];
    for (const b of odd) expect(canonicalBallotJson(b as unknown as Ballot)).toBe(canonicalJson(b));
  });
});
