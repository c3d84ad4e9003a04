import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Command } from 'commander';
import { describeIrvInputError, tabulateIrv, type SliceDimension } from '@scrutin/shared';
import {
  asRankingCount,
  buildDetailedReport,
  buildSliceReport,
  describeRctabLoadError,
  loadRctabContest,
  serializeDetailedReport,
  sliceFileLabel,
  type DetailedReport,
} from '@scrutin/shared/rctab';

/** What our reports say made them, where RCTab writes "RCTab 2.0.0". */
const GENERATED_BY = 'Scrutin 0.1.0';

/** RCTab's folder names for per-slice reports. */
const SLICE_FOLDERS: { readonly [D in SliceDimension]: string } = {
  precinct: 'Tabulate by Precinct',
  batch: 'Tabulate by Batch',
};

/**
 * `scrutin tabulate <config.json> --out DIR`: counts an RCTab contest config (single-winner
 * IRV) and writes RCTab's detailed report as DIR/summary.json, plus one report per precinct
 * or batch when the config asks for them. Every input is read and checked before anything
 * is written, so a refused contest leaves DIR untouched.
 */
export function registerTabulate(program: Command): void {
  program
    .command('tabulate')
    .description("count an RCTab contest config (single-winner IRV) and write RCTab's detailed report")
    .argument('<config>', 'RCTab contest config (.json); CVR paths are relative to it')
    .requiredOption('--out <dir>', 'directory for summary.json and any per-precinct/batch reports (created if missing)')
    .action(async (configPath: string, options: { readonly out: string }) => {
      const outcome = await tabulateToFiles(configPath);
      if (!outcome.ok) {
        console.error(`scrutin tabulate: ${outcome.message}`);
        process.exitCode = 1;
        return;
      }
      await mkdir(options.out, { recursive: true });
      for (const { path, report } of outcome.files) {
        const target = join(options.out, ...path);
        await mkdir(join(target, '..'), { recursive: true });
        await writeFile(target, serializeDetailedReport(report));
      }
      console.log(`${outcome.summary}; wrote ${join(options.out, 'summary.json')}`);
    });
}

type ReportFile = { readonly path: readonly string[]; readonly report: DetailedReport };

type Outcome =
  { readonly ok: true; readonly files: readonly ReportFile[]; readonly summary: string } | { readonly ok: false; readonly message: string };

async function tabulateToFiles(configPath: string): Promise<Outcome> {
  const loaded = await loadRctabContest(configPath);
  if (!loaded.ok) {
    return { ok: false, message: describeRctabLoadError(loaded.error) };
  }
  const { config, contest, ballots } = loaded.value;
  const result = tabulateIrv(contest, ballots.map(asRankingCount));
  if (!result.ok) {
    return { ok: false, message: `${configPath}: ${describeIrvInputError(result.error)}` };
  }
  const settings = config.outputSettings;
  const files: ReportFile[] = [{ path: ['summary.json'], report: buildDetailedReport(result.value, settings, GENERATED_BY) }];
  for (const slice of result.value.slices) {
    files.push({
      path: [SLICE_FOLDERS[slice.dimension], `${sliceFileLabel(slice.value)}_${slice.dimension}_summary.json`],
      report: buildSliceReport(result.value, slice, settings, GENERATED_BY),
    });
  }
  const winners = result.value.winners.length === 0 ? 'no winner' : `winner ${result.value.winners.join(', ')}`;
  return {
    ok: true,
    files,
    summary: `${settings.contestName}: ${winners} after ${result.value.rounds.length} round(s), ${result.value.summary.totalNumBallots} ballots`,
  };
}
