import { DEFAULT_KDF, KdfSchema, type Kdf } from '../credentials/kdf.ts';
import { z } from 'zod';
import { ElectionModeSchema } from './mode.ts';
import { CandidateIdSchema, ContestIdSchema, ElectionIdSchema, PartyCodeSchema, RidingCodeSchema, StationIdSchema } from '../ids.ts';

/**
 * The election definition: everything a kiosk, the central pipeline and the results console
 * need to know about one election. Every voter-facing label exists in French and English.
 */

export const LANGUAGES = ['fr', 'en'] as const;
export const LanguageSchema = z.enum(LANGUAGES);
export type Language = z.infer<typeof LanguageSchema>;

const label = z.string().trim().min(1, 'a label cannot be empty').max(500);
export const LocalizedTextSchema = z.object({ fr: label, en: label });
export type LocalizedText = z.infer<typeof LocalizedTextSchema>;

/** An ISO-8601 instant with an explicit offset, e.g. 2026-10-05T09:30:00-04:00. */
const InstantSchema = z.iso.datetime({ offset: true, message: 'a date-time with its offset (ISO 8601)' });

/** A fraction such as 2/3, kept exact: vote counts are compared with integer arithmetic. */
export const FractionSchema = z
  .object({ numerator: z.int().min(1), denominator: z.int().min(1) })
  .refine((f) => f.numerator <= f.denominator, 'a fraction cannot exceed 1');
export type Fraction = z.infer<typeof FractionSchema>;

export const RidingSchema = z.object({ code: RidingCodeSchema, name: LocalizedTextSchema });
export type Riding = z.infer<typeof RidingSchema>;

export const PartySchema = z.object({
  code: PartyCodeSchema,
  name: LocalizedTextSchema,
  colour: z.string().regex(/^#[0-9A-Fa-f]{6}$/, 'a colour is #RRGGBB'),
});
export type Party = z.infer<typeof PartySchema>;

export const StationSchema = z.object({
  id: StationIdSchema,
  riding: RidingCodeSchema,
  name: LocalizedTextSchema,
  /** Registered voters of this polling division: the number of credentials issued for it. */
  registeredVoters: z.int().min(0),
});
export type Station = z.infer<typeof StationSchema>;

export const ReferendumOptionIdSchema = z.enum(['oui', 'non']);
export type ReferendumOptionId = z.infer<typeof ReferendumOptionIdSchema>;

/**
 * How a referendum question passes. Blank ballots never count towards the majority.
 * - simple: strictly more `oui` than `non`;
 * - super: oui / (oui + non) ≥ the fraction;
 * - quorum (optional): ballots cast on the question (blank included) / registered voters ≥ it.
 */
export const PassingRuleSchema = z.object({
  majority: z.discriminatedUnion('kind', [
    z.object({ kind: z.literal('simple') }),
    z.object({ kind: z.literal('super'), fraction: FractionSchema }),
  ]),
  quorum: FractionSchema.nullable(),
});
export type PassingRule = z.infer<typeof PassingRuleSchema>;

export const SIMPLE_MAJORITY: PassingRule = { majority: { kind: 'simple' }, quorum: null };

export const ReferendumSchema = z.object({
  kind: z.literal('referendum'),
  id: ContestIdSchema,
  title: LocalizedTextSchema,
  question: LocalizedTextSchema,
  options: z
    .tuple([z.object({ id: z.literal('oui'), label: LocalizedTextSchema }), z.object({ id: z.literal('non'), label: LocalizedTextSchema })])
    .default([
      { id: 'oui', label: { fr: 'Oui', en: 'Yes' } },
      { id: 'non', label: { fr: 'Non', en: 'No' } },
    ]),
  passingRule: PassingRuleSchema.default(SIMPLE_MAJORITY),
});
export type Referendum = z.infer<typeof ReferendumSchema>;

export const CandidateSchema = z.object({
  id: CandidateIdSchema,
  /** A person's name, written the same in both languages. */
  name: z.string().trim().min(1).max(200),
  /** null for an independent candidate. */
  party: PartyCodeSchema.nullable(),
});
export type Candidate = z.infer<typeof CandidateSchema>;

/**
 * How a tie is settled. `report` leaves it unresolved (the law then calls a recount or a new
 * vote); `lot` is a drawing of lots reproduced from a published seed.
 */
export const TieRuleSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('report') }),
  z.object({ kind: z.literal('lot'), seed: z.string().regex(/^-?[0-9]{1,19}$/, 'a seed is a whole number') }),
]);
export type TieRule = z.infer<typeof TieRuleSchema>;

