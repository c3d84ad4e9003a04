import { readFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { err, ok, type Result } from '../result.ts';
import type { IrvContest } from '../tally/irv_contest.ts';
import { readCdfJson } from './cdf_json.ts';
import {
  contestFromConfig,
  describeRctabConfigError,
  parseRctabConfig,
  type RctabConfig,
  type RctabConfigError,
  type RctabCvrSource,
} from './config.ts';
import { candidateSpellings, describeCvrError, type CastVoteRecord, type CvrError } from './cvr.ts';
import { readEssXlsx } from './ess_xlsx.node.ts';
import { readGenericCsv } from './generic_csv.node.ts';

/** An RCTab contest read from disk: its config, the IRV contest, and every ballot in source order. */
export type LoadedRctabContest = {
  readonly configPath: string;
  readonly config: RctabConfig;
  readonly contest: IrvContest;
  readonly ballots: readonly CastVoteRecord[];
};

export type RctabLoadError =
  { readonly kind: 'unreadableFile'; readonly file: string; readonly problem: string } | RctabConfigError | CvrError;

export function describeRctabLoadError(error: RctabLoadError): string {
  switch (error.kind) {
    case 'unreadableFile':
      return `${error.file}: ${error.problem}`;
    case 'invalidConfig':
      return describeRctabConfigError(error);
    case 'invalidCvr':
      return describeCvrError(error);
  }
}

/**
 * Reads a config file and every CVR source it lists, resolving `filePath`s against the
 * config's directory (as RCTab does). Stops at the first problem.
 */
export async function loadRctabContest(configPath: string): Promise<Result<LoadedRctabContest, RctabLoadError>> {
  const json = await readJson(configPath);
  if (!json.ok) {
    return json;
  }
  const config = parseRctabConfig(json.value);
  if (!config.ok) {
    return config;
  }
  const contest = contestFromConfig(config.value);
  const ballots: CastVoteRecord[] = [];
  for (const source of config.value.cvrFileSources) {
    const read = await readSource(resolve(dirname(configPath), source.filePath), source, config.value, contest);
    if (!read.ok) {
      return read;
    }
    ballots.push(...read.value);
  }
  return ok({ configPath, config: config.value, contest, ballots });
}

async function readSource(
  path: string,
  source: RctabCvrSource,
  config: RctabConfig,
  contest: IrvContest,
): Promise<Result<readonly CastVoteRecord[], RctabLoadError>> {
  const file = source.filePath;
  const spellings = candidateSpellings(config.candidates);
  const { maxRankingsAllowed } = config.rules;
  switch (source.provider) {
    case 'cdf': {
      const json = await readJson(path, file);
      if (!json.ok) {
        return json;
      }
      return readCdfJson(json.value, {
        file,
        contestName: source.contestId,
        overvoteLabel: source.overvoteLabel,
        candidateSpellings: spellings,
        undeclaredWriteIns: contest.undeclaredWriteIns,
        maxRankingsAllowed,
      });
    }
    case 'genericCsv': {
      const text = await readText(path, file);
      if (!text.ok) {
        return text;
      }
      return readGenericCsv(text.value, {
        file,
        firstVoteColumnIndex: source.firstVoteColumnIndex ?? 1,
        precinctColumnIndex: source.precinctColumnIndex,
        batchColumnIndex: source.batchColumnIndex,
        undeclaredWriteInLabel: source.undeclaredWriteInLabel,
        candidateSpellings: spellings,
        maxRankingsAllowed,
      });
    }
    case 'ess':
      return readEssXlsx(path, {
        file,
        firstVoteColumnIndex: source.firstVoteColumnIndex ?? 1,
        firstVoteRowIndex: source.firstVoteRowIndex ?? 1,
        idColumnIndex: source.idColumnIndex,
        precinctColumnIndex: source.precinctColumnIndex,
        batchColumnIndex: source.batchColumnIndex,
        overvoteDelimiter: source.overvoteDelimiter,
        overvoteLabel: source.overvoteLabel,
        skippedRankLabel: source.skippedRankLabel,
        undeclaredWriteInLabel: source.undeclaredWriteInLabel,
        treatBlankAsUndeclaredWriteIn: source.treatBlankAsUndeclaredWriteIn,
        candidateSpellings: spellings,
        maxRankingsAllowed,
      });
  }
}

async function readText(path: string, file = path): Promise<Result<string, RctabLoadError>> {
  try {
    return ok(await readFile(path, 'utf8'));
  } catch (error: unknown) {
    return err({ kind: 'unreadableFile', file, problem: error instanceof Error ? error.message : String(error) });
  }
}

async function readJson(path: string, file = path): Promise<Result<unknown, RctabLoadError>> {
  const text = await readText(path, file);
  if (!text.ok) {
    return text;
  }
  try {
    return ok(JSON.parse(text.value) as unknown);
  } catch (error: unknown) {
    return err({ kind: 'unreadableFile', file, problem: `not valid JSON: ${error instanceof Error ? error.message : String(error)}` });
  }
}
