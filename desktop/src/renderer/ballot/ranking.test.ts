import { CandidateIdSchema } from '@scrutin/shared';
import { describe, expect, it } from 'vitest';
import { moveRank, ordinal, rankOf, toggleRank } from './ranking.ts';

const id = (text: string) => CandidateIdSchema.parse(text);
const haddad = id('MONTREAL-CENTRE-QS-4');
const nguyen = id('MONTREAL-CENTRE-PLQ-2');
const kaplan = id('MONTREAL-CENTRE-IND-6');
const morin = id('MONTREAL-CENTRE-PCQ-5');

describe('ranking by taps', () => {
  it('gives the next rank to each candidate tapped, in order', () => {
    let ranking = toggleRank([], haddad, 6);
    ranking = toggleRank(ranking, nguyen, 6);
    ranking = toggleRank(ranking, kaplan, 6);
    expect(ranking).toEqual([haddad, nguyen, kaplan]);
    expect(rankOf(ranking, kaplan)).toBe(3);
    expect(rankOf(ranking, morin)).toBeNull();
  });

  it('takes a ranked candidate out when tapped again; those after move up', () => {
    expect(toggleRank([haddad, nguyen, kaplan], nguyen, 6)).toEqual([haddad, kaplan]);
  });

  it('stops at the race’s maximum number of rankings', () => {
    expect(toggleRank([haddad, nguyen], kaplan, 2)).toEqual([haddad, nguyen]);
    expect(toggleRank([haddad, nguyen], nguyen, 2)).toEqual([haddad]);
  });

  it('moves a candidate up or down one rank, and nowhere past the ends', () => {
    expect(moveRank([haddad, nguyen, kaplan], kaplan, -1)).toEqual([haddad, kaplan, nguyen]);
    expect(moveRank([haddad, nguyen, kaplan], haddad, 1)).toEqual([nguyen, haddad, kaplan]);
    expect(moveRank([haddad, nguyen], haddad, -1)).toEqual([haddad, nguyen]);
    expect(moveRank([haddad, nguyen], nguyen, 1)).toEqual([haddad, nguyen]);
    expect(moveRank([haddad, nguyen], morin, 1)).toEqual([haddad, nguyen]);
  });
});

describe('ordinals on the screen', () => {
  it('are French: 1er, 2e, 3e…', () => {
    expect([1, 2, 3, 10, 21].map((n) => ordinal(n, 'fr'))).toEqual(['1er', '2e', '3e', '10e', '21e']);
  });

  it('are English: 1st, 2nd, 3rd, 4th, 11th–13th, 21st, 22nd, 23rd', () => {
    expect([1, 2, 3, 4, 11, 12, 13, 21, 22, 23, 101, 111].map((n) => ordinal(n, 'en'))).toEqual([
      '1st',
      '2nd',
      '3rd',
      '4th',
      '11th',
      '12th',
      '13th',
      '21st',
      '22nd',
      '23rd',
      '101st',
      '111th',
    ]);
  });
});
