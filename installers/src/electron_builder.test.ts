import { execFileSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { extractFile, listPackage } from '@electron/asar';
import { getConfig, validateConfiguration } from 'app-builder-lib/out/util/config/config.js';
import type { Configuration } from 'app-builder-lib';
import { DebugLogger } from 'builder-util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { z } from 'zod';
import { BUILDER_CONFIG, INSTALLERS_DIR, readBuilderConfig } from './builder_config.ts';
import { run } from './run.ts';

/**
 * installers/electron-builder.yml as electron-builder itself reads it: loaded from the path
 * the documented command gives (`npm run package:linux -w installers`), validated against
 * electron-builder's own schema (app-builder-lib/scheme.json), and used for a real packaging
 * run of the Linux app (`--dir`), with everything but the Electron binary, which cannot be
 * downloaded here: a stand-in with Electron's fuse wire takes its place, so the afterPack hook
 * flips real fuses in it.
 */
const ROOT = resolve(INSTALLERS_DIR, '..');
/** electron-builder's deb target (a CommonJS class, its default export). */
const { default: FpmTarget } = createRequire(import.meta.url)(
  'app-builder-lib/out/targets/FpmTarget.js',
) as typeof import('app-builder-lib/out/targets/FpmTarget.js');
const DESKTOP = join(ROOT, 'desktop');
const scripts = z
  .object({ scripts: z.record(z.string(), z.string()) })
  .parse(JSON.parse(readFileSync(join(INSTALLERS_DIR, 'package.json'), 'utf8'))).scripts;

/** `--projectDir X --config Y` of a package script. */
function builderArgs(script: string): { projectDir: string; config: string } {
  const m = /^electron-builder --projectDir (\S+) --config (\S+) /.exec(scripts[script] ?? '');
  if (m === null) throw new Error(`${script} does not run electron-builder with --projectDir and --config`);
  return { projectDir: resolve(INSTALLERS_DIR, m[1] ?? ''), config: m[2] ?? '' };
}

async function loadAsElectronBuilderDoes(): Promise<Configuration> {
  const { projectDir, config } = builderArgs('package:linux');
  return getConfig(projectDir, config, null);
}

describe('the packaging command', () => {
  it('points electron-builder at the app (desktop/) and at this configuration, relative to the app', () => {
    for (const script of ['package:linux', 'package:win']) {
      const { projectDir, config } = builderArgs(script);
      expect(projectDir).toBe(DESKTOP);
      // electron-builder resolves --config from --projectDir (app-builder-lib/out/util/config/load.js).
      expect(resolve(projectDir, config)).toBe(BUILDER_CONFIG);
      expect(scripts[script]).toContain('--publish never');
    }
    expect(scripts['package:linux']).toContain('--linux');
    expect(scripts['package:win']).toContain('--win');
  });

  it('is valid for electron-builder 26 (its own schema and checks)', async () => {
    const config = await loadAsElectronBuilderDoes();
    await expect(validateConfiguration(config, new DebugLogger(false))).resolves.toBeUndefined();
  });

  it('would be refused with a misspelt option (the check can fail)', async () => {
    const config = { ...(await loadAsElectronBuilderDoes()), deb: { depend: ['libnss3'] } } as unknown as Configuration;
    await expect(validateConfiguration(config, new DebugLogger(false))).rejects.toThrow(
      /^Invalid configuration object\. electron-builder 26\.17\.0 [^]* configuration\.deb /,
    );
  });

  it('packages an exact Electron, the one desktop/ is typed against', () => {
    const config = readBuilderConfig();
    expect(config.electronVersion).toMatch(/^\d+\.\d+\.\d+$/);
    const desktop = z
      .object({ devDependencies: z.object({ electron: z.string() }) })
      .parse(JSON.parse(readFileSync(join(DESKTOP, 'package.json'), 'utf8')));
    expect(desktop.devDependencies.electron).toBe(config.electronVersion);
    const installed = z
      .object({ version: z.string() })
      .parse(JSON.parse(readFileSync(join(ROOT, 'node_modules/electron/package.json'), 'utf8')));
    expect(installed.version).toBe(config.electronVersion);
    expect(Number(config.electronVersion.split('.')[0])).toBeGreaterThanOrEqual(45);
  });

  it("extends electron-builder's default deb dependencies (never replaces them) with what Electron also loads", () => {
    const config = readBuilderConfig();
    // electron-builder's own list, from electron-builder (it drops it when `depends` is set).
    const defaults = (FpmTarget.prototype['getDefaultDepends'] as (target: string) => string[]).call(null, 'deb');
    expect(defaults).toContain('libnss3');
    expect(config.deb.depends).toEqual(expect.arrayContaining([...defaults, 'libasound2', 'libgbm1']));
    expect(new Set(config.deb.depends).size).toBe(config.deb.depends.length);
  });

  it('names the Linux package and every artifact without the scoped npm name', () => {
    const config = readBuilderConfig();
    // Debian policy 5.6.1: lower case letters, digits, + - . ; two characters or more, starting alphanumeric.
    expect(config.deb.packageName).toMatch(/^[a-z0-9][a-z0-9+.-]+$/);
    expect(config.extraMetadata.name).toBe(config.deb.packageName);
    const raw = readFileSync(BUILDER_CONFIG, 'utf8');
    for (const artifact of raw.matchAll(/artifactName: (.+)/g)) {
      expect(artifact[1]).not.toMatch(/[@/]|\$\{name\}/);
      expect(artifact[1]).toContain('${version}');
    }
  });

  it('signs the Windows installer with a certificate from the release environment, never one in the repository', () => {
    const win = z
      .object({
        win: z.object({
          forceCodeSigning: z.literal(true),
          signtoolOptions: z.object({ signingHashAlgorithms: z.array(z.string()), rfc3161TimeStampServer: z.string() }).strict(),
        }),
      })
      .parse(parse(readFileSync(BUILDER_CONFIG, 'utf8')));
    expect(win.win.signtoolOptions.signingHashAlgorithms).toEqual(['sha256']);
    expect(readFileSync(BUILDER_CONFIG, 'utf8')).not.toMatch(/certificateFile|certificatePassword|cscLink|cscKeyPassword/);
  });
});

/** Width and height of a PNG (its IHDR chunk). */
function pngSize(bytes: Buffer): [number, number] {
  expect(bytes.subarray(0, 8)).toEqual(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]));
  expect(bytes.toString('latin1', 12, 16)).toBe('IHDR');
  return [bytes.readUInt32BE(16), bytes.readUInt32BE(20)];
}

