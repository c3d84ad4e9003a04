import { z } from 'zod';
import {
  CandidateIdSchema,
  ContestIdSchema,
  ElectionIdSchema,
  RidingCodeSchema,
  type CandidateId,
  type ContestId,
  type RidingCode,
} from '../ids.ts';
import { ReferendumOptionIdSchema, type ElectionDefinition } from '../election/definition.ts';
import { ballotStyle } from '../election/election.ts';
import { err, ok, type Result } from '../result.ts';

/**
 * A ballot as the voter cast it. It carries a random id (so identical choices still make
 * distinct ballots and receipts) and nothing else about the voter: no credential, no cast
 * time, no sequence number.
 */

/** 128 random bits, lower-case hex. */
export const BallotIdSchema = z
  .string()
  .regex(/^[0-9a-f]{32}$/, 'a ballot id is 32 lower-case hex digits')
  .brand<'BallotId'>();
export type BallotId = z.infer<typeof BallotIdSchema>;

/** `choice: null` is a blank (the voter left the question unanswered). */
export const ReferendumSelectionSchema = z
  .object({
    kind: z.literal('referendum'),
    contest: ContestIdSchema,
    choice: ReferendumOptionIdSchema.nullable(),
  })
  .strict();
export const PluralitySelectionSchema = z
  .object({
    kind: z.literal('plurality'),
    contest: ContestIdSchema,
    choice: CandidateIdSchema.nullable(),
  })
  .strict();
/** Candidates in order of preference; an empty ranking is a blank. */
export const RankedSelectionSchema = z
  .object({
    kind: z.literal('ranked'),
    contest: ContestIdSchema,
    ranking: z.array(CandidateIdSchema).max(64),
  })
  .strict();
export const SelectionSchema = z.discriminatedUnion('kind', [ReferendumSelectionSchema, PluralitySelectionSchema, RankedSelectionSchema]);
export type ReferendumSelection = z.infer<typeof ReferendumSelectionSchema>;
export type PluralitySelection = z.infer<typeof PluralitySelectionSchema>;
export type RankedSelection = z.infer<typeof RankedSelectionSchema>;
export type Selection = z.infer<typeof SelectionSchema>;

/**
 * A ballot as it leaves the kiosk inside an envelope: the choices and the ballot style, no id.
 * Central gives each accepted ballot an id of its own, so no station can tag a ballot.
 */
export const CastBallotSchema = z
  .object({
    election: ElectionIdSchema,
    /** The ballot style: the riding whose contests it holds. */
    riding: RidingCodeSchema,
    selections: z.array(SelectionSchema).max(64),
  })
  .strict();
export type CastBallot = z.infer<typeof CastBallotSchema>;

/** A ballot with its id: as the kiosk builds it, and as central stores it (a fresh central id). */
export const BallotSchema = CastBallotSchema.extend({ id: BallotIdSchema }).strict();
export type Ballot = z.infer<typeof BallotSchema>;

/** The ballot without its id, as it goes into an envelope. */
export function castBallotOf(ballot: Ballot): CastBallot {
  return { election: ballot.election, riding: ballot.riding, selections: ballot.selections };
}

export function withBallotId(ballot: CastBallot, id: BallotId): Ballot {
  return { id, election: ballot.election, riding: ballot.riding, selections: ballot.selections };
}

/** Why a ballot does not fit the election: each maps to a message a poll worker understands. */
export type BallotError =
  | { readonly kind: 'wrong-election'; readonly expected: string; readonly actual: string }
  | { readonly kind: 'wrong-ballot-style'; readonly expected: RidingCode; readonly actual: RidingCode }
  | { readonly kind: 'missing-contest'; readonly contest: ContestId }
  | { readonly kind: 'contest-not-on-ballot'; readonly contest: ContestId }
  | { readonly kind: 'duplicate-contest'; readonly contest: ContestId }
  | {
      readonly kind: 'wrong-selection-kind';
      readonly contest: ContestId;
      readonly expected: Selection['kind'];
      readonly actual: Selection['kind'];
    }
  | { readonly kind: 'unknown-candidate'; readonly contest: ContestId; readonly candidate: CandidateId }
  | { readonly kind: 'duplicate-ranking'; readonly contest: ContestId; readonly candidate: CandidateId }
  | { readonly kind: 'too-many-rankings'; readonly contest: ContestId; readonly max: number; readonly actual: number };

export function describeBallotError(e: BallotError): string {
  switch (e.kind) {
    case 'wrong-election':
      return `this ballot is for election ${e.actual}, not ${e.expected}`;
    case 'wrong-ballot-style':
      return `this ballot is for riding ${e.actual}, but this station votes in ${e.expected}`;
    case 'missing-contest':
      return `the ballot has no answer (not even blank) for ${e.contest}`;
    case 'contest-not-on-ballot':
      return `${e.contest} is not on this station's ballot`;
    case 'duplicate-contest':
      return `${e.contest} appears twice on the ballot`;
    case 'wrong-selection-kind':
      return `${e.contest} takes a ${e.expected} selection, not ${e.actual}`;
    case 'unknown-candidate':
      return `${e.candidate} is not a candidate in ${e.contest}`;
    case 'duplicate-ranking':
      return `${e.candidate} is ranked more than once in ${e.contest}`;
    case 'too-many-rankings':
      return `${e.contest} allows at most ${e.max} rankings, the ballot has ${e.actual}`;
  }
}

