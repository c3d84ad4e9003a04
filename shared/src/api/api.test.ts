import { describe, expect, it } from 'vitest';
import { CONSOLE_API, ElectionStateSchema, LIFECYCLE, nextState, pathOf, roleAtLeast, ROLES } from './index.ts';

describe('the API contract', () => {
  it('names each endpoint once: no two share a method and path', () => {
    const routes = Object.values(CONSOLE_API).map((e) => `${e.method} ${e.path}`);
    expect(new Set(routes).size).toBe(routes.length);
  });

  it('fills path parameters, URI-encoded', () => {
    expect(pathOf(CONSOLE_API.enrolmentToken, { id: 'qc-2026', station: 'ST-00001' })).toBe(
      '/admin/elections/qc-2026/stations/ST-00001/enrolment-token',
    );
    expect(pathOf(CONSOLE_API.changeRole, { username: 'a/b c' })).toBe('/admin/officials/a%2Fb%20c/role');
    expect(pathOf(CONSOLE_API.elections, {})).toBe('/elections');
  });

  it('walks the lifecycle draft → open → closed → certified, once, through every state', () => {
    const walk: string[] = [];
    for (let s: (typeof ElectionStateSchema.options)[number] | null = 'draft'; s !== null; s = nextState(s)) walk.push(s);
    expect(walk).toEqual(['draft', 'open', 'closed', 'certified']);
    expect(Object.keys(LIFECYCLE).sort()).toEqual([...ElectionStateSchema.options].sort());
  });

  it('orders roles observer < official < admin', () => {
    expect(ROLES).toEqual(['observer', 'official', 'admin']);
    expect(roleAtLeast('admin', 'official')).toBe(true);
    expect(roleAtLeast('observer', 'official')).toBe(false);
  });
});
