import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Keypad } from '../../components/keypad.tsx';
import { useHeadingFocus } from '../../components/hooks.ts';
import { usePrefsStore } from '../../state/prefs_store.ts';
import { useStaffStore } from '../../state/staff_store.ts';
import { useStationStore } from '../../state/station_store.ts';

const DIGITS = ['1', '2', '3', '4', '5', '6', '7', '8', '9', '0'];

/** A PIN has 6 to 12 digits (src/station/poll_workers.ts). */
const PIN_MIN = 6;

/**
 * The poll workers' sign-in: who they are (the kit's list), then their PIN on a keypad (digits
 * hidden as they are typed). Wrong PINs lock out only the worker chosen.
 */
export function PinPad() {
  const { t } = useTranslation();
  const language = usePrefsStore((s) => s.language);
  const workers = useStationStore((s) => s.status?.kit?.workers ?? []);
  const { unlock, closePinPad, busy, error } = useStaffStore();
  const [pin, setPin] = useState('');
  const [worker, setWorker] = useState<string | null>(null);
  const heading = useHeadingFocus<HTMLHeadingElement>('pin');
  const ready = worker !== null && pin.length >= PIN_MIN && !busy;
  const submit = () => {
    if (!ready) return;
    void unlock(worker, pin).then((unlocked) => {
      if (!unlocked) setPin('');
    });
  };
  return (
    <main className="screen screen--pin" id="main">
      <div className="pin">
        <h1 ref={heading} tabIndex={-1}>
          {t('staff.pinTitle')}
        </h1>
        <p className="lead">{t('staff.pinInstructions')}</p>
        <fieldset className="pin__workers">
          <legend>{t('staff.pinWorker')}</legend>
          {workers.map((name) => (
            <label key={name}>
              <input
                type="radio"
                name="staff-worker"
                value={name}
                checked={worker === name}
                onChange={() => {
                  setWorker(name);
                }}
              />{' '}
              {name}
            </label>
          ))}
        </fieldset>
        <label htmlFor="staff-pin" className="card-field__label">
          {t('staff.pinLabel')}
        </label>
        <input
          id="staff-pin"
          className="card-field__input pin__input"
          type="password"
          inputMode="none"
          autoComplete="off"
          value={pin}
          maxLength={12}
          onChange={(event) => {
            setPin(event.target.value.replace(/[^0-9]/g, '').slice(0, 12));
          }}
          onKeyDown={(event) => {
            if (event.key === 'Enter') submit();
          }}
        />
        <div aria-live="assertive">
          {error !== null && (
            <p className="message message--error" role="alert" data-problem={error.kind}>
              {error.message[language]}
            </p>
          )}
        </div>
        <Keypad
          keys={DIGITS}
          columns={3}
          label={t('staff.pinLabel')}
          onKey={(key) => {
            setPin((p) => (p.length < 12 ? p + key : p));
          }}
          onBackspace={() => {
            setPin((p) => p.slice(0, -1));
          }}
          onClear={() => {
            setPin('');
          }}
        />
        <div className="nav-bar nav-bar--inline">
          <button type="button" className="button button--secondary" onClick={closePinPad}>
            {t('staff.cancel')}
          </button>
          <button type="button" className="button button--primary" disabled={!ready} onClick={submit}>
            {t('staff.unlock')}
          </button>
        </div>
      </div>
    </main>
  );
}
