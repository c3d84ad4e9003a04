import { randomBytes } from 'node:crypto';
import {
  ballotStyle,
  credentialHash,
  deriveCredential,
  kdfOf,
  newTrackingCode,
  parseNas,
  parseVoterCode,
  syntheticElectionJson,
  unwrap,
  parseElection,
  type CandidateId,
  type CastBallot,
  type Credential,
  type CredentialHash,
  type ElectionDefinition,
  type Envelope,
  type RidingCode,
  type Selection,
  type StationId,
} from '@scrutin/shared/node';

/**
 * A simulation plan: a generated election whose polls are open now, random credentials (what
 * a kiosk derives from a card; the pipeline never sees the card, so drawing the 32 bytes
 * directly tests it exactly, without millions of memory-hard derivations) with their check
 * values for central, and for every station the envelopes it will send,
 * with a chosen share of duplicate and invalid credentials. It also records what an exact
 * count must show, to compare with what the results API shows.
 */
export interface PlanOptions {
  readonly stations: number;
  readonly ballots: number;
  readonly ridings?: number;
  /** Share of extra envelopes that reuse an already used credential (never counted). */
  readonly duplicateShare?: number;
  /** Share of extra envelopes whose credential does not exist (never counted). */
  readonly invalidShare?: number;
  /** Share of ridings whose race is ranked (IRV); the synthetic election's default otherwise. */
  readonly irvShare?: number;
  readonly seed?: number;
}

export interface StationPlan {
  readonly station: StationId;
  readonly riding: RidingCode;
  readonly envelopes: readonly Envelope[];
}

export interface Expected {
  readonly accepted: number;
  readonly duplicates: number;
  readonly invalid: number;
  /** contest → option ('' blank) → count, for single-choice and referendum contests. */
  readonly counts: ReadonlyMap<string, ReadonlyMap<string, number>>;
  /** contest → first preference ('' blank) → count, for ranked contests. */
  readonly firstPreferences: ReadonlyMap<string, ReadonlyMap<string, number>>;
}

export interface Plan {
  readonly election: ElectionDefinition;
  readonly credentials: readonly { readonly credential: CredentialHash; readonly station: StationId }[];
  readonly stations: readonly StationPlan[];
  readonly expected: Expected;
}

export function makePlan(options: PlanOptions, now = Date.now()): Plan {
  const duplicateShare = options.duplicateShare ?? 0.01;
  const invalidShare = options.invalidShare ?? 0.01;
  const ridings = options.ridings ?? Math.max(1, Math.min(125, Math.floor(options.stations / 4)));
  // 10 % more registered voters than ballots: turnout is never 100 %.
  const registered = Math.ceil(options.ballots * 1.1);
  const json = syntheticElectionJson({
    ridings,
    stations: options.stations,
    voters: registered,
    seed: options.seed ?? 1,
    ...(options.irvShare === undefined ? {} : { irvShare: options.irvShare }),
    id: `sim-${now.toString(36)}`,
  }) as Record<string, unknown>;
  json.opensAt = new Date(now - 3_600_000).toISOString();
  json.closesAt = new Date(now + 36_000_000).toISOString();
  json.syncDeadline = new Date(now + 86_400_000).toISOString();
  const election = unwrap(parseElection(json));

  const credentials: { credential: CredentialHash; station: StationId }[] = [];
  const tally = new Tally();
  const ballotsPerStation = spread(options.ballots, election.stations.length);
  const stations = election.stations.map((station, i): StationPlan => {
    const mine: Credential[] = [];
    for (let v = 0; v < station.registeredVoters; v += 1) {
      const credential = randomBytes(32).toString('hex') as Credential;
      mine.push(credential);
      credentials.push({ credential: credentialHash(credential), station: station.id });
    }
    const casting = Math.min(ballotsPerStation[i] ?? 0, mine.length);
    return {
      station: station.id,
      riding: station.riding,
      envelopes: tally.envelopes(election, station.riding, mine.slice(0, casting), duplicateShare, invalidShare),
    };
  });
  return { election, credentials, stations, expected: tally.expected(stations) };
}

/** A plan's voters in an election already open on a central server: its printed cards. */
export interface CardPlanOptions {
  readonly election: ElectionDefinition;
  /** The stations that vote (enrolled by the simulator, none of them a real kiosk) and their cards. */
  readonly stations: readonly { readonly station: StationId; readonly cards: readonly VoterCard[] }[];
  readonly ballots: number;
  readonly duplicateShare?: number;
  readonly invalidShare?: number;
}

export interface VoterCard {
  readonly nas: string;
  readonly code: string;
}

/**
 * A plan in an existing election (`scrutin simulate --election`): each ballot's credential
 * derived from a printed card exactly as a kiosk derives it at check-in (the election's KDF),
 * so central checks it against the check values it already holds. No credential is loaded.
 */
export function makeCardPlan(options: CardPlanOptions): Omit<Plan, 'credentials'> {
  const { election } = options;
  const tally = new Tally();
  const ballotsPerStation = spread(options.ballots, options.stations.length);
  const stations = options.stations.map((s, i): StationPlan => {
    const riding = election.stations.find((e) => e.id === s.station)?.riding;
    if (riding === undefined) throw new Error(`station ${s.station} is not in election ${election.id}`);
    const casting = Math.min(ballotsPerStation[i] ?? 0, s.cards.length);
    const credentials = s.cards
      .slice(0, casting)
      .map((card) => deriveCredential(election.id, unwrap(parseNas(card.nas)), unwrap(parseVoterCode(card.code)), kdfOf(election)));
    return {
      station: s.station,
      riding,
      envelopes: tally.envelopes(election, riding, credentials, options.duplicateShare ?? 0.01, options.invalidShare ?? 0.01),
    };
  });
  return { election, stations, expected: tally.expected(stations) };
}

