import { z } from 'zod';
import { err, ok, type Result } from '../result.ts';
import type { IrvCandidate, IrvContest, IrvRules, OvervoteRule, TiebreakRule } from '../tally/irv_contest.ts';
import type { SliceDimension } from '../tally/ranking.ts';

/**
 * RCTab's contest config file (`<case>_config.json`), parsed into typed values. RCTab writes
 * most scalars as JSON strings ("4"), some configs use plain numbers, and keys may be
 * missing: a missing string reads as blank and a missing boolean as false. Unknown keys are
 * ignored. Only what single-winner IRV needs is kept; everything else is refused with a
 * message rather than half-supported.
 */

export type CvrProvider = 'cdf' | 'genericCsv' | 'ess';

export type RctabCvrSource = {
  readonly provider: CvrProvider;
  /** As written in the config: relative to the config file's directory. */
  readonly filePath: string;
  /** CDF: the Name of the contest to tabulate. */
  readonly contestId: string;
  /** 1-based indexes; null when blank. */
  readonly firstVoteColumnIndex: number | null;
  readonly firstVoteRowIndex: number | null;
  readonly idColumnIndex: number | null;
  readonly precinctColumnIndex: number | null;
  readonly batchColumnIndex: number | null;
  readonly overvoteDelimiter: string;
  readonly overvoteLabel: string;
  readonly skippedRankLabel: string;
  readonly undeclaredWriteInLabel: string;
  readonly treatBlankAsUndeclaredWriteIn: boolean;
};

export type RctabOutputSettings = {
  readonly contestName: string;
  readonly contestDate: string;
  readonly contestJurisdiction: string;
  readonly contestOffice: string;
  readonly tabulateByPrecinct: boolean;
  readonly tabulateByBatch: boolean;
};

export type RctabConfig = {
  readonly outputSettings: RctabOutputSettings;
  readonly cvrFileSources: readonly RctabCvrSource[];
  readonly candidates: readonly IrvCandidate[];
  readonly rules: IrvRules;
};

export type RctabConfigError = { readonly kind: 'invalidConfig'; readonly problems: readonly string[] };

/** A scalar RCTab may write as a string or a number; missing reads as blank. */
const text = z
  .union([z.string(), z.number()])
  .nullish()
  .transform((value) => (value === undefined || value === null ? '' : String(value).trim()));

/** Labels and delimiters are compared as written, so they are only made non-null. */
const label = z
  .string()
  .nullish()
  .transform((value) => value ?? '');

const flag = z
  .union([z.boolean(), z.enum(['true', 'false', ''])])
  .nullish()
  .transform((value) => value === true || value === 'true');

const RawSourceSchema = z.object({
  provider: text,
  filePath: text,
  contestId: label,
  firstVoteColumnIndex: text,
  firstVoteRowIndex: text,
  idColumnIndex: text,
  precinctColumnIndex: text,
  batchColumnIndex: text,
  overvoteDelimiter: label,
  overvoteLabel: label,
  skippedRankLabel: label,
  undeclaredWriteInLabel: label,
  treatBlankAsUndeclaredWriteIn: flag,
});

const RawCandidateSchema = z.object({
  name: text,
  aliases: z
    .array(z.string())
    .nullish()
    .transform((aliases) => aliases ?? []),
  excluded: flag,
});

const RawConfigSchema = z.object({
  tabulatorVersion: text,
  outputSettings: z
    .object({
      contestName: text,
      contestDate: text,
      contestJurisdiction: text,
      contestOffice: text,
      tabulateByPrecinct: flag,
      tabulateByBatch: flag,
    })
    .nullish()
    .transform((settings) => settings ?? undefined),
  cvrFileSources: z.array(RawSourceSchema),
  candidates: z.array(RawCandidateSchema),
  rules: z.object({
    tiebreakMode: text,
    overvoteRule: text,
    winnerElectionMode: text,
    randomSeed: text,
    numberOfWinners: text,
    maxSkippedRanksAllowed: text,
    maxRankingsAllowed: text,
    exhaustOnDuplicateCandidate: flag,
    batchElimination: flag,
    continueUntilTwoCandidatesRemain: flag,
    doesFirstRoundDetermineThreshold: flag,
    stopTabulationEarlyAfterRound: text,
  }),
});

type RawConfig = z.infer<typeof RawConfigSchema>;
type RawSource = z.infer<typeof RawSourceSchema>;

const PROVIDERS: readonly CvrProvider[] = ['cdf', 'genericCsv', 'ess'];
const OVERVOTE_RULES: readonly OvervoteRule[] = ['exhaustImmediately', 'alwaysSkipToNextRank', 'exhaustIfMultipleContinuing'];
const JAVA_LONG_MIN = -(2n ** 63n);
const JAVA_LONG_MAX = 2n ** 63n - 1n;

