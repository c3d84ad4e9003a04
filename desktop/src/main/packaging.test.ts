import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { z } from 'zod';

/**
 * The packaging description (installers/electron-builder.yml) and the release workflow hold
 * what technicians rely on: the targets, better-sqlite3 rebuilt for Electron at packaging time
 * (not at install), the files the shell loads, a release built with the locked tools and
 * signed. Packaging itself needs the Electron binary and runs in .github/workflows/release.yml;
 * installers/src/electron_builder.test.ts runs electron-builder on the configuration here.
 */
const root = join(import.meta.dirname, '../../..');
const read = (path: string) => readFileSync(join(root, path), 'utf8');

const Target = z.object({ target: z.string(), arch: z.array(z.string()) });
const BuilderSchema = z.object({
  appId: z.string(),
  productName: z.string(),
  files: z.array(z.string()),
  extraMetadata: z.object({ main: z.string() }),
  npmRebuild: z.boolean(),
  asarUnpack: z.array(z.string()),
  linux: z.object({ target: z.array(Target) }),
  win: z.object({ target: z.array(Target) }),
});

/** The release workflow, as far as these checks read it (the pins' comments are read from the raw text). */
const Step = z
  .object({ run: z.string().optional(), uses: z.string().optional(), env: z.record(z.string(), z.string()).optional() })
  .loose();
const Workflow = z.object({
  on: z.object({ push: z.object({ tags: z.array(z.string()) }) }),
  permissions: z.record(z.string(), z.string()),
  jobs: z.record(z.string(), z.object({ permissions: z.record(z.string(), z.string()).optional(), steps: z.array(Step) }).loose()),
});

