import type { CandidateRace, ElectionDefinition } from '../election/definition.ts';
import type { CandidateId } from '../ids.ts';
import { irvContestOfRace } from '../tally/irv_race.ts';

/**
 * Our ranked ballots as a NIST SP 1500-103 cast vote record report (JSON form) that RCTab
 * reads with `provider: "cdf"`, and an RCTab contest config for it, so that an outside,
 * certified tabulator can recount any of our IRV races. Ballots are exported in the order
 * given (the central store keeps them shuffled), numbered from 1: nothing links a CVR to a
 * voter or a cast time.
 */

interface CdfSelectionPosition {
  readonly '@type': 'CVR.SelectionPosition';
  readonly HasIndication: 'yes';
  readonly IsAllocable: 'yes';
  readonly NumberVotes: 1;
  readonly Rank: number;
}

export interface CdfCvrReport {
  readonly '@type': 'CVR.CastVoteRecordReport';
  readonly Version: '1.0.0';
  readonly GeneratedDate: string;
  readonly ReportGeneratingDeviceIds: readonly string[];
  readonly ReportingDevice: readonly {
    readonly '@id': string;
    readonly '@type': 'CVR.ReportingDevice';
    readonly Application: string;
    readonly Manufacturer: string;
  }[];
  readonly GpUnit: readonly { readonly '@id': string; readonly '@type': 'CVR.GpUnit'; readonly Name: string; readonly Type: string }[];
  readonly Election: readonly {
    readonly '@id': string;
    readonly '@type': 'CVR.Election';
    readonly ElectionScopeId: string;
    readonly Candidate: readonly { readonly '@id': string; readonly Name: string }[];
    readonly Contest: readonly {
      readonly '@id': string;
      readonly '@type': 'CVR.CandidateContest';
      readonly Name: string;
      readonly ContestSelection: readonly {
        readonly '@id': string;
        readonly '@type': 'CVR.CandidateSelection';
        readonly CandidateIds: readonly string[];
      }[];
    }[];
  }[];
  readonly CVR: readonly {
    readonly '@type': 'CVR.CVR';
    readonly BallotPrePrintedId: string;
    readonly BallotStyleUnitId: string;
    readonly CurrentSnapshotId: string;
    readonly ElectionId: string;
    readonly CVRSnapshot: readonly {
      readonly '@id': string;
      readonly '@type': 'CVR.CVRSnapshot';
      readonly Type: 'original';
      readonly CVRContest: readonly {
        readonly '@type': 'CVR.CVRContest';
        readonly ContestId: string;
        readonly CVRContestSelection: readonly {
          readonly '@type': 'CVR.CVRContestSelection';
          readonly ContestSelectionId: string;
          readonly SelectionPosition: readonly CdfSelectionPosition[];
        }[];
      }[];
    }[];
  }[];
}

const candidateRef = (id: CandidateId) => `candidate-${id}`;
const selectionRef = (id: CandidateId) => `cs-${id}`;