/** The envelopes of a plan and what an exact count of them must show. */
class Tally {
  private readonly counts = new Map<string, Map<string, number>>();
  private readonly firstPreferences = new Map<string, Map<string, number>>();
  private duplicates = 0;
  private invalid = 0;

  /** A ballot for each credential, plus the shares of repeats and unknown credentials. */
  envelopes(
    election: ElectionDefinition,
    riding: RidingCode,
    credentials: readonly Credential[],
    duplicateShare: number,
    invalidShare: number,
  ): Envelope[] {
    const envelopes: Envelope[] = [];
    for (const credential of credentials) {
      const ballot = randomBallot(election, riding);
      for (const s of ballot.selections) {
        if (s.kind === 'ranked') bump(this.firstPreferences, s.contest, s.ranking[0] ?? '');
        else bump(this.counts, s.contest, s.choice ?? '');
      }
      envelopes.push({ credential, tracking: newTrackingCode(), ballot });
    }
    const casting = envelopes.length;
    const extraDuplicates = Math.round(casting * duplicateShare);
    // A repeat carries the same choices as the first use (with its own tracking code), so the
    // tally is exact whichever of the two the pipeline happens to see first.
    for (let d = 0; d < extraDuplicates && casting > 0; d += 1) {
      const original = envelopes[Math.floor(Math.random() * casting)] as Envelope;
      envelopes.push({ credential: original.credential, tracking: newTrackingCode(), ballot: original.ballot });
      this.duplicates += 1;
    }
    const extraInvalid = Math.round(casting * invalidShare);
    for (let d = 0; d < extraInvalid; d += 1) {
      envelopes.push({
        credential: randomBytes(32).toString('hex') as Credential,
        tracking: newTrackingCode(),
        ballot: randomBallot(election, riding),
      });
      this.invalid += 1;
    }
    return shuffled(envelopes);
  }

  expected(stations: readonly StationPlan[]): Expected {
    const accepted = stations.reduce((n, s) => n + s.envelopes.length, 0) - this.duplicates - this.invalid;
    return { accepted, duplicates: this.duplicates, invalid: this.invalid, counts: this.counts, firstPreferences: this.firstPreferences };
  }
}

function bump(map: Map<string, Map<string, number>>, contest: string, option: string): void {
  let inner = map.get(contest);
  if (inner === undefined) map.set(contest, (inner = new Map<string, number>()));
  inner.set(option, (inner.get(option) ?? 0) + 1);
}

function spread(total: number, parts: number): number[] {
  const base = Math.floor(total / parts);
  return Array.from({ length: parts }, (_, i) => base + (i < total % parts ? 1 : 0));
}

/** Shuffled, with each credential's first use before its repeats. */
function shuffled(envelopes: Envelope[]): Envelope[] {
  const out = [...envelopes];
  for (let i = out.length - 1; i > 0; i -= 1) {
    const j = Math.floor(Math.random() * (i + 1));
    [out[i], out[j]] = [out[j] as Envelope, out[i] as Envelope];
  }
  // Keep the first occurrence of each credential before its repeats: the repeat is the duplicate.
  const seen = new Set<Credential>();
  const firsts: Envelope[] = [];
  const repeats: Envelope[] = [];
  for (const e of out) {
    if (seen.has(e.credential)) repeats.push(e);
    else {
      seen.add(e.credential);
      firsts.push(e);
    }
  }
  return [...firsts, ...repeats];
}

const weights = (n: number) => Array.from({ length: n }, (_, i) => 1 / (i + 1.5));

function pickWeighted(n: number): number {
  const w = weights(n);
  let r = Math.random() * w.reduce((a, b) => a + b, 0);
  for (let i = 0; i < n; i += 1) {
    r -= w[i] ?? 0;
    if (r <= 0) return i;
  }
  return n - 1;
}

/** A ballot with a realistic spread: leading candidates favoured, a few blanks, 1–4 rankings. */
export function randomBallot(election: ElectionDefinition, riding: RidingCode): CastBallot {
  const selections = ballotStyle(election, riding).map((c): Selection => {
    const blank = Math.random() < 0.02;
    if (c.kind === 'referendum') return { kind: 'referendum', contest: c.id, choice: blank ? null : Math.random() < 0.52 ? 'oui' : 'non' };
    const ids: CandidateId[] = c.candidates.map((k) => k.id);
    if (c.method === 'plurality')
      return { kind: 'plurality', contest: c.id, choice: blank ? null : (ids[pickWeighted(ids.length)] ?? null) };
    if (blank) return { kind: 'ranked', contest: c.id, ranking: [] };
    const pool = [...ids];
    const ranking: CandidateId[] = [];
    const depth = 1 + Math.floor(Math.random() * Math.min(4, pool.length));
    for (let r = 0; r < depth; r += 1) ranking.push(pool.splice(pickWeighted(pool.length), 1)[0] as CandidateId);
    return { kind: 'ranked', contest: c.id, ranking };
  });
  return { election: election.id, riding, selections };
}
