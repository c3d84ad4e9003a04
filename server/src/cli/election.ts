import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { InvalidArgumentError, type Command } from 'commander';
import {
  describeIssues,
  isTestElection,
  parseElection,
  sampleElectionJson,
  syntheticElectionJson,
  type ElectionDefinition,
} from '@scrutin/shared';

/**
 * `scrutin election generate|sample`: writes an election definition to DIR/election.json,
 * validated by the same parser as every other reader of the file. Its voting window opens
 * now by default (so a demo or a test can open the polls at once) and closes 12 hours later;
 * `--opens` and `--closes` set it, and the sync deadline is 24 hours after closing. `--test`
 * makes a test election (mode `test`, docs/decisions/0010-test-mode.md) for a logic-and-accuracy
 * test of the whole chain; its id ends in `-test` (unless `--id` names it), so it never takes the
 * id, nor the credentials, of the live election it rehearses.
 */

export const ELECTION_FILE = 'election.json';

/** The voting window's options: `--opens` (a date-time or `now`) and `--closes` (a date-time). */
interface WindowOptions {
  readonly opens: Date;
  readonly closes?: Date;
  /** `--test`: a test election. */
  readonly test?: boolean;
}

const HOUR_MS = 3_600_000;

interface GenerateOptions extends WindowOptions {
  readonly ridings: number;
  readonly stations: number;
  readonly voters: number;
  readonly seed?: number;
  readonly id?: string;
  readonly out: string;
  readonly force?: boolean;
}

interface SampleOptions extends WindowOptions {
  readonly out: string;
  readonly force?: boolean;
}

export function registerElection(program: Command): void {
  const election = program.command('election').description('Election definitions: synthetic and sample elections.');

  election
    .command('generate')
    .description(`write a synthetic national election to DIR/${ELECTION_FILE} (the same options and seed give the same election)`)
    .requiredOption('--ridings <n>', 'number of ridings', wholeNumber(1))
    .requiredOption('--stations <n>', 'number of polling stations, spread evenly over the ridings', wholeNumber(1))
    .requiredOption('--voters <n>', 'registered voters, spread evenly over the stations', wholeNumber(0))
    .requiredOption('--out <dir>', 'output directory (created if needed)')
    .option('--seed <s>', 'seed of the synthetic data', wholeNumber(0, 0xffffffff))
    .option('--id <id>', 'election id (default: synthetic-<ridings>-<stations>-<voters>)')
    .option('--force', `replace an existing ${ELECTION_FILE}`)
    .option('--opens <when>', 'when the polls open: an ISO 8601 date-time with its offset, or now', dateTime, new Date())
    .option('--closes <when>', 'when the polls close: an ISO 8601 date-time with its offset (default: 12 hours after opening)', dateTime)
    .option('--test', 'a test election (logic-and-accuracy testing): mode test, id ending in -test unless --id is given')
    .action((options: GenerateOptions) => {
      if (options.stations < options.ridings) {
        fail(`--stations (${options.stations}) must be at least --ridings (${options.ridings}): every riding needs a polling station`);
        return;
      }
      const json = syntheticElectionJson({
        ridings: options.ridings,
        stations: options.stations,
        voters: options.voters,
        ...(options.seed === undefined ? {} : { seed: options.seed }),
        ...(options.id === undefined ? {} : { id: options.id }),
      });
      writeElection(withMode(withWindow(json, options), options, options.id !== undefined), options.out, options.force ?? false);
    });

  election
    .command('sample')
    .description(`write the sample election (6 ridings, 18 stations, 3,600 voters) to DIR/${ELECTION_FILE}`)
    .requiredOption('--out <dir>', 'output directory (created if needed)')
    .option('--force', `replace an existing ${ELECTION_FILE}`)
    .option('--opens <when>', 'when the polls open: an ISO 8601 date-time with its offset, or now', dateTime, new Date())
    .option('--closes <when>', 'when the polls close: an ISO 8601 date-time with its offset (default: 12 hours after opening)', dateTime)
    .option('--test', 'a test election (logic-and-accuracy testing): mode test, id ending in -test')
    .action((options: SampleOptions) => {
      writeElection(withMode(withWindow(sampleElectionJson(), options), options, false), options.out, options.force ?? false);
    });
}

