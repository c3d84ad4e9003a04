import { z } from 'zod';
import type { Endpoint } from './endpoint.ts';

/** Exports for officials (files: no JSON answer) and the check of a station's batch file. */
export const BatchCheckSchema = z.object({
  sequence: z.number(),
  envelopes: z.number(),
  /** `valid`, `wrong-station`, or why the signature does not verify. */
  signature: z.string(),
  batchHash: z.string().nullable(),
  central: z.enum(['matches', 'differs', 'not-received']),
});

export const VerificationSchema = z.object({
  election: z.string(),
  station: z.string(),
  fileSignature: z.enum(['valid', 'invalid']),
  batches: z.array(BatchCheckSchema),
  valid: z.number(),
  matching: z.number(),
  notReceived: z.number(),
  differing: z.number(),
  missingFromFile: z.array(z.number()),
});
export type Verification = z.infer<typeof VerificationSchema>;

export const EXPORT_ENDPOINTS = {
  resultsCsv: { method: 'GET', path: '/admin/elections/:id/exports/results.csv', role: 'official' },
  resultsNist: { method: 'GET', path: '/admin/elections/:id/exports/results.json', role: 'official' },
  cvrs: { method: 'GET', path: '/admin/elections/:id/exports/cvrs.json', role: 'official' },
  rctabConfig: { method: 'GET', path: '/admin/elections/:id/exports/irv/:contest/rctab-config.json', role: 'official' },
  rctabCvr: { method: 'GET', path: '/admin/elections/:id/exports/irv/:contest/cvr.json', role: 'official' },
  /** Its body is a station's export file, sealed (SealedBatchExportSchema) or opened (SignedBatchExportSchema), parsed by the server. */
  batchVerification: {
    method: 'POST',
    path: '/admin/elections/:id/batch-verification',
    role: 'official',
    body: z.unknown(),
    response: VerificationSchema,
  },
} as const satisfies Record<string, Endpoint>;
