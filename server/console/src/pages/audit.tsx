import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { call, type ApiFailure } from '../api/client.ts';
import { CONSOLE_API as API, type AuditEntry, type Recount, type Verification } from '@scrutin/shared/api';
import { formatDateTime, formatInt } from '../components/format.ts';
import { FailureView, PageHeader, Stat } from '../components/ui.tsx';
import { useApi } from '../components/use_api.ts';
import { useRouter } from '../state/router.ts';
import { actionText, actorText, auditFields, type AuditWords } from './audit_detail.ts';

/** Integrity: recount every stored ballot against the live tally, verify a station's batches, read the officials' log. */
export function AuditPage() {
  const { t } = useTranslation();
  const election = useRouter((s) => s.route.election) ?? '';
  return (
    <div className="page" data-testid="audit">
      <PageHeader title={t('pages.audit')} subtitle={t('audit.subtitle')} />
      <div className="grid-2">
        <RecountPanel election={election} />
        <VerifyPanel election={election} />
      </div>
      <AuditLog />
    </div>
  );
}

function RecountPanel({ election }: { readonly election: string }) {
  const { t } = useTranslation();
  const [busy, setBusy] = useState(false);
  const [report, setReport] = useState<Recount | null>(null);
  const [failure, setFailure] = useState<ApiFailure | null>(null);
  const run = async () => {
    setBusy(true);
    const result = await call(API.recount, { id: election });
    setBusy(false);
    if (result.ok) {
      setReport(result.value);
      setFailure(null);
    } else setFailure(result.error);
  };
  return (
    <section className="panel" aria-labelledby="recount-title">
      <h2 id="recount-title">{t('audit.recount')}</h2>
      <p className="muted">{t('audit.recountIntro')}</p>
      <button type="button" className="primary" onClick={() => void run()} disabled={busy}>
        {busy ? t('audit.recounting') : t('audit.recountButton')}
      </button>
      {failure !== null && <FailureView failure={failure} />}
      {report !== null && (
        <div className={`verdict ${report.equal ? 'verdict-good' : 'verdict-bad'}`} data-testid="recount-verdict" role="status">
          <div className="verdict-mark" aria-hidden="true">
            {report.equal ? '✓' : '✗'}
          </div>
          <div>
            <strong>{report.equal ? t('audit.equal') : t('audit.different', { count: report.differences.length })}</strong>
            <div className="muted">{t('audit.ballotsRecounted', { count: report.ballots, formatted: formatInt(report.ballots) })}</div>
            {report.differences.length > 0 && (
              <ul className="issues">
                {report.differences.slice(0, 20).map((d) => (
                  <li key={d}>{d}</li>
                ))}
              </ul>
            )}
          </div>
        </div>
      )}
    </section>
  );
}

