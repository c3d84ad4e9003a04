import { useState } from 'react';
import { useTranslation } from 'react-i18next';

const DIGITS = Array.from('1234567890');
const LETTERS = Array.from('qwertyuiopasdfghjklzxcvbnm');
/** What a kit path (`/media/scrutin-kiosk/KIT/st-00042`) and an enrolment token (base64url) are made of. */
const SYMBOLS = Array.from('/.-_:~');

/**
 * The technician's full on-screen keyboard, for the kit folder and the enrolment token: the
 * kiosk has no physical keyboard (cage has no on-screen keyboard of its own). Buttons, so it
 * works by touch and by keyboard; Shift is for the next letter only, as on a phone.
 */
export function TechnicianKeyboard(props: {
  readonly label: string;
  readonly onKey: (text: string) => void;
  readonly onBackspace: () => void;
}) {
  const { t } = useTranslation();
  const [shift, setShift] = useState(false);
  const letters = shift ? LETTERS.map((l) => l.toUpperCase()) : LETTERS;
  const key = (text: string) => (
    <button
      key={text}
      type="button"
      className="key"
      onClick={() => {
        props.onKey(text);
        setShift(false);
      }}
    >
      {text}
    </button>
  );
  return (
    <div className="keypad keypad--cols-10 keypad--keyboard" role="group" aria-label={props.label}>
      {DIGITS.map(key)}
      {letters.map(key)}
      {SYMBOLS.map(key)}
      <button
        type="button"
        className="key key--action"
        aria-pressed={shift}
        onClick={() => {
          setShift(!shift);
        }}
      >
        {t('tech.keyboard.shift')}
      </button>
      <button
        type="button"
        className="key key--action"
        onClick={() => {
          props.onKey(' ');
        }}
      >
        {t('tech.keyboard.space')}
      </button>
      <button type="button" className="key key--action" aria-label={t('card.backspaceAria')} onClick={props.onBackspace}>
        <span aria-hidden="true">⌫ </span>
        {t('card.backspace')}
      </button>
    </div>
  );
}
