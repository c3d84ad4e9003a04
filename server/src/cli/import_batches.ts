import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Command } from 'commander';
import { err, ok, type Result, type SignedReceipt } from '@scrutin/shared/node';
import { loadConfig } from '../config.ts';
import { createContext } from '../central.ts';
import { ApiError } from '../api/errors.ts';
import { importDepsOf, importSealedBatches, type ImportReport } from '../sync/import.ts';

type ImportOptions = { readonly receipts?: string; readonly receiptsDir?: string };

/**
 * `scrutin import-batches FILE… [--receipts OUT | --receipts-dir DIR]`: the USB fallback for
 * stations that could not sync. Each file is sealed to central's export key
 * (CENTRAL_EXPORT_KEY); it is opened, then imported. A plain export, or one sealed for another
 * central, is refused with the reason. Several files (a bag of sticks after the close) are
 * imported one after the other with one connection to the services; a file that is refused
 * does not stop the others, and the exit code says whether every file went in whole.
 */
export function registerImportBatches(program: Command): void {
  program
    .command('import-batches')
    .argument('<files...>', "stations' sealed batch export files")
    .option('--receipts <out>', 'write the central receipts to this file, for the station (one export file only)')
    .option('--receipts-dir <dir>', "write each station's central receipts to DIR/receipts-STATION.json")
    .description('Import station export files through the same checks and idempotency as the network sync.')
    .action(async (files: string[], options: ImportOptions) => {
      const config = loadConfig(process.env);
      if (!config.ok) {
        console.error(config.error);
        process.exit(2);
      }
      if (options.receipts !== undefined && files.length > 1) {
        console.error(`--receipts names one file, for one export file; with ${files.length} files, use --receipts-dir DIR`);
        process.exit(2);
      }
      const ctx = await createContext(config.value, 'scrutin-import');
      const deps = importDepsOf(ctx);
      // Each station's receipts over the whole run, by sequence: two files of one station (exported
      // before and after a later batch) leave one file with every receipt, not the last file's.
      const receiptsOf = new Map<string, Map<number, SignedReceipt>>();
      let whole = 0;
      let withRefusals = 0;
      let notImported = 0;
      try {
        if (options.receiptsDir !== undefined) await mkdir(options.receiptsDir, { recursive: true });
        for (const file of files) {
          let outcome: Result<ImportReport, string>;
          try {
            outcome = await importFile(file, (json) => importSealedBatches(deps, json));
          } catch (error) {
            // Not the file's fault (a service down): what went before is in, and a new run counts nothing twice.
            console.error(`stopped at ${file}: ${error instanceof Error ? error.message : String(error)}`);
            console.error('the files before it are imported; run the command again once the services are back');
            process.exitCode = 1;
            return;
          }
          if (!outcome.ok) {
            notImported += 1;
            console.error(`${file}: not imported: ${outcome.error}`);
            continue;
          }
          const report = outcome.value;
          if (report.refused.length > 0) withRefusals += 1;
          else whole += 1;
          console.log(
            `station ${report.station}: ${report.receipts.length} batch(es) accepted (${report.alreadyReceived} already received), ${report.refused.length} refused`,
          );
          for (const r of report.refused) console.log(`  sequence ${r.sequence}: ${r.code}: ${r.message}`);
          if (options.receipts !== undefined) await writeFile(options.receipts, JSON.stringify(report.receipts, null, 2));
          if (options.receiptsDir !== undefined) {
            const held = receiptsOf.get(report.station) ?? new Map<number, SignedReceipt>();
            receiptsOf.set(report.station, held);
            for (const r of report.receipts) held.set(r.body.sequence, r);
            const all = [...held.values()].sort((a, b) => a.body.sequence - b.body.sequence);
            await writeFile(join(options.receiptsDir, `receipts-${report.station}.json`), JSON.stringify(all, null, 2));
          }
        }
        if (files.length > 1)
          console.log(`${files.length} files: ${whole} imported whole, ${withRefusals} with refused batches, ${notImported} not imported`);
        process.exitCode = whole === files.length ? 0 : 1;
      } finally {
        await ctx.services.close();
      }
    });
}

/**
 * One file read, parsed and imported. What is wrong with the file (unreadable, refused) is its
 * error, and the run goes on; anything else (a service down) throws.
 */
export async function importFile(
  file: string,
  importJson: (json: unknown) => Promise<ImportReport>,
): Promise<Result<ImportReport, string>> {
  let json: unknown;
  try {
    json = JSON.parse(await readFile(file, 'utf8'));
  } catch (error) {
    return err(`cannot read it: ${error instanceof Error ? error.message : String(error)}`);
  }
  try {
    return ok(await importJson(json));
  } catch (error) {
    if (error instanceof ApiError) return err(`${error.code}: ${error.message}`);
    throw error;
  }
}
