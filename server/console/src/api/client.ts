import { err, ok, type Result } from '@scrutin/shared';
import type { z } from 'zod';
import { ErrorBodySchema, IssueSchema, type Issue } from './schemas.ts';

/**
 * The console's one way to the central API: same origin, the session cookie sent by the
 * browser (httpOnly: scripts never see it), the session's CSRF token on every change, and
 * every answer parsed with its schema. Expected refusals come back as `ApiFailure` values.
 */

export interface ApiFailure {
  /** The server's error code, or `network` / `bad-answer` for failures before one. */
  readonly code: string;
  readonly status: number;
  readonly message: string;
  readonly details?: unknown;
}

let csrfToken = '';

export function setCsrfToken(token: string): void {
  csrfToken = token;
}

/** Listeners told when the session ended (401): the console goes back to the login page. */
const expiredListeners = new Set<() => void>();
export function onSessionExpired(listener: () => void): () => void {
  expiredListeners.add(listener);
  return () => expiredListeners.delete(listener);
}

export const API = '/api/v1';

export async function call<S extends z.ZodType>(
  schema: S,
  method: 'GET' | 'POST',
  path: string,
  body?: unknown,
): Promise<Result<z.infer<S>, ApiFailure>> {
  let response: Response;
  try {
    response = await fetch(`${API}${path}`, {
      method,
      credentials: 'same-origin',
      headers: {
        accept: 'application/json',
        ...(method === 'GET' ? {} : { 'x-csrf-token': csrfToken }),
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) }),
    });
  } catch (error) {
    return err({ code: 'network', status: 0, message: error instanceof Error ? error.message : String(error) });
  }
  if (response.status === 204) {
    const empty = schema.safeParse(undefined);
    return empty.success ? ok(empty.data) : err({ code: 'bad-answer', status: 204, message: 'The server sent no content.' });
  }
  const json: unknown = await response.json().catch(() => undefined);
  if (!response.ok) {
    const parsed = ErrorBodySchema.safeParse(json);
    if (response.status === 401 && path !== '/auth/login') for (const l of expiredListeners) l();
    return err(
      parsed.success
        ? { code: parsed.data.error.code, status: response.status, message: parsed.data.error.message, details: parsed.data.error.details }
        : { code: 'bad-answer', status: response.status, message: `HTTP ${response.status}` },
    );
  }
  const parsed = schema.safeParse(json);
  if (!parsed.success) return err({ code: 'bad-answer', status: response.status, message: `Unexpected answer from ${path}.` });
  return ok(parsed.data);
}

/** The `details` of a refusal as path/message issues, when it carries them. */
export function issuesOf(failure: ApiFailure): Issue[] {
  if (!Array.isArray(failure.details)) return [];
  return failure.details.flatMap((d) => {
    const parsed = IssueSchema.safeParse(d);
    return parsed.success ? [parsed.data] : [];
  });
}

/** A download link's URL (the browser sends the session cookie with it). */
export const downloadUrl = (path: string): string => `${API}${path}`;

/** A POST whose answer is a file: saved by the browser under the server's file name. */
export async function postForDownload(path: string, body: unknown): Promise<Result<string, ApiFailure>> {
  let response: Response;
  try {
    response = await fetch(`${API}${path}`, {
      method: 'POST',
      credentials: 'same-origin',
      headers: { 'content-type': 'application/json', 'x-csrf-token': csrfToken },
      body: JSON.stringify(body),
    });
  } catch (error) {
    return err({ code: 'network', status: 0, message: error instanceof Error ? error.message : String(error) });
  }
  if (!response.ok) {
    const parsed = ErrorBodySchema.safeParse(await response.json().catch(() => undefined));
    return err(
      parsed.success
        ? { ...parsed.data.error, status: response.status }
        : { code: 'bad-answer', status: response.status, message: `HTTP ${response.status}` },
    );
  }
  const name = /filename="([^"]+)"/.exec(response.headers.get('content-disposition') ?? '')?.[1] ?? 'download';
  const url = URL.createObjectURL(await response.blob());
  const link = document.createElement('a');
  link.href = url;
  link.download = name;
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => {
    URL.revokeObjectURL(url);
  }, 10_000);
  return ok(name);
}
