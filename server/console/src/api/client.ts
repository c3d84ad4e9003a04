import { err, ok, type Result } from '@scrutin/shared';
import { ErrorBodySchema, IssueSchema, pathOf, type BodyOf, type Endpoint, type Issue, type PathParams } from '@scrutin/shared/api';
import type { z } from 'zod';

/**
 * The console's one way to the central API: the endpoints of the contract
 * (@scrutin/shared/api, `CONSOLE_API`), same origin, the session cookie sent by the browser
 * (httpOnly: scripts never see it), the session's CSRF token on every change, and every
 * answer parsed with its endpoint's schema. Expected refusals come back as `ApiFailure` values.
 */

export interface ApiFailure {
  /** The server's error code, or `network` / `bad-answer` for failures before one. */
  readonly code: string;
  readonly status: number;
  readonly message: string;
  readonly details?: unknown;
  /** Set by the console when it words the failure itself, in its language: shown instead of the code's text. */
  readonly text?: string;
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

/** What an endpoint answers, parsed: its response schema's output, nothing for one without. */
export type AnswerOf<E extends Endpoint> = E['response'] extends z.ZodType ? z.infer<E['response']> : undefined;

export interface CallOptions<E extends Endpoint> {
  /** The JSON body (or its text, sent as it is). */
  readonly body?: BodyOf<E> | string;
  readonly query?: Readonly<Record<string, string | number | undefined>>;
}

/** The URL path (under /api/v1) of an endpoint with its parameters and query. */
export function urlOf<E extends Endpoint>(endpoint: E, params: PathParams<E['path']>, query: CallOptions<E>['query'] = {}): string {
  const search = new URLSearchParams();
  for (const [name, value] of Object.entries(query)) if (value !== undefined) search.set(name, String(value));
  const rest = search.toString();
  return `${pathOf(endpoint, params)}${rest === '' ? '' : `?${rest}`}`;
}

export async function call<E extends Endpoint>(
  endpoint: E,
  params: PathParams<E['path']>,
  options: CallOptions<E> = {},
): Promise<Result<AnswerOf<E>, ApiFailure>> {
  const { method } = endpoint;
  const { body } = options;
  const path = urlOf(endpoint, params, options.query);
  const parse = (value: unknown): z.ZodSafeParseResult<AnswerOf<E>> =>
    endpoint.response === undefined
      ? { success: true, data: undefined as AnswerOf<E> }
      : (endpoint.response.safeParse(value) as z.ZodSafeParseResult<AnswerOf<E>>);
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
    const empty = parse(undefined);
    return empty.success ? ok(empty.data) : err({ code: 'bad-answer', status: 204, message: 'The server sent no content.' });
  }
  const json: unknown = await response.json().catch(() => undefined);
  if (!response.ok) {
    const parsed = ErrorBodySchema.safeParse(json);
    if (response.status === 401 && endpoint.path !== '/auth/login') for (const l of expiredListeners) l();
    return err(
      parsed.success
        ? { code: parsed.data.error.code, status: response.status, message: parsed.data.error.message, details: parsed.data.error.details }
        : { code: 'bad-answer', status: response.status, message: `HTTP ${response.status}` },
    );
  }
  const parsed = parse(json);
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
export const downloadUrl = <E extends Endpoint>(endpoint: E, params: PathParams<E['path']>): string => `${API}${pathOf(endpoint, params)}`;

/** A POST whose answer is a file: saved by the browser under the server's file name. */
export async function postForDownload<E extends Endpoint>(
  endpoint: E,
  params: PathParams<E['path']>,
  body: BodyOf<E>,
): Promise<Result<string, ApiFailure>> {
  let response: Response;
  try {
    response = await fetch(`${API}${pathOf(endpoint, params)}`, {
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
