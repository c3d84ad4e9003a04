import { mkdtemp, mkdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { readFileSync } from 'node:fs';
import { Command } from 'commander';
import { z } from 'zod';
import { readBuilderConfig } from '../src/builder_config.ts';
import { buildDeb, kioskDebName, layoutKioskPackage } from '../src/kiosk_deb.ts';

/**
 * `npm run deb:kiosk -w installers [-- --out DIR]`: builds scrutin-station-kiosk_VERSION_all.deb
 * (the kiosk system; installers/src/kiosk_deb.ts) with the app's version. File times and the
 * changelog date come from SOURCE_DATE_EPOCH when it is set (the release workflow sets it to
 * the tagged commit's time), so a rebuild gives the same bytes.
 */
const program = new Command('build_kiosk_deb')
  .option('--out <dir>', 'where to write the .deb', resolve(import.meta.dirname, '..', 'release'))
  .action(async (options: { out: string }) => {
    const { version } = z
      .object({ version: z.string() })
      .parse(JSON.parse(readFileSync(join(import.meta.dirname, '../../desktop/package.json'), 'utf8')));
    const epoch = process.env.SOURCE_DATE_EPOCH;
    const builtAt = epoch === undefined ? new Date() : new Date(Number(epoch) * 1000);
    if (Number.isNaN(builtAt.getTime())) throw new Error(`SOURCE_DATE_EPOCH is not a number of seconds: ${String(epoch)}`);
    const work = await mkdtemp(join(tmpdir(), 'scrutin-kiosk-deb-'));
    try {
      const root = join(work, 'root');
      const laid = await layoutKioskPackage(root, { version, maintainer: readBuilderConfig().linux.maintainer, builtAt });
      if (!laid.ok) throw new Error(`cannot lay the package out: ${JSON.stringify(laid.error)}`);
      await mkdir(options.out, { recursive: true });
      const built = await buildDeb(root, join(resolve(options.out), kioskDebName(version)), builtAt);
      if (!built.ok) throw new Error(`dpkg-deb failed: ${built.error.kind === 'dpkg-deb-failed' ? built.error.detail : built.error.kind}`);
      console.log(built.value);
    } finally {
      await rm(work, { recursive: true, force: true });
    }
  });

await program.parseAsync();