describe('the icons, where electron-builder looks for them (directories.buildResources)', () => {
  const build = resolve(DESKTOP, readBuilderConfig().directories.buildResources);

  it('has the Linux icon set, one real PNG per size', () => {
    expect(build).toBe(join(INSTALLERS_DIR, 'build'));
    for (const size of [16, 24, 32, 48, 64, 128, 256, 512])
      expect(pngSize(readFileSync(join(build, 'icons', `${size}x${size}.png`)))).toEqual([size, size]);
    expect(pngSize(readFileSync(join(build, 'icon.png')))).toEqual([512, 512]);
  });

  it('has a Windows .ico with every size Windows and NSIS use, up to 256', () => {
    const ico = readFileSync(join(build, 'icon.ico'));
    expect(ico.readUInt16LE(0)).toBe(0);
    expect(ico.readUInt16LE(2)).toBe(1);
    const count = ico.readUInt16LE(4);
    const sizes: number[] = [];
    for (let i = 0; i < count; i += 1) {
      const entry = 6 + 16 * i;
      const size = ico.readUInt8(entry) === 0 ? 256 : ico.readUInt8(entry);
      const length = ico.readUInt32LE(entry + 8);
      const offset = ico.readUInt32LE(entry + 12);
      const image = ico.subarray(offset, offset + length);
      // Each image is a PNG or a BITMAPINFOHEADER of that size.
      if (image.subarray(1, 4).toString('latin1') === 'PNG') expect(pngSize(image)).toEqual([size, size]);
      else expect([image.readUInt32LE(0), image.readInt32LE(4), image.readInt32LE(8)]).toEqual([40, size, 2 * size]);
      sizes.push(size);
    }
    expect(sizes).toEqual(expect.arrayContaining([16, 24, 32, 48, 256]));
  });
});

/**
 * A stand-in for Electron's Linux distribution: the files electron-builder copies, and an
 * "electron" binary holding Electron's fuse wire (sentinel, version 1, 9 fuses in Electron
 * 45's default states) between other bytes.
 */
function fakeElectronDist(dir: string): void {
  mkdirSync(join(dir, 'locales'), { recursive: true });
  mkdirSync(join(dir, 'resources'), { recursive: true });
  writeFileSync(join(dir, 'locales', 'en-US.pak'), 'en-US');
  writeFileSync(join(dir, 'locales', 'fr.pak'), 'fr');
  writeFileSync(join(dir, 'locales', 'de.pak'), 'de');
  writeFileSync(join(dir, 'LICENSE'), 'MIT');
  const wire = Buffer.concat([
    Buffer.from('\x7fELF stand-in '),
    Buffer.from('dL7pKGdnNz796PbbjQWNKmHXBZaB9tsX'),
    Buffer.from([1, 9]),
    Buffer.from('101100011'),
    Buffer.from(' end'),
  ]);
  writeFileSync(join(dir, 'electron'), wire, { mode: 0o755 });
}