describe('installers/electron-builder.yml', () => {
  const config = BuilderSchema.parse(parse(read('installers/electron-builder.yml')));

  it('builds a Linux AppImage and deb and a Windows NSIS installer', () => {
    expect(config.linux.target.map((t) => t.target).sort()).toEqual(['AppImage', 'deb']);
    expect(config.win.target.map((t) => t.target)).toEqual(['nsis']);
  });

  it('rebuilds better-sqlite3 for Electron when packaging and keeps it out of the asar', () => {
    expect(config.npmRebuild).toBe(true);
    expect(config.asarUnpack.some((p) => p.includes('better-sqlite3'))).toBe(true);
  });

  it('does not rebuild native modules at install time', () => {
    for (const path of ['package.json', 'desktop/package.json', 'installers/package.json']) {
      const scripts = z.object({ scripts: z.record(z.string(), z.string()).default({}) }).parse(JSON.parse(read(path))).scripts;
      expect(Object.keys(scripts)).not.toContain('postinstall');
      expect(Object.values(scripts).join('\n')).not.toMatch(/install-app-deps|electron-rebuild/);
    }
  });

  it('ships the bundles and the renderer the shell loads, and starts the bundled main', () => {
    expect(config.files).toEqual(expect.arrayContaining(['dist/electron/**', 'dist/renderer/**']));
    expect(config.extraMetadata.main).toBe('dist/electron/main.js');
    const desktop = z.object({ main: z.string() }).parse(JSON.parse(read('desktop/package.json')));
    expect(desktop.main).toBe(config.extraMetadata.main);
    const bundler = read('desktop/scripts/bundle_electron.ts');
    for (const bundle of ['main', 'station_backend', 'preload']) expect(bundler).toContain(bundle);
    expect(read('desktop/src/main/main.ts')).toContain("join(here, 'preload.cjs')");
    expect(read('desktop/src/main/main.ts')).toContain("join(here, 'station_backend.js')");
  });

  it('is built into installers by the release workflow on version tags, with the documented command', () => {
    const workflow = Workflow.parse(parse(read('.github/workflows/release.yml')));
    expect(workflow.on.push.tags).toEqual(['v*']);
    const runs = Object.values(workflow.jobs).flatMap((job) => job.steps.flatMap((step) => (step.run === undefined ? [] : [step.run])));
    expect(runs).toEqual(
      expect.arrayContaining(['npm run build -w desktop', 'npm run package:linux -w installers', 'npm run package:win -w installers']),
    );
    // `npm run build -w desktop` also bundles the Electron side (build:electron).
    const desktopScripts = z.object({ scripts: z.record(z.string(), z.string()) }).parse(JSON.parse(read('desktop/package.json'))).scripts;
    expect(desktopScripts.build).toContain('scripts/bundle_electron.ts');
    expect(desktopScripts['build:electron']).toContain('scripts/bundle_electron.ts');
    // electron-builder resolves --config from --projectDir: the app is desktop/, the configuration is in installers/.
    const installerScripts = z
      .object({ scripts: z.record(z.string(), z.string()) })
      .parse(JSON.parse(read('installers/package.json'))).scripts;
    for (const script of ['package:linux', 'package:win']) {
      expect(installerScripts[script]).toMatch(/^electron-builder /);
      expect(installerScripts[script]).toContain('--projectDir ../desktop --config ../installers/electron-builder.yml');
    }
    // The exact electron-builder of the lock file, never `npx electron-builder@26`.
    expect(runs.join('\n')).not.toMatch(/electron-builder@/);
    const installers = z.object({ devDependencies: z.record(z.string(), z.string()) }).parse(JSON.parse(read('installers/package.json')));
    expect(installers.devDependencies['electron-builder']).toMatch(/^\d+\.\d+\.\d+$/);
  });

  it('downloads Electron once (electron-builder does), and signs what it built', () => {
    const workflow = Workflow.parse(parse(read('.github/workflows/release.yml')));
    const steps = Object.values(workflow.jobs).flatMap((job) => job.steps);
    for (const step of steps.filter((s) => s.run?.startsWith('npm ci') === true)) expect(step.env?.ELECTRON_SKIP_BINARY_DOWNLOAD).toBe('1');
    const runs = steps.flatMap((step) => (step.run === undefined ? [] : [step.run])).join('\n');
    expect(runs).toContain('cyclonedx-npm --workspace desktop');
    expect(runs).toContain('scrutin release sign release --key');
    expect(runs).toContain('scrutin release verify release --public-key');
  });

  it('pins every action by commit and gives each job only the permissions it needs', () => {
    const workflow = Workflow.parse(parse(read('.github/workflows/release.yml')));
    expect(workflow.permissions).toEqual({});
    for (const [name, job] of Object.entries(workflow.jobs)) {
      for (const step of job.steps) if (step.uses !== undefined) expect(step.uses, name).toMatch(/^[\w.-]+\/[\w.-]+@[0-9a-f]{40}$/);
      expect(job.permissions, name).toBeDefined();
      const usesToken = job.steps.some((step) => step.env?.GH_TOKEN !== undefined);
      // Only the job that publishes may write, and only it holds a token.
      expect(job.permissions?.contents === 'write', name).toBe(usesToken);
    }
    expect(Object.values(workflow.jobs).filter((job) => job.permissions?.contents === 'write')).toHaveLength(1);
    // Each pin says which release it is.
    const uses = read('.github/workflows/release.yml')
      .split('\n')
      .filter((line) => /^\s*(- )?uses:/.test(line));
    expect(uses.length).toBeGreaterThan(0);
    for (const line of uses) expect(line).toMatch(/uses: [\w.-]+\/[\w.-]+@[0-9a-f]{40} # v\d+\.\d+\.\d+$/);
  });
});

describe('the kiosk window', () => {
  const main = read('desktop/src/main/main.ts');

  it('is locked down', () => {
    for (const setting of [
      'kiosk: true',
      'contextIsolation: true',
      'sandbox: true',
      'nodeIntegration: false',
      'webviewTag: false',
      'devTools: !app.isPackaged',
    ])
      expect(main).toContain(setting);
    // The session's and pages' refusals live in lock_down.ts (unit-tested there); main.ts applies them.
    const lockDown = read('desktop/src/main/lock_down.ts');
    for (const guard of [
      "'will-navigate'",
      "'will-attach-webview'",
      "setWindowOpenHandler(() => ({ action: 'deny' }))",
      'setPermissionRequestHandler',
    ])
      expect(lockDown).toContain(guard);
    for (const guard of [
      'lockDownSession(session.defaultSession)',
      'lockDownContents(contents)',
      'requestSingleInstanceLock',
      "'render-process-gone'",
      "powerSaveBlocker.start('prevent-display-sleep')",
      'Menu.setApplicationMenu(null)',
    ]) {
      expect(main).toContain(guard);
    }
  });
});
