import { z } from 'zod';
import type { Endpoint } from './endpoint.ts';

/** Stations as officials see and manage them: sync health, enrolment tokens, revocation, kits. */
export const StationHealthSchema = z.object({
  station: z.string(),
  riding: z.string(),
  enrolled: z.boolean(),
  enrolledAt: z.string().nullable(),
  revoked: z.boolean(),
  revokedAt: z.string().nullable(),
  lastSyncAt: z.string().nullable(),
  batches: z.object({ received: z.number(), processed: z.number(), pending: z.number() }),
  highestSequence: z.number(),
  /** Its polls are closed: the final batch, sent at close, has arrived. */
  closed: z.boolean(),
  missingSequences: z.array(z.object({ from: z.number(), to: z.number() })),
  missingCount: z.number(),
  alerts: z.number(),
});
export type StationHealth = z.infer<typeof StationHealthSchema>;
export const StationHealthListSchema = z.object({ election: z.string(), stations: z.array(StationHealthSchema) });

export const EnrolmentTokenRequestSchema = z.strictObject({
  ttlHours: z
    .int()
    .min(1)
    .max(24 * 14)
    .optional(),
});
export const EnrolmentTokenSchema = z.object({ election: z.string(), station: z.string(), token: z.string(), expiresAt: z.string() });
export const RevokedSchema = z.object({ election: z.string(), station: z.string(), revokedAt: z.string().nullable() });

/** The poll workers of a kit: their PINs travel in this request only; the kit holds their hashes. */
export const KitRequestSchema = z.strictObject({
  pollWorkers: z
    .array(z.strictObject({ name: z.string().trim().min(1).max(200), pin: z.string().regex(/^[0-9]{6,12}$/, 'a PIN is 6 to 12 digits') }))
    .min(2, 'a station needs at least two poll workers')
    .max(20),
  /** Render the audio ballot into the kit (espeak-ng on the server). */
  audio: z.boolean().optional(),
});
export type KitRequest = z.infer<typeof KitRequestSchema>;

export const STATION_ENDPOINTS = {
  stationHealth: { method: 'GET', path: '/admin/elections/:id/stations', role: 'official', response: StationHealthListSchema },
  /** Takes no body, or `EnrolmentTokenRequest`; answers 201. */
  enrolmentToken: {
    method: 'POST',
    path: '/admin/elections/:id/stations/:station/enrolment-token',
    role: 'admin',
    body: EnrolmentTokenRequestSchema,
    response: EnrolmentTokenSchema,
  },
  revoke: { method: 'POST', path: '/admin/elections/:id/stations/:station/revoke', role: 'admin', response: RevokedSchema },
  /** A tar archive of the station kit. */
  kit: { method: 'POST', path: '/admin/elections/:id/stations/:station/kit', role: 'admin', body: KitRequestSchema },
} as const satisfies Record<string, Endpoint>;
