import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  batchHash,
  canonicalEnvelopeJson,
  canonicalJson,
  credentialHash,
  deriveCredential,
  DEFAULT_KDF,
  PublicKeySchema,
  SignedBatchSchema,
  SignedReceiptSchema,
  TEST_KDF,
  verifyBatch,
  verifyReceipt,
  type ElectionId,
  type Nas,
  type VoterCode,
} from '@scrutin/shared/node';
import { describe, expect, it } from 'vitest';
import {
  EnrolRequestSchema,
  EnrolResponseSchema,
  ERROR_STATUS,
  ErrorBodySchema,
  ErrorCodeSchema,
  SyncStatusSchema,
} from '@scrutin/shared/protocol';

/** docs/protocol.md must stay true: its examples are checked against the code here. */
const doc = readFileSync(join(import.meta.dirname, '../../../docs/protocol.md'), 'utf8');

function example(name: string): unknown {
  const match = new RegExp(`<!-- example: ${name} -->\\s*\`\`\`json\\n([\\s\\S]*?)\\n\`\`\``).exec(doc);
  if (match?.[1] === undefined) throw new Error(`docs/protocol.md has no example "${name}"`);
  return JSON.parse(match[1]);
}

describe('docs/protocol.md', () => {
  const stationKey = PublicKeySchema.parse(example('station-public-key'));
  const centralKey = PublicKeySchema.parse(example('central-public-key'));
  const batch = SignedBatchSchema.parse(example('batch'));

  it('has an example batch that verifies with the example station key', () => {
    expect(verifyBatch(batch, stationKey).ok).toBe(true);
    expect(doc).toContain(`Its batch hash is \`${batchHash(batch.header)}\``);
  });

  it('shows the canonical bytes of the example envelope exactly', () => {
    const envelope = batch.envelopes[0];
    if (envelope === undefined) throw new Error('no envelope');
    expect(example('canonical-envelope')).toBe(canonicalEnvelopeJson(envelope));
    expect(example('canonical-envelope')).toBe(canonicalJson(envelope));
  });

  it('gives the example card’s credential and check value as the code derives them', () => {
    const card = ['qc-demo-2026' as ElectionId, '046454286' as Nas, '7KQ4M2ZXW9PDE' as VoterCode] as const;
    const test = deriveCredential(...card, TEST_KDF);
    const production = deriveCredential(...card, DEFAULT_KDF);
    expect(batch.envelopes[0]?.credential).toBe(test);
    for (const value of [test, credentialHash(test), production, credentialHash(production)]) expect(doc).toContain(`\`${value}\``);
  });

  it('has a receipt for that batch signed by the example central key', () => {
    const receipt = SignedReceiptSchema.parse(example('receipt'));
    expect(verifyReceipt(receipt, centralKey)).toBe(true);
    expect(receipt.body.batchHash).toBe(batchHash(batch.header));
  });

  it('has enrolment, status and error examples in the protocol schemas, with no other field', () => {
    expect(EnrolRequestSchema.strict().safeParse(example('enrol-request')).success).toBe(true);
    expect(EnrolResponseSchema.strict().safeParse(example('enrol-response')).success).toBe(true);
    expect(SyncStatusSchema.safeParse(example('status')).success).toBe(true);
    const error = ErrorBodySchema.extend({ error: ErrorBodySchema.shape.error.extend({ code: ErrorCodeSchema }).strict() }).strict();
    expect(error.safeParse(example('error')).success).toBe(true);
  });

  it('lists every error code with its HTTP status, and no other', () => {
    const rows = [...doc.matchAll(/^\| `([a-z-]+)` \| (\d{3}) \|/gm)].map((m) => [m[1], Number(m[2])]);
    expect(Object.fromEntries(rows)).toEqual(ERROR_STATUS);
  });
});
