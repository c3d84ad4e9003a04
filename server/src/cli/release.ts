import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Command } from 'commander';
import {
  describeReleaseError,
  parsePublicKey,
  publicKeyBase64,
  signRelease,
  SIGNATURE_FILE,
  SUMS_FILE,
  verifyRelease,
} from '../release/release_signature.ts';

/**
 * `scrutin release sign DIR --key FILE` (the election authority, once per release: writes
 * SHA256SUMS and its signature), `scrutin release verify DIR --public-key KEY` (a technician,
 * before installing anything) and `scrutin release public-key --key FILE` (the key the
 * authority publishes). docs/technicians.md, "Releases".
 */
export function registerRelease(program: Command): void {
  const release = program
    .command('release')
    .description('Station releases: sign them (the election authority), verify them (technicians).');

  release
    .command('sign')
    .description(`write ${SUMS_FILE} over every file of a release folder and ${SIGNATURE_FILE}, its Ed25519 signature`)
    .argument('<dir>', 'the release folder (installers, app archives, the CycloneDX SBOM)')
    .requiredOption('--key <file>', "the authority's Ed25519 release key (PEM, PKCS#8)")
    .action(async (dir: string, options: { key: string }) => {
      const pem = readKeyFile(options.key);
      if (pem === null) return;
      const signed = await signRelease(resolve(dir), pem);
      if (!signed.ok) {
        fail(describeReleaseError(signed.error));
        return;
      }
      for (const entry of signed.value) console.log(`${entry.sha256}  ${entry.name}`);
      console.log(`signed ${signed.value.length} file(s): ${SUMS_FILE}, ${SIGNATURE_FILE}`);
    });

  release
    .command('verify')
    .description(`check a release folder: the signature of ${SUMS_FILE}, every file's hash, nothing unlisted, the SBOM`)
    .argument('<dir>', 'the release folder as downloaded')
    .requiredOption('--public-key <key>', "the authority's public release key: base64 (as published) or a PEM file")
    .action(async (dir: string, options: { publicKey: string }) => {
      const text = /^[A-Za-z0-9+/]{43}=$/.test(options.publicKey.trim()) ? options.publicKey : readKeyFile(options.publicKey);
      if (text === null) return;
      const key = parsePublicKey(text);
      if (!key.ok) {
        fail(describeReleaseError(key.error));
        return;
      }
      const verified = await verifyRelease(resolve(dir), key.value);
      if (!verified.ok) {
        for (const problem of verified.error) process.stderr.write(`error: ${describeReleaseError(problem)}\n`);
        fail(`the release in ${dir} is NOT verified`);
        return;
      }
      for (const entry of verified.value.entries) console.log(`ok  ${entry.name}`);
      const { sbom } = verified.value;
      console.log(`SBOM ${sbom.name}: CycloneDX ${sbom.specVersion}, ${sbom.components} components`);
      console.log(`verified: ${verified.value.entries.length} file(s) signed by the release key`);
    });

  release
    .command('public-key')
    .description('print the public half of a release key (base64), to publish')
    .requiredOption('--key <file>', "the authority's Ed25519 release key (PEM, PKCS#8)")
    .action((options: { key: string }) => {
      const pem = readKeyFile(options.key);
      if (pem === null) return;
      const key = publicKeyBase64(pem);
      if (!key.ok) fail(describeReleaseError(key.error));
      else console.log(key.value);
    });
}

function readKeyFile(path: string): string | null {
  try {
    return readFileSync(path, 'utf8');
  } catch (error) {
    fail(`cannot read ${path}: ${error instanceof Error ? error.message : String(error)}`);
    return null;
  }
}

function fail(message: string): void {
  process.stderr.write(`error: ${message}\n`);
  process.exitCode = 1;
}
