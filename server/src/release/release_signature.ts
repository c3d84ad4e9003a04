import { createHash, createPrivateKey, createPublicKey, sign, verify, type KeyObject } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import { err, ok, PublicKeySchema, type Result } from '@scrutin/shared/node';

/**
 * A release a technician can check: every file of the release folder (installers, the app
 * archives, the SBOM) is listed with its SHA-256 in SHA256SUMS (the GNU coreutils format, so
 * `sha256sum -c SHA256SUMS` works too), and SHA256SUMS.sig holds the election authority's
 * Ed25519 signature of SHA256SUMS's exact bytes (base64; `openssl pkeyutl -verify -rawin`
 * checks it too, docs/technicians.md). Nothing in the folder escapes the signature.
 */
export const SUMS_FILE = 'SHA256SUMS';
export const SIGNATURE_FILE = 'SHA256SUMS.sig';
/** The CycloneDX SBOM's name ends so (cyclonedx-npm's JSON output). */
export const SBOM_SUFFIX = '.cdx.json';

export type ReleaseError =
  | { readonly kind: 'unreadable-folder'; readonly detail: string }
  | { readonly kind: 'not-a-file'; readonly name: string }
  | { readonly kind: 'bad-file-name'; readonly name: string }
  | { readonly kind: 'nothing-to-sign' }
  | { readonly kind: 'invalid-key'; readonly detail: string }
  | { readonly kind: 'missing-sums' }
  | { readonly kind: 'missing-signature' }
  | { readonly kind: 'bad-signature' }
  | { readonly kind: 'malformed-sums'; readonly line: number; readonly text: string }
  | { readonly kind: 'duplicate-entry'; readonly name: string }
  | { readonly kind: 'missing-file'; readonly name: string }
  | { readonly kind: 'hash-mismatch'; readonly name: string; readonly expected: string; readonly actual: string }
  | { readonly kind: 'unlisted-file'; readonly name: string }
  | { readonly kind: 'no-sbom' }
  | { readonly kind: 'sbom-invalid'; readonly name: string; readonly detail: string };

export function describeReleaseError(e: ReleaseError): string {
  switch (e.kind) {
    case 'unreadable-folder':
      return `the release folder cannot be read: ${e.detail}`;
    case 'not-a-file':
      return `${e.name} is not a plain file (a release folder holds files only)`;
    case 'bad-file-name':
      return `${JSON.stringify(e.name)} cannot be listed in ${SUMS_FILE} (a newline or a backslash in its name)`;
    case 'nothing-to-sign':
      return 'the release folder holds nothing to sign';
    case 'invalid-key':
      return `the key is not an Ed25519 key: ${e.detail}`;
    case 'missing-sums':
      return `${SUMS_FILE} is missing`;
    case 'missing-signature':
      return `${SIGNATURE_FILE} is missing`;
    case 'bad-signature':
      return `${SIGNATURE_FILE} is not the authority's signature of ${SUMS_FILE}: do not use this release`;
    case 'malformed-sums':
      return `${SUMS_FILE} line ${e.line} is not "<sha256>  <file>": ${JSON.stringify(e.text.slice(0, 120))}`;
    case 'duplicate-entry':
      return `${SUMS_FILE} lists ${e.name} twice`;
    case 'missing-file':
      return `${e.name} is listed in ${SUMS_FILE} but missing`;
    case 'hash-mismatch':
      return `${e.name} does not match ${SUMS_FILE} (expected ${e.expected}, found ${e.actual}): do not use it`;
    case 'unlisted-file':
      return `${e.name} is in the folder but not in ${SUMS_FILE}: it is not covered by the signature`;
    case 'no-sbom':
      return `no SBOM (*${SBOM_SUFFIX}) is listed in ${SUMS_FILE}`;
    case 'sbom-invalid':
      return `${e.name} is not a CycloneDX JSON SBOM: ${e.detail}`;
  }
}

