import { describe, expect, it } from 'vitest';
import { sampleElection } from '../election/fixtures/sample_election.ts';
import type { CandidateId, ContestId, RidingCode } from '../ids.ts';
import { BallotSchema, blankBallot, describeBallotError, validateBallot, type Ballot, type BallotId } from './ballot.ts';
import { ballotHash, canonicalBallot, newBallotId } from './ballot_hash.node.ts';
import { canonicalCastBallotJson } from './canonical_ballot.ts';
import { castBallotOf, CastBallotSchema } from './ballot.ts';
import { formatTrackingCode, newTrackingCode, parseTrackingCode } from './tracking_code.ts';

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

describe('canonical encoding and hash', () => {
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

  it('changes the hash when a preference order changes', () => {
    const b = sherbrookeBallot();
    const swapped: Ballot = {
      ...b,
      selections: [
        b.selections[0]!,
        { kind: 'ranked', contest: 'DEP-SHERBROOKE' as ContestId, ranking: ['SHERBROOKE-PQ-3', 'SHERBROOKE-QS-4'] as CandidateId[] },
      ],
    };
    expect(ballotHash(swapped)).not.toBe(ballotHash(b));
  });

  it('gives identical choices different ids', () => {
    const a = { ...sherbrookeBallot(), id: newBallotId() };
    const b = { ...sherbrookeBallot(), id: newBallotId() };
    expect(a.id).toMatch(/^[0-9a-f]{32}$/);
    expect(a.id).not.toBe(b.id);
  });

  it('casts a ballot without its id, canonical in RFC 8785 key order, and refuses any extra field', () => {
    const cast = castBallotOf(sherbrookeBallot());
    expect(Object.keys(cast).sort()).toEqual(['election', 'riding', 'selections']);
    expect(canonicalCastBallotJson(cast)).toBe(
      '{"election":"qc-demo-2026","riding":"SHERBROOKE","selections":[' +
        '{"choice":"oui","contest":"L2025-001","kind":"referendum"},' +
        '{"contest":"DEP-SHERBROOKE","kind":"ranked","ranking":["SHERBROOKE-QS-4","SHERBROOKE-PQ-3"]}]}',
    );
    expect(CastBallotSchema.safeParse(cast).success).toBe(true);
    // A station cannot tag a ballot: an id, or any field the format does not define, is refused.
    expect(CastBallotSchema.safeParse(sherbrookeBallot()).success).toBe(false);
    expect(CastBallotSchema.safeParse({ ...cast, note: 'x' }).success).toBe(false);
    expect(CastBallotSchema.safeParse({ ...cast, selections: [{ ...cast.selections[0], voter: 'x' }, cast.selections[1]] }).success).toBe(
      false,
    );
  });
});

describe('tracking codes', () => {
  it('are 12 random Crockford characters, printed in groups of four, read back however typed', () => {
    const codes = new Set(Array.from({ length: 2000 }, () => newTrackingCode()));
    expect(codes.size).toBe(2000);
    for (const code of codes) expect(code).toMatch(/^[0-9A-HJKMNP-TV-Z]{12}$/);
    const code = [...codes][0]!;
    const printed = formatTrackingCode(code);
    expect(printed).toMatch(/^[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}$/);
    expect(parseTrackingCode(printed.toLowerCase())).toEqual({ ok: true, value: code });
    expect(parseTrackingCode(' 0O1I-L000-0000 ')).toEqual({ ok: true, value: '001110000000' });
    expect(parseTrackingCode('ABCD-EFGH-IJK').ok).toBe(false);
    expect(parseTrackingCode('ABCD-EFGH-IJKU').ok).toBe(false);
  });

  it('use every character about equally (no modulo bias)', () => {
    const counts = new Map<string, number>();
    for (let i = 0; i < 4000; i += 1) for (const c of newTrackingCode()) counts.set(c, (counts.get(c) ?? 0) + 1);
    expect(counts.size).toBe(32);
    const expected = (4000 * 12) / 32;
    let chi = 0;
    for (const n of counts.values()) chi += (n - expected) ** 2 / expected;
    // 31 degrees of freedom: p = 0.0001 at about 66.
    expect(chi).toBeLessThan(66);
  });
});
