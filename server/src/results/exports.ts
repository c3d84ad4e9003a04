import {
  assertNever,
  type Ballot,
  type CandidateRace,
  type ElectionDefinition,
  type ElectionId,
  type NationalResults,
  type Referendum,
  type RidingCode,
  type RidingResult,
  isTestElection,
} from '@scrutin/shared/node';
import type { Queryable } from '../db/database.ts';
import type { ElectionState } from '@scrutin/shared/api';

/**
 * Result exports for officials and outside auditors:
 *   - results as CSV (one row per riding and option, then the national figures);
 *   - results as a NIST SP 1500-100 (v2) ElectionReport in its JSON form;
 *   - every stored ballot as a NIST SP 1500-103 cast vote record report (CDF JSON).
 * Nothing here ever reads a credential: ballots carry none (ARCHITECTURE.md, invariant 3).
 */

/** Where a riding's count stands, as the console and the exports say it. */
export type CountStatus = 'final' | 'provisional';

/** A count is final only once the election is certified; before that every figure is provisional. */
export function countStatus(state: ElectionState): CountStatus {
  return state === 'certified' ? 'final' : 'provisional';
}

const csvCell = (value: string | number | null): string => {
  if (value === null) return '';
  const text = String(value);
  return /[",\n\r]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
};
const csvRow = (cells: readonly (string | number | null)[]): string => `${cells.map(csvCell).join(',')}\r\n`;

export const RESULTS_CSV_HEADER = [
  'level',
  'riding',
  'contest',
  'method',
  'option',
  'party',
  'votes',
  'share',
  'outcome',
  'status',
] as const;

/** Votes of each option of a riding's race, as counted for the result (IRV: first preferences). */
function optionVotes(r: RidingResult): readonly { readonly option: string; readonly votes: number }[] {
  const race = r.race;
  switch (race.kind) {
    case 'plurality':
      return [...race.result.standings.map((s) => ({ option: s.candidate, votes: s.votes })), { option: '', votes: race.result.blank }];
    case 'irv': {
      const first = race.result.rounds[0]?.tally ?? new Map<string, number>();
      return [...[...first].map(([option, votes]) => ({ option, votes })), { option: '', votes: race.result.summary.undervotes }];
    }
    case 'irv-error':
    case 'no-votes':
      return [];
    default:
      return assertNever(race, 'race outcome');
  }
}

export function resultsCsv(election: ElectionDefinition, results: NationalResults, state: ElectionState): string {
  const status = countStatus(state);
  const partyOf = new Map<string, string | null>();
  for (const c of election.contests) if (c.kind === 'candidate') for (const k of c.candidates) partyOf.set(k.id, k.party);
  let out = csvRow(RESULTS_CSV_HEADER);
  for (const r of results.ridings) {
    const options = optionVotes(r);
    const valid = options.filter((o) => o.option !== '').reduce((n, o) => n + o.votes, 0);
    for (const o of options) {
      const blank = o.option === '';
      out += csvRow([
        'riding',
        r.riding,
        r.contest,
        r.method,
        blank ? '(blank)' : o.option,
        blank ? null : (partyOf.get(o.option) ?? null),
        o.votes,
        blank || valid === 0 ? null : (o.votes / valid).toFixed(4),
        r.winner?.candidate === o.option ? 'winner' : null,
        r.complete ? status : 'provisional',
      ]);
    }
  }
  for (const p of results.parties)
    out += csvRow(['national', null, 'seats', null, p.party ?? '(independent)', p.party, p.seats, null, null, status]);
  for (const p of results.parties)
    out += csvRow(['national', null, 'popular-vote', null, p.party ?? '(independent)', p.party, p.votes, p.share.toFixed(4), null, status]);
  for (const q of results.referendums) {
    const outcome = q.national.outcome.kind;
    for (const [option, votes] of [
      ['oui', q.national.counts.oui],
      ['non', q.national.counts.non],
      ['(blank)', q.national.counts.blank],
    ] as const) {
      out += csvRow([
        'national',
        null,
        q.contest,
        'referendum',
        option,
        null,
        votes,
        option === '(blank)' || q.national.ouiShare === null
          ? null
          : (option === 'oui' ? q.national.ouiShare : 1 - q.national.ouiShare).toFixed(4),
        outcome,
        status,
      ]);
    }
  }
  out += csvRow([
    'national',
    null,
    'turnout',
    null,
    'ballots',
    null,
    results.turnout.ballots,
    results.turnout.registeredVoters === 0 ? null : (results.turnout.ballots / results.turnout.registeredVoters).toFixed(4),
    null,
    status,
  ]);
  return out;
}

// --- NIST SP 1500-100 v2 ElectionReport ----------------------------------------------------

interface InternationalizedText {
  readonly '@type': 'ElectionResults.InternationalizedText';
  readonly Text: readonly { readonly '@type': 'ElectionResults.LanguageString'; readonly Language: string; readonly Content: string }[];
}
const text = (fr: string, en: string): InternationalizedText => ({
  '@type': 'ElectionResults.InternationalizedText',
  Text: [
    { '@type': 'ElectionResults.LanguageString', Language: 'fr', Content: fr },
    { '@type': 'ElectionResults.LanguageString', Language: 'en', Content: en },
  ],
});
const voteCounts = (gpUnit: string, count: number) =>
  [{ '@type': 'ElectionResults.VoteCounts', GpUnitId: gpUnit, Type: 'total', Count: count }] as const;

const gpuNational = (e: ElectionDefinition) => `gpu-${e.id}`;
const gpuRiding = (r: RidingCode) => `gpu-${r}`;
const partyRef = (code: string) => `party-${code}`;
const candidateRef = (id: string) => `candidate-${id}`;

/**
 * The results as a NIST SP 1500-100 v2 ElectionReport (JSON): reporting units for the
 * country and each riding, parties with their colours, candidates, one CandidateContest per
 * riding (first-preference counts for IRV races: the standard has no place for rounds, which
 * the RCTab export carries) and one BallotMeasureContest per referendum question, counted
 * nationally and per riding.
 */
export function nistElectionReport(election: ElectionDefinition, results: NationalResults, state: ElectionState, generatedAt: string) {
  const byContest = new Map(results.ridings.map((r) => [r.contest, r]));
  const races = election.contests.filter((c): c is CandidateRace => c.kind === 'candidate');
  const referendums = election.contests.filter((c): c is Referendum => c.kind === 'referendum');
  const referendumResults = new Map(results.referendums.map((q) => [q.contest, q]));
  const ballotsByRiding = new Map(results.ridings.map((r) => [r.riding, r.ballots]));
  return {
    '@type': 'ElectionResults.ElectionReport',
    Format: 'summary-contest',
    GeneratedDate: generatedAt,
    Issuer: 'Scrutin',
    IssuerAbbreviation: 'Scrutin',
    SequenceStart: 1,
    SequenceEnd: 1,
    Status: state === 'certified' ? 'certified' : state === 'closed' ? 'unofficial-complete' : 'unofficial-partial',
    // A test election's report says so (NIST SP 1500-100 IsTest / TestType).
    ...(isTestElection(election) ? { IsTest: true, TestType: 'logic-and-accuracy' } : {}),
    VendorApplicationId: 'Scrutin 0.1.0',
    GpUnit: [
      {
        '@type': 'ElectionResults.ReportingUnit',
        '@id': gpuNational(election),
        Name: text(election.name.fr, election.name.en),
        Type: 'state',
        ComposingGpUnitIds: election.ridings.map((r) => gpuRiding(r.code)),
      },
      ...election.ridings.map((r) => ({
        '@type': 'ElectionResults.ReportingUnit',
        '@id': gpuRiding(r.code),
        Name: text(r.name.fr, r.name.en),
        Type: 'district',
      })),
    ],
    Party: election.parties.map((p) => ({
      '@type': 'ElectionResults.Party',
      '@id': partyRef(p.code),
      Abbreviation: p.code,
      Name: text(p.name.fr, p.name.en),
      Color: p.colour.slice(1).toUpperCase(),
    })),
    Election: [
      {
        '@type': 'ElectionResults.Election',
        ElectionScopeId: gpuNational(election),
        Name: text(election.name.fr, election.name.en),
        StartDate: election.opensAt.slice(0, 10),
        EndDate: election.closesAt.slice(0, 10),
        Type: 'general',
        BallotCounts: [
          { '@type': 'ElectionResults.BallotCounts', GpUnitId: gpuNational(election), Type: 'total', BallotsCast: results.turnout.ballots },
          ...election.ridings.map((r) => ({
            '@type': 'ElectionResults.BallotCounts',
            GpUnitId: gpuRiding(r.code),
            Type: 'total',
            BallotsCast: ballotsByRiding.get(r.code) ?? 0,
          })),
        ],
        Candidate: races.flatMap((race) =>
          race.candidates.map((c) => ({
            '@type': 'ElectionResults.Candidate',
            '@id': candidateRef(c.id),
            BallotName: text(c.name, c.name),
            ...(c.party === null ? {} : { PartyId: partyRef(c.party) }),
          })),
        ),
        Contest: [
          ...races.map((race) => {
            const result = byContest.get(race.id);
            const votes = new Map(result === undefined ? [] : optionVotes(result).map((o) => [o.option, o.votes]));
            return {
              '@type': 'ElectionResults.CandidateContest',
              '@id': `contest-${race.id}`,
              Name: race.title.fr,
              ElectionDistrictId: gpuRiding(race.riding),
              VoteVariation: race.method === 'irv' ? 'rcv' : 'plurality',
              VotesAllowed: 1,
              NumberElected: 1,
              ContestSelection: race.candidates.map((c) => ({
                '@type': 'ElectionResults.CandidateSelection',
                '@id': `cs-${c.id}`,
                CandidateIds: [candidateRef(c.id)],
                IsWriteIn: false,
                VoteCounts: voteCounts(gpuRiding(race.riding), votes.get(c.id) ?? 0),
              })),
              OtherCounts: [{ '@type': 'ElectionResults.OtherCounts', GpUnitId: gpuRiding(race.riding), Undervotes: votes.get('') ?? 0 }],
            };
          }),
          ...referendums.map((q) => {
            const result = referendumResults.get(q.id);
            const counts = (option: 'oui' | 'non') => [
              {
                '@type': 'ElectionResults.VoteCounts',
                GpUnitId: gpuNational(election),
                Type: 'total',
                Count: result?.national.counts[option] ?? 0,
              },
              ...(result?.byRiding ?? []).map((r) => ({
                '@type': 'ElectionResults.VoteCounts',
                GpUnitId: gpuRiding(r.riding),
                Type: 'total',
                Count: r.result.counts[option],
              })),
            ];
            return {
              '@type': 'ElectionResults.BallotMeasureContest',
              '@id': `contest-${q.id}`,
              Name: q.title.fr,
              ElectionDistrictId: gpuNational(election),
              FullText: text(q.question.fr, q.question.en),
              ContestSelection: q.options.map((o) => ({
                '@type': 'ElectionResults.BallotMeasureSelection',
                '@id': `bms-${q.id}-${o.id}`,
                Selection: text(o.label.fr, o.label.en),
                VoteCounts: counts(o.id),
              })),
              OtherCounts: [
                { '@type': 'ElectionResults.OtherCounts', GpUnitId: gpuNational(election), Undervotes: result?.national.counts.blank ?? 0 },
              ],
            };
          }),
        ],
      },
    ],
  };
}

// --- stored ballots ------------------------------------------------------------------------

const PAGE = 5_000;

/**
 * Every stored ballot of the election (or of one riding), in ballot-id order — random, since
 * ballot ids are random — a page at a time so memory stays flat.
 */
export async function* storedBallots(
  db: Queryable,
  election: ElectionId,
  riding?: RidingCode,
): AsyncGenerator<{ readonly riding: RidingCode; readonly selections: Ballot['selections'] }> {
  let after = '00000000-0000-0000-0000-000000000000';
  for (;;) {
    const { rows } = await db.query<{ id: string; riding: RidingCode; selections: Ballot['selections'] }>(
      `SELECT ballot_id::text AS id, riding, selections FROM ballots
        WHERE election_id = $1 AND ballot_id > $2::uuid AND ($3::text IS NULL OR riding = $3)
        ORDER BY ballot_id LIMIT ${PAGE}`,
      [election, after, riding ?? null],
    );
    if (rows.length === 0) return;
    for (const row of rows) yield { riding: row.riding, selections: row.selections };
    after = rows.at(-1)?.id ?? after;
  }
}

/** The rankings of one ranked race, from its riding's stored ballots (`[]` for a blank). */
export async function raceRankings(
  db: Queryable,
  election: ElectionDefinition,
  race: CandidateRace,
): Promise<CandidateRace['candidates'][number]['id'][][]> {
  const rankings: CandidateRace['candidates'][number]['id'][][] = [];
  for await (const ballot of storedBallots(db, election.id, race.riding)) {
    const selection = ballot.selections.find((s) => s.contest === race.id);
    rankings.push(selection?.kind === 'ranked' ? [...selection.ranking] : []);
  }
  return rankings;
}

/**
 * The opening of a NIST SP 1500-103 CastVoteRecordReport for the whole election, up to the
 * `CVR` array; each ballot then follows as `cdfCvr(...)`, and `]}` closes it. Written in
 * pieces so that an export of millions of ballots streams.
 */
export function cdfElectionHeader(election: ElectionDefinition, generatedAt: string): string {
  const head = {
    '@type': 'CVR.CastVoteRecordReport',
    Version: '1.0.0',
    GeneratedDate: generatedAt,
    ReportGeneratingDeviceIds: ['rd-scrutin'],
    ReportingDevice: [{ '@id': 'rd-scrutin', '@type': 'CVR.ReportingDevice', Application: 'Scrutin', Manufacturer: 'Scrutin' }],
    GpUnit: [
      { '@id': `gpu-${election.id}`, '@type': 'CVR.GpUnit', Name: election.name.fr, Type: 'other' },
      ...election.ridings.map((r) => ({ '@id': gpuRiding(r.code), '@type': 'CVR.GpUnit', Name: r.code, Type: 'other' })),
    ],
    Party: election.parties.map((p) => ({ '@id': partyRef(p.code), '@type': 'CVR.Party', Name: p.name.fr, Abbreviation: p.code })),
    Election: [
      {
        '@id': election.id,
        '@type': 'CVR.Election',
        ElectionScopeId: `gpu-${election.id}`,
        Candidate: election.contests.flatMap((c) =>
          c.kind === 'candidate'
            ? c.candidates.map((k) => ({
                '@id': candidateRef(k.id),
                Name: k.id,
                ...(k.party === null ? {} : { PartyId: partyRef(k.party) }),
              }))
            : [],
        ),
        Contest: election.contests.map((c) =>
          c.kind === 'candidate'
            ? {
                '@id': `contest-${c.id}`,
                '@type': 'CVR.CandidateContest',
                Name: c.id,
                VoteVariation: c.method === 'irv' ? 'rcv' : 'plurality',
                NumberOfRanks: c.method === 'irv' ? c.candidates.length : undefined,
                ContestSelection: c.candidates.map((k) => ({
                  '@id': `cs-${k.id}`,
                  '@type': 'CVR.CandidateSelection',
                  CandidateIds: [candidateRef(k.id)],
                })),
              }
            : {
                '@id': `contest-${c.id}`,
                '@type': 'CVR.BallotMeasureContest',
                Name: c.id,
                ContestSelection: c.options.map((o) => ({
                  '@id': `bms-${c.id}-${o.id}`,
                  '@type': 'CVR.BallotMeasureSelection',
                  Selection: o.id,
                })),
              },
        ),
      },
    ],
  };
  const json = JSON.stringify(head);
  return `${json.slice(0, -1)},"CVR":[`;
}

const position = (rank?: number) => ({
  '@type': 'CVR.SelectionPosition',
  HasIndication: 'yes',
  IsAllocable: 'yes',
  NumberVotes: 1,
  ...(rank === undefined ? {} : { Rank: rank }),
});

/** One ballot as a CVR, numbered `n` (export order: nothing links it to a voter or a time). */
export function cdfCvr(
  election: ElectionId,
  n: number,
  ballot: { readonly riding: RidingCode; readonly selections: Ballot['selections'] },
): string {
  const snapshot = `ballot-${n}`;
  return JSON.stringify({
    '@type': 'CVR.CVR',
    BallotPrePrintedId: String(n),
    BallotStyleUnitId: gpuRiding(ballot.riding),
    CurrentSnapshotId: snapshot,
    ElectionId: election,
    CVRSnapshot: [
      {
        '@id': snapshot,
        '@type': 'CVR.CVRSnapshot',
        Type: 'original',
        CVRContest: ballot.selections.map((s) => {
          switch (s.kind) {
            case 'ranked':
              return {
                '@type': 'CVR.CVRContest',
                ContestId: `contest-${s.contest}`,
                Undervotes: s.ranking.length === 0 ? 1 : 0,
                CVRContestSelection: s.ranking.map((k, i) => ({
                  '@type': 'CVR.CVRContestSelection',
                  ContestSelectionId: `cs-${k}`,
                  SelectionPosition: [position(i + 1)],
                })),
              };
            case 'plurality':
              return {
                '@type': 'CVR.CVRContest',
                ContestId: `contest-${s.contest}`,
                Undervotes: s.choice === null ? 1 : 0,
                CVRContestSelection:
                  s.choice === null
                    ? []
                    : [{ '@type': 'CVR.CVRContestSelection', ContestSelectionId: `cs-${s.choice}`, SelectionPosition: [position()] }],
              };
            case 'referendum':
              return {
                '@type': 'CVR.CVRContest',
                ContestId: `contest-${s.contest}`,
                Undervotes: s.choice === null ? 1 : 0,
                CVRContestSelection:
                  s.choice === null
                    ? []
                    : [
                        {
                          '@type': 'CVR.CVRContestSelection',
                          ContestSelectionId: `bms-${s.contest}-${s.choice}`,
                          SelectionPosition: [position()],
                        },
                      ],
              };
            default:
              return assertNever(s, 'selection');
          }
        }),
      },
    ],
  });
}
