import { useMemo, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { call, issuesOf, postForDownload, type ApiFailure } from '../api/client.ts';
import { CONSOLE_API as API, type StationHealth } from '@scrutin/shared/api';
import { formatDateTime, formatInt } from '../components/format.ts';
import { FailureView, PageHeader } from '../components/ui.tsx';
import { useApi } from '../components/use_api.ts';
import { VirtualTable } from '../components/virtual_table.tsx';
import { useElections } from '../state/elections.ts';
import { useCurrentElection } from '../state/current_election.ts';
import { editableOf, toDefinitionJson } from './definition_model.ts';

/** Stations of the election: add one (draft), issue an enrolment token, revoke a key. */
export function StationAdminPage() {
  const { t } = useTranslation();
  const { election, summary, definition, names } = useCurrentElection();
  const { loadDefinition, refresh } = useElections();
  const state = summary?.state;
  const health = useApi(`station-admin-${election}`, () => call(API.stationHealth, { id: election }), 10_000);
  const [token, setToken] = useState<{ station: string; token: string; expiresAt: string } | null>(null);
  const [failure, setFailure] = useState<ApiFailure | null>(null);
  const [confirmRevoke, setConfirmRevoke] = useState<string | null>(null);
  const [query, setQuery] = useState('');
  const [kitFor, setKitFor] = useState<string | null>(null);

  const issue = async (station: string) => {
    const result = await call(API.enrolmentToken, { id: election, station });
    if (result.ok) {
      setToken(result.value);
      setFailure(null);
    } else setFailure(result.error);
  };
  const revoke = async (station: string) => {
    const result = await call(API.revoke, { id: election, station });
    setConfirmRevoke(null);
    if (result.ok) {
      setFailure(null);
      await health.reload();
    } else setFailure(result.error);
  };
  const rows = useMemo(() => {
    const q = query.trim().toLowerCase();
    return (health.data?.stations ?? []).filter((s) => q === '' || `${s.station} ${names.riding(s.riding)}`.toLowerCase().includes(q));
  }, [health.data, query, names]);

  return (
    <div className="page" data-testid="station-admin">
      <PageHeader
        title={t('pages.station-admin')}
        subtitle={t('stationAdmin.subtitle', { count: formatInt(health.data?.stations.length ?? 0) })}
        actions={
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
        }
      />
      {token !== null && (
        <div className="notice notice-good token-box" role="status" data-testid="enrolment-token">
          <strong>{t('stationAdmin.tokenFor', { station: token.station })}</strong>
          <code className="token">{token.token}</code>
          <span className="muted small">{t('stationAdmin.tokenOnce', { expires: formatDateTime(token.expiresAt) })}</span>
          <button
            type="button"
            className="ghost"
            onClick={() => {
              setToken(null);
            }}
          >
            {t('stationAdmin.done')}
          </button>
        </div>
      )}
      {failure !== null && <FailureView failure={failure} />}
      {kitFor !== null && (
        <KitForm
          election={election}
          station={kitFor}
          onClose={() => {
            setKitFor(null);
          }}
        />
      )}
      <section className="panel">
        <VirtualTable
          label={t('pages.station-admin')}
          testId="station-admin-table"
          rows={rows}
          rowKey={(s) => s.station}
          height={520}
          rowHeight={48}
          columns={[
            { key: 'station', header: t('table.station'), width: '110px', cell: (s) => <code>{s.station}</code> },
            { key: 'riding', header: t('table.riding'), width: 'minmax(170px, 1fr)', cell: (s) => names.riding(s.riding) },
            { key: 'key', header: t('stationAdmin.key'), width: '200px', cell: (s) => <KeyState s={s} /> },
            {
              key: 'actions',
              header: t('table.actions'),
              width: 'minmax(320px, 1.2fr)',
              cell: (s) => (
                <span className="actions">
                  <button type="button" className="ghost small" onClick={() => void issue(s.station)} data-testid={`token-${s.station}`}>
                    {t('stationAdmin.issue')}
                  </button>
                  <button
                    type="button"
                    className="ghost small"
                    onClick={() => {
                      setKitFor(s.station);
                    }}
                    data-testid={`kit-${s.station}`}
                  >
                    {t('stationAdmin.kit')}
                  </button>
                  {s.enrolled &&
                    !s.revoked &&
                    (confirmRevoke === s.station ? (
                      <>
                        <button
                          type="button"
                          className="danger small"
                          onClick={() => void revoke(s.station)}
                          data-testid={`confirm-revoke-${s.station}`}
                        >
                          {t('stationAdmin.confirmRevoke')}
                        </button>
                        <button
                          type="button"
                          className="ghost small"
                          onClick={() => {
                            setConfirmRevoke(null);
                          }}
                        >
                          {t('definition.cancel')}
                        </button>
                      </>
                    ) : (
                      <button
                        type="button"
                        className="ghost small"
                        onClick={() => {
                          setConfirmRevoke(s.station);
                        }}
                        data-testid={`revoke-${s.station}`}
                      >
                        {t('stationAdmin.revoke')}
                      </button>
                    ))}
                </span>
              ),
            },
          ]}
        />
      </section>
      {state === 'draft' && definition !== undefined && (
        <AddStation
          election={election}
          ridings={definition.ridings.map((r) => ({ code: r.code, name: names.riding(r.code) }))}
          onAdd={async (station) => {
            const draft = editableOf(definition);
            draft.stations.push(station);
            const result = await call(API.saveElection, {}, { body: toDefinitionJson(draft) });
            if (!result.ok) return result.error;
            await loadDefinition(election, true);
            await refresh();
            await health.reload();
            return null;
          }}
        />
      )}
      {state !== undefined && state !== 'draft' && <p className="muted small">{t('stationAdmin.addOnlyDraft')}</p>}
    </div>
  );
}

function KeyState({ s }: { readonly s: StationHealth }) {
  const { t } = useTranslation();
  if (s.revoked) return <span className="badge bad">{t('stationAdmin.revoked', { at: formatDateTime(s.revokedAt) })}</span>;
  if (s.enrolled) return <span className="badge good">{t('stationAdmin.enrolled')}</span>;
  return <span className="badge muted-badge">{t('stationAdmin.notEnrolled')}</span>;
}

function AddStation(props: {
  readonly election: string;
  readonly ridings: readonly { readonly code: string; readonly name: string }[];
  readonly onAdd: (s: { id: string; riding: string; fr: string; en: string; registeredVoters: number }) => Promise<ApiFailure | null>;
}) {
  const { t } = useTranslation();
  const [id, setId] = useState('');
  const [riding, setRiding] = useState(props.ridings[0]?.code ?? '');
  const [name, setName] = useState('');
  const [voters, setVoters] = useState(300);
  const [failure, setFailure] = useState<ApiFailure | null>(null);
  return (
    <section className="panel" aria-labelledby="add-station-title">
      <h2 id="add-station-title">{t('stationAdmin.add')}</h2>
      <form
        className="form-row"
        onSubmit={(e) => {
          e.preventDefault();
          void props.onAdd({ id: id.trim(), riding, fr: name, en: name, registeredVoters: voters }).then((f) => {
            setFailure(f);
            if (f === null) {
              setId('');
              setName('');
            }
          });
        }}
      >
        <label className="field">
          <span>{t('table.station')}</span>
          <input
            value={id}
            placeholder="ST-00042"
            onChange={(e) => {
              setId(e.target.value);
            }}
            required
          />
        </label>
        <label className="field">
          <span>{t('table.riding')}</span>
          <select
            value={riding}
            onChange={(e) => {
              setRiding(e.target.value);
            }}
          >
            {props.ridings.map((r) => (
              <option key={r.code} value={r.code}>
                {r.name}
              </option>
            ))}
          </select>
        </label>
        <label className="field">
          <span>{t('definition.nameFr')}</span>
          <input
            value={name}
            onChange={(e) => {
              setName(e.target.value);
            }}
            required
          />
        </label>
        <label className="field">
          <span>{t('definition.voters')}</span>
          <input
            type="number"
            min={0}
            value={voters}
            onChange={(e) => {
              setVoters(Number(e.target.value));
            }}
          />
        </label>
        <button type="submit" className="primary">
          {t('stationAdmin.addButton')}
        </button>
      </form>
      {failure !== null && <FailureView failure={failure} issues={issuesOf(failure)} />}
    </section>
  );
}

/** The poll workers of a station and their PINs, then the station kit built centrally (a .tar). */
function KitForm({ election, station, onClose }: { readonly election: string; readonly station: string; readonly onClose: () => void }) {
  const { t } = useTranslation();
  const [workers, setWorkers] = useState([
    { name: '', pin: '' },
    { name: '', pin: '' },
  ]);
  const [failure, setFailure] = useState<ApiFailure | null>(null);
  const [done, setDone] = useState<string | null>(null);
  const set = (i: number, change: Partial<{ name: string; pin: string }>) => {
    setWorkers((w) => w.map((x, j) => (j === i ? { ...x, ...change } : x)));
  };
  return (
    <section className="panel" aria-labelledby="kit-title" data-testid="kit-form">
      <div className="panel-title-row">
        <h2 id="kit-title">{t('stationAdmin.kitFor', { station })}</h2>
        <button type="button" className="ghost" onClick={onClose}>
          {t('definition.close')}
        </button>
      </div>
      <p className="muted">{t('stationAdmin.kitIntro')}</p>
      <form
        className="form-row"
        aria-labelledby="kit-title"
        onSubmit={(e) => {
          e.preventDefault();
          void postForDownload(API.kit, { id: election, station }, { pollWorkers: workers }).then((r) => {
            setFailure(r.ok ? null : r.error);
            setDone(r.ok ? r.value : null);
          });
        }}
      >
        {workers.map((w, i) => (
          <span key={i} className="form-row">
            <label className="field">
              <span>{t('stationAdmin.worker', { n: i + 1 })}</span>
              <input
                value={w.name}
                onChange={(e) => {
                  set(i, { name: e.target.value });
                }}
                required
              />
            </label>
            <label className="field">
              <span>{t('stationAdmin.pin', { n: i + 1 })}</span>
              <input
                type="password"
                inputMode="numeric"
                autoComplete="off"
                pattern="[0-9]{4,12}"
                value={w.pin}
                onChange={(e) => {
                  set(i, { pin: e.target.value });
                }}
                required
              />
            </label>
          </span>
        ))}
        <button
          type="button"
          className="ghost"
          onClick={() => {
            setWorkers((w) => [...w, { name: '', pin: '' }]);
          }}
        >
          + {t('stationAdmin.addWorker')}
        </button>
        <button type="submit" className="primary" data-testid="kit-download">
          {t('stationAdmin.kitDownload')}
        </button>
      </form>
      {failure !== null && <FailureView failure={failure} issues={issuesOf(failure)} />}
      {done !== null && (
        <p className="good-text" role="status">
          {t('stationAdmin.kitDone', { file: done })}
        </p>
      )}
    </section>
  );
}
