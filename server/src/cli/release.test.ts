import { execFileSync, spawnSync } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { appendFileSync, copyFileSync, cpSync, mkdtempSync, readFileSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

/**
 * The release round trip as the authority and a technician run it: `scrutin release sign`
 * over a release folder (installers and the CycloneDX SBOM made by cyclonedx-npm, as in
 * .github/workflows/release.yml), then `scrutin release verify` on good and tampered copies.
 */
const bin = fileURLToPath(new URL('../../bin/scrutin.js', import.meta.url));
const root = fileURLToPath(new URL('../../..', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'scrutin-cli-release-'));
const release = join(dir, 'release');
const keyFile = join(dir, 'release.key');
const publicPem = join(dir, 'release.pub');
const otherKeyFile = join(dir, 'other.key');
let publicBase64 = '';

function scrutin(...args: string[]): { status: number | null; stdout: string; stderr: string } {
  const run = spawnSync(process.execPath, [bin, ...args], { cwd: dir, encoding: 'utf8', env: { ...process.env, FORCE_COLOR: '0' } });
  return { status: run.status, stdout: run.stdout, stderr: run.stderr };
}

/** A copy of the signed release to spoil. */
function copy(name: string): string {
  const target = join(dir, name);
  cpSync(release, target, { recursive: true });
  return target;
}

beforeAll(() => {
  for (const [file, pub] of [
    [keyFile, publicPem],
    [otherKeyFile, null],
  ] as const) {
    const { privateKey, publicKey } = generateKeyPairSync('ed25519');
    writeFileSync(file, privateKey.export({ format: 'pem', type: 'pkcs8' }));
    if (pub !== null) writeFileSync(pub, publicKey.export({ format: 'pem', type: 'spki' }));
  }
  execFileSync('mkdir', ['-p', release]);
  // Stand-ins for the installers (their bytes do not matter here; installers/ builds and checks the real ones).
  writeFileSync(join(release, 'scrutin-station_0.1.0_amd64.deb'), 'debian package bytes\n');
  writeFileSync(join(release, 'scrutin-station-kiosk_0.1.0_all.deb'), 'kiosk package bytes\n');
  writeFileSync(join(release, 'scrutin-station-setup-0.1.0.exe'), Buffer.from([0x4d, 0x5a, 0x90, 0x00]));
  // The real SBOM, made as the release workflow makes it.
  execFileSync(
    join(root, 'node_modules/.bin/cyclonedx-npm'),
    ['--workspace', 'desktop', '--output-reproducible', '--output-file', join(release, 'scrutin-station-0.1.0.cdx.json')],
    { cwd: root, stdio: 'pipe' },
  );
}, 120_000);
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

describe('scrutin release', () => {
  it('signs a release folder: SHA256SUMS over every file, and its signature', () => {
    const run = scrutin('release', 'sign', release, '--key', keyFile);
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    expect(run.stdout).toContain('signed 4 file(s): SHA256SUMS, SHA256SUMS.sig');
    const sums = readFileSync(join(release, 'SHA256SUMS'), 'utf8');
    expect(
      sums
        .split('\n')
        .filter(Boolean)
        .map((l) => l.slice(66)),
    ).toEqual([
      'scrutin-station-0.1.0.cdx.json',
      'scrutin-station-kiosk_0.1.0_all.deb',
      'scrutin-station-setup-0.1.0.exe',
      'scrutin-station_0.1.0_amd64.deb',
    ]);
    // Standard tools agree: coreutils checks the sums, OpenSSL the signature.
    expect(spawnSync('sha256sum', ['--check', '--strict', 'SHA256SUMS'], { cwd: release }).status).toBe(0);
    writeFileSync(join(dir, 'sig.bin'), Buffer.from(readFileSync(join(release, 'SHA256SUMS.sig'), 'utf8').trim(), 'base64'));
    const openssl = spawnSync(
      'openssl',
      ['pkeyutl', '-verify', '-pubin', '-inkey', publicPem, '-rawin', '-in', join(release, 'SHA256SUMS'), '-sigfile', join(dir, 'sig.bin')],
      { encoding: 'utf8' },
    );
    expect(openssl.stdout).toContain('Signature Verified Successfully');
    publicBase64 = scrutin('release', 'public-key', '--key', keyFile).stdout.trim();
    expect(publicBase64).toMatch(/^[A-Za-z0-9+/]{43}=$/);
  });

  it('verifies the signed folder with the published key (base64 or PEM)', () => {
    for (const key of [publicBase64, publicPem]) {
      const run = scrutin('release', 'verify', release, '--public-key', key);
      expect(run.stderr).toBe('');
      expect(run.status).toBe(0);
      expect(run.stdout).toMatch(/SBOM scrutin-station-0\.1\.0\.cdx\.json: CycloneDX 1\.6, \d+ components/);
      expect(run.stdout).toContain('verified: 4 file(s) signed by the release key');
    }
  });

  it('refuses a tampered installer', () => {
    const tampered = copy('tampered-artifact');
    appendFileSync(join(tampered, 'scrutin-station-setup-0.1.0.exe'), 'payload');
    const run = scrutin('release', 'verify', tampered, '--public-key', publicBase64);
    expect(run.status).toBe(1);
    expect(run.stderr).toMatch(
      /scrutin-station-setup-0\.1\.0\.exe does not match SHA256SUMS \(expected [0-9a-f]{64}, found [0-9a-f]{64}\)/,
    );
    expect(run.stderr).toContain('is NOT verified');
  });

  it('refuses a SHA256SUMS edited to match a tampered installer', () => {
    const tampered = copy('tampered-sums');
    const deb = join(tampered, 'scrutin-station_0.1.0_amd64.deb');
    appendFileSync(deb, 'payload');
    const newHash = execFileSync('sha256sum', [deb], { encoding: 'utf8' }).slice(0, 64);
    const sums = readFileSync(join(tampered, 'SHA256SUMS'), 'utf8').replace(
      /^[0-9a-f]{64}(?= {2}scrutin-station_0\.1\.0_amd64\.deb$)/m,
      newHash,
    );
    writeFileSync(join(tampered, 'SHA256SUMS'), sums);
    expect(spawnSync('sha256sum', ['--check', '--strict', 'SHA256SUMS'], { cwd: tampered }).status).toBe(0);
    const run = scrutin('release', 'verify', tampered, '--public-key', publicBase64);
    expect(run.status).toBe(1);
    expect(run.stderr).toContain("SHA256SUMS.sig is not the authority's signature of SHA256SUMS");
  });

  it('refuses a release signed by another key', () => {
    const other = copy('other-key');
    expect(scrutin('release', 'sign', other, '--key', otherKeyFile).status).toBe(0);
    const run = scrutin('release', 'verify', other, '--public-key', publicBase64);
    expect(run.status).toBe(1);
    expect(run.stderr).toContain("SHA256SUMS.sig is not the authority's signature of SHA256SUMS");
  });

  it('refuses a release with a listed file missing, or a file outside the list', () => {
    const missing = copy('missing-file');
    unlinkSync(join(missing, 'scrutin-station-kiosk_0.1.0_all.deb'));
    let run = scrutin('release', 'verify', missing, '--public-key', publicBase64);
    expect(run.status).toBe(1);
    expect(run.stderr).toContain('scrutin-station-kiosk_0.1.0_all.deb is listed in SHA256SUMS but missing');

    const extra = copy('extra-file');
    copyFileSync(join(extra, 'scrutin-station-setup-0.1.0.exe'), join(extra, 'scrutin-station-setup-0.1.0-fixed.exe'));
    run = scrutin('release', 'verify', extra, '--public-key', publicBase64);
    expect(run.status).toBe(1);
    expect(run.stderr).toContain('scrutin-station-setup-0.1.0-fixed.exe is in the folder but not in SHA256SUMS');

    const noSignature = copy('no-signature');
    unlinkSync(join(noSignature, 'SHA256SUMS.sig'));
    run = scrutin('release', 'verify', noSignature, '--public-key', publicBase64);
    expect(run.status).toBe(1);
    expect(run.stderr).toContain('SHA256SUMS.sig is missing');
  });

  it('will not sign a release without an SBOM that parses, nor with a key that is not Ed25519', () => {
    const bare = join(dir, 'bare');
    execFileSync('mkdir', ['-p', bare]);
    writeFileSync(join(bare, 'scrutin-station_0.1.0_amd64.deb'), 'bytes');
    let run = scrutin('release', 'sign', bare, '--key', keyFile);
    expect(run.status).toBe(1);
    expect(run.stderr).toContain('no SBOM (*.cdx.json) is listed in SHA256SUMS');

    writeFileSync(join(bare, 'scrutin-station-0.1.0.cdx.json'), JSON.stringify({ bomFormat: 'SPDX' }));
    run = scrutin('release', 'sign', bare, '--key', keyFile);
    expect(run.status).toBe(1);
    expect(run.stderr).toContain('scrutin-station-0.1.0.cdx.json is not a CycloneDX JSON SBOM');

    const rsa = join(dir, 'rsa.key');
    writeFileSync(rsa, generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ format: 'pem', type: 'pkcs8' }));
    run = scrutin('release', 'sign', release, '--key', rsa);
    expect(run.status).toBe(1);
    expect(run.stderr).toContain('the key is not an Ed25519 key: a rsa key');
  });
});
