import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { ClockSet, StationError } from '../../../api/station_api.ts';
import { useHeadingFocus } from '../../components/hooks.ts';
import { useStationStore } from '../../state/station_store.ts';
import { stationApi } from '../../backend/api.ts';
import { ConnectionCheckPanel, ErrorMessage, StationIdentity, useDateTime } from './panels.tsx';
import { TechnicianBuild, TechnicianPreflight } from './technician_checks.tsx';
import { TechnicianKeyboard } from './technician_keyboard.tsx';
import { TechnicianKits } from './technician_kits.tsx';

/** Which field the on-screen keyboard types into. */
type KeyboardTarget = 'kit' | 'token' | 'clock';

/** A local time typed as `2026-10-05 14:30` (seconds optional), as an ISO 8601 instant; null if it is not one. */
export function typedLocalTime(text: string): string | null {
  const match = /^(\d{4})-(\d{2})-(\d{2})[ T](\d{2}):(\d{2})(?::(\d{2}))?$/.exec(text.trim());
  if (match === null) return null;
  const [year, month, day, hour, minute, second] = match.slice(1, 7).map((part: string | undefined) => Number(part ?? '0'));
  if (year === undefined || month === undefined || day === undefined || hour === undefined || minute === undefined) return null;
  const at = new Date(year, month - 1, day, hour, minute, second ?? 0);
  // 2026-02-30 rolls over to March: a typo, not a time.
  if (
    at.getFullYear() !== year ||
    at.getMonth() !== month - 1 ||
    at.getDate() !== day ||
    at.getHours() !== hour ||
    at.getMinutes() !== minute
  )
    return null;
  return at.toISOString();
}

/**
 * The technician's setup: load the kit, enrol the station, check the link and the clock, run
 * the hardware pre-flight; the running build's version and hash are shown for comparison with
 * the release. The kit folder and the token can be typed on the on-screen keyboard (the kiosk
 * has no physical keyboard).
 */
