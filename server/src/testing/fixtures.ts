import { randomBytes } from 'node:crypto';
import {
  ballotStyle,
  castBallotOf,
  credentialHash,
  newBallotId,
  newTrackingCode,
  type Ballot,
  type CandidateId,
  type Credential,
  type CredentialHash,
  type ElectionDefinition,
  type Envelope,
  type RidingCode,
  type Selection,
  type StationId,
} from '@scrutin/shared/node';

/**
 * Test data: voters with random credentials (what a kiosk derives from a card) and their check
 * values (what central loads), and ballots that fit a riding.
 */

export interface TestVoter {
  readonly credential: Credential;
  /** The check value central loads for this voter. */
  readonly credentialHash: CredentialHash;
  readonly station: StationId;
}

export function testVoter(station: StationId): TestVoter {
  const credential = randomBytes(32).toString('hex') as Credential;
  return { credential, credentialHash: credentialHash(credential), station };
}

export function votersOf(election: ElectionDefinition, perStation: number): TestVoter[] {
  return election.stations.flatMap((s) => Array.from({ length: perStation }, () => testVoter(s.id)));
}

/**
 * A valid ballot for `riding`: `pick(i)` chooses among the contest's options, so tests can
 * steer the counts (`pick` returning -1 leaves the contest blank).
 */
export function ballotFor(
  election: ElectionDefinition,
  riding: RidingCode,
  pick: (options: number) => number = (n) => Math.floor(Math.random() * n),
): Ballot {
  const selections = ballotStyle(election, riding).map((c): Selection => {
    if (c.kind === 'referendum') {
      const i = pick(2);
      return { kind: 'referendum', contest: c.id, choice: i < 0 ? null : i === 0 ? 'oui' : 'non' };
    }
    const ids: CandidateId[] = c.candidates.map((k) => k.id);
    if (c.method === 'plurality') {
      const i = pick(ids.length);
      return { kind: 'plurality', contest: c.id, choice: i < 0 ? null : (ids[i] ?? null) };
    }
    const first = pick(ids.length);
    if (first < 0) return { kind: 'ranked', contest: c.id, ranking: [] };
    const rest = ids.filter((_, j) => j !== first);
    const second = rest[pick(rest.length)];
    return { kind: 'ranked', contest: c.id, ranking: [ids[first] as CandidateId, ...(second === undefined ? [] : [second])] };
  });
  return { id: newBallotId(), election: election.id, riding, selections };
}

export function envelopeFor(election: ElectionDefinition, voter: TestVoter, pick?: (options: number) => number): Envelope {
  const station = election.stations.find((s) => s.id === voter.station);
  if (station === undefined) throw new Error(`unknown station ${voter.station}`);
  return { credential: voter.credential, tracking: newTrackingCode(), ballot: castBallotOf(ballotFor(election, station.riding, pick)) };
}
