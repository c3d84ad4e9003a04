import cookieParser from 'cookie-parser';
import { Router } from 'express';
import { formatTrackingCode, type TrackingCode } from '@scrutin/shared';
import { CONSOLE_API as API, ReceiptParamsSchema, type ResponseOf } from '@scrutin/shared/api';
import type { AppContext } from '../app/context.ts';
import { ReceiptChecker, receiptsArePublic } from '../results/receipts.ts';
import { ApiError } from './errors.ts';
import { noStore, publicElectionOf } from './http.ts';

/**
 * The public receipt check (issue 11, docs/protocol.md §3): `GET /elections/:id/receipts/:code`
 * answers whether a ballot carrying this tracking code was received and counted, and nothing
 * more. Central keeps the codes of counted envelopes in `tracking_code_sets` (one row of sorted
 * codes a batch), with no link to a ballot, so the answer cannot name one; it never names the station either.
 *
 * - Before the polls have closed (the definition's `closesAt`, or the election closed or
 *   certified), every code, known or not, answers `409 not-yet-public`: nothing about a code
 *   is learnt while voting goes on.
 * - After: `200 {election, code, status: "counted"}` or `404 not-found`, the same lookup for
 *   every well-formed code.
 * - A code that does not parse (12 Crockford characters, case, dashes, O/I/L forgiven) is
 *   `400 invalid-request`; a draft (to anyone but an official) or unknown election is `404
 *   unknown-election`, as on the results routes.
 *
 * Each client address may ask RECEIPT_RATE_PER_IP times a minute (`ctx.limits.receiptsPerAddress`,
 * counters shared by the API processes through Redis; `429 rate-limited` beyond, with
 * Retry-After). The limit spares the database; it is not the defence against guessing: a code
 * is 60 random bits, so with 10 million counted ballots one guess in 2^60 / 10^7 ≈ 1.2 × 10^11
 * hits a counted code, a million guesses a second find about one every 32 hours, and a hit
 * says only that some ballot, which nobody can find with it, was counted.
 */

export function receiptsRoutes(ctx: AppContext): Router {
  const router = Router();
  const receipts = new ReceiptChecker(ctx.services.db);

  router.get(API.receipt.path, ctx.limits.receiptsPerAddress, noStore, cookieParser(), async (req, res) => {
    const { election, state } = await publicElectionOf(ctx, req);
    const params = ReceiptParamsSchema.safeParse(req.params);
    if (!params.success)
      throw new ApiError('invalid-request', 'A receipt code is 12 letters and digits, printed as XXXX-XXXX-XXXX.', [
        { path: 'code', message: 'not a tracking code' },
      ]);
    if (!receiptsArePublic(election, state, ctx.now()))
      throw new ApiError(
        'not-yet-public',
        `Receipts of election ${election.id} can be checked once its polls have closed (${election.closesAt}).`,
        { closesAt: election.closesAt },
      );
    const code: TrackingCode = params.data.code;
    if (!(await receipts.isCounted(election.id, code)))
      throw new ApiError('not-found', 'No counted ballot carries this receipt code. Check the code, or ask the returning officer.');
    res.json({ election: election.id, code: formatTrackingCode(code), status: 'counted' } satisfies ResponseOf<typeof API.receipt>);
  });

  return router;
}
