import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  batchHash,
  canonicalJson,
  PublicKeySchema,
  SignedBatchSchema,
  SignedReceiptSchema,
  verifyBatch,
  verifyReceipt,
  type Ballot,
} from '@scrutin/shared/node';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { ERROR_STATUS } from '../api/errors.ts';
import { EnrolRequestSchema } from './enrolment.ts';

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
    expect(doc).toContain(`Its batch hash is \`${batchHash(batch.body)}\``);
  });

  it('shows the canonical bytes of the example ballot exactly', () => {
    const ballot = batch.body.envelopes[0]?.ballot as Ballot;
    expect(example('canonical-ballot')).toBe(canonicalJson(ballot));
  });

  it('has a receipt for that batch signed by the example central key', () => {
    const receipt = SignedReceiptSchema.parse(example('receipt'));
    expect(verifyReceipt(receipt, centralKey)).toBe(true);
    expect(receipt.body.batchHash).toBe(batchHash(batch.body));
  });

  it('has enrolment, status and error examples in the shapes the server uses', () => {
    expect(EnrolRequestSchema.safeParse(example('enrol-request')).success).toBe(true);
    expect(
      z
        .object({ station: z.string(), enrolledAt: z.iso.datetime(), centralPublicKey: PublicKeySchema })
        .strict()
        .safeParse(example('enrol-response')).success,
    ).toBe(true);
    const status = z
      .object({
        election: z.string(),
        station: z.string(),
        lastSequence: z.int(),
        digest: z.string().length(64),
        missing: z.array(z.int()),
        batches: z.array(
          z.object({ sequence: z.int(), batchHash: z.string().length(64), status: z.enum(['received', 'processed']) }).strict(),
        ),
      })
      .strict();
    expect(status.safeParse(example('status')).success).toBe(true);
    const error = z
      .object({ error: z.object({ code: z.enum(Object.keys(ERROR_STATUS) as [keyof typeof ERROR_STATUS]), message: z.string() }) })
      .strict();
    expect(error.safeParse(example('error')).success).toBe(true);
  });

  it('lists every error code with its HTTP status, and no other', () => {
    const rows = [...doc.matchAll(/^\| `([a-z-]+)` \| (\d{3}) \|/gm)].map((m) => [m[1], Number(m[2])]);
    expect(Object.fromEntries(rows)).toEqual(ERROR_STATUS);
  });
});
