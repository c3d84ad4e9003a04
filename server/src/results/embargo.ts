import { secrecyOf, type ElectionDefinition } from '@scrutin/shared';
import type { ElectionState } from '@scrutin/shared/api';

/**
 * The results embargo (docs/threat-model.md): electoral law usually forbids publishing results
 * before the polls close (in Canada, the premature transmission of results). With the
 * definition's `secrecy.embargo` on (the default), the votes of an election stay private while
 * its polls are open: until `closesAt` by the server's clock, or until officials close it
 * earlier. Turnout is not embargoed; officials (role official or admin) see results throughout.
 *
 * Resolves to the instant the results become public, or null when they are public now.
 */
export function embargoedUntil(election: ElectionDefinition, state: ElectionState | undefined, now: Date): string | null {
  if (!secrecyOf(election).embargo) return null;
  if (state === 'closed' || state === 'certified') return null;
  return now.getTime() < Date.parse(election.closesAt) ? election.closesAt : null;
}