/** The definition with the voting window of the options (the parser refuses a window that closes before it opens). */
function withWindow(json: unknown, options: WindowOptions): unknown {
  const closes = options.closes ?? new Date(options.opens.getTime() + 12 * HOUR_MS);
  return {
    ...(json as Record<string, unknown>),
    opensAt: options.opens.toISOString(),
    closesAt: closes.toISOString(),
    syncDeadline: new Date(closes.getTime() + 24 * HOUR_MS).toISOString(),
  };
}

/**
 * The definition in test mode for `--test`: mode `test` and, unless the id was named, the id with
 * `-test` appended (the live definition is left as it is: no mode field, which reads as live).
 */
function withMode(json: unknown, options: WindowOptions, idNamed: boolean): unknown {
  if (options.test !== true) return json;
  const definition = json as Record<string, unknown>;
  const id = typeof definition['id'] === 'string' && !idNamed ? `${definition['id'].slice(0, 59)}-test` : definition['id'];
  return { ...definition, id, mode: 'test' };
}

/** `now`, or an ISO 8601 date-time with its offset (`2026-10-05T09:30:00-04:00`). */
function dateTime(value: string): Date {
  if (value.trim().toLowerCase() === 'now') return new Date();
  const iso = /^\d{4}-\d\d-\d\dT\d\d:\d\d(:\d\d(\.\d+)?)?(Z|[+-]\d\d:\d\d)$/;
  const at = Date.parse(value.trim());
  if (!iso.test(value.trim()) || Number.isNaN(at)) {
    throw new InvalidArgumentError('expected now, or an ISO 8601 date-time with its offset, e.g. 2026-10-05T09:30:00-04:00');
  }
  return new Date(at);
}

function writeElection(json: unknown, dir: string, force: boolean): void {
  const parsed = parseElection(json);
  if (!parsed.ok) {
    fail(`the options give an invalid election:\n${describeIssues(parsed.error)}`);
    return;
  }
  const path = join(dir, ELECTION_FILE);
  try {
    mkdirSync(dir, { recursive: true });
    writeFileSync(path, `${JSON.stringify(parsed.value, null, 2)}\n`, { flag: force ? 'w' : 'wx' });
  } catch (error) {
    if (error instanceof Error && 'code' in error && error.code === 'EEXIST') {
      fail(`${path} already exists; pass --force to replace it`);
    } else {
      fail(`cannot write ${path}: ${error instanceof Error ? error.message : String(error)}`);
    }
    return;
  }
  console.log(`wrote ${path}: ${summary(parsed.value)}`);
}

function summary(election: ElectionDefinition): string {
  const voters = election.stations.reduce((sum, s) => sum + s.registeredVoters, 0);
  return `${isTestElection(election) ? 'TEST ' : ''}election ${election.id}, ${election.ridings.length} ridings, ${election.stations.length} stations, ${voters} registered voters`;
}

function wholeNumber(min: number, max = Number.MAX_SAFE_INTEGER): (value: string) => number {
  return (value) => {
    const n = /^[0-9_]+$/.test(value.trim()) ? Number(value.trim().replaceAll('_', '')) : Number.NaN;
    if (!Number.isSafeInteger(n) || n < min || n > max) {
      throw new InvalidArgumentError(
        max === Number.MAX_SAFE_INTEGER ? `expected a whole number ≥ ${min}` : `expected a whole number from ${min} to ${max}`,
      );
    }
    return n;
  };
}

/** An error about the request itself (not its syntax): a message and exit code 1, no help. */
function fail(message: string): void {
  process.stderr.write(`error: ${message}\n`);
  process.exitCode = 1;
}
