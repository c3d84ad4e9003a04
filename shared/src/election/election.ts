import type { ContestId, RidingCode, StationId } from '../ids.ts';
import type { Result } from '../result.ts';
import { parseWith, type ValidationIssue } from '../validation.ts';
import { ElectionDefinitionSchema, type CandidateRace, type Contest, type ElectionDefinition, type Station } from './definition.ts';

/** Validates an election definition (parsed JSON) and returns every problem at once. */
export function parseElection(input: unknown): Result<ElectionDefinition, ValidationIssue[]> {
  return parseWith(ElectionDefinitionSchema, input);
}

export function findStation(election: ElectionDefinition, id: StationId): Station | undefined {
  return election.stations.find((s) => s.id === id);
}

export function findContest(election: ElectionDefinition, id: ContestId): Contest | undefined {
  return election.contests.find((c) => c.id === id);
}

export function raceOfRiding(election: ElectionDefinition, riding: RidingCode): CandidateRace | undefined {
  return election.contests.find((c): c is CandidateRace => c.kind === 'candidate' && c.riding === riding);
}

/**
 * The ballot style of a riding: the contests its voters see, in ballot order (the national
 * referendum questions first, then the riding's race).
 */
export function ballotStyle(election: ElectionDefinition, riding: RidingCode): readonly Contest[] {
  return election.contests.filter((c) => c.kind === 'referendum' || c.riding === riding);
}

/** When the polls are open for `now` (milliseconds since the epoch). */
export function isWithinVotingWindow(election: ElectionDefinition, now: number): boolean {
  return now >= Date.parse(election.opensAt) && now < Date.parse(election.closesAt);
}
