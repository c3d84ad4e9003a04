import { z } from 'zod';
import { err, ok, type Result } from '../result.ts';
import { OVERVOTE_MARK, UNDECLARED_WRITE_IN_MARK, candidateMark, type BallotMark, type RankMarks } from '../tally/ranking.ts';
import { cvrError, type CastVoteRecord, type CvrError } from './cvr.ts';

/**
 * NIST SP 1500-103 cast vote records in their JSON form ("CastVoteRecordReport"), read the
 * way RCTab reads them. Pure: the caller parses the file text into a JSON value.
 */

export type CdfJsonOptions = {
  /** The file as the config names it, for messages. */
  readonly file: string;
  /** The `Name` of the contest to read (RCTab's `contestId`). */
  readonly contestName: string;
  /** A candidate name meaning "overvote here"; blank when unused. */
  readonly overvoteLabel: string;
  readonly candidateSpellings: ReadonlySet<string>;
  readonly undeclaredWriteIns: boolean;
  readonly maxRankingsAllowed: number | 'max';
};

const rank = z.union([
  z.number(),
  z
    .string()
    .regex(/^\s*[+-]?\d+\s*$/)
    .transform(Number),
]);
const yesNo = z.union([z.string(), z.boolean()]).optional();

const SelectionPositionSchema = z.object({
  Rank: rank.optional(),
  HasIndication: yesNo,
  IsAllocable: yesNo,
  CVRWriteIn: z.unknown().optional(),
});

const CdfReportSchema = z.object({
  Election: z.array(
    z.object({
      Candidate: z.array(z.object({ '@id': z.string(), Name: z.string() })).default([]),
      Contest: z
        .array(
          z.object({
            '@id': z.string(),
            Name: z.string().optional(),
            ContestSelection: z
              .array(
                z.object({
                  '@id': z.string(),
                  CandidateIds: z.array(z.string()).default([]),
                  IsWriteIn: yesNo,
                }),
              )
              .default([]),
          }),
        )
        .default([]),
    }),
  ),
  GpUnit: z.array(z.object({ '@id': z.string(), Name: z.string().optional() })),
  CVR: z.array(
    z.object({
      CurrentSnapshotId: z.string(),
      BallotPrePrintedId: z.union([z.string(), z.number()]).optional(),
      BallotStyleUnitId: z.string().optional(),
      BatchSequenceId: z.union([z.string(), z.number()]).optional(),
      CVRSnapshot: z.array(
        z.object({
          '@id': z.string(),
          CVRContest: z
            .array(
              z.object({
                ContestId: z.string(),
                CVRContestSelection: z
                  .array(
                    z.object({
                      ContestSelectionId: z.string(),
                      Rank: rank.optional(),
                      SelectionPosition: z.array(SelectionPositionSchema).optional(),
                    }),
                  )
                  .default([]),
              }),
            )
            .default([]),
        }),
      ),
    }),
  ),
});

type CdfReport = z.infer<typeof CdfReportSchema>;

/** What a contest selection stands for. */
type Selection = { readonly mark: BallotMark } | { readonly unknownName: string };

