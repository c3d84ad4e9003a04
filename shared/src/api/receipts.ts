import { z } from 'zod';
import { parseTrackingCode, type TrackingCode } from '../ballot/tracking_code.ts';
import type { Endpoint } from './endpoint.ts';

/**
 * The public receipt check: a voter's tracking code (the receipt the kiosk showed after
 * casting) answers whether central received and counted a ballot carrying it, once the polls
 * have closed, and nothing else: not the station, not the ballot, not a choice.
 */

/** Longest code text taken: 12 characters, their dashes and some stray spaces. */
export const MAX_TRACKING_CODE_INPUT = 40;

/**
 * The `:code` of the path as a voter types it: case, spaces and dashes do not matter, and O,
 * I and L are read as 0, 1 and 1 (`parseTrackingCode`).
 */
export const TrackingCodeInputSchema = z
  .string()
  .max(MAX_TRACKING_CODE_INPUT)
  .transform((input, ctx): TrackingCode => {
    const parsed = parseTrackingCode(input);
    if (parsed.ok) return parsed.value;
    ctx.addIssue({ code: 'custom', message: 'a tracking code is 12 Crockford base32 characters, as XXXX-XXXX-XXXX' });
    return z.NEVER;
  });

export const ReceiptParamsSchema = z.object({ id: z.string(), code: TrackingCodeInputSchema });

/** A tracking code as printed: XXXX-XXXX-XXXX. */
export const PrintedTrackingCodeSchema = z.string().regex(/^[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}$/);

/** The only answer besides a refusal: this code was on a ballot central counted. */
export const ReceiptSchema = z.strictObject({
  election: z.string(),
  code: PrintedTrackingCodeSchema,
  status: z.literal('counted'),
});
export type Receipt = z.infer<typeof ReceiptSchema>;

export const RECEIPT_ENDPOINTS = {
  /**
   * Public, rate-limited per client address. Before the polls close: 409 `not-yet-public` for
   * every code; after: 200 `Receipt` or 404 `not-found`; a code that does not parse: 400
   * `invalid-request`; a draft or unknown election: 404 `unknown-election`.
   */
  receipt: { method: 'GET', path: '/elections/:id/receipts/:code', response: ReceiptSchema },
} as const satisfies Record<string, Endpoint>;

/** The console's public page where a voter checks a receipt code (no login). */
export const RECEIPT_PAGE_PATH = '/console/receipt';

/**
 * The receipt page at central's public address (its `PUBLIC_URL`, the kit's `centralUrl`), as
 * the kiosk prints it under the code: `https://central.example.org/console/receipt`.
 */
export function receiptPageUrl(publicUrl: string): string {
  return new URL(RECEIPT_PAGE_PATH, publicUrl).href;
}
