import { parse } from 'csv-parse/sync';
import { err, ok, type Result } from '../result.ts';
import { UNDECLARED_WRITE_IN_MARK, candidateMark, type BallotMark, type RankMarks } from '../tally/ranking.ts';
import { cvrError, type CastVoteRecord, type CvrError } from './cvr.ts';

/**
 * RCTab's "generic CSV" CVR: a header row, then one row per ballot. Every column from
 * `firstVoteColumnIndex` on belongs to one candidate (named by its header) and a cell holds
 * the rank the voter gave that candidate. Two columns with the same rank on a row are an
 * overvote. Pure: the caller reads the file.
 */

export type GenericCsvOptions = {
  /** The file as the config names it, for messages. */
  readonly file: string;
  readonly firstVoteColumnIndex: number;
  readonly precinctColumnIndex: number | null;
  readonly batchColumnIndex: number | null;
  /** Header of the write-in column; blank when there is none. */
  readonly undeclaredWriteInLabel: string;
  readonly candidateSpellings: ReadonlySet<string>;
  readonly maxRankingsAllowed: number | 'max';
};

/** RCTab's slice names for ballots whose precinct / batch cell is blank. */
const NO_PRECINCT = 'no precinct id';
const NO_BATCH = 'no batch id';

type ParsedRow = { readonly record: readonly string[]; readonly line: number };

export function readGenericCsv(text: string, options: GenericCsvOptions): Result<readonly CastVoteRecord[], CvrError> {
  const { file } = options;
  const rows = parseRows(text);
  if (!rows.ok) {
    return err(cvrError(file, '', `not a readable CSV file: ${rows.error}`));
  }
  const [header, ...ballotRows] = rows.value;
  if (header === undefined) {
    return err(cvrError(file, '', 'the file is empty (a header row is required)'));
  }
  const firstColumn = options.firstVoteColumnIndex - 1;
  const columnMarks: BallotMark[] = [];
  for (let column = firstColumn; column < header.record.length; column++) {
    const name = header.record[column] ?? '';
    const where = `row ${header.line}, column ${column + 1}`;
    if (name === '') {
      return err(cvrError(file, where, 'a candidate column needs a header'));
    }
    if (options.undeclaredWriteInLabel !== '' && name === options.undeclaredWriteInLabel) {
      columnMarks.push(UNDECLARED_WRITE_IN_MARK);
    } else if (options.candidateSpellings.has(name)) {
      columnMarks.push(candidateMark(name));
    } else {
      return err(cvrError(file, where, `header "${name}" is not a candidate name or alias in the config`));
    }
  }
  if (columnMarks.length === 0) {
    return err(cvrError(file, `row ${header.line}`, `no candidate columns from column ${options.firstVoteColumnIndex} on`));
  }

  // RCTab reads every row after the header as a ballot (firstVoteRowIndex is always 2).
  const ballots: CastVoteRecord[] = [];
  for (const { record, line } of ballotRows) {
    const byRank = new Map<number, BallotMark[]>();
    for (const [offset, mark] of columnMarks.entries()) {
      const cell = (record[firstColumn + offset] ?? '').trim();
      if (cell === '') {
        continue;
      }
      const where = `row ${line}, column ${firstColumn + offset + 1}`;
      const rank = /^[+-]?\d+$/.test(cell) ? Number(cell) : Number.NaN;
      if (!Number.isSafeInteger(rank) || rank < 1) {
        return err(cvrError(file, where, `"${cell}" is not a rank (a whole number ≥ 1)`));
      }
      if (options.maxRankingsAllowed !== 'max' && rank > options.maxRankingsAllowed) {
        return err(cvrError(file, where, `rank ${rank} exceeds maxRankingsAllowed (${options.maxRankingsAllowed})`));
      }
      const marks = byRank.get(rank);
      if (marks === undefined) {
        byRank.set(rank, [mark]);
      } else {
        marks.push(mark);
      }
    }
    const ranking: RankMarks[] = [...byRank.entries()].sort(([a], [b]) => a - b).map(([rank, marks]) => ({ rank, marks }));
    ballots.push({
      ranking,
      precinct: cellOr(record, options.precinctColumnIndex, NO_PRECINCT),
      batch: cellOr(record, options.batchColumnIndex, NO_BATCH),
    });
  }
  return ok(ballots);
}

function cellOr(record: readonly string[], columnIndex: number | null, missing: string): string {
  const value = columnIndex === null ? '' : (record[columnIndex - 1] ?? '').trim();
  return value === '' ? missing : value;
}

function parseRows(text: string): Result<readonly ParsedRow[], string> {
  let parsed: unknown;
  try {
    // Empty lines are not ballots (as in Commons CSV, which RCTab uses).
    parsed = parse(text, { bom: true, relax_column_count: true, skip_empty_lines: true, info: true });
  } catch (error: unknown) {
    // csv-parse reports malformed input by throwing; here that is an expected failure.
    return err(error instanceof Error ? error.message : String(error));
  }
  if (!Array.isArray(parsed)) {
    return err('unexpected parser output');
  }
  const rows: ParsedRow[] = [];
  for (const entry of parsed as unknown[]) {
    if (!isParsedEntry(entry)) {
      return err('unexpected parser output');
    }
    rows.push({ record: entry.record, line: entry.info.lines });
  }
  return ok(rows);
}

function isParsedEntry(entry: unknown): entry is { record: string[]; info: { lines: number } } {
  if (typeof entry !== 'object' || entry === null || !('record' in entry) || !('info' in entry)) {
    return false;
  }
  const { record, info } = entry;
  return (
    Array.isArray(record) &&
    record.every((cell) => typeof cell === 'string') &&
    typeof info === 'object' &&
    info !== null &&
    'lines' in info &&
    typeof info.lines === 'number'
  );
}
