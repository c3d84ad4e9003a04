import { err, ok, type Result } from '../result.ts';
import { OVERVOTE_MARK, UNDECLARED_WRITE_IN_MARK, candidateMark, type BallotMark, type RankMarks } from '../tally/ranking.ts';
import { cvrError, type CastVoteRecord, type CvrError } from './cvr.ts';
import type { RctabCvrSource } from './config.ts';

/**
 * ES&S cast vote records: one spreadsheet row per ballot, one column per rank, each cell
 * naming the candidate at that rank. This module interprets rows that have already been
 * read from the workbook (see ess_xlsx.node.ts), so it stays pure and testable.
 */

/** The source's own settings (as in the config), plus what reading needs. */
export type EssOptions = Pick<
  RctabCvrSource,
  | 'idColumnIndex'
  | 'precinctColumnIndex'
  | 'batchColumnIndex'
  | 'overvoteDelimiter'
  | 'overvoteLabel'
  | 'skippedRankLabel'
  | 'undeclaredWriteInLabel'
  | 'treatBlankAsUndeclaredWriteIn'
> & {
  /** The file as the config names it, for messages. */
  readonly file: string;
  readonly firstVoteColumnIndex: number;
  readonly firstVoteRowIndex: number;
  readonly candidateSpellings: ReadonlySet<string>;
  /** With a number, only that many rank columns are read; with "max", all of them. */
  readonly maxRankingsAllowed: number | 'max';
};

/** One stored row of the sheet: its 1-based number and its cells' displayed text. */
export type SheetRow = {
  readonly number: number;
  /** Text of the cell in a 1-based column; null when the cell is empty or absent. */
  readonly cell: (column: number) => string | null;
  /** The highest column number holding a cell. */
  readonly lastColumn: number;
};

const MISSING_PRECINCT = 'missing_precinct_id';
const MISSING_BATCH = 'missing_batch_id';

/**
 * Every stored row from `firstVoteRowIndex` on is one ballot, even a row with no values
 * (it ranks nobody); rows above it are headers.
 */
export function readEssRows(rows: Iterable<SheetRow>, options: EssOptions): Result<readonly CastVoteRecord[], CvrError> {
  const ballots: CastVoteRecord[] = [];
  for (const row of rows) {
    if (row.number < options.firstVoteRowIndex) {
      continue;
    }
    const ballot = readEssRow(row, options);
    if (!ballot.ok) {
      return ballot;
    }
    ballots.push(ballot.value);
  }
  return ok(ballots);
}

export function readEssRow(row: SheetRow, options: EssOptions): Result<CastVoteRecord, CvrError> {
  const where = `row ${row.number}`;
  const fail = (column: number | null, problem: string): Result<CastVoteRecord, CvrError> =>
    err(cvrError(options.file, column === null ? where : `${where}, column ${column}`, problem));

  if (options.idColumnIndex !== null && row.cell(options.idColumnIndex) === null) {
    return fail(options.idColumnIndex, 'the ballot id cell is empty');
  }
  const rankColumns =
    options.maxRankingsAllowed === 'max' ? Math.max(0, row.lastColumn - options.firstVoteColumnIndex + 1) : options.maxRankingsAllowed;
  const texts: (string | null)[] = [];
  for (let k = 0; k < rankColumns; k++) {
    texts.push(row.cell(options.firstVoteColumnIndex + k));
  }
  const lastFilled = texts.findLastIndex((text) => text !== null);

  const ranking: RankMarks[] = [];
  for (const [k, text] of texts.entries()) {
    const column = options.firstVoteColumnIndex + k;
    const rank = k + 1;
    if (text === null) {
      // Blank cells become write-ins under treatBlankAsUndeclaredWriteIn: those before the
      // last filled cell, and with a numeric maxRankingsAllowed the ones after it too.
      if (options.treatBlankAsUndeclaredWriteIn && (k < lastFilled || options.maxRankingsAllowed !== 'max')) {
        ranking.push({ rank, marks: [UNDECLARED_WRITE_IN_MARK] });
      }
      continue;
    }
    const parts = options.overvoteDelimiter === '' ? [text] : text.split(options.overvoteDelimiter).map((part) => part.trim());
    if (parts.length > 1 && parts.some((part) => part === '' || part === options.skippedRankLabel)) {
      return fail(column, `"${text}" splits into an empty or skipped-rank part`);
    }
    const marks: BallotMark[] = [];
    for (const part of parts) {
      if (options.skippedRankLabel !== '' && part === options.skippedRankLabel) {
        continue;
      }
      if (options.overvoteLabel !== '' && part === options.overvoteLabel) {
        marks.push(OVERVOTE_MARK);
      } else if (options.undeclaredWriteInLabel !== '' && part === options.undeclaredWriteInLabel) {
        marks.push(UNDECLARED_WRITE_IN_MARK);
      } else if (options.candidateSpellings.has(part)) {
        marks.push(candidateMark(part));
      } else {
        return fail(column, `"${part}" is not a candidate name or alias in the config`);
      }
    }
    if (marks.length > 0) {
      ranking.push({ rank, marks });
    }
  }
  return ok({
    ranking,
    precinct: sliceCell(row, options.precinctColumnIndex) ?? MISSING_PRECINCT,
    batch: sliceCell(row, options.batchColumnIndex) ?? MISSING_BATCH,
  });
}

function sliceCell(row: SheetRow, column: number | null): string | null {
  return column === null ? null : row.cell(column);
}