/** IRV rule options, named as in RCTab. Kiosk ballots cannot overvote, skip or repeat. */
export const IrvOptionsSchema = z.object({
  maxRankings: z.union([z.int().min(1), z.literal('max')]).default('max'),
  tiebreak: z
    .discriminatedUnion('mode', [
      z.object({ mode: z.literal('random'), seed: z.string().regex(/^-?[0-9]{1,19}$/) }),
      z.object({ mode: z.literal('useCandidateOrder') }),
      z.object({ mode: z.literal('generatePermutation'), seed: z.string().regex(/^-?[0-9]{1,19}$/) }),
      z.object({ mode: z.literal('previousRoundCountsThenRandom'), seed: z.string().regex(/^-?[0-9]{1,19}$/) }),
    ])
    .default({ mode: 'previousRoundCountsThenRandom', seed: '0' }),
  batchElimination: z.boolean().default(false),
  continueUntilTwoCandidatesRemain: z.boolean().default(false),
});
export type IrvOptions = z.infer<typeof IrvOptionsSchema>;

export const CandidateRaceSchema = z.object({
  kind: z.literal('candidate'),
  id: ContestIdSchema,
  riding: RidingCodeSchema,
  title: LocalizedTextSchema,
  method: z.enum(['plurality', 'irv']),
  /** Only for `irv`. */
  irv: IrvOptionsSchema.optional(),
  tieRule: TieRuleSchema.default({ kind: 'report' }),
  candidates: z.array(CandidateSchema).min(1, 'a race needs at least one candidate'),
});
export type CandidateRace = z.infer<typeof CandidateRaceSchema>;

export const ContestSchema = z.discriminatedUnion('kind', [ReferendumSchema, CandidateRaceSchema]);
export type Contest = z.infer<typeof ContestSchema>;

/**
 * - anonymitySet (k): the fewest ballots of one station any stored, queued or published figure
 *   can be narrowed to. Stations send batches of at least k ballots (the remainder goes with
 *   the last batch at close), central refuses smaller ones, and so every link between a
 *   credential and a ballot is to a set of at least k ballots of the same station (or the
 *   whole station, when it has fewer voters). Production mode refuses k < 25.
 * - embargo: results (votes, not turnout) stay private until the polls have closed.
 */
export const SecrecySchema = z
  .object({
    anonymitySet: z.int().min(2).max(500),
    embargo: z.boolean(),
  })
  .strict();
export type Secrecy = z.infer<typeof SecrecySchema>;
export const DEFAULT_SECRECY: Secrecy = { anonymitySet: 25, embargo: true };
/** The smallest anonymity set production mode accepts. */
export const PRODUCTION_MIN_ANONYMITY_SET = 25;

const ElectionShapeSchema = z.object({
  id: ElectionIdSchema,
  name: LocalizedTextSchema,
  languages: z.array(LanguageSchema).refine((ls) => LANGUAGES.every((l) => ls.includes(l)), {
    message: 'an election is held in both French and English',
  }),
  opensAt: InstantSchema,
  closesAt: InstantSchema,
  /** Offline stations may still sync their ballots until then. */
  syncDeadline: InstantSchema,
  ridings: z.array(RidingSchema).min(1, 'an election needs at least one riding'),
  parties: z.array(PartySchema),
  stations: z.array(StationSchema).min(1, 'an election needs at least one station'),
  contests: z.array(ContestSchema).min(1, 'an election needs at least one contest'),
  /** How voter cards become credentials; the production setting when absent (credentials/kdf.ts). */
  credentials: z.object({ kdf: KdfSchema }).strict().optional(),
  /** Ballot secrecy settings; see secrecyOf for the defaults and docs/threat-model.md. */
  secrecy: SecrecySchema.optional(),
  /**
   * `test` for a logic-and-accuracy test election, `live` (the default, see modeOf) for polling
   * day; fixed when the election is created (docs/decisions/0010-test-mode.md).
   */
  mode: ElectionModeSchema.optional(),
});

export const ElectionDefinitionSchema = ElectionShapeSchema.superRefine((election, ctx) => {
  for (const issue of crossReferenceIssues(election)) {
    ctx.addIssue({ code: 'custom', message: issue.message, path: [...issue.path] });
  }
});
export type ElectionDefinition = z.infer<typeof ElectionDefinitionSchema>;

/** The election's credential KDF (the production setting unless the definition names one). */
export function kdfOf(election: Pick<ElectionDefinition, 'credentials'>): Kdf {
  return election.credentials?.kdf ?? DEFAULT_KDF;
}

/** The election's secrecy settings, defaults filled in. */
export function secrecyOf(election: Pick<ElectionDefinition, 'secrecy'>): Secrecy {
  return election.secrecy ?? DEFAULT_SECRECY;
}