export interface ReleaseEntry {
  readonly name: string;
  readonly sha256: string;
}

export interface VerifiedRelease {
  readonly entries: readonly ReleaseEntry[];
  readonly sbom: { readonly name: string; readonly specVersion: string; readonly components: number };
}

export async function sha256File(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/** The files of a release folder, but the sums and their signature, by name. */
async function releaseFiles(dir: string): Promise<Result<string[], ReleaseError>> {
  let entries;
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch (error) {
    return err({ kind: 'unreadable-folder', detail: error instanceof Error ? error.message : String(error) });
  }
  const names: string[] = [];
  for (const entry of entries) {
    if (entry.name === SUMS_FILE || entry.name === SIGNATURE_FILE) continue;
    if (!entry.isFile()) return err({ kind: 'not-a-file', name: entry.name });
    if (/[\n\r\\]/.test(entry.name)) return err({ kind: 'bad-file-name', name: entry.name });
    names.push(entry.name);
  }
  return ok(names.sort());
}

function privateKey(pem: string): Result<KeyObject, ReleaseError> {
  try {
    const key = createPrivateKey(pem);
    if (key.asymmetricKeyType !== 'ed25519') return err({ kind: 'invalid-key', detail: `a ${String(key.asymmetricKeyType)} key` });
    return ok(key);
  } catch (error) {
    return err({ kind: 'invalid-key', detail: error instanceof Error ? error.message : String(error) });
  }
}

/** The authority's public key: a PEM file's text (SPKI, or the private key itself) or base64 of the 32 raw bytes. */
export function parsePublicKey(text: string): Result<KeyObject, ReleaseError> {
  const raw = PublicKeySchema.safeParse(text.trim());
  try {
    if (raw.success)
      return ok(
        createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: Buffer.from(raw.data, 'base64').toString('base64url') }, format: 'jwk' }),
      );
    const key = createPublicKey(text);
    if (key.asymmetricKeyType !== 'ed25519') return err({ kind: 'invalid-key', detail: `a ${String(key.asymmetricKeyType)} key` });
    return ok(key);
  } catch (error) {
    return err({ kind: 'invalid-key', detail: error instanceof Error ? error.message : String(error) });
  }
}

/** The public half of a private key, as base64 of its 32 raw bytes (what the authority publishes). */
export function publicKeyBase64(privateKeyPem: string): Result<string, ReleaseError> {
  const key = privateKey(privateKeyPem);
  if (!key.ok) return key;
  const jwk = createPublicKey(key.value).export({ format: 'jwk' });
  return ok(Buffer.from(jwk.x ?? '', 'base64url').toString('base64'));
}

const CycloneDxSchema = z.object({
  bomFormat: z.literal('CycloneDX'),
  specVersion: z.string().regex(/^1\.\d+$/),
  metadata: z.object({ component: z.object({ name: z.string().min(1) }).loose() }).loose(),
  components: z.array(z.object({ name: z.string().min(1), type: z.string() }).loose()),
});

