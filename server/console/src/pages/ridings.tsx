import { useEffect, useMemo, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { PageHeader } from '../components/ui.tsx';
import { currentLanguage } from '../i18n/index.ts';
import { namesOf, useElections } from '../state/elections.ts';
import { useLive } from '../state/live.ts';
import { useRouter } from '../state/router.ts';
import { RidingTable } from './overview.tsx';

/** Every riding, searchable, live; a row opens the riding. */
export function RidingsPage() {
  const { t } = useTranslation();
  const { route } = useRouter();
  const results = useLive((s) => s.results);
  const { elections, definitions, loadDefinition } = useElections();
  const [query, setQuery] = useState('');
  const election = route.election ?? '';
  const definition = definitions[election];
  const summary = elections.find((e) => e.id === election);
  const language = currentLanguage();
  const names = useMemo(() => namesOf(definition, language), [definition, language]);
  useEffect(() => {
    if (election !== '') void loadDefinition(election);
  }, [election, loadDefinition]);
  const filtered = useMemo(() => {
    if (results === null) return null;
    const q = query.trim().toLocaleLowerCase();
    if (q === '') return results;
    return { ...results, ridings: results.ridings.filter((r) => `${r.riding} ${names.riding(r.riding)} ${r.winner === null ? '' : names.candidate(r.winner.candidate)}`.toLocaleLowerCase().includes(q)) };
  }, [results, query, names]);
  if (filtered === null || summary === undefined || definition === undefined) return <div className="loading">{t('app.loading')}</div>;
  return (
    <div className="page" data-testid="ridings">
      <PageHeader
        title={t('pages.ridings')}
        subtitle={t('ridings.subtitle', { count: filtered.ridings.length })}
        actions={
          <input type="search" className="search" placeholder={t('ridings.search')} aria-label={t('ridings.search')} value={query} onChange={(e) => { setQuery(e.target.value); }} />
        }
      />
      <section className="panel">
        <RidingTable results={filtered} names={names} state={summary.state} />
      </section>
    </div>
  );
}
