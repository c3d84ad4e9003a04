import { z } from 'zod';
import { ElectionIdSchema, StationIdSchema } from '../ids.ts';
import { PublicKeySchema } from './batch.ts';

/**
 * Enrolment (docs/protocol.md §2): the station posts the public key it made itself with the
 * one-time token an official issued; central binds the key to the station and answers with
 * its own receipt key.
 */
export const EnrolRequestSchema = z.object({
  election: ElectionIdSchema,
  station: StationIdSchema,
  token: z.string().min(20).max(200),
  publicKey: PublicKeySchema,
});
export type EnrolRequest = z.infer<typeof EnrolRequestSchema>;

/** `200` to `POST /stations/enrol`. */
export const EnrolResponseSchema = z.object({
  station: StationIdSchema,
  enrolledAt: z.iso.datetime({ offset: true }),
  centralPublicKey: PublicKeySchema,
});
export type EnrolResponse = z.infer<typeof EnrolResponseSchema>;
