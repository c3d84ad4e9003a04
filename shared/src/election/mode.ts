import { z } from 'zod';

/**
 * An election's mode (docs/decisions/0010-test-mode.md), fixed when the election is created:
 * `live` for polling day, `test` for a logic-and-accuracy test of the whole chain (kits,
 * stations, sync, pipeline, tally, console) before it. The mode is in the definition, so every
 * kit states it; every batch header a station signs carries it, and central takes a batch only
 * into an election of the same mode. Test ballots are marked as such everywhere they are shown.
 */
export const ELECTION_MODES = ['test', 'live'] as const;
export const ElectionModeSchema = z.enum(ELECTION_MODES);
export type ElectionMode = z.infer<typeof ElectionModeSchema>;

/** The election's mode: `live` unless its definition says `test`. */
export function modeOf(election: { readonly mode?: ElectionMode | undefined }): ElectionMode {
  return election.mode ?? 'live';
}

/** Whether the election is a test election (its ballots, tallies and reports are test data). */
export function isTestElection(election: { readonly mode?: ElectionMode | undefined }): boolean {
  return modeOf(election) === 'test';
}

/**
 * A file a test election exports, named so it cannot pass for the election's own: `TEST-` before
 * the name (results, CVRs, RCTab configs, kits). A live election's names are unchanged.
 */
export function testFileName(election: { readonly mode?: ElectionMode | undefined }, file: string): string {
  return isTestElection(election) ? `TEST-${file}` : file;
}
