import type { Endpoint } from '../api/endpoint.ts';
import { SealedResendAnswerSchema, SignedBatchSchema, SignedReceiptSchema } from './batch.ts';
import { EnrolRequestSchema, EnrolResponseSchema } from './enrolment.ts';
import { CentralKeysSchema, SealedBatchExportSchema } from './export_sealing.ts';
import { SyncStatusQuerySchema, SyncStatusSchema } from './sync_status.ts';

/**
 * The station protocol's endpoints (docs/protocol.md), written once as the officials' API is
 * (`CONSOLE_API` in @scrutin/shared/api): central mounts each route on its `path` (under
 * `/api/v1`), the station and the load generator's client post to it, and the OpenAPI
 * document describes it. `status` is the success status the route answers with.
 */
export interface ProtocolEndpoint extends Endpoint {
  readonly status: 200 | 202;
  readonly summary: string;
}

export const SYNC_ENDPOINTS = {
  enrol: {
    method: 'POST',
    path: '/stations/enrol',
    body: EnrolRequestSchema,
    response: EnrolResponseSchema,
    status: 200,
    summary: 'Enrol a station with its one-time token (docs/protocol.md §2).',
  },
  batches: {
    method: 'POST',
    path: '/sync/batches',
    body: SignedBatchSchema,
    response: SignedReceiptSchema,
    status: 202,
    summary: 'Send a signed batch; answered with the signed receipt once durably queued (§4, §5).',
  },
  sealedBatches: {
    method: 'POST',
    path: '/sync/sealed-batches',
    body: SealedBatchExportSchema,
    response: SealedResendAnswerSchema,
    status: 200,
    summary: 'Give back, sealed to the export key, batches central acknowledged and lost (§6, §10).',
  },
  syncStatus: {
    method: 'GET',
    path: '/sync/status',
    query: SyncStatusQuerySchema,
    response: SyncStatusSchema,
    status: 200,
    summary: 'What central holds of a station (§6).',
  },
  centralKey: {
    method: 'GET',
    path: '/central-key',
    response: CentralKeysSchema,
    status: 200,
    summary: "Central's receipt key and export key.",
  },
} as const satisfies Record<string, ProtocolEndpoint>;

/**
 * The URL of a protocol endpoint on the central server at `central` (its address as a kit names
 * it: scheme, host and any path prefix, without `/api/v1`).
 */
export function syncUrl(central: string, endpoint: ProtocolEndpoint): URL {
  return new URL(`api/v1${endpoint.path}`, central.endsWith('/') ? central : `${central}/`);
}
