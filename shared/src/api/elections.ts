import { z } from 'zod';
import { ElectionDefinitionSchema } from '../election/definition.ts';
import { ElectionModeSchema } from '../election/mode.ts';
import type { Endpoint } from './endpoint.ts';

/**
 * An election's states and its one lifecycle: draft → open → closed → certified, never back.
 * Only a draft can be replaced; credentials load while draft; certification waits until
 * every station is closed and counted whole (or an admin overrides with a reason).
 */
export const ELECTION_STATES = ['draft', 'open', 'closed', 'certified'] as const;
export const ElectionStateSchema = z.enum(ELECTION_STATES);
export type ElectionState = z.infer<typeof ElectionStateSchema>;

export const LIFECYCLE: { readonly [S in ElectionState]: ElectionState | null } = {
  draft: 'open',
  open: 'closed',
  closed: 'certified',
  certified: null,
};

/** The state an election may move to next, or null once certified. */
export function nextState(state: ElectionState): ElectionState | null {
  return LIFECYCLE[state];
}

export const BilingualSchema = z.object({ fr: z.string(), en: z.string() });

export const ElectionSummarySchema = z.object({
  id: z.string(),
  state: ElectionStateSchema,
  /** `test`: a logic-and-accuracy test election; the console marks every page and result of it as a test. */
  mode: ElectionModeSchema,
  name: BilingualSchema,
  opensAt: z.string(),
  closesAt: z.string(),
  syncDeadline: z.string(),
  /**
   * Set when the election was certified over stations not closed or not fully counted: the
   * admin's reason (from the audit log) and how many stations it covered. Shown with the results.
   */
  certificationOverride: z.object({ reason: z.string(), stations: z.number(), at: z.string() }).nullable(),
});
export type ElectionSummary = z.infer<typeof ElectionSummarySchema>;
export const ElectionListSchema = z.object({ elections: z.array(ElectionSummarySchema) });

/** `POST /admin/elections` answers 201 (created) or 200 (a draft replaced). Its body is an election definition. */
export const SavedElectionSchema = z.object({ id: z.string(), state: z.literal('draft'), ridings: z.number(), stations: z.number() });

export const StateChangeRequestSchema = z
  .strictObject({
    state: ElectionStateSchema,
    override: z.boolean().optional(),
    reason: z.string().trim().min(10, 'give a reason of at least 10 characters').max(2000).optional(),
  })
  .superRefine((value, context) => {
    if (value.override === true && value.reason === undefined)
      context.addIssue({ code: 'custom', path: ['reason'], message: 'an override needs a reason' });
    if (value.override === true && value.state !== 'certified')
      context.addIssue({ code: 'custom', path: ['override'], message: 'only certification can be overridden' });
  });
export type StateChangeRequest = z.infer<typeof StateChangeRequestSchema>;

export const StateChangedSchema = z.object({
  election: z.string(),
  state: ElectionStateSchema,
  previous: ElectionStateSchema,
  override: z.boolean(),
});

/**
 * A station whose count is not complete: it never reported, its polls are not closed (no final
 * batch), batches wait in the pipeline, or some are missing.
 */
export const PendingStationSchema = z.object({
  station: z.string(),
  /** At least one batch arrived from it. */
  reported: z.boolean(),
  /** Its final batch (sent at close of polls) arrived. */
  closed: z.boolean(),
  /** Batches received but not yet processed by a validator. */
  unprocessed: z.number(),
  /** Sequence numbers below the highest received that never arrived. */
  missing: z.number(),
});
export type PendingStation = z.infer<typeof PendingStationSchema>;
/** The `details` of a `batches-pending` refusal. */
export const PendingStationsSchema = z.object({ stations: z.array(PendingStationSchema) });
/** The `details` of an `invalid-transition` refusal. */
export const InvalidTransitionSchema = z.object({
  from: ElectionStateSchema,
  to: ElectionStateSchema,
  allowed: ElectionStateSchema.nullable(),
});

export const ELECTION_ENDPOINTS = {
  elections: { method: 'GET', path: '/elections', response: ElectionListSchema },
  /** The election definition. */
  election: { method: 'GET', path: '/elections/:id', response: ElectionDefinitionSchema },
  saveElection: { method: 'POST', path: '/admin/elections', role: 'admin', body: z.unknown(), response: SavedElectionSchema },
  changeState: {
    method: 'POST',
    path: '/admin/elections/:id/state',
    role: 'admin',
    body: StateChangeRequestSchema,
    response: StateChangedSchema,
  },
} as const satisfies Record<string, Endpoint>;
