import { useTranslation } from 'react-i18next';
import type { ClosingReport } from '../../../api/station_api.ts';
import { kioskShell } from '../../backend/shell.ts';
import { useLabel } from '../../components/hooks.ts';
import { useStationStore } from '../../state/station_store.ts';
import { useDateTime } from './panels.tsx';

/** The signed closing report, on screen and on paper (the print stylesheet shows only this). */
export function ClosingReportView(props: { readonly report: ClosingReport; readonly onClose: () => void }) {
  const { t } = useTranslation();
  const label = useLabel();
  const dateTime = useDateTime();
  const { body } = props.report;
  const kit = useStationStore((s) => s.status?.kit ?? null);
  const checks = [
    {
      id: 'voters',
      holds: body.votersCheckedIn === body.ballotsCast + body.leftWithoutVoting,
      text: t('closing.votersCheck', {
        checkedIn: String(body.votersCheckedIn),
        cast: String(body.ballotsCast),
        left: String(body.leftWithoutVoting),
      }),
    },
    {
      id: 'sessions',
      holds: body.abandonedSessions >= body.leftWithoutVoting,
      text: t('closing.sessionsCheck', { abandoned: String(body.abandonedSessions), left: String(body.leftWithoutVoting) }),
    },
    {
      id: 'sent',
      holds: body.ballotsSynced + body.ballotsPending === body.ballotsCast,
      text: t('closing.sentCheck', {
        sent: String(body.ballotsSynced),
        pending: String(body.ballotsPending),
        cast: String(body.ballotsCast),
      }),
    },
  ];
  return (
    <section className="report" aria-labelledby="report-title" data-testid="closing-report">
      <div className="report__head">
        <h2 id="report-title">{t('report.title')}</h2>
        <div className="report__actions no-print">
          <button
            type="button"
            className="button button--primary"
            onClick={() => {
              // The kiosk shell prints without a dialog (src/main/shell_calls.ts); a browser shows its own.
              void kioskShell().print();
            }}
          >
            {t('staff.print')}
          </button>
          <button type="button" className="button button--secondary" onClick={props.onClose}>
            {t('staff.closeReport')}
          </button>
        </div>
      </div>
      <dl className="facts facts--report">
        <dt>{t('staff.election')}</dt>
        <dd>
          {kit === null ? '' : `${label(kit.electionName)} `}
          <span className="muted">({body.election})</span>
        </dd>
        <dt>{t('staff.station')}</dt>
        <dd>
          {kit === null ? '' : `${label(kit.stationName)} `}
          <span className="muted">({body.station})</span>
        </dd>
        <dt>{t('staff.riding')}</dt>
        <dd>{kit === null ? body.riding : label(kit.ridingName)}</dd>
        <dt>{t('report.opened')}</dt>
        <dd>{dateTime(body.pollsOpenedAt)}</dd>
        <dt>{t('report.closed')}</dt>
        <dd>{dateTime(body.pollsClosedAt)}</dd>
        <dt>{t('closing.checkedIn')}</dt>
        <dd data-testid="report-checked-in">{body.votersCheckedIn}</dd>
        <dt>{t('report.ballotsCast')}</dt>
        <dd data-testid="report-ballots">{body.ballotsCast}</dd>
        <dt>{t('closing.leftWithoutVoting')}</dt>
        <dd data-testid="report-left">{body.leftWithoutVoting}</dd>
        <dt>{t('closing.checkIns')}</dt>
        <dd>{body.checkIns}</dd>
        <dt>{t('closing.abandoned')}</dt>
        <dd data-testid="report-abandoned">{body.abandonedSessions}</dd>
        <dt>{t('report.synced')}</dt>
        <dd>{body.ballotsSynced}</dd>
        <dt>{t('report.pending')}</dt>
        <dd>{body.ballotsPending}</dd>
        <dt>{t('report.batches')}</dt>
        <dd>{body.batchesSynced}</dd>
        <dt>{t('report.generatedAt')}</dt>
        <dd>{dateTime(body.generatedAt)}</dd>
      </dl>
      {body.tape.map((tape) => (
        <table key={tape.contest} className="tape">
          <caption>
            {label(tape.title)} <span className="muted">— {t('closing.ballotsOf', { count: tape.ballots })}</span>
            {tape.firstChoices && <span className="tape__note">{t('closing.firstChoices')}</span>}
          </caption>
          <thead>
            <tr>
              <th scope="col">{t('report.option')}</th>
              <th scope="col" className="num">
                {t('report.votes')}
              </th>
            </tr>
          </thead>
          <tbody>
            {tape.counts.map((count) => (
              <tr key={count.option}>
                <th scope="row">{label(count.label)}</th>
                <td className="num">{count.votes}</td>
              </tr>
            ))}
            <tr className="tape__blank">
              <th scope="row">{t('report.blank')}</th>
              <td className="num">{tape.blank}</td>
            </tr>
          </tbody>
        </table>
      ))}
      <h3>{t('closing.reconciliation')}</h3>
      <ul className="report__checks" data-testid="report-checks">
        {checks.map((check) => (
          <li key={check.id} className={check.holds ? undefined : 'report__check--fails'}>
            {check.text} — {check.holds ? t('closing.holds') : t('closing.fails')}
          </li>
        ))}
      </ul>
      <dl className="facts facts--signature">
        <dt>{t('report.auditHead')}</dt>
        <dd className="mono">{body.auditLogHead}</dd>
        <dt>{t('staff.publicKey')}</dt>
        <dd className="mono">{props.report.publicKey}</dd>
        <dt>{t('report.signature')}</dt>
        <dd className="mono">{props.report.signature}</dd>
      </dl>
      <h3>{t('closing.signatures')}</h3>
      <ul className="report__signatures">
        {[...(kit?.workers ?? []).map((name) => t('closing.pollWorker', { name })), t('closing.witness'), t('closing.witness')].map(
          (line, i) => (
            <li key={i}>{line}</li>
          ),
        )}
      </ul>
    </section>
  );
}
