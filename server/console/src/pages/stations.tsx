import { useEffect, useMemo, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { call } from '../api/client.ts';
import { CONSOLE_API as API, type StationHealth } from '@scrutin/shared/api';
import { formatClock, formatDateTime, formatInt, formatTime } from '../components/format.ts';
import { FailureView, PageHeader, Stat } from '../components/ui.tsx';
import { useApi } from '../components/use_api.ts';
import { VirtualTable } from '../components/virtual_table.tsx';
import { useCurrentElection } from '../state/current_election.ts';

/** Station sync health: enrolment, last sync, batches, sequence gaps, alerts, revoked keys, silence. */
export const REFRESH_MS = 5000;
const FILTERS = ['all', 'closed', 'offline', 'gaps', 'pending', 'alerts', 'not-enrolled', 'revoked'] as const;
type Filter = (typeof FILTERS)[number];

export type StationCondition = 'revoked' | 'not-enrolled' | 'alert' | 'gap' | 'closed' | 'offline' | 'pending' | 'waiting' | 'ok';

/** Polls closed (the final batch arrived) and every batch counted, none missing. */
export const closedAndCounted = (s: StationHealth): boolean => s.closed && s.batches.pending === 0 && s.missingCount === 0;

/** The one condition an official should see first for a station. */
export function stationCondition(s: StationHealth, now: number, offlineMinutes: number, open: boolean): StationCondition {
  if (s.revoked) return 'revoked';
  if (!s.enrolled) return 'not-enrolled';
  if (s.alerts > 0) return 'alert';
  if (s.missingCount > 0) return 'gap';
  if (closedAndCounted(s)) return 'closed';
  if (open && s.lastSyncAt !== null && now - Date.parse(s.lastSyncAt) > offlineMinutes * 60_000) return 'offline';
  if (s.batches.pending > 0) return 'pending';
  if (s.lastSyncAt === null) return 'waiting';
  return 'ok';
}

const TONE: { readonly [C in StationCondition]: string } = {
  revoked: 'bad',
  'not-enrolled': 'muted-badge',
  alert: 'bad',
  gap: 'warn',
  closed: 'good',
  offline: 'warn',
  pending: 'info',
  waiting: 'muted-badge',
  ok: 'good',
};

export function StationsPage() {
  const { t } = useTranslation();
  const { election, summary, names } = useCurrentElection();
  const open = summary?.state === 'open';
  const [filter, setFilter] = useState<Filter>('all');
  const [query, setQuery] = useState('');
  const [offlineMinutes, setOfflineMinutes] = useState(30);
  const stations = useApi(`stations-${election}`, () => call(API.stationHealth, { id: election }), REFRESH_MS);
  const turnout = useApi(`turnout-${election}`, () => call(API.turnout, { id: election }), REFRESH_MS);
  const alerts = useApi(`alerts-${election}`, () => call(API.alerts, { id: election }, { query: { limit: 50 } }), REFRESH_MS);
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const timer = setInterval(() => {
      setNow(Date.now());
    }, REFRESH_MS);
    return () => {
      clearInterval(timer);
    };
  }, []);

  const ballots = useMemo(() => new Map(turnout.data?.stations.map((s) => [s.station, s]) ?? []), [turnout.data]);
  const rows = useMemo(() => {
    const all = stations.data?.stations ?? [];
    const q = query.trim().toLowerCase();
    return all.filter((s) => {
      const c = stationCondition(s, now, offlineMinutes, open);
      const keep =
        filter === 'all' ||
        (filter === 'closed' && c === 'closed') ||
        (filter === 'offline' && c === 'offline') ||
        (filter === 'gaps' && s.missingCount > 0) ||
        (filter === 'pending' && s.batches.pending > 0) ||
        (filter === 'alerts' && s.alerts > 0) ||
        (filter === 'not-enrolled' && !s.enrolled) ||
        (filter === 'revoked' && s.revoked);
      return keep && (q === '' || `${s.station} ${s.riding} ${names.riding(s.riding)}`.toLowerCase().includes(q));
    });
  }, [stations.data, filter, query, now, offlineMinutes, open, names]);

  if (stations.failure !== null && stations.data === null) return <FailureView failure={stations.failure} />;
  const all = stations.data?.stations ?? [];
  const count = (f: (s: StationHealth) => boolean) => all.filter(f).length;
  const offline = count((s) => stationCondition(s, now, offlineMinutes, open) === 'offline');
  return (
    <div className="page" data-testid="stations">
      <PageHeader title={t('pages.stations')} subtitle={t('stations.subtitle', { time: formatTime(new Date(now).toISOString()) })} />
      <section className="stats">
        <Stat
          label={t('stations.enrolled')}
          value={`${formatInt(count((s) => s.enrolled && !s.revoked))} / ${formatInt(all.length)}`}
          testId="stat-enrolled"
        />
        <Stat label={t('stations.synced')} value={formatInt(count((s) => s.lastSyncAt !== null))} />
        <Stat
          label={t('stations.closed')}
          value={`${formatInt(count(closedAndCounted))} / ${formatInt(all.length)}`}
          tone={all.length > 0 && count(closedAndCounted) === all.length ? 'good' : undefined}
          testId="stat-closed"
        />
        <Stat
          label={t('stations.offline', { minutes: offlineMinutes })}
          value={formatInt(offline)}
          tone={offline > 0 ? 'warn' : undefined}
        />
        <Stat
          label={t('stations.gaps')}
          value={formatInt(count((s) => s.missingCount > 0))}
          tone={count((s) => s.missingCount > 0) > 0 ? 'warn' : undefined}
          testId="stat-gaps"
        />
        <Stat label={t('stations.pendingBatches')} value={formatInt(all.reduce((n, s) => n + s.batches.pending, 0))} />
        <Stat
          label={t('stations.alerts')}
          value={formatInt(count((s) => s.alerts > 0))}
          tone={count((s) => s.alerts > 0) > 0 ? 'bad' : undefined}
          testId="stat-alerts"
        />
        <Stat label={t('stations.revoked')} value={formatInt(count((s) => s.revoked))} />
      </section>
      {(alerts.data?.alerts.length ?? 0) > 0 && (
        <section className="panel alert-panel" aria-labelledby="alerts-title" data-testid="alerts">
          <h2 id="alerts-title">{t('stations.alertsTitle')}</h2>
          <ul className="alert-list">
            {alerts.data?.alerts.slice(0, 8).map((a) => (
              <li key={a.id}>
                <span className="badge bad">{t(`alertKind.${a.kind === 'equivocation' ? 'equivocation' : 'other'}`)}</span>{' '}
                <strong>{a.station ?? '—'}</strong> <span className="muted">{formatDateTime(a.raisedAt)}</span>{' '}
                <code className="small">{JSON.stringify(a.detail)}</code>
              </li>
            ))}
          </ul>
        </section>
      )}
      <section className="panel">
        <div className="toolbar">
          <div className="segmented" role="group" aria-label={t('stations.filter')}>
            {FILTERS.map((f) => (
              <button
                key={f}
                type="button"
                className={f === filter ? 'on' : undefined}
                aria-pressed={f === filter}
                onClick={() => {
                  setFilter(f);
                }}
              >
                {t(`stations.filters.${f}`)}
              </button>
            ))}
          </div>
          <label className="inline">
            {t('stations.offlineAfter')}
            <select
              value={offlineMinutes}
              onChange={(e) => {
                setOfflineMinutes(Number(e.target.value));
              }}
            >
              {[5, 15, 30, 60, 120].map((m) => (
                <option key={m} value={m}>
                  {m} min
                </option>
              ))}
            </select>
          </label>
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
        <p className="muted small" data-testid="stations-count">
          {t('stations.showing', { shown: formatInt(rows.length), total: formatInt(all.length) })}
        </p>
        <VirtualTable
          label={t('pages.stations')}
          testId="stations-table"
          rows={rows}
          rowKey={(s) => s.station}
          height={560}
          empty={t('stations.noneShown')}
          columns={[
            { key: 'station', header: t('table.station'), width: '100px', cell: (s) => <code>{s.station}</code> },
            { key: 'riding', header: t('table.riding'), width: 'minmax(150px, 1fr)', cell: (s) => names.riding(s.riding) },
            {
              key: 'state',
              header: t('table.state'),
              width: '140px',
              cell: (s) => {
                const c = stationCondition(s, now, offlineMinutes, open);
                return (
                  <span className={`badge ${TONE[c]}`} data-condition={c}>
                    {t(`stations.condition.${c}`)}
                  </span>
                );
              },
            },
            { key: 'last', header: t('table.lastSync'), width: '110px', cell: (s) => formatClock(s.lastSyncAt) },
            {
              key: 'batches',
              header: t('table.batches'),
              width: '95px',
              align: 'right',
              cell: (s) => `${formatInt(s.batches.processed)} / ${formatInt(s.batches.received)}`,
            },
            {
              key: 'ballots',
              header: t('table.ballots'),
              width: '110px',
              align: 'right',
              cell: (s) => formatInt(ballots.get(s.station)?.ballots ?? 0),
            },
            {
              key: 'gaps',
              header: t('table.gaps'),
              width: '110px',
              cell: (s) =>
                s.missingCount === 0 ? (
                  <span className="muted">—</span>
                ) : (
                  <span className="warn-text">
                    {s.missingSequences.map((g) => (g.from === g.to ? `${g.from}` : `${g.from}–${g.to}`)).join(', ')}
                  </span>
                ),
            },
            {
              key: 'alerts',
              header: t('table.alerts'),
              width: '100px',
              align: 'right',
              cell: (s) => (s.alerts === 0 ? <span className="muted">0</span> : <strong className="bad-text">{s.alerts}</strong>),
            },
          ]}
        />
      </section>
    </div>
  );
}