describe('a packaging run of the Linux app (electron-builder --dir)', () => {
  const work = mkdtempSync(join(tmpdir(), 'scrutin-electron-builder-'));
  const out = join(work, 'out');
  const unpacked = join(out, 'linux-unpacked');
  let log = '';

  beforeAll(async () => {
    if (!existsSync(join(DESKTOP, 'dist/electron/main.js')) || !existsSync(join(DESKTOP, 'dist/renderer/index.html')))
      execFileSync('npm', ['run', 'build', '-w', 'desktop'], { cwd: ROOT, stdio: 'pipe' });
    fakeElectronDist(join(work, 'electron-dist'));
    const { projectDir, config } = builderArgs('package:linux');
    // The documented command, with the target `dir` (the AppImage and deb tools cannot be
    // downloaded here), the stand-in Electron, and no rebuild of better-sqlite3 (Electron's
    // headers cannot be downloaded either).
    const ran = await run(
      join(ROOT, 'node_modules/.bin/electron-builder'),
      [
        '--projectDir',
        projectDir,
        '--config',
        config,
        '--linux',
        'dir',
        '--publish',
        'never',
        `-c.electronDist=${join(work, 'electron-dist')}`,
        '-c.npmRebuild=false',
        `-c.directories.output=${out}`,
      ],
      // electron-builder keeps quiet when it sees it runs under Vitest; this is its real run.
      { cwd: INSTALLERS_DIR, env: Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith('VITEST'))) },
    );
    log = ran.stdout + ran.stderr;
    if (ran.status !== 0) throw new Error(`electron-builder failed:\n${log}`);
  }, 180_000);
  afterAll(() => {
    rmSync(work, { recursive: true, force: true });
  });

  it('loads this configuration and lays out the app under its executable name', () => {
    expect(log).toContain(`loaded configuration  file=${BUILDER_CONFIG}`);
    expect(readdirSync(unpacked).sort()).toEqual(['LICENSE.electron.txt', 'locales', 'resources', 'scrutin-station']);
    expect(readdirSync(join(unpacked, 'locales')).sort()).toEqual(['en-US.pak', 'fr.pak']);
  });

  it('flips the fuses in the packaged binary (afterPack)', () => {
    expect(log).toContain(`fuses set in ${join(unpacked, 'scrutin-station')}`);
    const binary = readFileSync(join(unpacked, 'scrutin-station'));
    const at = binary.indexOf('dL7pKGdnNz796PbbjQWNKmHXBZaB9tsX') + 32;
    // RunAsNode 0, cookie encryption 1, NODE_OPTIONS 0, --inspect 0, ASAR integrity 1,
    // only from ASAR 1, V8 snapshot 0, file:// privileges 0; the ninth (Wasm trap handlers) untouched.
    expect(binary.subarray(at, at + 11).toString('latin1')).toBe('\x01\x09010011001');
  });

  it('ships the bundles, the renderer and better-sqlite3, and nothing else of node_modules', () => {
    const asar = join(unpacked, 'resources', 'app.asar');
    const files = listPackage(asar, { isPack: false }).map((f) => f.replace(/\\/g, '/'));
    expect(files).toEqual(
      expect.arrayContaining([
        '/dist/electron/main.js',
        '/dist/electron/station_backend.js',
        '/dist/electron/preload.cjs',
        '/dist/renderer/index.html',
      ]),
    );
    const modules = new Set(files.filter((f) => f.startsWith('/node_modules/')).map((f) => f.split('/')[2]));
    expect([...modules].sort()).toEqual(['better-sqlite3', 'bindings', 'file-uri-to-path']);
    expect(files.some((f) => f.endsWith('.map') || f.startsWith('/src/'))).toBe(false);
    expect(
      existsSync(
        join(unpacked, 'resources', 'app.asar.unpacked', 'node_modules', 'better-sqlite3', 'build', 'Release', 'better_sqlite3.node'),
      ),
    ).toBe(true);
    const metadata = z
      .object({ name: z.string(), productName: z.string(), main: z.string(), scripts: z.unknown().optional() })
      .parse(JSON.parse(extractFile(asar, 'package.json').toString('utf8')));
    expect(metadata).toMatchObject({ name: 'scrutin-station', productName: 'Scrutin Station', main: 'dist/electron/main.js' });
  });
});