async function checkSbom(dir: string, name: string): Promise<Result<VerifiedRelease['sbom'], ReleaseError>> {
  let json: unknown;
  try {
    json = JSON.parse(await readFile(join(dir, name), 'utf8'));
  } catch (error) {
    return err({ kind: 'sbom-invalid', name, detail: error instanceof Error ? error.message : String(error) });
  }
  const bom = CycloneDxSchema.safeParse(json);
  if (!bom.success)
    return err({ kind: 'sbom-invalid', name, detail: bom.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ') });
  return ok({ name, specVersion: bom.data.specVersion, components: bom.data.components.length });
}

/**
 * Signs a release folder: writes SHA256SUMS over every file in it and SHA256SUMS.sig with
 * the authority's key. Refuses a folder without an SBOM that parses, or with anything but
 * plain files.
 */
export async function signRelease(dir: string, privateKeyPem: string): Promise<Result<readonly ReleaseEntry[], ReleaseError>> {
  const key = privateKey(privateKeyPem);
  if (!key.ok) return key;
  const files = await releaseFiles(dir);
  if (!files.ok) return files;
  if (files.value.length === 0) return err({ kind: 'nothing-to-sign' });
  const sboms = files.value.filter((name) => name.endsWith(SBOM_SUFFIX));
  if (sboms.length === 0) return err({ kind: 'no-sbom' });
  for (const name of sboms) {
    const sbom = await checkSbom(dir, name);
    if (!sbom.ok) return sbom;
  }
  const entries = await Promise.all(files.value.map(async (name) => ({ name, sha256: await sha256File(join(dir, name)) })));
  const sums = Buffer.from(entries.map((e) => `${e.sha256}  ${e.name}\n`).join(''));
  await writeFile(join(dir, SUMS_FILE), sums);
  await writeFile(join(dir, SIGNATURE_FILE), `${sign(null, sums, key.value).toString('base64')}\n`);
  return ok(entries);
}

const SUMS_LINE = /^([0-9a-f]{64}) {2}([^\n\r\\]+)$/;

/**
 * Checks a release folder against the authority's public key: the signature of SHA256SUMS,
 * then every listed file's hash, that no file escapes the list, and that the SBOM is there
 * and parses. Returns every problem found (a bad signature stops there: nothing in an
 * unsigned list is worth checking).
 */
export async function verifyRelease(dir: string, publicKey: KeyObject): Promise<Result<VerifiedRelease, readonly ReleaseError[]>> {
  let sums: Buffer;
  let signature: string;
  try {
    sums = await readFile(join(dir, SUMS_FILE));
  } catch {
    return err([{ kind: 'missing-sums' }]);
  }
  try {
    signature = (await readFile(join(dir, SIGNATURE_FILE), 'utf8')).trim();
  } catch {
    return err([{ kind: 'missing-signature' }]);
  }
  const sig = Buffer.from(signature, 'base64');
  if (sig.length !== 64 || sig.toString('base64') !== signature || !verify(null, sums, publicKey, sig))
    return err([{ kind: 'bad-signature' }]);

  const problems: ReleaseError[] = [];
  const entries: ReleaseEntry[] = [];
  const lines = sums.toString('utf8').split('\n');
  if (lines.at(-1) === '') lines.pop();
  lines.forEach((text, i) => {
    const m = SUMS_LINE.exec(text);
    if (m === null) {
      problems.push({ kind: 'malformed-sums', line: i + 1, text });
      return;
    }
    const [, sha256 = '', name = ''] = m;
    if (name === SUMS_FILE || name === SIGNATURE_FILE || name.includes('/')) problems.push({ kind: 'malformed-sums', line: i + 1, text });
    else if (entries.some((e) => e.name === name)) problems.push({ kind: 'duplicate-entry', name });
    else entries.push({ name, sha256 });
  });

  const files = await releaseFiles(dir);
  if (!files.ok) return err([...problems, files.error]);
  for (const entry of entries) {
    if (!files.value.includes(entry.name)) {
      problems.push({ kind: 'missing-file', name: entry.name });
      continue;
    }
    const actual = await sha256File(join(dir, entry.name));
    if (actual !== entry.sha256) problems.push({ kind: 'hash-mismatch', name: entry.name, expected: entry.sha256, actual });
  }
  for (const name of files.value) if (!entries.some((e) => e.name === name)) problems.push({ kind: 'unlisted-file', name });

  const sbomName = entries.map((e) => e.name).find((name) => name.endsWith(SBOM_SUFFIX));
  let sbom: VerifiedRelease['sbom'] | null = null;
  if (sbomName === undefined) problems.push({ kind: 'no-sbom' });
  else if (files.value.includes(sbomName)) {
    const checked = await checkSbom(dir, sbomName);
    if (checked.ok) sbom = checked.value;
    else problems.push(checked.error);
  }
  if (problems.length > 0 || sbom === null) return err(problems);
  return ok({ entries, sbom });
}