type Shape = z.infer<typeof ElectionShapeSchema>;
interface RawIssue {
  readonly path: readonly (string | number)[];
  readonly message: string;
}

function duplicates<T>(items: readonly T[], key: (item: T) => string, path: (i: number) => RawIssue['path'], what: string): RawIssue[] {
  const seen = new Map<string, number>();
  const issues: RawIssue[] = [];
  items.forEach((item, i) => {
    const k = key(item);
    const first = seen.get(k);
    if (first === undefined) seen.set(k, i);
    else issues.push({ path: path(i), message: `duplicate ${what} ${k} (first at index ${first})` });
  });
  return issues;
}

/** The checks a schema of one field cannot make: uniqueness, references, time order. */
function crossReferenceIssues(e: Shape): RawIssue[] {
  const issues: RawIssue[] = [];
  const ridings = new Set(e.ridings.map((r) => r.code));
  const parties = new Set(e.parties.map((p) => p.code));

  issues.push(
    ...duplicates(
      e.ridings,
      (r) => r.code,
      (i) => ['ridings', i, 'code'],
      'riding',
    ),
  );
  issues.push(
    ...duplicates(
      e.parties,
      (p) => p.code,
      (i) => ['parties', i, 'code'],
      'party',
    ),
  );
  issues.push(
    ...duplicates(
      e.stations,
      (s) => s.id,
      (i) => ['stations', i, 'id'],
      'station',
    ),
  );
  issues.push(
    ...duplicates(
      e.contests,
      (c) => c.id,
      (i) => ['contests', i, 'id'],
      'contest',
    ),
  );

  const opens = Date.parse(e.opensAt);
  const closes = Date.parse(e.closesAt);
  const deadline = Date.parse(e.syncDeadline);
  if (closes <= opens) issues.push({ path: ['closesAt'], message: 'the polls must close after they open' });
  if (deadline < closes) issues.push({ path: ['syncDeadline'], message: 'the sync deadline cannot come before the polls close' });

  e.stations.forEach((s, i) => {
    if (!ridings.has(s.riding))
      issues.push({ path: ['stations', i, 'riding'], message: `station ${s.id} is in unknown riding ${s.riding}` });
  });

  const racePerRiding = new Map<string, number>();
  e.contests.forEach((c, ci) => {
    if (c.kind === 'referendum') return;
    if (!ridings.has(c.riding)) {
      issues.push({ path: ['contests', ci, 'riding'], message: `race ${c.id} is in unknown riding ${c.riding}` });
    }
    const other = racePerRiding.get(c.riding);
    if (other !== undefined) {
      issues.push({ path: ['contests', ci, 'riding'], message: `riding ${c.riding} already has a race (contests[${other}])` });
    } else {
      racePerRiding.set(c.riding, ci);
    }
    if (c.method === 'plurality' && c.irv !== undefined) {
      issues.push({ path: ['contests', ci, 'irv'], message: 'IRV options apply only to a race whose method is irv' });
    }
    if (c.irv !== undefined && typeof c.irv.maxRankings === 'number' && c.irv.maxRankings > c.candidates.length) {
      issues.push({ path: ['contests', ci, 'irv', 'maxRankings'], message: 'maxRankings cannot exceed the number of candidates' });
    }
    issues.push(
      ...duplicates(
        c.candidates,
        (k) => k.id,
        (i) => ['contests', ci, 'candidates', i, 'id'],
        'candidate',
      ),
    );
    c.candidates.forEach((k, ki) => {
      if (k.party !== null && !parties.has(k.party)) {
        issues.push({ path: ['contests', ci, 'candidates', ki, 'party'], message: `candidate ${k.id} names unknown party ${k.party}` });
      }
    });
  });

  // A candidate id names one person in one riding: the same id in two races is an error.
  const candidateRiding = new Map<string, string>();
  e.contests.forEach((c, ci) => {
    if (c.kind !== 'candidate') return;
    c.candidates.forEach((k, ki) => {
      const riding = candidateRiding.get(k.id);
      if (riding !== undefined && riding !== c.riding) {
        issues.push({ path: ['contests', ci, 'candidates', ki, 'id'], message: `candidate ${k.id} already stands in riding ${riding}` });
      }
      candidateRiding.set(k.id, c.riding);
    });
  });

  for (const riding of ridings) {
    if (!racePerRiding.has(riding) && e.contests.some((c) => c.kind === 'candidate')) {
      const index = e.ridings.findIndex((r) => r.code === riding);
      issues.push({ path: ['ridings', index], message: `riding ${riding} has no race` });
    }
  }
  return issues;
}
