import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import cliProgress from 'cli-progress';
import { InvalidArgumentError, type Command } from 'commander';
import { describeIssues, kdfOf, parseElection, type ElectionDefinition, type Result } from '@scrutin/shared';
import { describeGenerateCredentialsError, generateCredentials, MAX_WORKERS, type CredentialsProgress } from '../credentials/generate.ts';
import { estimateGeneration, estimateLines, measureKdf } from '../credentials/kdf_estimate.ts';
import { MANIFEST_FILE } from '../credentials/manifest.ts';
import { productionFloorProblems } from '../credentials/production_floor.ts';

/**
 * `scrutin credentials generate`: voter cards, station shards and the central file. Run by
 * the electoral authority on an offline machine; the cards are printed from there and never
 * go to central, which loads only central.csv (the check values, sorted by value).
 */

interface GenerateOptions {
  readonly election: string;
  readonly out: string;
  readonly workers?: number;
  readonly force?: boolean;
}

export function registerCredentials(program: Command): void {
  const credentials = program.command('credentials').description('Voter credentials: cards, station shards, central file.');

  credentials
    .command('generate')
    .description(
      'generate synthetic voters for every station of an election, offline: shards/<STATION>.sqlite (check values, for the kits), ' +
        'cards/<STATION>.csv (NAS and codes to print: secret, never sent to central), central.csv (check value and station, ' +
        'sorted by check value: the only file central loads) and manifest.json (written last). Each card costs one derivation of ' +
        "the election's KDF: the time it will take is measured and printed first",
    )
    .requiredOption('--election <file>', 'election definition (JSON)')
    .requiredOption('--out <dir>', 'output directory: must be empty or not exist')
    .option('--workers <n>', `worker threads (default: the number of CPUs, ${availableParallelism()})`, workerCount)
    .option('--force', 'replace the outputs of an earlier run in a non-empty directory')
    .action(async (options: GenerateOptions) => {
      const election = loadElection(options.election);
      if (!election.ok) {
        fail(election.error);
        return;
      }
      const kdf = kdfOf(election.value);
      const voters = election.value.stations.reduce((n, s) => n + s.registeredVoters, 0);
      const workers = options.workers ?? availableParallelism();
      const lines = estimateLines(kdf, estimateGeneration(voters, workers, measureKdf(election.value.id, kdf)));
      process.stderr.write(`${lines.info}\n`);
      if (lines.warning !== null) process.stderr.write(`warning: ${lines.warning}\n`);
      for (const problem of productionFloorProblems(election.value))
        process.stderr.write(`warning: ${problem.path}: ${problem.message}; a production server refuses this election\n`);
      const progress = progressReporter();
      const started = performance.now();
      const result = await generateCredentials({
        election: election.value,
        outDir: options.out,
        force: options.force ?? false,
        onProgress: progress.update,
        ...(options.workers === undefined ? {} : { workers: options.workers }),
      });
      progress.stop();
      if (!result.ok) {
        fail(describeGenerateCredentialsError(result.error));
        return;
      }
      const { stations } = result.value.totals;
      const seconds = (performance.now() - started) / 1000;
      const perSecond = seconds > 0 ? result.value.totals.voters / seconds : 0;
      console.log(
        `wrote ${result.value.totals.voters} credentials for ${stations} stations of election ${result.value.electionId} to ${options.out} ` +
          `in ${seconds.toFixed(1)} s (${Math.round(perSecond)} derivations/s, ${Math.round(perSecond / workers)} per worker thread; ` +
          `${join(options.out, MANIFEST_FILE)}). The cards/ files hold secrets: print them on this machine, then destroy them; ` +
          'only central.csv goes to central',
      );
    });
}

function loadElection(file: string): Result<ElectionDefinition, string> {
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    return { ok: false, error: `cannot read the election definition ${file}: ${message}` };
  }
  const parsed = parseElection(json);
  return parsed.ok ? parsed : { ok: false, error: `${file} is not a valid election definition:\n${describeIssues(parsed.error)}` };
}

interface ProgressReporter {
  readonly update: (progress: CredentialsProgress) => void;
  readonly stop: () => void;
}

/** A progress bar on a terminal; otherwise (logs, CI) a plain line every few seconds. */
function progressReporter(): ProgressReporter {
  if (process.stderr.isTTY) {
    const bar = new cliProgress.SingleBar(
      {
        format:
          'credentials |{bar}| {percentage}% | {value}/{total} voters | {stations}/{totalStations} stations | {duration_formatted} (ETA {eta_formatted})',
        stream: process.stderr,
        hideCursor: true,
        etaBuffer: 200,
      },
      cliProgress.Presets.shades_classic,
    );
    let started = false;
    return {
      update: (p) => {
        if (!started) {
          bar.start(p.totalVoters, 0, { stations: 0, totalStations: p.totalStations });
          started = true;
        }
        bar.update(p.voters, { stations: p.stations, totalStations: p.totalStations });
      },
      stop: () => {
        if (started) bar.stop();
      },
    };
  }
  const intervalMs = 5000;
  const started = performance.now();
  let last = started;
  let latest: CredentialsProgress | undefined;
  const line = (p: CredentialsProgress): void => {
    const percent = p.totalVoters === 0 ? 100 : Math.floor((100 * p.voters) / p.totalVoters);
    const seconds = ((performance.now() - started) / 1000).toFixed(0);
    process.stderr.write(
      `credentials: ${p.voters}/${p.totalVoters} voters (${percent}%), ${p.stations}/${p.totalStations} stations, ${seconds} s\n`,
    );
  };
  return {
    update: (p) => {
      latest = p;
      const now = performance.now();
      if (now - last >= intervalMs) {
        last = now;
        line(p);
      }
    },
    stop: () => {
      if (latest !== undefined) line(latest);
    },
  };
}

function workerCount(value: string): number {
  const n = /^[0-9]+$/.test(value.trim()) ? Number(value.trim()) : Number.NaN;
  if (!Number.isSafeInteger(n) || n < 1 || n > MAX_WORKERS)
    throw new InvalidArgumentError(`expected a whole number from 1 to ${MAX_WORKERS}`);
  return n;
}

/** An error about the request itself (not its syntax): a message and exit code 1, no help. */
function fail(message: string): void {
  process.stderr.write(`error: ${message}\n`);
  process.exitCode = 1;
}
