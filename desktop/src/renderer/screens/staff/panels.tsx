import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { ConnectionCheck, StationError, StationStatus } from '../../../api/station_api.ts';
import { useLabel } from '../../components/hooks.ts';
import { usePrefsStore } from '../../state/prefs_store.ts';
import { stationApi } from '../../backend/api.ts';

/** Pieces shared by the technician and poll-worker screens. */

export function useDateTime(): (iso: string | null) => string {
  const language = usePrefsStore((s) => s.language);
  const format = new Intl.DateTimeFormat(language === 'fr' ? 'fr-CA' : 'en-CA', { dateStyle: 'medium', timeStyle: 'short' });
  return (iso) => (iso === null ? '—' : format.format(new Date(iso)));
}

export function ErrorMessage(props: { readonly error: StationError | null }) {
  const language = usePrefsStore((s) => s.language);
  if (props.error === null) return null;
  return (
    <p className="message message--error" role="alert" data-problem={props.error.kind}>
      {props.error.message[language]}
    </p>
  );
}

export function StationIdentity(props: { readonly status: StationStatus }) {
  const { t } = useTranslation();
  const label = useLabel();
  const dateTime = useDateTime();
  const { kit } = props.status;
  if (kit === null) return null;
  return (
    <dl className="facts" aria-label={t('staff.identity')}>
      <dt>{t('staff.election')}</dt>
      <dd>
        {label(kit.electionName)} <span className="muted">({kit.election})</span>
      </dd>
      <dt>{t('staff.station')}</dt>
      <dd>
        {label(kit.stationName)} <span className="muted">({kit.station})</span>
      </dd>
      <dt>{t('staff.riding')}</dt>
      <dd>{label(kit.ridingName)}</dd>
      <dt>{t('staff.votingPeriod')}</dt>
      <dd>
        {dateTime(kit.opensAt)} – {dateTime(kit.closesAt)}
      </dd>
      <dt>{t('staff.voters')}</dt>
      <dd>{kit.voters}</dd>
      <dt>{t('staff.publicKey')}</dt>
      <dd className="mono">{props.status.publicKey ?? '—'}</dd>
      <dt>{t('staff.enrolledAt')}</dt>
      <dd>{props.status.enrolledAt === null ? t('staff.notEnrolled') : dateTime(props.status.enrolledAt)}</dd>
    </dl>
  );
}

export function ConnectionCheckPanel() {
  const { t } = useTranslation();
  const [check, setCheck] = useState<ConnectionCheck | null>(null);
  const [error, setError] = useState<StationError | null>(null);
  const [busy, setBusy] = useState(false);
  const run = async () => {
    setBusy(true);
    setError(null);
    try {
      const answer = await stationApi().checkConnection({});
      if (answer.ok) setCheck(answer.value);
      else setError(answer.error);
    } finally {
      setBusy(false);
    }
  };
  const seconds = check?.clockSkewMs === null || check === null ? null : Math.round(check.clockSkewMs / 1000);
  return (
    <div className="check">
      <button type="button" className="button button--secondary" disabled={busy} onClick={() => void run()}>
        {t('staff.checkConnection')}
      </button>
      <ErrorMessage error={error} />
      {check !== null && (
        <ul className="checklist" aria-live="polite" data-testid="connection-check">
          <li className={check.reachable ? 'ok' : 'bad'}>{check.reachable ? t('staff.check.reachable') : t('staff.check.unreachable')}</li>
          {seconds !== null && (
            <li className={check.clockWarning ? 'bad' : 'ok'}>
              {check.clockWarning
                ? t('staff.check.clockWarning', { seconds: String(seconds) })
                : t('staff.check.clock', { seconds: String(seconds) })}
            </li>
          )}
          {check.reachable && (
            <li className={check.enrolled ? 'ok' : 'bad'}>{check.enrolled ? t('staff.check.enrolled') : t('staff.check.notEnrolled')}</li>
          )}
        </ul>
      )}
    </div>
  );
}