export function TechnicianSetup(props: { readonly onFinish: () => void }) {
  const { t } = useTranslation();
  const status = useStationStore((s) => s.status);
  const refresh = useStationStore((s) => s.refresh);
  const dateTime = useDateTime();
  const heading = useHeadingFocus<HTMLHeadingElement>('tech');
  const [kitPath, setKitPath] = useState('');
  const [token, setToken] = useState('');
  const [worker, setWorker] = useState('');
  const [pin, setPin] = useState('');
  const [clockText, setClockText] = useState('');
  const [clockSet, setClockSet] = useState<ClockSet | null>(null);
  const [clockTypo, setClockTypo] = useState(false);
  const [error, setError] = useState<{ readonly step: 'kit' | 'enrol' | 'clock'; readonly error: StationError } | null>(null);
  const [busy, setBusy] = useState(false);
  const [target, setTarget] = useState<KeyboardTarget | null>(null);
  if (status === null) return null;
  const kit = status.kit;
  const enrolled = status.enrolledAt !== null;
  const locked = status.polls !== 'setup';
  /** The on-screen keyboard's field: the token once a kit is loaded, unless the technician picked the kit folder. */
  const typing: KeyboardTarget = kit === null ? 'kit' : (target ?? 'token');
  const edit = (change: (text: string) => string) => {
    if (typing === 'kit') {
      if (!locked) setKitPath(change);
    } else if (typing === 'clock') setClockText(change);
    else setToken(change);
  };
  const fieldName = { kit: t('tech.kitPath'), token: t('tech.token'), clock: t('tech.clock.field') }[typing];

  const setClock = async () => {
    const at = typedLocalTime(clockText);
    setClockTypo(at === null);
    setClockSet(null);
    setError(null);
    if (at === null) return;
    setBusy(true);
    try {
      // Once a kit is loaded, a poll worker of the kit is present (as for enrolling).
      const staff = kit === null ? {} : { worker: worker === '' ? undefined : worker, pin };
      const answer = await stationApi().setClock({ at, ...staff });
      setPin('');
      if (answer.ok) {
        setClockSet(answer.value);
        setClockText('');
      } else setError({ step: 'clock', error: answer.error });
      await refresh();
    } finally {
      setBusy(false);
    }
  };

  const act = async (step: 'kit' | 'enrol') => {
    setBusy(true);
    setError(null);
    try {
      // Enrolling, and replacing a loaded kit, take a poll worker's PIN (the first kit cannot).
      const staff = { worker: worker === '' ? undefined : worker, pin };
      const answer =
        step === 'kit'
          ? await stationApi().loadKit({ path: kitPath.trim(), ...(kit === null ? {} : staff) })
          : await stationApi().enrol({ token: token.trim(), ...staff });
      setPin('');
      if (!answer.ok) setError({ step, error: answer.error });
      else if (step === 'enrol') setToken('');
      else setTarget(null);
      await refresh();
    } finally {
      setBusy(false);
    }
  };

  return (
    <main className="screen screen--staff" id="main">
      <h1 ref={heading} tabIndex={-1}>
        {t('tech.title')}
      </h1>
      <p className="lead">{t('tech.intro')}</p>
      {kit !== null && (
        <section className="panel" aria-labelledby="tech-staff">
          <p id="tech-staff" className="muted">
            {t('tech.pinNeeded')}
          </p>
          <div className="form-row">
            <label htmlFor="tech-worker">{t('tech.worker')}</label>
            <select
              id="tech-worker"
              className="text-input"
              value={worker}
              onChange={(event) => {
                setWorker(event.target.value);
              }}
            >
              <option value="" />
              {kit.workers.map((name) => (
                <option key={name} value={name}>
                  {name}
                </option>
              ))}
            </select>
            <label htmlFor="tech-pin">{t('tech.pin')}</label>
            <input
              id="tech-pin"
              className="text-input"
              type="password"
              inputMode="numeric"
              autoComplete="off"
              value={pin}
              maxLength={12}
              onChange={(event) => {
                setPin(event.target.value.replace(/[^0-9]/g, '').slice(0, 12));
              }}
            />
          </div>
        </section>
      )}
      <div className="staff-grid">
        <section className="panel" aria-labelledby="tech-kit">
          <h2 id="tech-kit">{t('tech.kitStep')}</h2>
          {kit === null && (
            <>
              <TechnicianKits disabled={busy || locked} />
              <p className="muted">{t('tech.kits.typed')}</p>
            </>
          )}
          <form
            className="form-row"
            onSubmit={(event) => {
              event.preventDefault();
              void act('kit');
            }}
          >
            <label htmlFor="kit-path">{t('tech.kitPath')}</label>
            <input
              id="kit-path"
              className="text-input"
              value={kitPath}
              disabled={locked}
              spellCheck={false}
              onFocus={() => {
                setTarget('kit');
              }}
              onChange={(event) => {
                setKitPath(event.target.value);
              }}
            />
            <button type="submit" className="button button--primary" disabled={busy || locked || kitPath.trim() === ''}>
              {t('tech.loadKit')}
            </button>
          </form>
          {error?.step === 'kit' && <ErrorMessage error={error.error} />}
          {kit !== null && (
            <p className="message message--ok" role="status">
              {t('tech.kitLoaded', { station: kit.station, voters: String(kit.voters) })}
            </p>
          )}
        </section>
        <section className="panel" aria-labelledby="tech-enrol">
          <h2 id="tech-enrol">{t('tech.enrolStep')}</h2>
          {kit === null ? (
            <p className="muted">{t('tech.needKit')}</p>
          ) : (
            <form
              className="form-row"
              onSubmit={(event) => {
                event.preventDefault();
                void act('enrol');
              }}
            >
              <label htmlFor="enrol-token">{t('tech.token')}</label>
              <input
                id="enrol-token"
                className="text-input mono"
                value={token}
                autoComplete="off"
                spellCheck={false}
                onFocus={() => {
                  setTarget('token');
                }}
                onChange={(event) => {
                  setToken(event.target.value);
                }}
              />
              <button
                type="submit"
                className="button button--primary"
                disabled={busy || token.trim() === '' || worker === '' || pin.length < 6}
              >
                {t('tech.enrol')}
              </button>
            </form>
          )}
          {error?.step === 'enrol' && <ErrorMessage error={error.error} />}
          {enrolled && (
            <p className="message message--ok" role="status">
              {t('tech.enrolled', { date: dateTime(status.enrolledAt) })}
            </p>
          )}
        </section>
        {!(locked && enrolled) && (
          <section className="panel" aria-labelledby="tech-keyboard">
            {/* Named "On-screen keyboard" only: the field it types into is said beside it, not in its name (the fields keep theirs). */}
            <h2 id="tech-keyboard">{t('tech.keyboard.title')}</h2>
            <p className="muted" aria-live="polite" data-testid="keyboard-target">
              {t('tech.keyboard.typingIn', { field: fieldName })}
            </p>
            <TechnicianKeyboard
              label={t('tech.keyboard.title')}
              onKey={(text) => {
                edit((value) => value + text);
              }}
              onBackspace={() => {
                edit((value) => value.slice(0, -1));
              }}
            />
          </section>
        )}
        <section className="panel" aria-labelledby="tech-check">
          <h2 id="tech-check">{t('tech.checkStep')}</h2>
          {enrolled ? <ConnectionCheckPanel /> : <p className="muted">{t('tech.needEnrol')}</p>}
        </section>
        <section className="panel" aria-labelledby="tech-clock">
          <h2 id="tech-clock">{t('tech.clock.step')}</h2>
          <p className="muted">{t('tech.clock.intro')}</p>
          <form
            className="form-row"
            onSubmit={(event) => {
              event.preventDefault();
              void setClock();
            }}
          >
            <label htmlFor="clock-time">{t('tech.clock.field')}</label>
            <input
              id="clock-time"
              className="text-input mono"
              value={clockText}
              disabled={locked}
              autoComplete="off"
              spellCheck={false}
              placeholder="2026-10-05 14:30"
              onFocus={() => {
                setTarget('clock');
              }}
              onChange={(event) => {
                setClockText(event.target.value);
              }}
            />
            <button
              type="submit"
              className="button button--primary"
              disabled={busy || locked || clockText.trim() === '' || (kit !== null && (worker === '' || pin.length < 6))}
            >
              {t('tech.clock.set')}
            </button>
          </form>
          {clockTypo && (
            <p className="message message--error" role="alert">
              {t('tech.clock.badFormat')}
            </p>
          )}
          {error?.step === 'clock' && <ErrorMessage error={error.error} />}
          {clockSet !== null && (
            <p className="message message--ok" role="status">
              {t('tech.clock.done', { now: dateTime(clockSet.now), previous: dateTime(clockSet.previous) })}
            </p>
          )}
        </section>
        <section className="panel" aria-labelledby="tech-preflight">
          <h2 id="tech-preflight">{t('tech.preflightStep')}</h2>
          <TechnicianPreflight status={status} />
        </section>
        <section className="panel" aria-labelledby="tech-build">
          <h2 id="tech-build">{t('tech.buildStep')}</h2>
          <TechnicianBuild />
        </section>
        <section className="panel" aria-labelledby="tech-identity">
          <h2 id="tech-identity">{t('staff.identity')}</h2>
          {kit === null ? <p className="muted">{t('tech.needKit')}</p> : <StationIdentity status={status} />}
        </section>
      </div>
      {enrolled && (
        <footer className="nav-bar nav-bar--end">
          <p className="nav-bar__note">{t('tech.ready')}</p>
          <button type="button" className="button button--primary" onClick={props.onFinish}>
            {t('tech.finish')}
          </button>
        </footer>
      )}
    </main>
  );
}
