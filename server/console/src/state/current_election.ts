import { useEffect, useMemo } from 'react';
import type { ElectionDefinition } from '@scrutin/shared';
import type { ElectionSummary } from '@scrutin/shared/api';
import { currentLanguage, type Language } from '../i18n/index.ts';
import { namesOf, useElections, type Names } from './elections.ts';
import { useRouter } from './router.ts';

export interface CurrentElection {
  /** The election of the route ('' when none is chosen). */
  readonly election: string;
  readonly summary: ElectionSummary | undefined;
  /** Loaded on first use; undefined until it arrives. */
  readonly definition: ElectionDefinition | undefined;
  readonly language: Language;
  readonly names: Names;
}

/** The election the page shows, its definition (loaded if needed) and its names in the current language. */
export function useCurrentElection(): CurrentElection {
  const election = useRouter((s) => s.route.election) ?? '';
  const { elections, definitions, loadDefinition } = useElections();
  const definition = definitions[election];
  const summary = elections.find((e) => e.id === election);
  const language = currentLanguage();
  const names = useMemo(() => namesOf(definition, language), [definition, language]);
  useEffect(() => {
    if (election !== '') void loadDefinition(election);
  }, [election, loadDefinition]);
  return { election, summary, definition, language, names };
}
