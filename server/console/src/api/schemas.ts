import { z } from 'zod';

/**
 * The wire shapes of the central API the console reads (docs/operators.md). Every answer is
 * parsed with one of these before the console uses it; Maps of the server's domain types
 * arrive as plain objects.
 */

export const RoleSchema = z.enum(['observer', 'official', 'admin']);
export type Role = z.infer<typeof RoleSchema>;
export const ROLE_ORDER: readonly Role[] = ['observer', 'official', 'admin'];
export const roleAtLeast = (role: Role, required: Role): boolean => ROLE_ORDER.indexOf(role) >= ROLE_ORDER.indexOf(required);

export const SessionSchema = z.object({ username: z.string(), role: RoleSchema, csrfToken: z.string(), expiresAt: z.string() });
export type Session = z.infer<typeof SessionSchema>;

export const ErrorBodySchema = z.object({
  error: z.object({ code: z.string(), message: z.string(), details: z.unknown().optional() }),
});

export const IssueSchema = z.object({ path: z.string(), message: z.string() });
export type Issue = z.infer<typeof IssueSchema>;

export const ElectionStateSchema = z.enum(['draft', 'open', 'closed', 'certified']);
export type ElectionState = z.infer<typeof ElectionStateSchema>;

export const ElectionsSchema = z.object({
  elections: z.array(
    z.object({
      id: z.string(),
      state: ElectionStateSchema,
      name: z.object({ fr: z.string(), en: z.string() }),
      opensAt: z.string(),
      closesAt: z.string(),
      syncDeadline: z.string(),
    }),
  ),
});
export type ElectionSummary = z.infer<typeof ElectionsSchema>['elections'][number];

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
  stationsTotal: z.number(),
  complete: z.boolean(),
});
export type RidingResult = z.infer<typeof RidingResultSchema>;

const ReferendumResultSchema = z.object({
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

export const ResultsSchema = z.object({
  version: z.string(),
  ridings: z.array(RidingResultSchema),
  parties: z.array(z.object({ party: z.string().nullable(), seats: z.number(), votes: z.number(), share: z.number() })),
  ridingsReporting: z.object({ total: z.number(), reporting: z.number(), complete: z.number() }),
  turnout: z.object({ registeredVoters: z.number(), ballots: z.number() }),
  referendums: z.array(
    z.object({
      contest: z.string(),
      national: ReferendumResultSchema,
      byRiding: z.array(z.object({ riding: z.string(), result: ReferendumResultSchema })),
    }),
  ),
});
export type Results = z.infer<typeof ResultsSchema>;

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
  missingSequences: z.array(z.object({ from: z.number(), to: z.number() })),
  missingCount: z.number(),
  alerts: z.number(),
});
export type StationHealth = z.infer<typeof StationHealthSchema>;
export const StationsSchema = z.object({ election: z.string(), stations: z.array(StationHealthSchema) });

export const TurnoutSchema = z.object({
  stations: z.array(z.object({ station: z.string(), riding: z.string(), registeredVoters: z.number(), ballots: z.number() })),
});

export const AlertsSchema = z.object({
  alerts: z.array(
    z.object({ id: z.number(), station: z.string().nullable(), kind: z.string(), detail: z.unknown(), raisedAt: z.string() }),
  ),
  next: z.number().nullable(),
});
export type Alert = z.infer<typeof AlertsSchema>['alerts'][number];

const reasonCounts = {
  'invalid-credential': z.number(),
  'wrong-station': z.number(),
  duplicate: z.number(),
  'invalid-ballot': z.number(),
  all: z.number(),
};
export const RejectionsSchema = z.object({
  totals: z.object(reasonCounts),
  stations: z.array(z.object({ station: z.string(), ...reasonCounts })),
  ridings: z.array(z.object({ riding: z.string(), ...reasonCounts })),
  duplicateAttempts: z.object({ credentials: z.number(), attempts: z.number() }),
  bucketMinutes: z.number(),
  timeline: z.array(z.object({ at: z.string(), accepted: z.number(), duplicates: z.number(), invalid: z.number() })),
});
export type Rejections = z.infer<typeof RejectionsSchema>;

export const RecountSchema = z.object({ ballots: z.number(), equal: z.boolean(), differences: z.array(z.string()) });
export type Recount = z.infer<typeof RecountSchema>;

export const AuditPageSchema = z.object({
  entries: z.array(z.object({ id: z.number(), at: z.string(), actor: z.string(), action: z.string(), detail: z.unknown() })),
  next: z.number().nullable(),
});
export type AuditEntry = z.infer<typeof AuditPageSchema>['entries'][number];

export const VerificationSchema = z.object({
  station: z.string(),
  fileSignature: z.enum(['valid', 'invalid']),
  batches: z.array(
    z.object({
      sequence: z.number(),
      envelopes: z.number(),
      signature: z.string(),
      batchHash: z.string().nullable(),
      central: z.enum(['matches', 'differs', 'not-received']),
    }),
  ),
  valid: z.number(),
  matching: z.number(),
  notReceived: z.number(),
  differing: z.number(),
  missingFromFile: z.array(z.number()),
});
export type Verification = z.infer<typeof VerificationSchema>;

export const OfficialSchema = z.object({
  username: z.string(),
  role: RoleSchema,
  createdAt: z.string(),
  failedLogins: z.number(),
  lockedUntil: z.string().nullable(),
});
export type Official = z.infer<typeof OfficialSchema>;
export const OfficialsSchema = z.object({ officials: z.array(OfficialSchema) });

export const CredentialJobSchema = z.object({
  id: z.string(),
  election: z.string(),
  phase: z.enum(['generating', 'loading', 'done', 'failed']),
  startedAt: z.string(),
  finishedAt: z.string().nullable(),
  totalVoters: z.number(),
  totalStations: z.number(),
  generatedVoters: z.number(),
  generatedStations: z.number(),
  loadedVoters: z.number(),
  error: z.string().nullable(),
});
export type CredentialJob = z.infer<typeof CredentialJobSchema>;
export const LatestJobSchema = z.object({ job: CredentialJobSchema.nullable() });

export const TokenSchema = z.object({ station: z.string(), token: z.string(), expiresAt: z.string() });
export const RevokedSchema = z.object({ station: z.string(), revokedAt: z.string().nullable() });
export const StateChangedSchema = z.object({ state: ElectionStateSchema, previous: ElectionStateSchema, override: z.boolean() });
export const SavedSchema = z.object({ id: z.string(), state: z.literal('draft'), ridings: z.number(), stations: z.number() });
export const PendingStationsSchema = z.object({
  stations: z.array(z.object({ station: z.string(), unprocessed: z.number(), missing: z.number() })),
});
export const AnySchema = z.unknown();
