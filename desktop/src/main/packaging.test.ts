import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { z } from 'zod';

/**
 * The packaging description (electron-builder.yml) and the release workflow hold what
 * technicians rely on: the targets, better-sqlite3 rebuilt for Electron at packaging time
 * (not at install), the files the shell loads. Packaging itself needs the Electron binary and
 * runs in .github/workflows/release.yml.
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

describe('electron-builder.yml', () => {
  const config = BuilderSchema.parse(parse(read('electron-builder.yml')));

  it('builds a Linux AppImage and deb and a Windows NSIS installer', () => {
    expect(config.linux.target.map((t) => t.target).sort()).toEqual(['AppImage', 'deb']);
    expect(config.win.target.map((t) => t.target)).toEqual(['nsis']);
  });

  it('rebuilds better-sqlite3 for Electron when packaging and keeps it out of the asar', () => {
    expect(config.npmRebuild).toBe(true);
    expect(config.asarUnpack.some((p) => p.includes('better-sqlite3'))).toBe(true);
  });

  it('does not rebuild native modules at install time', () => {
    for (const path of ['package.json', 'desktop/package.json']) {
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

  it('is built into installers by the release workflow on version tags', () => {
    const workflow = z
      .object({
        on: z.object({ push: z.object({ tags: z.array(z.string()) }) }),
        jobs: z.record(z.string(), z.object({ steps: z.array(z.object({ run: z.string().optional() }).loose()) }).loose()),
      })
      .parse(parse(read('.github/workflows/release.yml')));
    expect(workflow.on.push.tags).toEqual(['v*']);
    const runs = Object.values(workflow.jobs).flatMap((job) => job.steps.flatMap((step) => (step.run === undefined ? [] : [step.run])));
    expect(runs.some((run) => run.includes('electron-builder') && run.includes('--config electron-builder.yml'))).toBe(true);
    expect(runs).toEqual(expect.arrayContaining(['npm run build -w desktop', 'npm run build:electron -w desktop']));
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
    for (const guard of [
      "'will-navigate'",
      "'will-attach-webview'",
      "setWindowOpenHandler(() => ({ action: 'deny' }))",
      'setPermissionRequestHandler',
      'requestSingleInstanceLock',
      "'render-process-gone'",
      "powerSaveBlocker.start('prevent-display-sleep')",
      'Menu.setApplicationMenu(null)',
    ]) {
      expect(main).toContain(guard);
    }
  });
});
