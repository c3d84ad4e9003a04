import { readFile, writeFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { loadConfig } from '../config.ts';
import { createContext } from '../central.ts';
import { ApiError } from '../api/errors.ts';
import { importSealedBatches } from '../sync/import.ts';

/**
 * `scrutin import-batches FILE [--receipts OUT]`: the USB fallback for stations that could not
 * sync. The file is sealed to central's export key (CENTRAL_EXPORT_KEY); it is opened, then
 * imported. A plain export, or one sealed for another central, is refused with the reason.
 */
export function registerImportBatches(program: Command): void {
  program
    .command('import-batches')
    .argument('<file>', "a station's sealed batch export file")
    .option('--receipts <out>', 'write the central receipts to this file, for the station')
    .description('Import a station export file through the same checks and idempotency as the network sync.')
    .action(async (file: string, options: { receipts?: string }) => {
      const config = loadConfig(process.env);
      if (!config.ok) {
        console.error(config.error);
        process.exit(2);
      }
      let json: unknown;
      try {
        json = JSON.parse(await readFile(file, 'utf8'));
      } catch (error) {
        console.error(`cannot read ${file}: ${error instanceof Error ? error.message : String(error)}`);
        process.exit(2);
      }
      const ctx = await createContext(config.value, 'scrutin-import');
      try {
        const report = await importSealedBatches(
          {
            ...ctx.services,
            elections: ctx.elections,
            centralKey: ctx.centralKey,
            exportKey: ctx.centralExportKey,
            pipelineKey: ctx.pipelineKey,
            metrics: ctx.metrics,
            log: ctx.log,
            now: ctx.now,
          },
          json,
        );
        console.log(
          `station ${report.station}: ${report.receipts.length} batch(es) accepted (${report.alreadyReceived} already received), ${report.refused.length} refused`,
        );
        for (const r of report.refused) console.log(`  sequence ${r.sequence}: ${r.code}: ${r.message}`);
        if (options.receipts !== undefined) await writeFile(options.receipts, JSON.stringify(report.receipts, null, 2));
        process.exitCode = report.refused.length > 0 ? 1 : 0;
      } catch (error) {
        console.error(error instanceof ApiError ? `${error.code}: ${error.message}` : error);
        process.exitCode = 1;
      } finally {
        await ctx.services.close();
      }
    });
}
