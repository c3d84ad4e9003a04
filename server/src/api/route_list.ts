import type { Router } from 'express';
import type { Role } from '@scrutin/shared/api';
import { roleRequiredBy } from '../officials/auth.ts';

/** One route a router holds, as mounted under `/api/v1`, with the role its guard requires. */
export interface RouteEntry {
  readonly method: 'get' | 'post';
  readonly path: string;
  readonly role: Role | undefined;
}

/** The routes a router actually holds, read from the router itself (for tests: access control, OpenAPI). */
export function routesOf(router: Router): RouteEntry[] {
  const entries: RouteEntry[] = [];
  for (const layer of router.stack) {
    const route = layer.route as { path: string; methods: Record<string, boolean>; stack: { handle: unknown }[] } | undefined;
    if (route === undefined) continue;
    const role = route.stack.map((s) => roleRequiredBy(s.handle)).find((r) => r !== undefined);
    for (const method of Object.keys(route.methods)) {
      if (method !== 'get' && method !== 'post') throw new Error(`unexpected method ${method} on ${route.path}: extend this test`);
      entries.push({ method, path: `/api/v1${route.path}`, role });
    }
  }
  return entries;
}
