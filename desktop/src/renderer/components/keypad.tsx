import { useTranslation } from 'react-i18next';

/**
 * A large on-screen keypad (buttons, so it works by touch, by keyboard and by switch
 * access). The digits come first, in the order of a phone keypad, then the letters.
 */
export function Keypad(props: {
  readonly keys: readonly string[];
  readonly onKey: (key: string) => void;
  readonly onBackspace: () => void;
  readonly onClear: () => void;
  readonly columns: number;
  readonly label: string;
}) {
  const { t } = useTranslation();
  return (
    <div className={`keypad keypad--cols-${props.columns}`} role="group" aria-label={props.label}>
      {props.keys.map((key) => (
        <button
          key={key}
          type="button"
          className="key"
          onClick={() => {
            props.onKey(key);
          }}
        >
          {key}
        </button>
      ))}
      <button type="button" className="key key--action" aria-label={t('card.backspaceAria')} onClick={props.onBackspace}>
        <span aria-hidden="true">⌫ </span>
        {t('card.backspace')}
      </button>
      <button type="button" className="key key--action" onClick={props.onClear}>
        {t('card.clear')}
      </button>
    </div>
  );
}
