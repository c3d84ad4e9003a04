import { useMemo, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { PageHeader } from '../components/ui.tsx';
import { useLive } from '../state/live.ts';
import { useCurrentElection } from '../state/current_election.ts';
import { RidingTable } from './overview.tsx';

/** Every riding, searchable, live; a row opens the riding. */
export function RidingsPage() {
  const { t } = useTranslation();
  const results = useLive((s) => s.results);
  const { summary, definition, names } = useCurrentElection();
  const [query, setQuery] = useState('');
  const filtered = useMemo(() => {
    if (results === null) return null;
    const q = query.trim().toLocaleLowerCase();
    if (q === '') return results;
    return {
      ...results,
      ridings: results.ridings.filter((r) =>
        `${r.riding} ${names.riding(r.riding)} ${r.winner === null ? '' : names.candidate(r.winner.candidate)}`
          .toLocaleLowerCase()
          .includes(q),
      ),
    };
  }, [results, query, names]);
  if (filtered === null || summary === undefined || definition === undefined) return <div className="loading">{t('app.loading')}</div>;
  return (
    <div className="page" data-testid="ridings">
      <PageHeader
        title={t('pages.ridings')}
        subtitle={t('ridings.subtitle', { count: filtered.ridings.length })}
        actions={
          <input
            type="search"
            className="search"
            placeholder={t('ridings.search')}
            aria-label={t('ridings.search')}
            value={query}
            onChange={(e) => {
              setQuery(e.target.value);
            }}
          />
        }
      />
      <section className="panel">
        <RidingTable results={filtered} names={names} state={summary.state} />
      </section>
    </div>
  );
}
