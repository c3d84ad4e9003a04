import { z } from 'zod';

/**
 * Every refusal of the central API, to stations and to the console alike, is JSON
 * `{ error: { code, message, details? } }` with a stable, machine-readable code from this
 * table (its HTTP status beside it; docs/protocol.md lists it and a test keeps the two equal)
 * and a message a person can act on. A refused request changes nothing.
 */
export const ERROR_STATUS = {
  'malformed-json': 400,
  'invalid-request': 400,
  'bad-signature': 401,
  unauthenticated: 401,
  'station-not-enrolled': 403,
  'station-revoked': 403,
  forbidden: 403,
  'csrf-token-invalid': 403,
  'bad-enrolment-token': 403,
  'outside-voting-window': 403,
  'sync-deadline-passed': 403,
  'unknown-election': 404,
  'unknown-station': 404,
  'not-found': 404,
  'sequence-conflict': 409,
  'sequence-out-of-window': 409,
  'station-closed': 409,
  'not-yet-public': 409,
  'chain-mismatch': 409,
  'election-not-accepting': 409,
  'test-batch-in-live-election': 409,
  'live-batch-in-test-election': 409,
  'station-already-enrolled': 409,
  'not-editable': 409,
  'body-too-large': 413,
  'unsupported-media-type': 415,
  'invalid-batch': 422,
  'export-unopenable': 422,
  'invalid-ballots': 422,
  'batch-too-small': 422,
  'invalid-definition': 422,
  'rate-limited': 429,
  'account-locked': 429,
  'service-unavailable': 503,
  'internal-error': 500,
  'invalid-transition': 409,
  'batches-pending': 409,
  'station-not-revocable': 409,
  'official-exists': 409,
  'credential-conflict': 409,
  'unknown-official': 404,
  'credentials-already-loaded': 409,
  'token-expired': 410,
  busy: 503,
} as const;
export type ErrorCode = keyof typeof ERROR_STATUS;
export const ERROR_CODES = Object.keys(ERROR_STATUS) as [ErrorCode, ...ErrorCode[]];
export const ErrorCodeSchema = z.enum(ERROR_CODES);

/**
 * The error body as clients read it: the code stays a string, so a client meets a code added
 * after it was built with its generic handling, never with a parse failure.
 */
export const ErrorBodySchema = z.object({
  error: z.object({ code: z.string(), message: z.string(), details: z.unknown().optional() }),
});

/** The error body as the server writes it: only codes of the table. */
export interface ErrorBody extends z.infer<typeof ErrorBodySchema> {
  readonly error: { readonly code: ErrorCode; readonly message: string; readonly details?: unknown };
}

/** A `details` entry of `invalid-request`, `invalid-definition`, … refusals. */
export const IssueSchema = z.object({ path: z.string(), message: z.string() });
export type Issue = z.infer<typeof IssueSchema>;

/** A refusal as a client sees it: the code, or `http-<status>` when the body is not an error body. */
export interface Refusal {
  readonly status: number;
  readonly code: string;
  readonly message: string;
  readonly details?: unknown;
}

export function refusalOf(status: number, body: unknown): Refusal {
  const parsed = ErrorBodySchema.safeParse(body);
  if (!parsed.success) return { status, code: `http-${status}`, message: '' };
  const { code, message, details } = parsed.data.error;
  return { status, code, message, ...(details === undefined ? {} : { details }) };
}
