import { describe, expect, it } from 'vitest';
import { sampleElection } from '../election/fixtures/sample_election.ts';
import type { CandidateId, ContestId, RidingCode } from '../ids.ts';
import { BallotSchema, blankBallot, describeBallotError, validateBallot, type Ballot, type BallotId } from './ballot.ts';
import { ballotHash, canonicalBallot, newBallotId, receiptCode } from './ballot_hash.node.ts';

const election = sampleElection();
const SHERBROOKE = 'SHERBROOKE' as RidingCode;
const NORD = 'MONTREAL-NORD' as RidingCode;
const id = '0123456789abcdef0123456789abcdef' as BallotId;

function sherbrookeBallot(): Ballot {
  return {
    id,
    election: election.id,
    riding: SHERBROOKE,
    selections: [
      { kind: 'referendum', contest: 'L2025-001' as ContestId, choice: 'oui' },
      { kind: 'ranked', contest: 'DEP-SHERBROOKE' as ContestId, ranking: ['SHERBROOKE-QS-4', 'SHERBROOKE-PQ-3'] as CandidateId[] },
    ],
  };
}

describe('ballot validation', () => {
  it('accepts a ranked ballot and a blank ballot of the station riding', () => {
    expect(validateBallot(election, SHERBROOKE, sherbrookeBallot()).ok).toBe(true);
    expect(validateBallot(election, NORD, blankBallot(election, NORD, id)).ok).toBe(true);
  });

  it('refuses another riding’s ballot, other contests, unknown candidates and repeated ranks, all at once', () => {
    const ballot = sherbrookeBallot();
    const bad: Ballot = {
      ...ballot,
      selections: [
        {
          kind: 'ranked',
          contest: 'DEP-SHERBROOKE' as ContestId,
          ranking: ['SHERBROOKE-QS-4', 'MONTREAL-NORD-PQ-3', 'SHERBROOKE-QS-4'] as CandidateId[],
        },
        { kind: 'plurality', contest: 'DEP-MONTREAL-NORD' as ContestId, choice: 'MONTREAL-NORD-PQ-3' as CandidateId },
      ],
    };
    const result = validateBallot(election, SHERBROOKE, bad);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.error.map(describeBallotError)).toEqual([
      'MONTREAL-NORD-PQ-3 is not a candidate in DEP-SHERBROOKE',
      'SHERBROOKE-QS-4 is ranked more than once in DEP-SHERBROOKE',
      "DEP-MONTREAL-NORD is not on this station's ballot",
      'the ballot has no answer (not even blank) for L2025-001',
    ]);
    const elsewhere = validateBallot(election, NORD, ballot);
    expect(!elsewhere.ok && elsewhere.error[0]).toEqual({ kind: 'wrong-ballot-style', expected: NORD, actual: SHERBROOKE });
  });

  it('refuses a single choice given to a ranked race, a second selection for a contest and too many rankings', () => {
    const base = sherbrookeBallot();
    const wrongKind: Ballot = {
      ...base,
      selections: [base.selections[0]!, { kind: 'plurality', contest: 'DEP-SHERBROOKE' as ContestId, choice: null }],
    };
    expect(validateBallot(election, SHERBROOKE, wrongKind)).toEqual({
      ok: false,
      error: [{ kind: 'wrong-selection-kind', contest: 'DEP-SHERBROOKE', expected: 'ranked', actual: 'plurality' }],
    });
    const twice: Ballot = { ...base, selections: [...base.selections, base.selections[0]!] };
    expect(validateBallot(election, SHERBROOKE, twice)).toEqual({
      ok: false,
      error: [{ kind: 'duplicate-contest', contest: 'L2025-001' }],
    });
    const limited = structuredClone(election);
    const race = limited.contests.find((c) => c.id === 'DEP-SHERBROOKE');
    if (race?.kind !== 'candidate') throw new Error('fixture');
    race.irv = { ...race.irv!, maxRankings: 1 };
    expect(validateBallot(limited, SHERBROOKE, base)).toEqual({
      ok: false,
      error: [{ kind: 'too-many-rankings', contest: 'DEP-SHERBROOKE', max: 1, actual: 2 }],
    });
  });

  it('cannot express an overvote: a plurality choice is one candidate, and the schema refuses two', () => {
    const parsed = BallotSchema.safeParse({
      ...sherbrookeBallot(),
      selections: [{ kind: 'plurality', contest: 'DEP-X', choice: ['A', 'B'] }],
    });
    expect(parsed.success).toBe(false);
  });
});

describe('canonical encoding, hash and receipt', () => {
  it('encodes a ballot to the same bytes whatever the key order, keeping the selections in ballot order', () => {
    const b = sherbrookeBallot();
    const rekeyed = { selections: b.selections, riding: b.riding, election: b.election, id: b.id };
    expect(Buffer.from(canonicalBallot(rekeyed)).toString()).toBe(Buffer.from(canonicalBallot(b)).toString());
    expect(Buffer.from(canonicalBallot(b)).toString()).toBe(
      '{"election":"qc-demo-2026","id":"0123456789abcdef0123456789abcdef","riding":"SHERBROOKE","selections":[' +
        '{"choice":"oui","contest":"L2025-001","kind":"referendum"},' +
        '{"contest":"DEP-SHERBROOKE","kind":"ranked","ranking":["SHERBROOKE-QS-4","SHERBROOKE-PQ-3"]}]}',
    );
    expect(ballotHash(rekeyed)).toBe(ballotHash(b));
  });

  it('changes the hash and receipt when a preference order changes', () => {
    const b = sherbrookeBallot();
    const swapped: Ballot = {
      ...b,
      selections: [
        b.selections[0]!,
        { kind: 'ranked', contest: 'DEP-SHERBROOKE' as ContestId, ranking: ['SHERBROOKE-PQ-3', 'SHERBROOKE-QS-4'] as CandidateId[] },
      ],
    };
    expect(ballotHash(swapped)).not.toBe(ballotHash(b));
    expect(receiptCode(swapped)).not.toBe(receiptCode(b));
  });

  it('gives identical choices different receipts through the random ballot id', () => {
    const a = { ...sherbrookeBallot(), id: newBallotId() };
    const b = { ...sherbrookeBallot(), id: newBallotId() };
    expect(a.id).toMatch(/^[0-9a-f]{32}$/);
    expect(receiptCode(a)).not.toBe(receiptCode(b));
    expect(receiptCode(a)).toMatch(/^[0-9A-HJKMNP-TV-Z]{5}-[0-9A-HJKMNP-TV-Z]{5}$/);
  });
});