/**
 * Checks a ballot against the election and the station's riding: exactly one selection per
 * contest of the ballot style, of the contest's kind, naming only that race's candidates,
 * ranks unique and within the race's limit. Returns every problem.
 */
export function validateBallot<B extends CastBallot>(
  election: ElectionDefinition,
  riding: RidingCode,
  ballot: B,
): Result<B, BallotError[]> {
  const errors: BallotError[] = [];
  if (ballot.election !== election.id) {
    errors.push({ kind: 'wrong-election', expected: election.id, actual: ballot.election });
  }
  if (ballot.riding !== riding) {
    errors.push({ kind: 'wrong-ballot-style', expected: riding, actual: ballot.riding });
  }
  const { style, candidates: candidatesOf } = styleOf(election, riding);
  const seen = new Set<ContestId>();
  for (const selection of ballot.selections) {
    const contest = style.get(selection.contest);
    if (contest === undefined) {
      errors.push({ kind: 'contest-not-on-ballot', contest: selection.contest });
      continue;
    }
    if (seen.has(contest.id)) {
      errors.push({ kind: 'duplicate-contest', contest: contest.id });
      continue;
    }
    seen.add(contest.id);
    const expected: Selection['kind'] = contest.kind === 'referendum' ? 'referendum' : contest.method === 'irv' ? 'ranked' : 'plurality';
    if (selection.kind !== expected) {
      errors.push({ kind: 'wrong-selection-kind', contest: contest.id, expected, actual: selection.kind });
      continue;
    }
    if (contest.kind === 'referendum') continue; // the schema already limits the choice to oui, non or blank
    const candidates = candidatesOf.get(contest.id) ?? new Set<CandidateId>();
    const named =
      selection.kind === 'ranked'
        ? selection.ranking
        : selection.kind === 'plurality' && selection.choice !== null
          ? [selection.choice]
          : [];
    const ranked = new Set<CandidateId>();
    for (const candidate of named) {
      if (!candidates.has(candidate)) errors.push({ kind: 'unknown-candidate', contest: contest.id, candidate });
      else if (ranked.has(candidate)) errors.push({ kind: 'duplicate-ranking', contest: contest.id, candidate });
      ranked.add(candidate);
    }
    const maxRankings = contest.irv?.maxRankings ?? 'max';
    const max = maxRankings === 'max' ? contest.candidates.length : maxRankings;
    if (selection.kind === 'ranked' && selection.ranking.length > max) {
      errors.push({ kind: 'too-many-rankings', contest: contest.id, max, actual: selection.ranking.length });
    }
  }
  for (const id of style.keys()) {
    if (!seen.has(id)) errors.push({ kind: 'missing-contest', contest: id });
  }
  return errors.length === 0 ? ok(ballot) : err(errors);
}

type Contest = ElectionDefinition['contests'][number];

interface Style {
  readonly style: ReadonlyMap<ContestId, Contest>;
  readonly candidates: ReadonlyMap<ContestId, ReadonlySet<CandidateId>>;
}

/**
 * A riding's ballot style as lookup tables, built once per definition and riding: the
 * validator and the API check every ballot of every batch against the same few styles.
 * Definitions are parsed once and never changed, so keying on the object is safe.
 */
const styles = new WeakMap<ElectionDefinition, Map<RidingCode, Style>>();

function styleOf(election: ElectionDefinition, riding: RidingCode): Style {
  let byRiding = styles.get(election);
  if (byRiding === undefined) styles.set(election, (byRiding = new Map<RidingCode, Style>()));
  let style = byRiding.get(riding);
  if (style === undefined) {
    const contests = ballotStyle(election, riding);
    style = {
      style: new Map(contests.map((c) => [c.id, c])),
      candidates: new Map(contests.map((c) => [c.id, new Set(c.kind === 'referendum' ? [] : c.candidates.map((x) => x.id))])),
    };
    byRiding.set(riding, style);
  }
  return style;
}

/** A blank ballot for a riding's ballot style: the starting point of the kiosk's ballot. */
export function blankBallot(election: ElectionDefinition, riding: RidingCode, id: BallotId): Ballot {
  return {
    id,
    election: election.id,
    riding,
    selections: ballotStyle(election, riding).map((c): Selection => {
      if (c.kind === 'referendum') return { kind: 'referendum', contest: c.id, choice: null };
      return c.method === 'irv' ? { kind: 'ranked', contest: c.id, ranking: [] } : { kind: 'plurality', contest: c.id, choice: null };
    }),
  };
}