export function exportRaceCvrs(
  election: ElectionDefinition,
  race: CandidateRace,
  rankings: Iterable<readonly CandidateId[]>,
  generatedDate: string = new Date().toISOString(),
): CdfCvrReport {
  const contestRef = `contest-${race.id}`;
  const ridingRef = `gpu-${race.riding}`;
  const cvrs: CdfCvrReport['CVR'][number][] = [];
  let n = 0;
  for (const ranking of rankings) {
    n += 1;
    const snapshot = `ballot-${n}`;
    cvrs.push({
      '@type': 'CVR.CVR',
      BallotPrePrintedId: String(n),
      BallotStyleUnitId: ridingRef,
      CurrentSnapshotId: snapshot,
      ElectionId: election.id,
      CVRSnapshot: [
        {
          '@id': snapshot,
          '@type': 'CVR.CVRSnapshot',
          Type: 'original',
          CVRContest: [
            {
              '@type': 'CVR.CVRContest',
              ContestId: contestRef,
              CVRContestSelection: ranking.map((candidate, i) => ({
                '@type': 'CVR.CVRContestSelection',
                ContestSelectionId: selectionRef(candidate),
                SelectionPosition: [
                  { '@type': 'CVR.SelectionPosition', HasIndication: 'yes', IsAllocable: 'yes', NumberVotes: 1, Rank: i + 1 },
                ],
              })),
            },
          ],
        },
      ],
    });
  }
  return {
    '@type': 'CVR.CastVoteRecordReport',
    Version: '1.0.0',
    GeneratedDate: generatedDate,
    ReportGeneratingDeviceIds: ['rd-scrutin'],
    ReportingDevice: [{ '@id': 'rd-scrutin', '@type': 'CVR.ReportingDevice', Application: 'Scrutin', Manufacturer: 'Scrutin' }],
    GpUnit: [
      { '@id': `gpu-${election.id}`, '@type': 'CVR.GpUnit', Name: election.name.fr, Type: 'other' },
      { '@id': ridingRef, '@type': 'CVR.GpUnit', Name: race.riding, Type: 'other' },
    ],
    Election: [
      {
        '@id': election.id,
        '@type': 'CVR.Election',
        ElectionScopeId: `gpu-${election.id}`,
        Candidate: race.candidates.map((c) => ({ '@id': candidateRef(c.id), Name: c.id })),
        Contest: [
          {
            '@id': contestRef,
            '@type': 'CVR.CandidateContest',
            Name: race.id,
            ContestSelection: race.candidates.map((c) => ({
              '@id': selectionRef(c.id),
              '@type': 'CVR.CandidateSelection',
              CandidateIds: [candidateRef(c.id)],
            })),
          },
        ],
      },
    ],
    CVR: cvrs,
  };
}

/**
 * The RCTab contest config that recounts `race` from the CVR file `cvrFileName` (a path
 * relative to the config). Candidates are named by their ids, as in our own reports, so the
 * two reports compare directly; the definition maps ids to display names.
 */
export function rctabConfigForRace(election: ElectionDefinition, race: CandidateRace, cvrFileName: string): Record<string, unknown> {
  const { rules } = irvContestOfRace(race);
  const tiebreak = rules.tiebreak;
  return {
    tabulatorVersion: '2.0.0',
    outputSettings: {
      contestName: race.id,
      outputDirectory: 'output',
      contestDate: election.opensAt.slice(0, 10),
      contestJurisdiction: election.name.en,
      contestOffice: race.title.en,
      tabulateByPrecinct: false,
      tabulateByBatch: false,
      generateCdfJson: false,
    },
    cvrFileSources: [
      {
        filePath: cvrFileName,
        contestId: race.id,
        overvoteLabel: '',
        undeclaredWriteInLabel: '',
        provider: 'cdf',
        treatBlankAsUndeclaredWriteIn: false,
      },
    ],
    candidates: race.candidates.map((c) => ({ name: c.id, aliases: [], excluded: false })),
    rules: {
      tiebreakMode: tiebreak.mode,
      overvoteRule: rules.overvoteRule,
      winnerElectionMode: 'singleWinnerMajority',
      randomSeed: tiebreak.mode === 'useCandidateOrder' ? '' : tiebreak.seed.toString(),
      numberOfWinners: '1',
      decimalPlacesForVoteArithmetic: '4',
      maxSkippedRanksAllowed: rules.maxSkippedRanksAllowed === 'unlimited' ? 'unlimited' : String(rules.maxSkippedRanksAllowed),
      maxRankingsAllowed: String(rules.maxRankingsAllowed),
      nonIntegerWinningThreshold: false,
      doesFirstRoundDetermineThreshold: rules.doesFirstRoundDetermineThreshold,
      hareQuota: false,
      batchElimination: rules.batchElimination,
      continueUntilTwoCandidatesRemain: rules.continueUntilTwoCandidatesRemain,
      stopTabulationEarlyAfterRound: '',
      exhaustOnDuplicateCandidate: rules.exhaustOnDuplicateCandidate,
      rulesDescription: `Scrutin export of ${race.id}`,
    },
  };
}
