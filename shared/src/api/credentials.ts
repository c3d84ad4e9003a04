import { z } from 'zod';
import { CredentialHashSchema, StationIdSchema } from '../ids.ts';
import type { Endpoint } from './endpoint.ts';

/**
 * Voters' credentials on central: the check values of `central.csv`, which the authority
 * generates offline with `scrutin credentials generate` and loads here in slices. Voter
 * cards never reach central. Only the embedded demo (SCRUTIN_MODE=demo; tests too) may
 * generate credentials in the server, as a background job that writes no card.
 */

/** Most credential entries one request may load; bigger files are sent in several requests. */
export const MAX_CREDENTIALS_PER_REQUEST = 50_000;

export const CredentialsLoadRequestSchema = z.strictObject({
  entries: z
    .array(z.strictObject({ credentialHash: CredentialHashSchema, station: StationIdSchema }))
    .min(1, 'send at least one entry')
    .max(MAX_CREDENTIALS_PER_REQUEST, `send at most ${MAX_CREDENTIALS_PER_REQUEST} entries per request`),
});
export type CredentialsLoadRequest = z.infer<typeof CredentialsLoadRequestSchema>;
export const CredentialsLoadedSchema = z.object({ election: z.string(), loaded: z.number(), stations: z.number() });

export const CREDENTIAL_JOB_PHASES = ['generating', 'loading', 'done', 'failed'] as const;
export const CredentialJobPhaseSchema = z.enum(CREDENTIAL_JOB_PHASES);
export type CredentialJobPhase = z.infer<typeof CredentialJobPhaseSchema>;

export const CredentialJobSchema = z.object({
  id: z.string(),
  election: z.string(),
  phase: CredentialJobPhaseSchema,
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
/**
 * `demo`: this server may generate credentials in process (the embedded demo; tests);
 * `offline`: it refuses to (production): the authority runs `scrutin credentials generate`.
 */
export const CredentialGenerationSchema = z.enum(['demo', 'offline']);
export type CredentialGeneration = z.infer<typeof CredentialGenerationSchema>;
export const LatestCredentialJobSchema = z.object({ job: CredentialJobSchema.nullable(), generation: CredentialGenerationSchema });

export const CREDENTIAL_ENDPOINTS = {
  loadCredentials: {
    method: 'POST',
    path: '/admin/elections/:id/credentials',
    role: 'admin',
    body: CredentialsLoadRequestSchema,
    response: CredentialsLoadedSchema,
  },
  /** Demo only (403 forbidden in production): answers 202 with the job. Writes no voter card. */
  startCredentialJob: { method: 'POST', path: '/admin/elections/:id/credentials/jobs', role: 'admin', response: CredentialJobSchema },
  latestCredentialJob: {
    method: 'GET',
    path: '/admin/elections/:id/credentials/jobs/latest',
    role: 'admin',
    response: LatestCredentialJobSchema,
  },
  credentialJob: { method: 'GET', path: '/admin/elections/:id/credentials/jobs/:job', role: 'admin', response: CredentialJobSchema },
} as const satisfies Record<string, Endpoint>;
