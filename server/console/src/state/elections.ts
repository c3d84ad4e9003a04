import { parseElection, type ElectionDefinition } from '@scrutin/shared';
import { create } from 'zustand';
import { call } from '../api/client.ts';
import { CONSOLE_API as API, type ElectionSummary } from '@scrutin/shared/api';

/** The elections on the server, and the definition of the one in view (parsed with the domain's own schema). */
interface ElectionsState {
  readonly elections: readonly ElectionSummary[];
  readonly definitions: Readonly<Record<string, ElectionDefinition>>;
  readonly refresh: () => Promise<void>;
  readonly loadDefinition: (id: string, force?: boolean) => Promise<ElectionDefinition | null>;
}

export const useElections = create<ElectionsState>()((set, get) => ({
  elections: [],
  definitions: {},
  refresh: async () => {
    const result = await call(API.elections, {});
    if (result.ok) set({ elections: result.value.elections });
  },
  loadDefinition: async (id, force = false) => {
    const known = get().definitions[id];
    if (known !== undefined && !force) return known;
    const result = await call(API.election, { id });
    if (!result.ok) return null;
    const parsed = parseElection(result.value);
    if (!parsed.ok) return null;
    set({ definitions: { ...get().definitions, [id]: parsed.value } });
    return parsed.value;
  },
}));

/** Display helpers over a definition: names of ridings, candidates and parties. */
export interface Names {
  readonly riding: (code: string) => string;
  readonly candidate: (id: string) => string;
  readonly partyOf: (candidate: string) => string | null;
  readonly party: (code: string | null) => string;
  readonly colour: (party: string | null) => string;
  readonly question: (contest: string) => string;
}

export const INDEPENDENT_COLOUR = '#8b95a7';

export function namesOf(e: ElectionDefinition | undefined, language: 'fr' | 'en'): Names {
  const ridings = new Map(e?.ridings.map((r): [string, string] => [r.code, r.name[language]]));
  const parties = new Map(e?.parties.map((p): [string, (typeof e.parties)[number]] => [p.code, p]));
  const candidates = new Map<string, { name: string; party: string | null }>();
  const questions = new Map<string, string>();
  for (const c of e?.contests ?? []) {
    if (c.kind === 'candidate') for (const k of c.candidates) candidates.set(k.id, { name: k.name, party: k.party });
    else questions.set(c.id, c.title[language]);
  }
  return {
    riding: (code) => ridings.get(code) ?? code,
    candidate: (id) => candidates.get(id)?.name ?? id,
    partyOf: (id) => candidates.get(id)?.party ?? null,
    party: (code) =>
      code === null ? (language === 'fr' ? 'Indépendant·e·s' : 'Independents') : (parties.get(code)?.name[language] ?? code),
    colour: (code) => (code === null ? INDEPENDENT_COLOUR : (parties.get(code)?.colour ?? INDEPENDENT_COLOUR)),
    question: (contest) => questions.get(contest) ?? contest,
  };
}
