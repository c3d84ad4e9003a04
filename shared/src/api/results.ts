import { z } from 'zod';
import type { Endpoint } from './endpoint.ts';

/**
 * The public results API as it travels: the tally's results (shared/src/tally/national.ts)
 * with their Maps as plain objects.
 */
const counts = z.record(z.string(), z.number());

export const IrvRoundSchema = z.object({
  round: z.number(),
  tally: counts,
  threshold: z.number(),
  inactive: counts,
  decisions: z.array(
    z.object({
      kind: z.enum(['elected', 'eliminated']),
      candidate: z.string(),
      byTiebreak: z.boolean(),
      transfers: z.object({ toCandidates: counts, exhausted: z.number() }),
    }),
  ),
});
export type IrvRound = z.infer<typeof IrvRoundSchema>;

const PluralityOutcomeSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('no-votes') }),
  z.object({ kind: z.literal('winner'), candidate: z.string() }),
  z.object({ kind: z.literal('tie'), tied: z.array(z.string()) }),
  z.object({ kind: z.literal('winner-by-lot'), candidate: z.string(), tied: z.array(z.string()) }),
]);

export const RaceSchema = z.discriminatedUnion('kind', [
  z.object({
    kind: z.literal('plurality'),
    result: z.object({
      standings: z.array(z.object({ candidate: z.string(), votes: z.number() })),
      valid: z.number(),
      blank: z.number(),
      outcome: PluralityOutcomeSchema,
    }),
  }),
  z.object({
    kind: z.literal('irv'),
    result: z.object({
      rounds: z.array(IrvRoundSchema),
      winners: z.array(z.string()),
      summary: z.object({ finalThreshold: z.number(), totalNumBallots: z.number(), undervotes: z.number() }),
    }),
  }),
  z.object({ kind: z.literal('irv-error'), error: z.object({ kind: z.string() }) }),
  z.object({ kind: z.literal('no-votes') }),
]);
export type Race = z.infer<typeof RaceSchema>;

export const RidingResultSchema = z.object({
  riding: z.string(),
  contest: z.string(),
  method: z.enum(['plurality', 'irv']),
  race: RaceSchema,
  winner: z.object({ candidate: z.string(), party: z.string().nullable() }).nullable(),
  ballots: z.number(),
  registeredVoters: z.number(),
  stationsReporting: z.number(),
  /** Stations whose polls are closed and whose count is whole (final batch counted, none missing). */
  stationsClosed: z.number(),
  stationsTotal: z.number(),
  complete: z.boolean(),
});
export type RidingResult = z.infer<typeof RidingResultSchema>;

export const ReferendumResultSchema = z.object({
  counts: z.object({ oui: z.number(), non: z.number(), blank: z.number() }),
  cast: z.number(),
  ouiShare: z.number().nullable(),
  outcome: z.discriminatedUnion('kind', [
    z.object({ kind: z.literal('adopted') }),
    z.object({ kind: z.literal('rejected'), reason: z.enum(['majority-not-reached', 'quorum-not-met']) }),
    z.object({ kind: z.literal('no-votes') }),
  ]),
});
export type ReferendumResult = z.infer<typeof ReferendumResultSchema>;

export const ReferendumResultsSchema = z.object({
  contest: z.string(),
  national: ReferendumResultSchema,
  byRiding: z.array(z.object({ riding: z.string(), result: ReferendumResultSchema })),
});

/** National results with their version (a change marker), as `GET …/results` and the event stream send them. */
export const ResultsSchema = z.object({
  version: z.string(),
  ridings: z.array(RidingResultSchema),
  parties: z.array(z.object({ party: z.string().nullable(), seats: z.number(), votes: z.number(), share: z.number() })),
  ridingsReporting: z.object({ total: z.number(), reporting: z.number(), complete: z.number() }),
  stations: z.object({ total: z.number(), reporting: z.number(), closed: z.number() }),
  turnout: z.object({ registeredVoters: z.number(), ballots: z.number() }),
  referendums: z.array(ReferendumResultsSchema),
});
export type Results = z.infer<typeof ResultsSchema>;
export const ElectionResultsSchema = ResultsSchema.extend({ election: z.string() });

const turnoutFigures = { registeredVoters: z.number(), ballots: z.number() };
export const TurnoutSchema = z.object({
  election: z.string(),
  total: z.object(turnoutFigures),
  ridings: z.array(z.object({ riding: z.string(), ...turnoutFigures })),
  stations: z.array(z.object({ station: z.string(), riding: z.string(), ...turnoutFigures })),
});
export type Turnout = z.infer<typeof TurnoutSchema>;

export const RESULT_ENDPOINTS = {
  results: { method: 'GET', path: '/elections/:id/results', response: ElectionResultsSchema },
  ridingResult: { method: 'GET', path: '/elections/:id/results/ridings/:riding', response: RidingResultSchema },
  referendumResult: { method: 'GET', path: '/elections/:id/results/referendums/:contest', response: ReferendumResultsSchema },
  turnout: { method: 'GET', path: '/elections/:id/turnout', response: TurnoutSchema },
  /** Server-sent events: `results` events carrying `Results`, at most one a second. */
  events: { method: 'GET', path: '/elections/:id/events' },
} as const satisfies Record<string, Endpoint>;
