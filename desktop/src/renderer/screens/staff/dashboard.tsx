import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type {
  BatchExportSummary,
  ClosingReport,
  DriveChoice,
  LogicAndAccuracyRun,
  PrintOutcome,
  StationError,
} from '../../../api/station_api.ts';
import { Dialog } from '../../components/dialog.tsx';
import { useHeadingFocus } from '../../components/hooks.ts';
import { usePrefsStore } from '../../state/prefs_store.ts';
import { useStaffStore } from '../../state/staff_store.ts';
import { useStationStore } from '../../state/station_store.ts';
import { stationApi } from '../../backend/api.ts';
import { AccessPanel } from './access_panel.tsx';
import { ClosingReportView } from './closing_report_view.tsx';
import { ConnectionCheckPanel, ErrorMessage, StationIdentity, useDateTime } from './panels.tsx';

type Confirming = 'open' | 'close' | null;

/** The poll workers' screen: the polls, the counts, sending to central, export, closing. */
/** One count on the dashboard. */
function Stat(props: { readonly label: string; readonly value: number; readonly testId: string }) {
  return (
    <div className="stat">
      <p className="stat__label">{props.label}</p>
      <p className="stat__value" data-testid={props.testId}>
        {props.value}
      </p>
    </div>
  );
}

export function Dashboard() {
  const { t } = useTranslation();
  const dateTime = useDateTime();
  const status = useStationStore((s) => s.status);
  const refresh = useStationStore((s) => s.refresh);
  const { unlocked, lock } = useStaffStore();
  const language = usePrefsStore((s) => s.language);
  const heading = useHeadingFocus<HTMLHeadingElement>('dashboard');
  const [confirming, setConfirming] = useState<Confirming>(null);
  const [error, setError] = useState<StationError | null>(null);
  const [busy, setBusy] = useState(false);
  const [notice, setNotice] = useState<string | null>(null);
  /** A report that did not print is a warning, not a success. */
  const [noticeTone, setNoticeTone] = useState<'ok' | 'warning'>('ok');
  const [drives, setDrives] = useState<readonly DriveChoice[] | null>(null);
  const [drive, setDrive] = useState('');
  const [exported, setExported] = useState<BatchExportSummary | null>(null);
  const [report, setReport] = useState<ClosingReport | null>(null);
  const [testRun, setTestRun] = useState<LogicAndAccuracyRun | null>(null);

  // The counts and the link state move while the screen is open.
  useEffect(() => {
    const timer = setInterval(() => void refresh(), 5000);
    return () => {
      clearInterval(timer);
    };
  }, [refresh]);

  if (status === null || unlocked === null) return null;
  const { pin, worker } = unlocked;
  const { sync } = status;

  const run = async <T,>(
    action: () => Promise<{ readonly ok: true; readonly value: T } | { readonly ok: false; readonly error: StationError }>,
    done: (value: T) => void,
  ) => {
    setBusy(true);
    setError(null);
    setNotice(null);
    setNoticeTone('ok');
    try {
      const answer = await action();
      if (answer.ok) done(answer.value);
      else setError(answer.error);
      await refresh();
    } finally {
      setBusy(false);
    }
  };

  /** What became of a report sent to the printer, in words the poll worker acts on. */
  const printNotice = (printed: PrintOutcome, which: 'zero' | 'closing'): string => {
    const what = which === 'zero' ? t('closing.zeroReport') : t('closing.closingReport');
    if (printed.outcome === 'pending' || !printed.reconciles) setNoticeTone('warning');
    const words = (() => {
      switch (printed.outcome) {
        case 'printed':
          return t('closing.printed', { what, count: printed.copies });
        case 'already-printed':
          return t('closing.alreadyPrinted', { what });
        case 'pending':
          return printed.problem === null
            ? t('closing.pendingWaiting', { what })
            : t('closing.pending', { what, problem: printed.problem[language] });
        case 'no-printer':
          return t('closing.noPrinter');
      }
    })();
    return printed.reconciles ? words : `${words} ${t('closing.doesNotReconcile')}`;
  };

  const reportName = (which: 'zero' | 'closing') => (which === 'zero' ? t('closing.zeroReport') : t('closing.closingReport'));

  /** "Resume printing": what printed now, and what still waits (with the printer's words). */
  const resumePrinting = () =>
    run(
      () => stationApi().resumePrinting({ pin, worker }),
      (value) => {
        const printed = value.printed.map((p) => t('closing.printed', { what: reportName(p.report), count: p.copies }));
        const still = value.problem === null ? [] : [t('closing.stillPending', { problem: value.problem[language] })];
        if (value.pending.length > 0) setNoticeTone('warning');
        setNotice(printed.length === 0 && still.length === 0 ? t('closing.resumedNothing') : [...printed, ...still].join(' '));
      },
    );

  const showReport = () =>
    run(
      () => stationApi().closingReport({ pin, worker }),
      (value) => {
        setReport(value);
        setNotice(printNotice(value.printed, 'closing'));
      },
    );

  if (report !== null) {
    return (
      <main className="screen screen--staff screen--report" id="main">
        <ClosingReportView
          report={report}
          onClose={() => {
            setReport(null);
          }}
        />
      </main>
    );
  }

  return (
    <main className="screen screen--staff" id="main">
      <div className="staff-head">
        <h1 ref={heading} tabIndex={-1}>
          {t('staff.dashboard')}
        </h1>
        <p className="staff-head__worker">{t('staff.worker', { name: unlocked.worker })}</p>
        <button type="button" className="button button--secondary" aria-label={t('staff.lockAria')} onClick={lock}>
          {t('staff.lock')}
        </button>
      </div>
      <div className="stats" role="group" aria-label={t('staff.dashboard')}>
        <div className={`stat stat--polls stat--${status.polls}`}>
          <p className="stat__label">{t('staff.pollsLabel')}</p>
          <p className="stat__value" data-testid="polls-state">
            {t(`staff.pollsState.${status.polls}`)}
          </p>
        </div>
        <Stat label={t('staff.votersCheckedIn')} value={status.votersCheckedIn} testId="voters-checked-in" />
        <Stat label={t('staff.ballotsCast')} value={status.ballotsCast} testId="ballots-cast" />
        <Stat label={t('staff.pendingSync')} value={sync.pendingBallots} testId="pending-sync" />
        <Stat label={t('staff.syncedBallots')} value={sync.syncedBallots} testId="synced-ballots" />
        <div className={`stat stat--link stat--${sync.state}`}>
          <p className="stat__label">{t('staff.connection')}</p>
          <p className="stat__value stat__value--text" data-testid="sync-state">
            <span className="dot" aria-hidden="true" />
            {t(`staff.sync.${sync.state}`)}
          </p>
          <p className="stat__detail">
            {t('staff.lastSync', { time: sync.lastSyncAt === null ? t('staff.never') : dateTime(sync.lastSyncAt) })}
          </p>
        </div>
      </div>
      {sync.lastError !== null && (sync.state === 'offline' || sync.state === 'error') && (
        <p className="message message--warning">{sync.lastError[language]}</p>
      )}
      {status.pendingPrints.length > 0 && (
        <section
          className="message message--warning printing-pending"
          aria-labelledby="printing-pending-title"
          data-testid="printing-pending"
        >
          <h2 id="printing-pending-title">{t('closing.printingPendingTitle')}</h2>
          <ul>
            {status.pendingPrints.map((p) => (
              <li key={p.report}>{t('closing.printingPendingItem', { what: reportName(p.report), count: p.copies })}</li>
            ))}
          </ul>
          <p>{t('closing.printingPendingHelp')}</p>
          <button type="button" className="button button--primary" disabled={busy} onClick={() => void resumePrinting()}>
            {t('closing.resumePrinting')}
          </button>
        </section>
      )}
      <div aria-live="polite">
        <ErrorMessage error={error} />
        {notice !== null && (
          <p className={`message message--${noticeTone}`} role="status">
            {notice}
          </p>
        )}
      </div>
      <div className="staff-grid">
        <section className="panel" aria-labelledby="polls-actions">
          <h2 id="polls-actions">{t('staff.pollsLabel')}</h2>
          <div className="actions">
            {status.polls === 'setup' && (
              <button
                type="button"
                className="button button--secondary"
                disabled={busy}
                onClick={() =>
                  void run(
                    () => stationApi().logicAndAccuracy({ pin, worker }),
                    (value) => {
                      setTestRun(value);
                    },
                  )
                }
              >
                {t('closing.testRun')}
              </button>
            )}
            {status.polls === 'setup' && (
              <button
                type="button"
                className="button button--primary"
                disabled={busy}
                onClick={() => {
                  setConfirming('open');
                }}
              >
                {t('staff.openPolls')}
              </button>
            )}
            {status.polls === 'open' && (
              <button
                type="button"
                className="button button--danger"
                disabled={busy}
                onClick={() => {
                  setConfirming('close');
                }}
              >
                {t('staff.closePolls')}
              </button>
            )}
            {status.polls === 'closed' && (
              <button type="button" className="button button--primary" disabled={busy} onClick={() => void showReport()}>
                {t('staff.showReport')}
              </button>
            )}
            <button
              type="button"
              className="button button--secondary"
              disabled={busy || status.polls === 'setup'}
              onClick={() =>
                void run(
                  () => stationApi().syncNow({}),
                  (progress) => {
                    // Offline, the warning from the sync state says it; otherwise say what is left.
                    if (progress.state === 'offline' || progress.state === 'error') return;
                    setNotice(
                      progress.pendingBallots === 0 ? t('staff.syncAllSent') : t('staff.syncDone', { count: progress.pendingBallots }),
                    );
                  },
                )
              }
            >
              {t('staff.syncNow')}
            </button>
          </div>
          {testRun !== null && status.polls === 'setup' && (
            <div
              className={`message ${testRun.passed && testRun.resetToZero ? 'message--ok' : 'message--error'}`}
              role="status"
              data-testid="test-run"
            >
              <p>
                {testRun.passed ? t('closing.testPassed', { count: testRun.ballots }) : t('closing.testFailed', { count: testRun.ballots })}{' '}
                {testRun.resetToZero ? t('closing.testReset') : t('closing.testNotReset')}
              </p>
              {testRun.differences.length > 0 && (
                <ul>
                  {testRun.differences.map((d, i) => (
                    <li key={i}>{d[language]}</li>
                  ))}
                </ul>
              )}
            </div>
          )}
        </section>
        <AccessPanel pollsOpen={status.polls === 'open'} />
        <section className="panel" aria-labelledby="export-title">
          <h2 id="export-title">{t('staff.exportTitle')}</h2>
          <p className="muted">{t('staff.exportHelp')}</p>
          <div className="form-row">
            <button
              type="button"
              className="button button--secondary"
              disabled={busy}
              onClick={() =>
                void run(
                  () => stationApi().listDrives({ pin, worker }),
                  (value) => {
                    setDrives(value.drives);
                    setDrive(value.drives.find((d) => !d.readOnly)?.id ?? '');
                  },
                )
              }
            >
              {t('staff.exportRefresh')}
            </button>
          </div>
          {drives !== null && drives.length === 0 && <p className="muted">{t('staff.exportNoDrive')}</p>}
          {drives !== null && drives.length > 0 && (
            <form
              className="form-row"
              onSubmit={(event) => {
                event.preventDefault();
                void run(
                  () => stationApi().exportBatches({ pin, worker, drive }),
                  (value) => {
                    setExported(value);
                  },
                );
              }}
            >
              <label htmlFor="export-drive">{t('staff.exportDrive')}</label>
              <select
                id="export-drive"
                className="text-input"
                value={drive}
                onChange={(event) => {
                  setDrive(event.target.value);
                }}
              >
                {drives.map((d) => (
                  <option key={d.id} value={d.id} disabled={d.readOnly}>
                    {t('staff.exportDriveChoice', { label: d.label, device: d.device, free: (d.freeBytes / (1024 * 1024)).toFixed(1) })}
                  </option>
                ))}
              </select>
              <button type="submit" className="button button--secondary" disabled={busy || drive === ''}>
                {t('staff.export')}
              </button>
              {status.polls === 'closed' && (
                <button
                  type="button"
                  className="button button--secondary"
                  disabled={busy || drive === ''}
                  onClick={() =>
                    void run(
                      () => stationApi().backupToDrive({ pin, worker, drive }),
                      (value) => {
                        setNotice(
                          `${t('closing.backupWritten', { count: value.ballots, path: value.path })} ${t('closing.usbFingerprint', { sha: value.sha256.slice(0, 16) })}`,
                        );
                      },
                    )
                  }
                >
                  {t('closing.backup')}
                </button>
              )}
            </form>
          )}
          {exported !== null && (
            <p className="message message--ok" role="status" data-testid="export-done">
              {t('closing.usbWritten', { count: exported.ballots, path: exported.path })}{' '}
              {exported.heldBack > 0 && `${t('closing.usbHeldBack', { count: exported.heldBack })} `}
              {t('closing.usbFingerprint', { sha: exported.sha256.slice(0, 16) })}
            </p>
          )}
        </section>
        <section className="panel" aria-labelledby="identity-title">
          <h2 id="identity-title">{t('staff.identity')}</h2>
          <StationIdentity status={status} />
        </section>
        <section className="panel" aria-labelledby="check-title">
          <h2 id="check-title">{t('staff.checkConnection')}</h2>
          <ConnectionCheckPanel />
        </section>
      </div>
      {confirming !== null && (
        <Dialog
          title={confirming === 'open' ? t('staff.confirmOpenTitle') : t('staff.confirmCloseTitle')}
          tone={confirming === 'close' ? 'warning' : 'neutral'}
          onEscape={() => {
            setConfirming(null);
          }}
          actions={
            <>
              <button
                type="button"
                className="button button--secondary"
                onClick={() => {
                  setConfirming(null);
                }}
              >
                {t('staff.back')}
              </button>
              <button
                type="button"
                className={`button ${confirming === 'close' ? 'button--danger' : 'button--primary'}`}
                onClick={() => {
                  const which = confirming;
                  setConfirming(null);
                  void (which === 'open'
                    ? run(
                        () => stationApi().openPolls({ pin, worker }),
                        (value) => {
                          setNotice(printNotice(value.zeroReport, 'zero'));
                        },
                      )
                    : run(
                        () => stationApi().closePolls({ pin, worker }),
                        () => undefined,
                      ));
                }}
              >
                {confirming === 'open' ? t('staff.openPolls') : t('staff.closePolls')}
              </button>
            </>
          }
        >
          <p>{confirming === 'open' ? t('staff.confirmOpenBody') : t('staff.confirmCloseBody')}</p>
        </Dialog>
      )}
    </main>
  );
}
