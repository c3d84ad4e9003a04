import { err, ok, type Result, type ValidationIssue } from '@scrutin/shared';
import type { z } from 'zod';
import type { StationApi, StationError } from '../station/station_api.ts';
import { CallSchema, STATION_METHODS, replySchema, type ArgsOf, type StationMethod, type ValueOf } from './station_protocol.ts';

/**
 * The backend side of a hop (browser host, Electron main): parses a call, runs it on the
 * station, and checks the answer against the protocol before it leaves (so nothing the
 * protocol does not name ever crosses to the UI).
 */
export type DispatchError =
  | { readonly kind: 'bad-request'; readonly issues: readonly ValidationIssue[] }
  | { readonly kind: 'bad-reply'; readonly method: StationMethod; readonly issues: readonly ValidationIssue[] };

export function describeDispatchError(e: DispatchError): string {
  switch (e.kind) {
    case 'bad-request':
      return `refused call: ${e.issues.map((i) => `${i.path}: ${i.message}`).join('; ')}`;
    case 'bad-reply':
      return `the station's answer to ${e.method} does not follow the protocol: ${e.issues.map((i) => `${i.path}: ${i.message}`).join('; ')}`;
  }
}

const issues = (error: z.ZodError): ValidationIssue[] =>
  error.issues.map((i) => ({ path: i.path.map(String).join('.'), message: i.message }));

type Handler<M extends StationMethod> = (api: StationApi, args: ArgsOf<M>) => Promise<Result<ValueOf<M>, StationError>>;

const HANDLERS: { readonly [M in StationMethod]: Handler<M> } = {
  status: (api, args) => api.status(args),
  loadKit: (api, args) => api.loadKit(args),
  enrol: (api, args) => api.enrol(args),
  unlock: (api, args) => api.unlock(args),
  openPolls: (api, args) => api.openPolls(args),
  closePolls: (api, args) => api.closePolls(args),
  checkIn: (api, args) => api.checkIn(args),
  cast: (api, args) => api.cast(args),
  syncNow: (api, args) => api.syncNow(args),
  checkConnection: (api, args) => api.checkConnection(args),
  exportBatches: (api, args) => api.exportBatches(args),
  closingReport: (api, args) => api.closingReport(args),
};

async function invoke<M extends StationMethod>(
  api: StationApi,
  method: M,
  rawArgs: unknown,
): Promise<Result<Result<ValueOf<M>, StationError>, DispatchError>> {
  const args = STATION_METHODS[method].args.safeParse(rawArgs);
  if (!args.success) return err({ kind: 'bad-request', issues: issues(args.error) });
  const handler: Handler<M> = HANDLERS[method];
  const answer = await handler(api, args.data);
  const checked = replySchema(method).safeParse(answer);
  if (!checked.success) return err({ kind: 'bad-reply', method, issues: issues(checked.error) });
  return ok(checked.data);
}

/** Runs one call (any JSON) on the station; the station's own Result, or why the call could not be made. */
export async function dispatchCall(api: StationApi, raw: unknown): Promise<Result<Result<unknown, StationError>, DispatchError>> {
  const call = CallSchema.safeParse(raw);
  if (!call.success) return err({ kind: 'bad-request', issues: issues(call.error) });
  return invoke(api, call.data.method, call.data.args);
}
