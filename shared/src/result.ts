/**
 * Expected failures are values, not exceptions. A `Result` is either `ok` with a value or
 * `err` with a typed error; callers must look before they use it.
 */
export type Ok<T> = { readonly ok: true; readonly value: T };
export type Err<E> = { readonly ok: false; readonly error: E };
export type Result<T, E> = Ok<T> | Err<E>;

export function ok<T>(value: T): Ok<T> {
  return { ok: true, value };
}

export function err<E>(error: E): Err<E> {
  return { ok: false, error };
}

/** For exhaustive switches: a union member that reaches here is a compile error. */
export function assertNever(value: never, what = 'value'): never {
  throw new Error(`Unexpected ${what}: ${JSON.stringify(value)}`);
}

/** Unwraps a result where failure is a bug (tests, fixtures). */
export function unwrap<T, E>(result: Result<T, E>): T {
  if (!result.ok) {
    throw new Error(`unwrap of an error result: ${JSON.stringify(result.error)}`);
  }
  return result.value;
}