export function parseRctabConfig(json: unknown): Result<RctabConfig, RctabConfigError> {
  const parsed = RawConfigSchema.safeParse(json);
  if (!parsed.success) {
    return err({
      kind: 'invalidConfig',
      problems: parsed.error.issues.map((issue) => `${issue.path.join('.') || '(root)'}: ${issue.message}`),
    });
  }
  const problems: string[] = [];
  const raw = parsed.data;
  const rules = parseRules(raw.rules, problems);
  const cvrFileSources = raw.cvrFileSources.map((source, i) => parseSource(source, `cvrFileSources[${i}]`, problems));
  const candidates = raw.candidates.map((candidate, i): IrvCandidate => {
    if (candidate.name === '') {
      problems.push(`candidates[${i}].name: every candidate needs a name`);
    }
    return { name: candidate.name, aliases: candidate.aliases, excluded: candidate.excluded };
  });
  if (cvrFileSources.length === 0) {
    problems.push('cvrFileSources: at least one CVR source is required');
  }
  if (rules !== null && rules.overvoteRule === 'exhaustIfMultipleContinuing') {
    cvrFileSources.forEach((source, i) => {
      if (source !== null && source.overvoteLabel !== '') {
        problems.push(`cvrFileSources[${i}].overvoteLabel: an explicit overvote label can't be combined with exhaustIfMultipleContinuing`);
      }
    });
  }
  if (problems.length > 0 || rules === null) {
    return err({ kind: 'invalidConfig', problems });
  }
  const settings = raw.outputSettings;
  return ok({
    outputSettings: {
      contestName: settings?.contestName ?? '',
      contestDate: settings?.contestDate ?? '',
      contestJurisdiction: settings?.contestJurisdiction ?? '',
      contestOffice: settings?.contestOffice ?? '',
      tabulateByPrecinct: settings?.tabulateByPrecinct ?? false,
      tabulateByBatch: settings?.tabulateByBatch ?? false,
    },
    cvrFileSources: cvrFileSources.filter((source): source is RctabCvrSource => source !== null),
    candidates,
    rules,
  });
}

/** The IRV contest a config describes. */
export function contestFromConfig(config: RctabConfig): IrvContest {
  const sliceBy: SliceDimension[] = [];
  if (config.outputSettings.tabulateByPrecinct) {
    sliceBy.push('precinct');
  }
  if (config.outputSettings.tabulateByBatch) {
    sliceBy.push('batch');
  }
  return {
    candidates: config.candidates,
    // Any source with a write-in label, or that turns blanks into write-ins, enables them.
    undeclaredWriteIns: config.cvrFileSources.some(
      (source) => source.undeclaredWriteInLabel.trim() !== '' || source.treatBlankAsUndeclaredWriteIn,
    ),
    rules: config.rules,
    sliceBy,
  };
}

export function describeRctabConfigError(error: RctabConfigError): string {
  return `invalid RCTab config:\n  ${error.problems.join('\n  ')}`;
}

function parseRules(raw: RawConfig['rules'], problems: string[]): IrvRules | null {
  const before = problems.length;
  if (raw.winnerElectionMode !== 'singleWinnerMajority') {
    problems.push(`rules.winnerElectionMode: only "singleWinnerMajority" is supported, got "${raw.winnerElectionMode}"`);
  }
  if (raw.numberOfWinners !== '' && raw.numberOfWinners !== '1') {
    problems.push(`rules.numberOfWinners: only single-winner contests are supported, got "${raw.numberOfWinners}"`);
  }
  const overvoteRule = OVERVOTE_RULES.find((rule) => rule === raw.overvoteRule);
  if (overvoteRule === undefined) {
    problems.push(`rules.overvoteRule: expected one of ${OVERVOTE_RULES.join(', ')}, got "${raw.overvoteRule}"`);
  }
  const tiebreak = parseTiebreak(raw.tiebreakMode, raw.randomSeed, problems);
  const maxSkippedRanksAllowed =
    raw.maxSkippedRanksAllowed === 'unlimited'
      ? 'unlimited'
      : integerField(raw.maxSkippedRanksAllowed, 'rules.maxSkippedRanksAllowed', 0, problems, 'or "unlimited"');
  const maxRankingsAllowed =
    raw.maxRankingsAllowed === 'max' ? 'max' : integerField(raw.maxRankingsAllowed, 'rules.maxRankingsAllowed', 1, problems, 'or "max"');
  const stopTabulationEarlyAfterRound =
    raw.stopTabulationEarlyAfterRound === ''
      ? null
      : integerField(raw.stopTabulationEarlyAfterRound, 'rules.stopTabulationEarlyAfterRound', 1, problems, 'or blank');
  if (
    problems.length > before ||
    overvoteRule === undefined ||
    tiebreak === null ||
    maxSkippedRanksAllowed === null ||
    maxRankingsAllowed === null
  ) {
    return null;
  }
  return {
    overvoteRule,
    maxSkippedRanksAllowed,
    maxRankingsAllowed,
    exhaustOnDuplicateCandidate: raw.exhaustOnDuplicateCandidate,
    tiebreak,
    batchElimination: raw.batchElimination,
    continueUntilTwoCandidatesRemain: raw.continueUntilTwoCandidatesRemain,
    doesFirstRoundDetermineThreshold: raw.doesFirstRoundDetermineThreshold,
    stopTabulationEarlyAfterRound,
  };
}

