import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Keypad } from '../../components/keypad.tsx';
import { useHeadingFocus } from '../../components/hooks.ts';
import { usePrefsStore } from '../../state/prefs_store.ts';
import { useStaffStore } from '../../state/staff_store.ts';

const DIGITS = ['1', '2', '3', '4', '5', '6', '7', '8', '9', '0'];

/** The poll workers' PIN, on a keypad (digits hidden as they are typed). */
export function PinPad() {
  const { t } = useTranslation();
  const language = usePrefsStore((s) => s.language);
  const { unlock, closePinPad, busy, error } = useStaffStore();
  const [pin, setPin] = useState('');
  const heading = useHeadingFocus<HTMLHeadingElement>('pin');
  const submit = () => {
    if (pin.length < 4 || busy) return;
    void unlock(pin).then((unlocked) => {
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
          <button type="button" className="button button--primary" disabled={pin.length < 4 || busy} onClick={submit}>
            {t('staff.unlock')}
          </button>
        </div>
      </div>
    </main>
  );
}
