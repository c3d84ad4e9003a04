import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { unwrap } from '../result.ts';
import { readEssRows, type EssOptions, type SheetRow } from './ess.ts';
import { readEssXlsx } from './ess_xlsx.node.ts';

const CONFORMANCE_DIR = resolve(import.meta.dirname, '../../../../shared/conformance/rctab');

const options: EssOptions = {
  file: 'cvr.xlsx',
  firstVoteColumnIndex: 2,
  firstVoteRowIndex: 2,
  idColumnIndex: null,
  precinctColumnIndex: 1,
  batchColumnIndex: null,
  overvoteDelimiter: '|',
  overvoteLabel: 'overvote',
  skippedRankLabel: 'undervote',
  undeclaredWriteInLabel: 'UWI',
  treatBlankAsUndeclaredWriteIn: false,
  candidateSpellings: new Set(['A', 'B', 'A-2']),
  maxRankingsAllowed: 3,
};

function row(number: number, cells: readonly (string | null)[]): SheetRow {
  return { number, cell: (column) => cells[column - 1] ?? null, lastColumn: cells.length };
}

const A = { kind: 'candidate', name: 'A' } as const;
const B = { kind: 'candidate', name: 'B' } as const;
const UWI = { kind: 'undeclaredWriteIn' } as const;

describe('readEssRows', () => {
  it('classifies each rank cell: skipped label, overvote label, write-in, candidate, delimited overvote', () => {
    const ballots = unwrap(
      readEssRows(
        [
          row(1, ['Precinct', '1st', '2nd', '3rd']),
          row(2, ['P1', 'undervote', 'A|B', 'overvote']),
          row(3, [null, 'UWI', null, 'A-2', 'B']),
        ],
        options,
      ),
    );
    expect(ballots).toEqual([
      {
        ranking: [
          { rank: 2, marks: [A, B] },
          { rank: 3, marks: [{ kind: 'overvote' }] },
        ],
        precinct: 'P1',
        batch: 'missing_batch_id',
      },
      // Only maxRankingsAllowed (3) rank columns are read.
      {
        ranking: [
          { rank: 1, marks: [UWI] },
          { rank: 3, marks: [{ kind: 'candidate', name: 'A-2' }] },
        ],
        precinct: 'missing_precinct_id',
        batch: 'missing_batch_id',
      },
    ]);
  });

  it('turns blank cells into write-ins under treatBlankAsUndeclaredWriteIn, never skipped-rank labels', () => {
    const blanks = { ...options, treatBlankAsUndeclaredWriteIn: true };
    expect(unwrap(readEssRows([row(2, ['P', null, 'undervote', 'A'])], blanks))[0]?.ranking).toEqual([
      { rank: 1, marks: [UWI] },
      { rank: 3, marks: [A] },
    ]);
    // With a numeric maxRankingsAllowed the blanks after the last filled cell count too.
    expect(unwrap(readEssRows([row(2, ['P', 'A'])], blanks))[0]?.ranking).toEqual([
      { rank: 1, marks: [A] },
      { rank: 2, marks: [UWI] },
      { rank: 3, marks: [UWI] },
    ]);
    // With "max" they don't.
    expect(unwrap(readEssRows([row(2, ['P', 'A', null, 'B'])], { ...blanks, maxRankingsAllowed: 'max' }))[0]?.ranking).toEqual([
      { rank: 1, marks: [A] },
      { rank: 2, marks: [UWI] },
      { rank: 3, marks: [B] },
    ]);
  });

  it.each([
    [['P', 'C'], 'row 2, column 2', /"C" is not a candidate/],
    [['P', 'A|'], 'row 2, column 2', /empty or skipped-rank part/],
    [['P', 'A|undervote'], 'row 2, column 2', /empty or skipped-rank part/],
  ])('refuses %j', (cells, location, problem) => {
    const result = readEssRows([row(2, cells)], options);
    expect(result).toMatchObject({ ok: false, error: { file: 'cvr.xlsx', location } });
    if (!result.ok) {
      expect(result.error.problem).toMatch(problem);
    }
  });

  it('requires the id cell when an id column is configured', () => {
    expect(readEssRows([row(2, ['P', 'A'])], { ...options, idColumnIndex: 5 })).toMatchObject({
      ok: false,
      error: { location: 'row 2, column 5', problem: 'the ballot id cell is empty' },
    });
  });
});

describe('readEssXlsx', () => {
  it('counts every stored row as a ballot, including empty rows up to row 1,048,576', async () => {
    const ballots = unwrap(
      await readEssXlsx(resolve(CONFORMANCE_DIR, 'first_round_determines_threshold_test/first_round_determines_threshold_test_cvr.xlsx'), {
        ...options,
        file: 'first_round_determines_threshold_test_cvr.xlsx',
        firstVoteColumnIndex: 4,
        precinctColumnIndex: null,
        overvoteDelimiter: '',
        undeclaredWriteInLabel: '',
        candidateSpellings: new Set(['Carmona, Ralph C.', 'Haadoow, Hamza A.', 'Vail, Christopher L.', 'Excludy McSclude']),
        maxRankingsAllowed: 15,
      }),
    );
    // Rows 2–17 hold marks; rows 18, 1,048,575 and 1,048,576 are stored but empty.
    expect(ballots).toHaveLength(19);
    expect(ballots.filter((ballot) => ballot.ranking.length === 0)).toHaveLength(3);
  });

  it('reports an unreadable workbook as a CVR error', async () => {
    const result = await readEssXlsx(resolve(CONFORMANCE_DIR, 'README.md'), options);
    expect(result).toMatchObject({ ok: false, error: { kind: 'invalidCvr', file: 'cvr.xlsx' } });
  });
});
