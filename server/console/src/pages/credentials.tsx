import { useEffect, useMemo, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { call, downloadUrl, type ApiFailure } from '../api/client.ts';
import { CONSOLE_API as API, type CredentialJob } from '@scrutin/shared/api';
import { formatDateTime, formatInt } from '../components/format.ts';
import { FailureView, PageHeader, Progress, Stat } from '../components/ui.tsx';
import { VirtualTable } from '../components/virtual_table.tsx';
import { useCurrentElection } from '../state/current_election.ts';

const POLL_MS = 700;

/** Voter credentials: generated as a background job, loaded into Redis and Postgres, cards downloaded per station. */
export function CredentialsPage() {
  const { t } = useTranslation();
  const { election, definition, names } = useCurrentElection();
  const [job, setJob] = useState<CredentialJob | null>(null);
  const [failure, setFailure] = useState<ApiFailure | null>(null);
  const [query, setQuery] = useState('');
  useEffect(() => {
    let stop = false;
    void call(API.latestCredentialJob, { id: election }).then((r) => {
      if (!stop && r.ok) setJob(r.value.job);
    });
    return () => {
      stop = true;
    };
  }, [election]);
  const running = job !== null && (job.phase === 'generating' || job.phase === 'loading');
  const jobId = job?.id;
  useEffect(() => {
    if (!running || jobId === undefined) return;
    const timer = setInterval(() => {
      void call(API.credentialJob, { id: election, job: jobId }).then((r) => {
        if (r.ok) setJob(r.value);
      });
    }, POLL_MS);
    return () => {
      clearInterval(timer);
    };
  }, [running, jobId, election]);

  const start = async () => {
    const result = await call(API.startCredentialJob, { id: election });
    if (result.ok) {
      setJob(result.value);
      setFailure(null);
    } else setFailure(result.error);
  };
  const stations = useMemo(() => {
    const q = query.trim().toLowerCase();
    return (definition?.stations ?? []).filter((s) => q === '' || `${s.id} ${names.riding(s.riding)}`.toLowerCase().includes(q));
  }, [definition, query, names]);

  return (
    <div className="page" data-testid="credentials">
      <PageHeader title={t('pages.credentials')} subtitle={t('credentials.subtitle')} />
      <section className="panel">
        <div className="panel-title-row">
          <h2>{t('credentials.generate')}</h2>
          <button type="button" className="primary" onClick={() => void start()} disabled={running} data-testid="generate">
            {t('credentials.generateButton')}
          </button>
        </div>
        <p className="muted">{t('credentials.intro')}</p>
        {failure !== null && <FailureView failure={failure} />}
        {job !== null && (
          <div className="job" data-testid="credential-job" data-phase={job.phase}>
            <div className="stats compact">
              <Stat
                label={t('credentials.phaseLabel')}
                value={t(`credentials.phase.${job.phase}`)}
                tone={job.phase === 'failed' ? 'bad' : job.phase === 'done' ? 'good' : undefined}
              />
              <Stat label={t('credentials.voters')} value={formatInt(job.totalVoters)} />
              <Stat label={t('credentials.stations')} value={`${formatInt(job.generatedStations)} / ${formatInt(job.totalStations)}`} />
              <Stat label={t('credentials.loaded')} value={formatInt(job.loadedVoters)} />
            </div>
            <p className="small muted">{t('credentials.generating')}</p>
            <Progress value={job.generatedVoters} max={job.totalVoters} label={t('credentials.generating')} />
            <p className="small muted">{t('credentials.loading')}</p>
            <Progress value={job.loadedVoters} max={job.totalVoters} label={t('credentials.loading')} />
            <p className="small muted">
              {t('credentials.started', { at: formatDateTime(job.startedAt) })}
              {job.finishedAt !== null && ` · ${t('credentials.finished', { at: formatDateTime(job.finishedAt) })}`}
            </p>
            {job.error !== null && <div className="notice notice-bad">{job.error}</div>}
          </div>
        )}
      </section>
      {job?.phase === 'done' && (
        <section className="panel">
          <div className="panel-title-row">
            <h2>{t('credentials.cards')}</h2>
            <input
              type="search"
              className="search"
              placeholder={t('stations.search')}
              aria-label={t('stations.search')}
              value={query}
              onChange={(e) => {
                setQuery(e.target.value);
              }}
            />
          </div>
          <p className="notice notice-warn">{t('credentials.secret')}</p>
          <VirtualTable
            label={t('credentials.cards')}
            testId="cards-table"
            rows={stations}
            rowKey={(s) => s.id}
            height={420}
            columns={[
              { key: 'station', header: t('table.station'), width: '110px', cell: (s) => <code>{s.id}</code> },
              { key: 'riding', header: t('table.riding'), width: 'minmax(140px, 1fr)', cell: (s) => names.riding(s.riding) },
              { key: 'voters', header: t('definition.voters'), width: '170px', align: 'right', cell: (s) => formatInt(s.registeredVoters) },
              {
                key: 'cards',
                header: t('credentials.download'),
                width: '180px',
                cell: (s) => (
                  <a
                    href={downloadUrl(API.voterCards, { id: election, job: job.id, station: s.id })}
                    download
                    data-testid={`cards-${s.id}`}
                  >
                    {t('credentials.cardsCsv')}
                  </a>
                ),
              },
            ]}
          />
        </section>
      )}
    </div>
  );
}
