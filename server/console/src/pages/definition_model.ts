import { DEFAULT_SECRECY, modeOf, secrecyOf, type ElectionDefinition, type ElectionMode } from '@scrutin/shared';

/**
 * The election definition as the editor holds it: plain strings (no branded ids yet) so that
 * a half-typed value can sit in a field. `toDefinitionJson` rebuilds the JSON the server
 * validates; the domain's own schema (parseElection) checks it as the official types.
 * Fields the editor does not show (tie rules, IRV options, passing rules, option labels)
 * travel untouched in `rest`.
 */
export interface EditRiding {
  code: string;
  fr: string;
  en: string;
}
export interface EditParty {
  code: string;
  fr: string;
  en: string;
  colour: string;
}
export interface EditCandidate {
  id: string;
  name: string;
  party: string;
}
export interface EditRace {
  id: string;
  riding: string;
  method: 'plurality' | 'irv';
  fr: string;
  en: string;
  candidates: EditCandidate[];
  rest: Record<string, unknown>;
}
export interface EditReferendum {
  id: string;
  fr: string;
  en: string;
  questionFr: string;
  questionEn: string;
  rest: Record<string, unknown>;
}
export interface EditStation {
  id: string;
  riding: string;
  fr: string;
  en: string;
  registeredVoters: number;
}
export interface EditElection {
  id: string;
  fr: string;
  en: string;
  opensAt: string;
  closesAt: string;
  syncDeadline: string;
  ridings: EditRiding[];
  parties: EditParty[];
  races: EditRace[];
  referendums: EditReferendum[];
  stations: EditStation[];
  /** Secrecy (secrecyOf): the batch anonymity set k and the results embargo. */
  anonymitySet: number;
  embargo: boolean;
  /** The credential KDF is set by the authority's definition file and travels untouched. */
  credentials: ElectionDefinition['credentials'];
  /** Test or live (docs/decisions/0010-test-mode.md): chosen when the election is created, then fixed. */
  mode: ElectionMode;
}

export function editableOf(e: ElectionDefinition): EditElection {
  return {
    id: e.id,
    fr: e.name.fr,
    en: e.name.en,
    opensAt: e.opensAt,
    closesAt: e.closesAt,
    syncDeadline: e.syncDeadline,
    ridings: e.ridings.map((r) => ({ code: r.code, fr: r.name.fr, en: r.name.en })),
    parties: e.parties.map((p) => ({ code: p.code, fr: p.name.fr, en: p.name.en, colour: p.colour })),
    races: e.contests.flatMap((c) => {
      if (c.kind !== 'candidate') return [];
      const { id, riding, method, title, candidates, kind: _kind, ...rest } = c;
      return [
        {
          id,
          riding,
          method,
          fr: title.fr,
          en: title.en,
          candidates: candidates.map((k) => ({ id: k.id, name: k.name, party: k.party ?? '' })),
          rest,
        },
      ];
    }),
    referendums: e.contests.flatMap((c) => {
      if (c.kind !== 'referendum') return [];
      const { id, title, question, kind: _kind, ...rest } = c;
      return [{ id, fr: title.fr, en: title.en, questionFr: question.fr, questionEn: question.en, rest }];
    }),
    stations: e.stations.map((s) => ({ id: s.id, riding: s.riding, fr: s.name.fr, en: s.name.en, registeredVoters: s.registeredVoters })),
    ...secrecyOf(e),
    credentials: e.credentials,
    mode: modeOf(e),
  };
}

/**
 * The JSON of the definition. Contests are written referendums first, then one race per
 * riding in riding order, so that the validation paths (`contests[3]...`) match what the
 * editor shows through `contestIndex`.
 */
export function toDefinitionJson(e: EditElection): unknown {
  return {
    id: e.id,
    name: { fr: e.fr, en: e.en },
    languages: ['fr', 'en'],
    opensAt: e.opensAt,
    closesAt: e.closesAt,
    syncDeadline: e.syncDeadline,
    ridings: e.ridings.map((r) => ({ code: r.code, name: { fr: r.fr, en: r.en } })),
    parties: e.parties.map((p) => ({ code: p.code, name: { fr: p.fr, en: p.en }, colour: p.colour })),
    stations: e.stations.map((s) => ({ id: s.id, riding: s.riding, name: { fr: s.fr, en: s.en }, registeredVoters: s.registeredVoters })),
    ...(e.credentials === undefined ? {} : { credentials: e.credentials }),
    secrecy: { anonymitySet: e.anonymitySet, embargo: e.embargo },
    // A live election's definition names no mode (modeOf reads it as live).
    ...(e.mode === 'test' ? { mode: 'test' } : {}),
    contests: [
      ...e.referendums.map((q) => ({
        ...q.rest,
        kind: 'referendum',
        id: q.id,
        title: { fr: q.fr, en: q.en },
        question: { fr: q.questionFr, en: q.questionEn },
      })),
      ...e.races.map((r) => ({
        ...r.rest,
        kind: 'candidate',
        id: r.id,
        riding: r.riding,
        method: r.method,
        title: { fr: r.fr, en: r.en },
        candidates: r.candidates.map((k) => ({ id: k.id, name: k.name, party: k.party === '' ? null : k.party })),
        ...(r.method === 'irv' ? {} : { irv: undefined }),
      })),
    ],
  };
}

export function blankElection(now: Date = new Date()): EditElection {
  const day = (offset: number, hour: number) => {
    const d = new Date(now.getTime() + offset * 86_400_000);
    d.setUTCHours(hour, 0, 0, 0);
    return d.toISOString().replace('.000Z', 'Z');
  };
  return {
    id: 'nouvelle-election',
    fr: 'Nouvelle élection',
    en: 'New election',
    opensAt: day(7, 13),
    closesAt: day(7, 1 + 24),
    syncDeadline: day(9, 4),
    ridings: [],
    parties: [],
    races: [],
    referendums: [],
    stations: [],
    ...DEFAULT_SECRECY,
    credentials: undefined,
    mode: 'live',
  };
}
