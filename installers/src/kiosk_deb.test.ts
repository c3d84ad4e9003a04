import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { INSTALLERS_DIR, readBuilderConfig } from './builder_config.ts';
import { APP_PACKAGE, buildDeb, KIOSK_DIR, KIOSK_PACKAGE, kioskDebName, layoutKioskPackage } from './kiosk_deb.ts';
import { shellcheck, verifyUnits } from './linux_checks.ts';
import { run } from './run.ts';

/**
 * The scrutin-station-kiosk package, built here as the release builds it (dpkg-deb), then read
 * back with dpkg-deb and checked by lintian and systemd's verifier as installed.
 */
const work = mkdtempSync(join(tmpdir(), 'scrutin-kiosk-deb-'));
const builtAt = new Date(Date.UTC(2026, 10, 2, 12, 0, 0));
const { version } = z
  .object({ version: z.string() })
  .parse(JSON.parse(readFileSync(join(INSTALLERS_DIR, '../desktop/package.json'), 'utf8')));
const deb = join(work, kioskDebName(version));

async function build(root: string, file: string): Promise<void> {
  const laid = await layoutKioskPackage(root, { version, maintainer: readBuilderConfig().linux.maintainer, builtAt });
  if (!laid.ok) throw new Error(JSON.stringify(laid.error));
  const built = await buildDeb(root, file, builtAt);
  if (!built.ok) throw new Error(JSON.stringify(built.error));
}

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile())
    .map((e) => relative(dir, join(e.parentPath, e.name)))
    .sort();
}

beforeAll(async () => {
  await build(join(work, 'root'), deb);
}, 60_000);
afterAll(() => {
  rmSync(work, { recursive: true, force: true });
});

describe('the scrutin-station-kiosk package', () => {
  it('has a control file dpkg reads: name, version, all architectures, and what the kiosk needs', async () => {
    const info = await run('dpkg-deb', ['--info', deb]);
    expect(info.status).toBe(0);
    const field = async (name: string) => (await run('dpkg-deb', ['--field', deb, name])).stdout.trim();
    expect(await field('Package')).toBe(KIOSK_PACKAGE);
    expect(await field('Version')).toBe(version);
    expect(await field('Architecture')).toBe('all');
    expect(await field('Maintainer')).toBe(readBuilderConfig().linux.maintainer);
    const depends = (await field('Depends')).split(', ');
    expect(depends).toEqual(
      expect.arrayContaining([`${APP_PACKAGE} (= ${version})`, 'cage', 'udisks2', 'polkitd', 'cups', 'libpam-systemd']),
    );
    expect(APP_PACKAGE).toBe(readBuilderConfig().deb.packageName);
    expect(Number(await field('Installed-Size'))).toBeGreaterThan(0);
    expect(info.stdout).toMatch(/^ +\d+ bytes, +1 lines +conffiles/m);
  });

  it('installs every file of installers/linux/kiosk, owned by root, scripts executable', async () => {
    const contents = await run('dpkg-deb', ['--contents', deb]);
    const lines = contents.stdout.trim().split('\n');
    for (const line of lines) expect(line).toMatch(/^[-dl]\S+ root\/root /);
    const entries = new Map(lines.map((line) => [line.split(/\s+/).at(-1)?.replace(/^\.\//, '/') ?? '', line.slice(0, 10)]));
    for (const file of filesUnder(join(KIOSK_DIR, 'root'))) expect(entries.has(`/${file}`), file).toBe(true);
    expect(entries.get('/usr/lib/scrutin-station-kiosk/session')).toBe('-rwxr-xr-x');
    expect(entries.get('/usr/sbin/scrutin-kiosk-printer')).toBe('-rwxr-xr-x');
    expect(entries.get('/lib/systemd/system/scrutin-kiosk.service')).toBe('-rw-r--r--');
    for (const doc of ['README', 'copyright', 'changelog.gz']) expect(entries.has(`/usr/share/doc/${KIOSK_PACKAGE}/${doc}`)).toBe(true);
    expect(entries.has('/usr/share/man/man8/scrutin-kiosk-printer.8.gz')).toBe(true);
  });

  it('carries maintainer scripts that create the kiosk user and pass shellcheck', async () => {
    const control = join(work, 'control');
    mkdirSync(control);
    expect((await run('dpkg-deb', ['--control', deb, control])).status).toBe(0);
    expect(readdirSync(control).sort()).toEqual(['conffiles', 'control', 'md5sums', 'postinst', 'postrm', 'prerm']);
    expect(readFileSync(join(control, 'conffiles'), 'utf8')).toBe('/etc/pam.d/scrutin-kiosk\n');
    const postinst = readFileSync(join(control, 'postinst'), 'utf8');
    expect(postinst).toMatch(/useradd --create-home --home-dir "\$KIOSK_HOME" --shell \/usr\/sbin\/nologin/);
    expect(postinst).toContain('deb-systemd-helper enable scrutin-kiosk.service');
    const checked = await shellcheck(['postinst', 'prerm', 'postrm'].map((s) => join(control, s)));
    expect(checked.stdout + checked.stderr).toBe('');
  });

  it('installs units that pass systemd-analyze verify', async () => {
    const tree = join(work, 'installed');
    expect((await run('dpkg-deb', ['--extract', deb, tree])).status).toBe(0);
    const verified = await verifyUnits(tree, ['scrutin-kiosk.service', 'scrutin-kiosk-printer.service']);
    expect(verified.stderr + verified.stdout).toBe('');
    expect(verified.status).toBe(0);
  });

  it('passes lintian (errors and warnings fail, pedantic notes included)', async () => {
    const checked = await run('lintian', ['--pedantic', '--fail-on', 'error,warning', '--no-tag-display-limit', deb]);
    const tags = checked.stdout.split('\n').filter((line) => /^[EW]: /.test(line));
    expect(tags).toEqual([]);
    expect(checked.status).toBe(0);
  }, 60_000);

  it('is the same bytes when built again from the same sources', async () => {
    const again = join(work, 'again.deb');
    await build(join(work, 'root-again'), again);
    const sha = (file: string) => createHash('sha256').update(readFileSync(file)).digest('hex');
    expect(sha(again)).toBe(sha(deb));
  });

  it('refuses a version Debian would not accept', async () => {
    const laid = await layoutKioskPackage(join(work, 'bad'), { version: 'v1.0 beta', maintainer: 'x <x@example.org>', builtAt });
    expect(laid).toEqual({ ok: false, error: { kind: 'invalid-version', version: 'v1.0 beta' } });
  });
});
