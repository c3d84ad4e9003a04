import type { z } from 'zod';
import type { Role } from './roles.ts';

/**
 * One endpoint of the officials' and public API, as both sides use it: the server mounts its
 * handler on `path` (Express syntax, `:name` parameters) and answers with a value that
 * `satisfies` `ResponseOf` it; the console builds the URL with `pathOf` and parses the answer
 * with `response`. `role` is the least role the endpoint needs (none: public or login).
 * Declared `as const satisfies Endpoint`, so the method and path keep their literal types.
 */
export interface Endpoint<Path extends string = string> {
  readonly method: 'GET' | 'POST';
  readonly path: Path;
  readonly role?: Role;
  /** The JSON body it takes, when it takes one. */
  readonly body?: z.ZodType;
  /** Its query parameters, when it reads any. */
  readonly query?: z.ZodType;
  /** Its JSON answer; a download (a file) has none. */
  readonly response?: z.ZodType;
}

/** `/admin/elections/:id/stations/:station` → `'id' | 'station'`. */
export type PathParamNames<P extends string> = P extends `${string}:${infer Name}/${infer Rest}`
  ? Name | PathParamNames<`/${Rest}`>
  : P extends `${string}:${infer Name}`
    ? Name
    : never;
export type PathParams<P extends string> = { readonly [K in PathParamNames<P>]: string };

/** A type with every array and property readonly: what a server may answer with. */
export type DeepReadonly<T> = T extends readonly (infer U)[]
  ? readonly DeepReadonly<U>[]
  : T extends object
    ? { readonly [K in keyof T]: DeepReadonly<T[K]> }
    : T;

/** What a handler answers with: the response schema's input, read-only. */
export type ResponseOf<E extends Endpoint> = E['response'] extends z.ZodType ? DeepReadonly<z.input<E['response']>> : never;
/** What a client sends. */
export type BodyOf<E extends Endpoint> = E['body'] extends z.ZodType ? z.input<E['body']> : never;

/** The endpoint's path with its parameters filled in (each URI-encoded). */
export function pathOf<E extends Endpoint>(endpoint: E, params: PathParams<E['path']>): string {
  const values: Readonly<Record<string, string>> = params;
  return endpoint.path.replace(/:([A-Za-z]+)/g, (_, name: string) => encodeURIComponent(values[name] ?? ''));
}
