import {
  kdfMeetsProductionFloor,
  kdfOf,
  PRODUCTION_MIN_ANONYMITY_SET,
  PRODUCTION_MIN_KDF,
  secrecyOf,
  type ElectionDefinition,
  type ValidationIssue,
} from '@scrutin/shared';
import type { ScrutinMode } from '../config.ts';

/**
 * The security floors a production server (SCRUTIN_MODE=production) holds every election
 * definition to, before storing it:
 * - the credential KDF at least scrypt N = 2^14, r = 8 (`kdfMeetsProductionFloor`): below it,
 *   a copy of the check values makes a search over the voters' codes cheaper than designed;
 * - an anonymity set of at least 25 ballots (`PRODUCTION_MIN_ANONYMITY_SET`).
 * Tests (SCRUTIN_MODE=test) and the embedded demo use cheap settings on purpose; they are
 * not held to the floors. An absent setting means the default, which meets both.
 */
export function productionFloorProblems(election: Pick<ElectionDefinition, 'credentials' | 'secrecy'>): ValidationIssue[] {
  const problems: ValidationIssue[] = [];
  const kdf = kdfOf(election);
  if (!kdfMeetsProductionFloor(kdf)) {
    problems.push({
      path: 'credentials.kdf',
      message:
        `scrypt logN ${kdf.logN}, r ${kdf.r} is below the production floor (logN ≥ ${PRODUCTION_MIN_KDF.logN}, r ≥ ${PRODUCTION_MIN_KDF.r}); ` +
        'remove credentials.kdf to get the production setting',
    });
  }
  const k = secrecyOf(election).anonymitySet;
  if (k < PRODUCTION_MIN_ANONYMITY_SET) {
    problems.push({
      path: 'secrecy.anonymitySet',
      message: `an anonymity set of ${k} ballots is below the production floor of ${PRODUCTION_MIN_ANONYMITY_SET}`,
    });
  }
  return problems;
}

/** The floors that apply in a mode: production only. */
export function modeProblems(mode: ScrutinMode, election: Pick<ElectionDefinition, 'credentials' | 'secrecy'>): ValidationIssue[] {
  switch (mode) {
    case 'production':
      return productionFloorProblems(election);
    case 'demo':
    case 'test':
      return [];
  }
}
