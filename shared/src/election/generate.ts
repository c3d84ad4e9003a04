import { TEST_KDF } from '../credentials/kdf.ts';
import { seededRandom } from '../random.ts';
import { unwrap } from '../result.ts';
import type { ElectionDefinition } from './definition.ts';
import { parseElection } from './election.ts';
import { QUEBEC_PARTIES } from './fixtures/sample_election.ts';

/**
 * Synthetic national elections for load tests and benchmarks: `ridings` ridings, `stations`
 * stations spread over them, `voters` registered voters spread over the stations. The same
 * options and seed always give the same election.
 */
export interface SyntheticElectionOptions {
  readonly ridings: number;
  readonly stations: number;
  readonly voters: number;
  readonly seed?: number;
  /** Share of ridings that vote by ranked ballot (IRV); the rest use plurality. */
  readonly irvShare?: number;
  readonly id?: string;
  /** The anonymity set k (default 25, the production floor). */
  readonly anonymitySet?: number;
  /** The results embargo (default off for these generated elections). */
  readonly embargo?: boolean;
}

const PARTIES = QUEBEC_PARTIES;

const GIVEN = [
  'Anne',
  'Benoît',
  'Chloé',
  'Denis',
  'Élise',
  'François',
  'Gabrielle',
  'Hugo',
  'Inès',
  'Julien',
  'Karine',
  'Louis',
  'Maude',
  'Nicolas',
  'Océane',
  'Pascal',
];
const FAMILY = [
  'Tremblay',
  'Gagnon',
  'Roy',
  'Côté',
  'Bouchard',
  'Gauthier',
  'Morin',
  'Lavoie',
  'Fortin',
  'Gagné',
  'Ouellet',
  'Pelletier',
  'Bélanger',
  'Lévesque',
  'Bergeron',
  'Leblanc',
];

/** Splits `total` into `parts` whole shares that differ by at most one. */
export function evenShares(total: number, parts: number): number[] {
  const base = Math.floor(total / parts);
  const extra = total % parts;
  return Array.from({ length: parts }, (_, i) => base + (i < extra ? 1 : 0));
}

export function syntheticElectionJson(options: SyntheticElectionOptions): unknown {
  const random = seededRandom(options.seed ?? 1);
  const irvShare = options.irvShare ?? 0.2;
  const ridingCodes = Array.from({ length: options.ridings }, (_, i) => `R-${String(i + 1).padStart(3, '0')}`);
  const stationsPerRiding = evenShares(options.stations, options.ridings);
  const votersPerStation = evenShares(options.voters, options.stations);
  const width = Math.max(5, String(options.stations).length);

  let stationIndex = 0;
  const stations = ridingCodes.flatMap((riding, r) =>
    Array.from({ length: stationsPerRiding[r] ?? 0 }, (_, i) => {
      const id = `ST-${String(stationIndex + 1).padStart(width, '0')}`;
      const registeredVoters = votersPerStation[stationIndex] ?? 0;
      stationIndex += 1;
      return {
        id,
        riding,
        name: { fr: `Circonscription ${riding}, bureau ${i + 1}`, en: `Riding ${riding}, station ${i + 1}` },
        registeredVoters,
      };
    }),
  );

  const races = ridingCodes.map((riding, r) => {
    const irv = random() < irvShare;
    const count = 3 + Math.floor(random() * 5); // 3 to 7 candidates
    const candidates = PARTIES.slice(0, count - 1).map((p, i) => ({
      id: `${riding}-${p.code}`,
      name: `${GIVEN[(r + i * 3) % GIVEN.length] ?? 'Anne'} ${FAMILY[(r * 7 + i) % FAMILY.length] ?? 'Roy'}`,
      party: p.code,
    }));
    candidates.push({
      id: `${riding}-IND-2`,
      name: `${GIVEN[(r + 5) % GIVEN.length] ?? 'Anne'} ${FAMILY[(r + 11) % FAMILY.length] ?? 'Roy'}`,
      party: 'IND',
    });
    return {
      kind: 'candidate',
      id: `DEP-${riding}`,
      riding,
      title: { fr: `Député·e de la circonscription ${riding}`, en: `Member for riding ${riding}` },
      method: irv ? 'irv' : 'plurality',
      ...(irv ? { irv: { tiebreak: { mode: 'previousRoundCountsThenRandom', seed: String(r + 1) } } } : {}),
      candidates,
    };
  });

  return {
    id: options.id ?? `synthetic-${options.ridings}-${options.stations}-${options.voters}`,
    name: { fr: 'Élection générale synthétique', en: 'Synthetic general election' },
    languages: ['fr', 'en'],
    opensAt: '2026-10-05T09:30:00-04:00',
    closesAt: '2026-10-05T21:30:00-04:00',
    syncDeadline: '2026-10-06T21:30:00-04:00',
    ridings: ridingCodes.map((code) => ({ code, name: { fr: `Circonscription ${code}`, en: `Riding ${code}` } })),
    parties: PARTIES,
    stations,
    // Benchmarks generate millions of cards: the test KDF (production refuses it).
    credentials: { kdf: TEST_KDF },
    // Benchmarks and simulations read the live results while the polls are open: no embargo
    // unless asked (an authored definition without `secrecy` gets the embargo).
    secrecy: { anonymitySet: options.anonymitySet ?? 25, embargo: options.embargo ?? false },
    contests: [
      {
        kind: 'referendum',
        id: 'L2025-001',
        title: { fr: 'Référendum L2025-001', en: 'Referendum L2025-001' },
        question: { fr: 'Approuvez-vous la proposition L2025-001?', en: 'Do you approve proposal L2025-001?' },
      },
      ...races,
    ],
  };
}

export function syntheticElection(options: SyntheticElectionOptions): ElectionDefinition {
  return unwrap(parseElection(syntheticElectionJson(options)));
}
