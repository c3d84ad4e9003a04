/**
 * `@scrutin/shared/api`: the officials' and public API of the central server, schema first.
 * Each area declares its request and response schemas and its endpoints; `CONSOLE_API` is
 * all of them. The server mounts each handler on its endpoint and answers with a value that
 * `satisfies` it; the results console calls endpoints through it and parses every answer with
 * its schema. Adding an endpoint touches its area's file and its handler. Browser-safe.
 */
import { CREDENTIAL_ENDPOINTS } from './credentials.ts';
import { ELECTION_ENDPOINTS } from './elections.ts';
import type { Endpoint } from './endpoint.ts';
import { EXPORT_ENDPOINTS } from './exports.ts';
import { MONITORING_ENDPOINTS } from './monitoring.ts';
import { OFFICIAL_ENDPOINTS } from './officials.ts';
import { RECEIPT_ENDPOINTS } from './receipts.ts';
import { RESULT_ENDPOINTS } from './results.ts';
import { SESSION_ENDPOINTS } from './session.ts';
import { STATION_ENDPOINTS } from './stations.ts';

export * from './endpoint.ts';
export * from './roles.ts';
export * from './session.ts';
export * from './elections.ts';
export * from './officials.ts';
export * from './stations.ts';
export * from './credentials.ts';
export * from './monitoring.ts';
export * from './results.ts';
export * from './receipts.ts';
export * from './exports.ts';
export { ErrorBodySchema, IssueSchema, refusalOf, type ErrorCode, type Issue, type Refusal } from '../protocol/errors.ts';

export const CONSOLE_API = {
  ...SESSION_ENDPOINTS,
  ...ELECTION_ENDPOINTS,
  ...RESULT_ENDPOINTS,
  ...RECEIPT_ENDPOINTS,
  ...STATION_ENDPOINTS,
  ...CREDENTIAL_ENDPOINTS,
  ...OFFICIAL_ENDPOINTS,
  ...MONITORING_ENDPOINTS,
  ...EXPORT_ENDPOINTS,
} as const satisfies Record<string, Endpoint>;
export type ConsoleApi = typeof CONSOLE_API;
