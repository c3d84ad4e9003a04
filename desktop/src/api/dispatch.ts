import { err, ok, type Result, type ValidationIssue } from '@scrutin/shared';
import type { z } from 'zod';
import { STATION_METHODS, type StationApi, type StationCalls, type StationError, type StationMethod, type ValueOf } from './station_api.ts';
import { CallSchema, replySchema } from './station_protocol.ts';

/**
 * The backend side of a hop (browser host, Electron's utility process): parses a call, runs
 * it on the station, and checks the answer against the protocol before it leaves (so nothing
 * the protocol does not name ever crosses to the UI).
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

async function invoke<M extends StationMethod>(
  api: StationApi,
  method: M,
  rawArgs: unknown,
): Promise<Result<Result<ValueOf<M>, StationError>, DispatchError>> {
  const args = STATION_METHODS[method].args.safeParse(rawArgs);
  if (!args.success) return err({ kind: 'bad-request', issues: issues(args.error) });
  const calls: StationCalls = api;
  const answer = await calls[method](args.data);
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
