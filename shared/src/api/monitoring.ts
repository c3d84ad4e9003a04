import { z } from 'zod';
import type { Endpoint } from './endpoint.ts';

/** What officials watch on election night: alerts, rejected envelopes, the recount, the audit log. */

/** Keyset pages, newest first: `before` is the id of the last entry of the previous page. */
export const PageQuerySchema = z.object({
  limit: z.coerce.number().int().min(1).max(500).default(100),
  before: z.coerce.number().int().min(1).optional(),
});
export const TimelineQuerySchema = z.object({ bucketMinutes: z.coerce.number().int().min(1).max(1440).default(5) });

export const AlertSchema = z.object({
  id: z.number(),
  station: z.string().nullable(),
  kind: z.string(),
  detail: z.unknown(),
  raisedAt: z.string(),
});
export type Alert = z.infer<typeof AlertSchema>;
export const AlertPageSchema = z.object({ election: z.string(), alerts: z.array(AlertSchema), next: z.number().nullable() });

/** Why the validator refused an envelope (no credential is ever shown). */
export const REJECTION_REASONS = ['invalid-credential', 'wrong-station', 'duplicate', 'invalid-ballot'] as const;
export type RejectionReason = (typeof REJECTION_REASONS)[number];
export type RejectionCounts = { readonly [R in RejectionReason]: number } & { readonly all: number };

const reasonCounts = {
  'invalid-credential': z.number(),
  'wrong-station': z.number(),
  duplicate: z.number(),
  'invalid-ballot': z.number(),
  all: z.number(),
};
export const RejectionsSchema = z.object({
  election: z.string(),
  totals: z.object(reasonCounts),
  stations: z.array(z.object({ station: z.string(), ...reasonCounts })),
  ridings: z.array(z.object({ riding: z.string(), ...reasonCounts })),
  /** Second and later uses of an already used credential (never tallied); no hash is shown. */
  duplicateAttempts: z.object({ credentials: z.number(), attempts: z.number() }),
  bucketMinutes: z.number(),
  timeline: z.array(z.object({ at: z.string(), accepted: z.number(), duplicates: z.number(), invalid: z.number() })),
});
export type Rejections = z.infer<typeof RejectionsSchema>;

/** Invariant 5: every stored ballot recounted and compared with the live tally, count by count. */
export const RecountSchema = z.object({
  election: z.string(),
  ballots: z.number(),
  equal: z.boolean(),
  /** Each count that differs, as `contest riding option: live N, recount M`. */
  differences: z.array(z.string()),
});
export type Recount = z.infer<typeof RecountSchema>;

/** Every action the officials' audit log records (server/src/officials/audit.ts writes them). */
export const AUDIT_ACTIONS = [
  'auth.login',
  'auth.login_failed',
  'auth.locked',
  'auth.logout',
  'official.created',
  'election.saved',
  'election.state_changed',
  'election.certified_with_override',
  'credentials.loaded',
  'station.enrolment_token_issued',
  'station.revoked',
  'station.enrolled',
  'station.re_enrolled',
  'election.recount',
  'official.role_changed',
  'official.unlocked',
  'official.disabled',
  'official.enabled',
  'credentials.generation_started',
  'credentials.cards_downloaded',
  'export.downloaded',
  'batches.verified',
  'station.kit_downloaded',
  'queue.dead_letters_purged',
  'queue.dead_letters_requeued',
] as const;
export type AuditAction = (typeof AUDIT_ACTIONS)[number];
export const AuditEntrySchema = z.object({ id: z.number(), at: z.string(), actor: z.string(), action: z.string(), detail: z.unknown() });
export type AuditEntry = z.infer<typeof AuditEntrySchema>;
export const AuditPageSchema = z.object({
  entries: z.array(AuditEntrySchema),
  /** Pass as `before` to get the next (older) page; null on the last page. */
  next: z.number().nullable(),
});
export type AuditPage = z.infer<typeof AuditPageSchema>;

export const MONITORING_ENDPOINTS = {
  alerts: { method: 'GET', path: '/admin/elections/:id/alerts', role: 'official', query: PageQuerySchema, response: AlertPageSchema },
  rejections: {
    method: 'GET',
    path: '/admin/elections/:id/rejections',
    role: 'official',
    query: TimelineQuerySchema,
    response: RejectionsSchema,
  },
  recount: { method: 'GET', path: '/admin/elections/:id/recount', role: 'official', response: RecountSchema },
  audit: { method: 'GET', path: '/admin/audit', role: 'official', query: PageQuerySchema, response: AuditPageSchema },
} as const satisfies Record<string, Endpoint>;