function VerifyPanel({ election }: { readonly election: string }) {
  const { t } = useTranslation();
  const [report, setReport] = useState<Verification | null>(null);
  const [failure, setFailure] = useState<ApiFailure | null>(null);
  const [busy, setBusy] = useState(false);
  const upload = async (file: File) => {
    setBusy(true);
    const result = await call(API.batchVerification, { id: election }, { body: await file.text() });
    setBusy(false);
    if (result.ok) {
      setReport(result.value);
      setFailure(null);
    } else {
      setReport(null);
      setFailure(result.error);
    }
  };
  const allGood =
    report !== null &&
    report.fileSignature === 'valid' &&
    report.valid === report.batches.length &&
    report.differing === 0 &&
    report.missingFromFile.length === 0;
  return (
    <section className="panel" aria-labelledby="verify-title">
      <h2 id="verify-title">{t('audit.verify')}</h2>
      <p className="muted">{t('audit.verifyIntro')}</p>
      <label className="file-input">
        <span>{busy ? t('audit.verifying') : t('audit.chooseFile')}</span>
        <input
          type="file"
          accept="application/json,.json"
          onChange={(e) => {
            const file = e.target.files?.[0];
            if (file !== undefined) void upload(file);
            e.target.value = '';
          }}
        />
      </label>
      {failure !== null && <FailureView failure={failure} />}
      {report !== null && (
        <div data-testid="verification">
          <div className={`verdict ${allGood ? 'verdict-good' : 'verdict-bad'}`} role="status">
            <div className="verdict-mark" aria-hidden="true">
              {allGood ? '✓' : '!'}
            </div>
            <div>
              <strong>
                {allGood ? t('audit.verifiedAll', { station: report.station }) : t('audit.verifiedProblems', { station: report.station })}
              </strong>
              <div className="muted">{t(`audit.fileSignature.${report.fileSignature}`)}</div>
            </div>
          </div>
          <div className="stats compact">
            <Stat
              label={t('audit.signaturesValid')}
              value={`${report.valid} / ${report.batches.length}`}
              tone={report.valid === report.batches.length ? 'good' : 'bad'}
            />
            <Stat label={t('audit.matching')} value={formatInt(report.matching)} />
            <Stat label={t('audit.differing')} value={formatInt(report.differing)} tone={report.differing > 0 ? 'bad' : undefined} />
            <Stat label={t('audit.notReceived')} value={formatInt(report.notReceived)} tone={report.notReceived > 0 ? 'warn' : undefined} />
          </div>
          <table className="table compact-table">
            <thead>
              <tr>
                <th scope="col">{t('table.sequence')}</th>
                <th scope="col" className="right">
                  {t('table.envelopes')}
                </th>
                <th scope="col">{t('table.signature')}</th>
                <th scope="col">{t('table.central')}</th>
              </tr>
            </thead>
            <tbody>
              {report.batches.slice(0, 50).map((b) => (
                <tr key={b.sequence}>
                  <td>{b.sequence}</td>
                  <td className="right num">{b.envelopes}</td>
                  <td>
                    <span className={`badge ${b.signature === 'valid' ? 'good' : 'bad'}`}>
                      {b.signature === 'valid' ? t('audit.valid') : t('audit.invalid')}
                    </span>
                  </td>
                  <td>
                    <span className={`badge ${b.central === 'matches' ? 'good' : b.central === 'differs' ? 'bad' : 'warn'}`}>
                      {t(`audit.central.${b.central}`)}
                    </span>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}

/** An entry's detail as labelled fields, not JSON, every label and word in the reader's language (audit_detail.ts). */
function AuditDetail({ detail }: { readonly detail: unknown }) {
  const words = useAuditWords();
  const fields = auditFields(detail, words);
  if (fields.length === 1 && fields[0]?.key === '') return <>{fields[0].value}</>;
  return (
    <dl className="audit-detail">
      {fields.map((f) => (
        <div key={f.key}>
          <dt>{f.label}</dt>
          <dd>{f.value}</dd>
        </div>
      ))}
    </dl>
  );
}

function useAuditWords(): AuditWords {
  const { t, i18n } = useTranslation();
  return { t, exists: (key) => i18n.exists(key), dateTime: formatDateTime };
}

function AuditLog() {
  const { t } = useTranslation();
  const words = useAuditWords();
  const first = useApi('audit-log', () => call(API.audit, {}, { query: { limit: 50 } }), 10_000);
  const [older, setOlder] = useState<{ entries: AuditEntry[]; next: number | null } | null>(null);
  const entries = [...(first.data?.entries ?? []), ...(older?.entries ?? [])];
  const next = older === null ? (first.data?.next ?? null) : older.next;
  const more = async () => {
    if (next === null) return;
    const page = await call(API.audit, {}, { query: { limit: 100, before: next } });
    if (page.ok) setOlder({ entries: [...(older?.entries ?? []), ...page.value.entries], next: page.value.next });
  };
  return (
    <section className="panel" aria-labelledby="log-title">
      <h2 id="log-title">{t('audit.log')}</h2>
      <p className="muted small">{t('audit.logIntro')}</p>
      <div className="table-scroll tall" tabIndex={0} role="region" aria-label={t('audit.log')}>
        <table className="table compact-table" data-testid="audit-log">
          <thead>
            <tr>
              <th scope="col">{t('table.when')}</th>
              <th scope="col">{t('table.who')}</th>
              <th scope="col">{t('table.action')}</th>
              <th scope="col">{t('table.detail')}</th>
            </tr>
          </thead>
          <tbody>
            {entries.map((e) => (
              <tr key={e.id}>
                <td className="nowrap">{formatDateTime(e.at)}</td>
                <td className="nowrap">{actorText(e.actor, words)}</td>
                <td>
                  <span
                    className={
                      e.action.includes('failed') || e.action.includes('override') || e.action.includes('locked') ? 'warn-text' : undefined
                    }
                    data-action={e.action}
                  >
                    {actionText(e.action, words)}
                  </span>
                </td>
                <td className="detail">
                  <AuditDetail detail={e.detail} />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {next !== null && (
        <button type="button" onClick={() => void more()}>
          {t('audit.more')}
        </button>
      )}
    </section>
  );
}
