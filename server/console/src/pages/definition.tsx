import { parseElection } from '@scrutin/shared';
import { useMemo, useState, type ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import type { TFunction } from 'i18next';
import { call, issuesOf, type ApiFailure } from '../api/client.ts';
import {
  CONSOLE_API as API,
  nextState,
  PendingStationsSchema,
  type ElectionSummary,
  type Issue,
  type PendingStation,
} from '@scrutin/shared/api';
import { formatDateTime } from '../components/format.ts';
import { FailureView, IssueList, PageHeader } from '../components/ui.tsx';
import { currentLanguage } from '../i18n/index.ts';
import { useElections } from '../state/elections.ts';
import { useRouter } from '../state/router.ts';
import { blankElection, editableOf, toDefinitionJson, type EditElection } from './definition_model.ts';

/**
 * Administration of election definitions: the lifecycle of each election, loading a
 * definition file (every problem shown at its path), and editing a draft.
 */
export function DefinitionPage() {
  const { t } = useTranslation();
  const { elections, refresh, loadDefinition } = useElections();
  const go = useRouter((s) => s.go);
  const [editing, setEditing] = useState<{ draft: EditElection; existing: boolean } | null>(null);
  const [upload, setUpload] = useState<{ failure: ApiFailure | null; issues: Issue[]; saved: string | null }>({
    failure: null,
    issues: [],
    saved: null,
  });

  const loadFile = async (file: File) => {
    let json: unknown;
    try {
      json = JSON.parse(await file.text());
    } catch {
      setUpload({
        failure: { code: 'malformed-json', status: 0, message: '', text: t('definition.notJson', { file: file.name }) },
        issues: [],
        saved: null,
      });
      return;
    }
    const result = await call(API.saveElection, {}, { body: json });
    if (result.ok) {
      setUpload({ failure: null, issues: [], saved: result.value.id });
      await refresh();
      await loadDefinition(result.value.id, true);
    } else {
      const issues = issuesOf(result.error);
      const failure =
        result.error.code === 'invalid-definition'
          ? { ...result.error, text: t('definition.refused', { count: issues.length }) }
          : result.error;
      setUpload({ failure, issues, saved: null });
    }
  };

  const edit = async (id: string) => {
    const definition = await loadDefinition(id, true);
    if (definition !== null) setEditing({ draft: editableOf(definition), existing: true });
  };

  return (
    <div className="page" data-testid="definition">
      <PageHeader title={t('pages.definition')} subtitle={t('definition.subtitle')} />
      <section className="panel" aria-labelledby="elections-title">
        <h2 id="elections-title">{t('definition.elections')}</h2>
        <table className="table" data-testid="elections-table">
          <thead>
            <tr>
              <th scope="col">{t('table.election')}</th>
              <th scope="col">{t('table.window')}</th>
              <th scope="col">{t('table.state')}</th>
              <th scope="col">{t('table.actions')}</th>
            </tr>
          </thead>
          <tbody>
            {elections.map((e) => (
              <ElectionRow
                key={e.id}
                election={e}
                onEdit={() => void edit(e.id)}
                onView={() => {
                  go({ page: 'overview', election: e.id });
                }}
              />
            ))}
          </tbody>
        </table>
      </section>
      <div className="grid-2">
        <section className="panel" aria-labelledby="upload-title">
          <h2 id="upload-title">{t('definition.upload')}</h2>
          <p className="muted">{t('definition.uploadIntro')}</p>
          <label className="file-input">
            <span>{t('definition.chooseFile')}</span>
            <input
              type="file"
              accept="application/json,.json"
              data-testid="definition-file"
              onChange={(e) => {
                const file = e.target.files?.[0];
                if (file !== undefined) void loadFile(file);
                e.target.value = '';
              }}
            />
          </label>
          {upload.failure !== null && <FailureView failure={upload.failure} issues={upload.issues} />}
          {upload.saved !== null && (
            <div className="notice notice-good" role="status" data-testid="upload-saved">
              <strong>{t('definition.saved', { id: upload.saved })}</strong>
            </div>
          )}
        </section>
        <section className="panel" aria-labelledby="new-title">
          <h2 id="new-title">{t('definition.new')}</h2>
          <p className="muted">{t('definition.newIntro')}</p>
          <button
            type="button"
            onClick={() => {
              setEditing({ draft: blankElection(), existing: false });
            }}
          >
            {t('definition.newButton')}
          </button>
        </section>
      </div>
      {editing !== null && (
        <Editor
          key={editing.draft.id}
          initial={editing.draft}
          editable={!editing.existing || elections.find((e) => e.id === editing.draft.id)?.state === 'draft'}
          modeFixed={editing.existing}
          onClose={() => {
            setEditing(null);
          }}
          onSaved={async (id) => {
            await refresh();
            await loadDefinition(id, true);
          }}
        />
      )}
    </div>
  );
}

function ElectionRow({
  election,
  onEdit,
  onView,
}: {
  readonly election: ElectionSummary;
  readonly onEdit: () => void;
  readonly onView: () => void;
}) {
  const { t } = useTranslation();
  const refresh = useElections((s) => s.refresh);
  const [failure, setFailure] = useState<ApiFailure | null>(null);
  const [pending, setPending] = useState<PendingStation[] | null>(null);
  const [reason, setReason] = useState('');
  const [confirming, setConfirming] = useState(false);
  const next = nextState(election.state);
  const move = async (override: boolean) => {
    if (next === null) return;
    const result = await call(
      API.changeState,
      { id: election.id },
      { body: { state: next, ...(override ? { override: true, reason } : {}) } },
    );
    if (result.ok) {
      setFailure(null);
      setPending(null);
      setConfirming(false);
      await refresh();
      return;
    }
    setFailure(result.error);
    const stations = PendingStationsSchema.safeParse(result.error.details);
    setPending(result.error.code === 'batches-pending' && stations.success ? stations.data.stations : null);
  };
  return (
    <>
      <tr data-election={election.id}>
        <td>
          <strong>{election.name[currentLanguage()]}</strong>
          <div className="muted small">
            <code>{election.id}</code>
          </div>
        </td>
        <td className="small">
          {formatDateTime(election.opensAt)} → {formatDateTime(election.closesAt)}
        </td>
        <td>
          <span className={`state-pill state-${election.state}`} data-testid="election-state">
            {t(`states.${election.state}`)}
          </span>
        </td>
        <td className="actions">
          <button type="button" className="ghost" onClick={onView}>
            {t('definition.view')}
          </button>
          <button type="button" className="ghost" onClick={onEdit}>
            {election.state === 'draft' ? t('definition.edit') : t('definition.inspect')}
          </button>
          {next !== null &&
            (confirming ? (
              <>
                <button type="button" className="primary" onClick={() => void move(false)} data-testid={`confirm-${next}`}>
                  {t(`definition.confirm.${next}`)}
                </button>
                <button
                  type="button"
                  className="ghost"
                  onClick={() => {
                    setConfirming(false);
                  }}
                >
                  {t('definition.cancel')}
                </button>
              </>
            ) : (
              <button
                type="button"
                className="primary"
                onClick={() => {
                  setConfirming(true);
                }}
                data-testid={`to-${next}`}
              >
                {t(`definition.to.${next}`)}
              </button>
            ))}
        </td>
      </tr>
      {failure !== null && (
        <tr>
          <td colSpan={4}>
            <FailureView failure={failure} />
            {pending !== null && (
              <div className="override" data-testid="override">
                <p>{t('definition.pending', { count: pending.length })}</p>
                <ul className="issues">
                  {pending.slice(0, 20).map((p) => (
                    <li key={p.station}>
                      <code>{p.station}</code> {pendingText(t, p)}
                    </li>
                  ))}
                </ul>
                <label>
                  {t('definition.overrideReason')}
                  <textarea
                    value={reason}
                    onChange={(e) => {
                      setReason(e.target.value);
                    }}
                    rows={2}
                  />
                </label>
                <button type="button" className="danger" disabled={reason.trim().length < 10} onClick={() => void move(true)}>
                  {t('definition.override')}
                </button>
              </div>
            )}
          </td>
        </tr>
      )}
    </>
  );
}

/** Why a station holds certification back, in words. */
function pendingText(t: TFunction, p: PendingStation): string {
  const reasons = [
    !p.reported ? t('definition.pendingReason.silent') : !p.closed ? t('definition.pendingReason.open') : null,
    p.unprocessed > 0 ? t('definition.pendingReason.unprocessed', { count: p.unprocessed }) : null,
    p.missing > 0 ? t('definition.pendingReason.missing', { count: p.missing }) : null,
  ];
  return reasons.filter((r) => r !== null).join(' · ');
}

type Section = 'general' | 'ridings' | 'parties' | 'races' | 'referendums' | 'stations';
const SECTIONS: readonly Section[] = ['general', 'ridings', 'parties', 'races', 'referendums', 'stations'];

function Editor(props: {
  readonly initial: EditElection;
  readonly editable: boolean;
  /** An election already created keeps its mode (test or live). */
  readonly modeFixed: boolean;
  readonly onClose: () => void;
  readonly onSaved: (id: string) => Promise<void>;
}) {
  const { t } = useTranslation();
  const [draft, setDraft] = useState<EditElection>(props.initial);
  const [section, setSection] = useState<Section>('general');
  const [failure, setFailure] = useState<ApiFailure | null>(null);
  const [saved, setSaved] = useState(false);
  const issues = useMemo(() => {
    const parsed = parseElection(toDefinitionJson(draft));
    return parsed.ok ? [] : parsed.error;
  }, [draft]);
  const update = (change: (d: EditElection) => EditElection) => {
    setDraft((d) => change(structuredClone(d)));
    setSaved(false);
  };
  const save = async () => {
    const result = await call(API.saveElection, {}, { body: toDefinitionJson(draft) });
    if (result.ok) {
      setFailure(null);
      setSaved(true);
      await props.onSaved(result.value.id);
    } else setFailure(result.error);
  };
  const ro = !props.editable;
  return (
    <section className="panel editor" aria-labelledby="editor-title" data-testid="editor">
      <div className="panel-title-row">
        <h2 id="editor-title">{t('definition.editing', { id: draft.id })}</h2>
        <button type="button" className="ghost" onClick={props.onClose}>
          {t('definition.close')}
        </button>
      </div>
      {ro && (
        <div className="notice notice-warn" role="status">
          {t('definition.locked')}
        </div>
      )}
      <div className="segmented" role="tablist" aria-label={t('definition.sections')}>
        {SECTIONS.map((s) => (
          <button
            key={s}
            type="button"
            role="tab"
            aria-selected={s === section}
            className={s === section ? 'on' : undefined}
            onClick={() => {
              setSection(s);
            }}
          >
            {t(`definition.section.${s}`)}
          </button>
        ))}
      </div>
      <fieldset disabled={ro} className="editor-body">
        {section === 'general' && (
          <div className="form-grid">
            <Field label={t('definition.id')}>
              <input
                value={draft.id}
                onChange={(e) => {
                  update((d) => ({ ...d, id: e.target.value }));
                }}
              />
            </Field>
            <Field label={t('definition.nameFr')}>
              <input
                value={draft.fr}
                onChange={(e) => {
                  update((d) => ({ ...d, fr: e.target.value }));
                }}
              />
            </Field>
            <Field label={t('definition.nameEn')}>
              <input
                value={draft.en}
                onChange={(e) => {
                  update((d) => ({ ...d, en: e.target.value }));
                }}
              />
            </Field>
            <Field label={t('definition.opensAt')}>
              <input
                value={draft.opensAt}
                onChange={(e) => {
                  update((d) => ({ ...d, opensAt: e.target.value }));
                }}
              />
            </Field>
            <Field label={t('definition.closesAt')}>
              <input
                value={draft.closesAt}
                onChange={(e) => {
                  update((d) => ({ ...d, closesAt: e.target.value }));
                }}
              />
            </Field>
            <Field label={t('definition.syncDeadline')}>
              <input
                value={draft.syncDeadline}
                onChange={(e) => {
                  update((d) => ({ ...d, syncDeadline: e.target.value }));
                }}
              />
            </Field>
            <Field label={t('definition.anonymitySet')}>
              <input
                type="number"
                inputMode="numeric"
                min={2}
                max={500}
                value={draft.anonymitySet}
                onChange={(e) => {
                  update((d) => ({ ...d, anonymitySet: e.target.valueAsNumber }));
                }}
              />
            </Field>
            <Field label={t('definition.embargo')}>
              <select
                value={draft.embargo ? 'yes' : 'no'}
                onChange={(e) => {
                  update((d) => ({ ...d, embargo: e.target.value === 'yes' }));
                }}
              >
                <option value="yes">{t('definition.embargoYes')}</option>
                <option value="no">{t('definition.embargoNo')}</option>
              </select>
            </Field>
            <Field label={t('definition.mode')}>
              <select
                value={draft.mode}
                disabled={props.modeFixed}
                data-testid="editor-mode"
                onChange={(e) => {
                  update((d) => ({ ...d, mode: e.target.value === 'test' ? 'test' : 'live' }));
                }}
              >
                <option value="live">{t('definition.modeLive')}</option>
                <option value="test">{t('definition.modeTest')}</option>
              </select>
            </Field>
            <p className="muted" data-testid="editor-kdf">
              {draft.credentials === undefined
                ? t('definition.kdfDefault')
                : t('definition.kdf', { logN: draft.credentials.kdf.logN, r: draft.credentials.kdf.r, p: draft.credentials.kdf.p })}
            </p>
          </div>
        )}
        {section === 'ridings' && (
          <RowsEditor
            rows={draft.ridings}
            headers={[t('definition.code'), t('definition.nameFr'), t('definition.nameEn')]}
            onAdd={() => {
              update((d) => ({ ...d, ridings: [...d.ridings, { code: `CIRC-${d.ridings.length + 1}`, fr: '', en: '' }] }));
            }}
            onRemove={(i) => {
              update((d) => ({ ...d, ridings: d.ridings.filter((_, j) => j !== i) }));
            }}
            render={(r, i) => [
              <input
                key="c"
                aria-label={t('definition.code')}
                value={r.code}
                onChange={(e) => {
                  update((d) => {
                    d.ridings[i] = { ...r, code: e.target.value };
                    return d;
                  });
                }}
              />,
              <input
                key="f"
                aria-label={t('definition.nameFr')}
                value={r.fr}
                onChange={(e) => {
                  update((d) => {
                    d.ridings[i] = { ...r, fr: e.target.value };
                    return d;
                  });
                }}
              />,
              <input
                key="e"
                aria-label={t('definition.nameEn')}
                value={r.en}
                onChange={(e) => {
                  update((d) => {
                    d.ridings[i] = { ...r, en: e.target.value };
                    return d;
                  });
                }}
              />,
            ]}
          />
        )}
        {section === 'parties' && (
          <RowsEditor
            rows={draft.parties}
            headers={[t('definition.code'), t('definition.nameFr'), t('definition.nameEn'), t('definition.colour')]}
            onAdd={() => {
              update((d) => ({ ...d, parties: [...d.parties, { code: `P${d.parties.length + 1}`, fr: '', en: '', colour: '#5CC8FF' }] }));
            }}
            onRemove={(i) => {
              update((d) => ({ ...d, parties: d.parties.filter((_, j) => j !== i) }));
            }}
            render={(p, i) => [
              <input
                key="c"
                aria-label={t('definition.code')}
                value={p.code}
                onChange={(e) => {
                  update((d) => {
                    d.parties[i] = { ...p, code: e.target.value };
                    return d;
                  });
                }}
              />,
              <input
                key="f"
                aria-label={t('definition.nameFr')}
                value={p.fr}
                onChange={(e) => {
                  update((d) => {
                    d.parties[i] = { ...p, fr: e.target.value };
                    return d;
                  });
                }}
              />,
              <input
                key="e"
                aria-label={t('definition.nameEn')}
                value={p.en}
                onChange={(e) => {
                  update((d) => {
                    d.parties[i] = { ...p, en: e.target.value };
                    return d;
                  });
                }}
              />,
              <span key="k" className="colour-field">
                <input
                  type="color"
                  aria-label={t('definition.colour')}
                  value={p.colour.toLowerCase()}
                  onChange={(e) => {
                    update((d) => {
                      d.parties[i] = { ...p, colour: e.target.value.toUpperCase() };
                      return d;
                    });
                  }}
                />
                <code>{p.colour}</code>
              </span>,
            ]}
          />
        )}
        {section === 'races' &&
          draft.races.map((race, ri) => (
            <div key={ri} className="race-editor">
              <div className="form-grid">
                <Field label={t('definition.contestId')}>
                  <input
                    value={race.id}
                    onChange={(e) => {
                      update((d) => {
                        d.races[ri] = { ...race, id: e.target.value };
                        return d;
                      });
                    }}
                  />
                </Field>
                <Field label={t('table.riding')}>
                  <select
                    value={race.riding}
                    onChange={(e) => {
                      update((d) => {
                        d.races[ri] = { ...race, riding: e.target.value };
                        return d;
                      });
                    }}
                  >
                    {draft.ridings.map((r) => (
                      <option key={r.code} value={r.code}>
                        {r.code}
                      </option>
                    ))}
                  </select>
                </Field>
                <Field label={t('table.method')}>
                  <select
                    value={race.method}
                    onChange={(e) => {
                      update((d) => {
                        d.races[ri] = { ...race, method: e.target.value === 'irv' ? 'irv' : 'plurality' };
                        return d;
                      });
                    }}
                  >
                    <option value="plurality">{t('method.plurality')}</option>
                    <option value="irv">{t('method.irv')}</option>
                  </select>
                </Field>
              </div>
              <RowsEditor
                rows={race.candidates}
                headers={[t('definition.candidateId'), t('table.candidate'), t('table.party')]}
                onAdd={() => {
                  update((d) => {
                    d.races[ri]?.candidates.push({ id: `${race.riding}-${race.candidates.length + 1}`, name: '', party: '' });
                    return d;
                  });
                }}
                onRemove={(ci) => {
                  update((d) => {
                    const r = d.races[ri];
                    if (r !== undefined) r.candidates = r.candidates.filter((_, j) => j !== ci);
                    return d;
                  });
                }}
                render={(k, ci) => {
                  const set = (c: typeof k) => {
                    update((d) => {
                      const r = d.races[ri];
                      if (r !== undefined) r.candidates[ci] = c;
                      return d;
                    });
                  };
                  return [
                    <input
                      key="i"
                      aria-label={t('definition.candidateId')}
                      value={k.id}
                      onChange={(e) => {
                        set({ ...k, id: e.target.value });
                      }}
                    />,
                    <input
                      key="n"
                      aria-label={t('table.candidate')}
                      value={k.name}
                      onChange={(e) => {
                        set({ ...k, name: e.target.value });
                      }}
                    />,
                    <select
                      key="p"
                      aria-label={t('table.party')}
                      value={k.party}
                      onChange={(e) => {
                        set({ ...k, party: e.target.value });
                      }}
                    >
                      <option value="">{t('table.independent')}</option>
                      {draft.parties.map((p) => (
                        <option key={p.code} value={p.code}>
                          {p.code}
                        </option>
                      ))}
                    </select>,
                  ];
                }}
              />
            </div>
          ))}
        {section === 'races' && (
          <button
            type="button"
            onClick={() => {
              update((d) => {
                const riding = d.ridings.find((r) => !d.races.some((x) => x.riding === r.code))?.code ?? '';
                d.races.push({
                  id: `DEP-${riding}`,
                  riding,
                  method: 'plurality',
                  fr: `Député·e — ${riding}`,
                  en: `Member — ${riding}`,
                  candidates: [],
                  rest: {},
                });
                return d;
              });
            }}
          >
            + {t('definition.addRace')}
          </button>
        )}
        {section === 'referendums' && (
          <RowsEditor
            rows={draft.referendums}
            headers={[t('definition.contestId'), t('definition.titleFr'), t('definition.questionFr'), t('definition.questionEn')]}
            onAdd={() => {
              update((d) => ({
                ...d,
                referendums: [
                  ...d.referendums,
                  { id: `REF-${d.referendums.length + 1}`, fr: '', en: '', questionFr: '', questionEn: '', rest: {} },
                ],
              }));
            }}
            onRemove={(i) => {
              update((d) => ({ ...d, referendums: d.referendums.filter((_, j) => j !== i) }));
            }}
            render={(q, i) => {
              const set = (v: typeof q) => {
                update((d) => {
                  d.referendums[i] = v;
                  return d;
                });
              };
              return [
                <input
                  key="i"
                  aria-label={t('definition.contestId')}
                  value={q.id}
                  onChange={(e) => {
                    set({ ...q, id: e.target.value });
                  }}
                />,
                <input
                  key="t"
                  aria-label={t('definition.titleFr')}
                  value={q.fr}
                  onChange={(e) => {
                    set({ ...q, fr: e.target.value, en: q.en === '' ? e.target.value : q.en });
                  }}
                />,
                <input
                  key="f"
                  aria-label={t('definition.questionFr')}
                  value={q.questionFr}
                  onChange={(e) => {
                    set({ ...q, questionFr: e.target.value });
                  }}
                />,
                <input
                  key="e"
                  aria-label={t('definition.questionEn')}
                  value={q.questionEn}
                  onChange={(e) => {
                    set({ ...q, questionEn: e.target.value });
                  }}
                />,
              ];
            }}
          />
        )}
        {section === 'stations' && (
          <RowsEditor
            rows={draft.stations}
            headers={[t('table.station'), t('table.riding'), t('definition.nameFr'), t('definition.voters')]}
            onAdd={() => {
              update((d) => ({
                ...d,
                stations: [
                  ...d.stations,
                  {
                    id: `ST-${String(d.stations.length + 1).padStart(5, '0')}`,
                    riding: d.ridings[0]?.code ?? '',
                    fr: '',
                    en: '',
                    registeredVoters: 0,
                  },
                ],
              }));
            }}
            onRemove={(i) => {
              update((d) => ({ ...d, stations: d.stations.filter((_, j) => j !== i) }));
            }}
            limit={200}
            render={(s, i) => {
              const set = (v: typeof s) => {
                update((d) => {
                  d.stations[i] = v;
                  return d;
                });
              };
              return [
                <input
                  key="i"
                  aria-label={t('table.station')}
                  value={s.id}
                  onChange={(e) => {
                    set({ ...s, id: e.target.value });
                  }}
                />,
                <select
                  key="r"
                  aria-label={t('table.riding')}
                  value={s.riding}
                  onChange={(e) => {
                    set({ ...s, riding: e.target.value });
                  }}
                >
                  {draft.ridings.map((r) => (
                    <option key={r.code} value={r.code}>
                      {r.code}
                    </option>
                  ))}
                </select>,
                <input
                  key="n"
                  aria-label={t('definition.nameFr')}
                  value={s.fr}
                  onChange={(e) => {
                    set({ ...s, fr: e.target.value, en: s.en === '' || s.en === s.fr ? e.target.value : s.en });
                  }}
                />,
                <input
                  key="v"
                  aria-label={t('definition.voters')}
                  type="number"
                  min={0}
                  value={s.registeredVoters}
                  onChange={(e) => {
                    set({ ...s, registeredVoters: Number(e.target.value) });
                  }}
                />,
              ];
            }}
          />
        )}
      </fieldset>
      <div className="editor-footer">
        {issues.length === 0 ? (
          <span className="good-text" data-testid="editor-valid">
            ✓ {t('definition.valid')}
          </span>
        ) : (
          <details open className="editor-issues">
            <summary className="warn-text">{t('definition.problems', { count: issues.length })}</summary>
            <IssueList issues={issues.slice(0, 50)} />
          </details>
        )}
        {failure !== null && <FailureView failure={failure} issues={issuesOf(failure)} />}
        {saved && (
          <span className="good-text" role="status">
            {t('definition.savedDraft')}
          </span>
        )}
        <button type="button" className="primary" disabled={ro || issues.length > 0} onClick={() => void save()} data-testid="editor-save">
          {t('definition.save')}
        </button>
      </div>
    </section>
  );
}

function Field({ label, children }: { readonly label: string; readonly children: ReactNode }) {
  return (
    <label className="field">
      <span>{label}</span>
      {children}
    </label>
  );
}

function RowsEditor<T>(props: {
  readonly rows: readonly T[];
  readonly headers: readonly string[];
  readonly render: (row: T, index: number) => ReactNode[];
  readonly onAdd: () => void;
  readonly onRemove: (index: number) => void;
  readonly limit?: number;
}) {
  const { t } = useTranslation();
  const shown = props.rows.slice(0, props.limit ?? props.rows.length);
  return (
    <div className="rows-editor">
      <table className="table compact-table">
        <thead>
          <tr>
            {props.headers.map((h) => (
              <th key={h} scope="col">
                {h}
              </th>
            ))}
            <th scope="col">
              <span className="sr-only">{t('table.actions')}</span>
            </th>
          </tr>
        </thead>
        <tbody>
          {shown.map((row, i) => (
            <tr key={i}>
              {props.render(row, i).map((cell, j) => (
                <td key={j}>{cell}</td>
              ))}
              <td>
                <button
                  type="button"
                  className="ghost small"
                  onClick={() => {
                    props.onRemove(i);
                  }}
                  aria-label={t('definition.remove')}
                >
                  ✕
                </button>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {props.rows.length > shown.length && (
        <p className="muted small">{t('definition.more', { count: props.rows.length - shown.length })}</p>
      )}
      <button type="button" className="ghost" onClick={props.onAdd}>
        + {t('definition.add')}
      </button>
    </div>
  );
}
