import { describe, expect, it } from 'vitest';
import type { Referendum } from '../election/definition.ts';
import { sampleElection } from '../election/fixtures/sample_election.ts';
import { referendumResult } from './referendum.ts';

const question = sampleElection().contests.find((c): c is Referendum => c.kind === 'referendum')!;
const withRule = (passingRule: Referendum['passingRule']): Referendum => ({ ...question, passingRule });

describe('referendum passing rules', () => {
  it('adopts by simple majority of decided votes, blanks aside', () => {
    expect(referendumResult(question, { oui: 51, non: 49, blank: 30 }, 1000).outcome).toEqual({ kind: 'adopted' });
    expect(referendumResult(question, { oui: 50, non: 50, blank: 0 }, 1000).outcome).toEqual({
      kind: 'rejected',
      reason: 'majority-not-reached',
    });
    expect(referendumResult(question, { oui: 0, non: 0, blank: 0 }, 1000).outcome).toEqual({ kind: 'no-votes' });
    expect(referendumResult(question, { oui: 3, non: 1, blank: 1 }, 10)).toMatchObject({ cast: 5, ouiShare: 0.75 });
  });

  it('applies a two-thirds supermajority exactly at the boundary', () => {
    const twoThirds = withRule({ majority: { kind: 'super', fraction: { numerator: 2, denominator: 3 } }, quorum: null });
    expect(referendumResult(twoThirds, { oui: 200, non: 100, blank: 0 }, 1000).outcome.kind).toBe('adopted');
    expect(referendumResult(twoThirds, { oui: 199, non: 100, blank: 0 }, 1000).outcome).toEqual({
      kind: 'rejected',
      reason: 'majority-not-reached',
    });
  });

  it('rejects when turnout on the question misses the quorum, blanks counting as turnout', () => {
    const quorum = withRule({ majority: { kind: 'simple' }, quorum: { numerator: 1, denominator: 4 } });
    expect(referendumResult(quorum, { oui: 200, non: 40, blank: 9 }, 1000).outcome).toEqual({ kind: 'rejected', reason: 'quorum-not-met' });
    expect(referendumResult(quorum, { oui: 200, non: 40, blank: 10 }, 1000).outcome).toEqual({ kind: 'adopted' });
  });
});