export function readCdfJson(json: unknown, options: CdfJsonOptions): Result<readonly CastVoteRecord[], CvrError> {
  const { file } = options;
  const parsed = CdfReportSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    return err(cvrError(file, '', `not a CDF CastVoteRecordReport (${issue?.path.join('.') ?? ''}: ${issue?.message ?? ''})`));
  }
  const report = parsed.data;
  const contest = findContest(report, options.contestName);
  if (contest === null) {
    return err(cvrError(file, '', `no contest named "${options.contestName}"`));
  }
  const precinctNames = new Map(report.GpUnit.map((unit) => [unit['@id'], unit.Name ?? unit['@id']]));

  const ballots: CastVoteRecord[] = [];
  for (const [index, cvr] of report.CVR.entries()) {
    const where = `CVR ${index + 1}${cvr.BallotPrePrintedId === undefined ? '' : ` (ballot id ${cvr.BallotPrePrintedId})`}`;
    const snapshot = cvr.CVRSnapshot.find((candidate) => candidate['@id'] === cvr.CurrentSnapshotId);
    if (snapshot === undefined) {
      return err(cvrError(file, where, `no snapshot with @id "${cvr.CurrentSnapshotId}"`));
    }
    // A ballot without this contest ranked nobody in it.
    const selections = snapshot.CVRContest.find((entry) => entry.ContestId === contest.id)?.CVRContestSelection ?? [];
    const byRank = new Map<number, BallotMark[]>();
    for (const selected of selections) {
      const selection = contest.selections.get(selected.ContestSelectionId);
      if (selection === undefined) {
        return err(cvrError(file, where, `unknown ContestSelectionId "${selected.ContestSelectionId}"`));
      }
      if ('unknownName' in selection) {
        return err(cvrError(file, where, `"${selection.unknownName}" is not a candidate name or alias in the config`));
      }
      // The rank is on the selection itself, or one per indicated, allocable position.
      const positions =
        selected.Rank !== undefined
          ? [{ Rank: selected.Rank, writeIn: false }]
          : (selected.SelectionPosition ?? [])
              .filter((position) => !isNo(position.HasIndication) && !isNo(position.IsAllocable))
              .map((position) => ({ Rank: position.Rank, writeIn: position.CVRWriteIn !== undefined }));
      for (const position of positions) {
        const rankNumber = position.Rank;
        if (rankNumber === undefined || !Number.isSafeInteger(rankNumber) || rankNumber < 1) {
          return err(cvrError(file, where, `invalid rank ${String(rankNumber)}`));
        }
        if (options.maxRankingsAllowed !== 'max' && rankNumber > options.maxRankingsAllowed) {
          return err(cvrError(file, where, `rank ${rankNumber} exceeds maxRankingsAllowed (${options.maxRankingsAllowed})`));
        }
        const mark = position.writeIn ? UNDECLARED_WRITE_IN_MARK : selection.mark;
        if (mark.kind === 'undeclaredWriteIn' && !options.undeclaredWriteIns) {
          return err(cvrError(file, where, 'an undeclared write-in, but no source enables write-ins'));
        }
        const marks = byRank.get(rankNumber);
        if (marks === undefined) {
          byRank.set(rankNumber, [mark]);
        } else {
          marks.push(mark);
        }
      }
    }
    const ranking: RankMarks[] = [...byRank.entries()]
      .sort(([a], [b]) => a - b)
      .map(([rankNumber, marks]) => ({ rank: rankNumber, marks }));
    const precinct = cvr.BallotStyleUnitId === undefined ? undefined : precinctNames.get(cvr.BallotStyleUnitId);
    ballots.push({
      ranking,
      ...(precinct === undefined ? {} : { precinct }),
      ...(cvr.BatchSequenceId === undefined ? {} : { batch: String(cvr.BatchSequenceId) }),
    });
  }
  return ok(ballots);

  function findContest(
    cdf: CdfReport,
    contestName: string,
  ): { readonly id: string; readonly selections: ReadonlyMap<string, Selection> } | null {
    for (const election of cdf.Election) {
      const contestEntry = election.Contest.find((entry) => entry.Name === contestName);
      if (contestEntry === undefined) {
        continue;
      }
      const candidateNames = new Map(election.Candidate.map((candidate) => [candidate['@id'], candidate.Name]));
      const selections = new Map<string, Selection>();
      for (const selection of contestEntry.ContestSelection) {
        selections.set(selection['@id'], classifySelection(selection, candidateNames));
      }
      return { id: contestEntry['@id'], selections };
    }
    return null;
  }

  function classifySelection(
    selection: CdfReport['Election'][number]['Contest'][number]['ContestSelection'][number],
    candidateNames: ReadonlyMap<string, string>,
  ): Selection {
    if (isYes(selection.IsWriteIn)) {
      return { mark: UNDECLARED_WRITE_IN_MARK };
    }
    // RCTab takes the first candidate of a selection.
    const candidateId = selection.CandidateIds[0];
    const name = candidateId === undefined ? undefined : candidateNames.get(candidateId);
    if (name === undefined) {
      return { unknownName: candidateId ?? `(selection ${selection['@id']} names no candidate)` };
    }
    if (options.overvoteLabel !== '' && name === options.overvoteLabel) {
      return { mark: OVERVOTE_MARK };
    }
    return options.candidateSpellings.has(name) ? { mark: candidateMark(name) } : { unknownName: name };
  }
}

function isNo(value: string | boolean | undefined): boolean {
  return value === false || value === 'no' || value === 'false';
}

function isYes(value: string | boolean | undefined): boolean {
  return value === true || value === 'true' || value === 'yes';
}
