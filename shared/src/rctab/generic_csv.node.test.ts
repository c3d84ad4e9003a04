import { describe, expect, it } from 'vitest';
import { unwrap } from '../result.ts';
import { readGenericCsv, type GenericCsvOptions } from './generic_csv.node.ts';

const options: GenericCsvOptions = {
  file: 'cvr.csv',
  firstVoteColumnIndex: 3,
  precinctColumnIndex: 2,
  batchColumnIndex: null,
  undeclaredWriteInLabel: 'Write-In',
  candidateSpellings: new Set(['Lettuce', 'Kale']),
  maxRankingsAllowed: 3,
};

describe('readGenericCsv', () => {
  it('turns rank numbers per candidate column into marks per rank', () => {
    const ballots = unwrap(readGenericCsv('id,precinct,Lettuce,Kale,Write-In\n1,p1,2,1,\n\n2,,1,1,3\n3,p2,,,\n', options));
    expect(ballots).toEqual([
      {
        ranking: [
          { rank: 1, marks: [{ kind: 'candidate', name: 'Kale' }] },
          { rank: 2, marks: [{ kind: 'candidate', name: 'Lettuce' }] },
        ],
        precinct: 'p1',
        batch: 'no batch id',
      },
      {
        ranking: [
          {
            rank: 1,
            marks: [
              { kind: 'candidate', name: 'Lettuce' },
              { kind: 'candidate', name: 'Kale' },
            ],
          },
          { rank: 3, marks: [{ kind: 'undeclaredWriteIn' }] },
        ],
        precinct: 'no precinct id',
        batch: 'no batch id',
      },
      { ranking: [], precinct: 'p2', batch: 'no batch id' },
    ]);
  });

  it.each([
    ['id,precinct,Lettuce,Kale\n1,p1,1,x\n', 'row 2, column 4', /"x" is not a rank/],
    ['id,precinct,Lettuce,Kale\n1,p1,1,1.0\n', 'row 2, column 4', /"1.0" is not a rank/],
    ['id,precinct,Lettuce,Kale\n1,p1,4,1\n', 'row 2, column 3', /rank 4 exceeds maxRankingsAllowed \(3\)/],
    ['id,precinct,Lettuce,Cabbage\n', 'row 1, column 4', /"Cabbage" is not a candidate/],
    ['id,precinct,Lettuce,\n', 'row 1, column 4', /needs a header/],
    ['id,precinct,"Lettuce\n', '', /not a readable CSV/],
  ])('refuses %j', (text, location, problem) => {
    const result = readGenericCsv(text, options);
    expect(result).toMatchObject({ ok: false, error: { kind: 'invalidCvr', file: 'cvr.csv', location } });
    if (!result.ok) {
      expect(result.error.problem).toMatch(problem);
    }
  });
});