function parseTiebreak(mode: string, seedText: string, problems: string[]): TiebreakRule | null {
  const seed = (): bigint | null => {
    if (!/^[+-]?\d+$/.test(seedText)) {
      problems.push(`rules.randomSeed: tiebreak mode "${mode}" needs an integer seed, got "${seedText}"`);
      return null;
    }
    const value = BigInt(seedText);
    if (value < JAVA_LONG_MIN || value > JAVA_LONG_MAX) {
      problems.push(`rules.randomSeed: ${seedText} does not fit in a Java long`);
      return null;
    }
    return value;
  };
  switch (mode) {
    case 'useCandidateOrder':
      return { mode };
    case 'random':
    case 'generatePermutation':
    case 'previousRoundCountsThenRandom': {
      const value = seed();
      return value === null ? null : { mode, seed: value };
    }
    case 'stopCountingAndAsk':
    case 'previousRoundCountsThenAsk':
      problems.push(`rules.tiebreakMode: "${mode}" asks an operator during the count; it can't run unattended`);
      return null;
    default:
      problems.push(`rules.tiebreakMode: unknown mode "${mode}"`);
      return null;
  }
}

function parseSource(raw: RawSource, where: string, problems: string[]): RctabCvrSource | null {
  const before = problems.length;
  const provider = PROVIDERS.find((known) => known === raw.provider);
  if (provider === undefined) {
    problems.push(`${where}.provider: expected one of ${PROVIDERS.join(', ')}, got "${raw.provider}"`);
  }
  if (raw.filePath === '') {
    problems.push(`${where}.filePath: required`);
  }
  if (provider === 'cdf' && !raw.filePath.toLowerCase().endsWith('.json')) {
    problems.push(`${where}.filePath: only CDF JSON files are supported, got "${raw.filePath}"`);
  }
  if (provider === 'cdf' && raw.contestId === '') {
    problems.push(`${where}.contestId: a CDF source names the contest to tabulate`);
  }
  const index = (value: string, field: string, required: boolean): number | null => {
    if (value === '') {
      if (required) {
        problems.push(`${where}.${field}: required for provider "${raw.provider}"`);
      }
      return null;
    }
    return integerField(value, `${where}.${field}`, 1, problems, 'if supplied');
  };
  const tabular = provider === 'genericCsv' || provider === 'ess';
  const source = {
    firstVoteColumnIndex: index(raw.firstVoteColumnIndex, 'firstVoteColumnIndex', tabular),
    firstVoteRowIndex: index(raw.firstVoteRowIndex, 'firstVoteRowIndex', tabular),
    idColumnIndex: index(raw.idColumnIndex, 'idColumnIndex', false),
    precinctColumnIndex: index(raw.precinctColumnIndex, 'precinctColumnIndex', false),
    batchColumnIndex: index(raw.batchColumnIndex, 'batchColumnIndex', false),
  };
  if (problems.length > before || provider === undefined) {
    return null;
  }
  return {
    provider,
    filePath: raw.filePath,
    contestId: raw.contestId,
    ...source,
    overvoteDelimiter: raw.overvoteDelimiter,
    overvoteLabel: raw.overvoteLabel.trim(),
    skippedRankLabel: raw.skippedRankLabel.trim(),
    undeclaredWriteInLabel: raw.undeclaredWriteInLabel.trim(),
    treatBlankAsUndeclaredWriteIn: raw.treatBlankAsUndeclaredWriteIn,
  };
}

function integerField(value: string, field: string, minimum: number, problems: string[], alternative: string): number | null {
  const number = /^[+-]?\d+$/.test(value) ? Number(value) : Number.NaN;
  if (!Number.isSafeInteger(number) || number < minimum) {
    problems.push(`${field}: expected an integer ≥ ${minimum} ${alternative}, got "${value}"`);
    return null;
  }
  return number;
}
