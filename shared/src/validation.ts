import type { z } from 'zod';
import { err, ok, type Result } from './result.ts';

/** One problem in an input, with where it is (`contests[3].candidates[0].party`). */
export interface ValidationIssue {
  readonly path: string;
  readonly message: string;
}

export function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const key of path) {
    if (typeof key === 'number') out += `[${key}]`;
    else out += out === '' ? String(key) : `.${String(key)}`;
  }
  return out === '' ? '(root)' : out;
}

export function issuesOf(error: z.ZodError): ValidationIssue[] {
  return error.issues.map((issue) => ({ path: formatPath(issue.path), message: issue.message }));
}

/** Parses a boundary value with a schema and returns every problem at once. */
export function parseWith<S extends z.ZodType>(schema: S, input: unknown): Result<z.infer<S>, ValidationIssue[]> {
  const parsed = schema.safeParse(input);
  return parsed.success ? ok(parsed.data) : err(issuesOf(parsed.error));
}

export function describeIssues(issues: readonly ValidationIssue[]): string {
  return issues.map((i) => `${i.path}: ${i.message}`).join('\n');
}
