import { useState } from 'react';
import { useTranslation } from 'react-i18next';

const MOVES: Readonly<Record<string, 'left' | 'right' | 'up' | 'down'>> = {
  ArrowLeft: 'left',
  ArrowRight: 'right',
  ArrowUp: 'up',
  ArrowDown: 'down',
};

/**
 * A large on-screen keypad (buttons, so it works by touch, by keyboard and by switch
 * access). The digits come first, then the letters, in one layout whatever the field: keys
 * the field cannot take are greyed, never moved. The keypad is one Tab stop; the arrow keys
 * move inside it (a physical keyboard types straight into the card anyway).
 */
export function Keypad(props: {
  readonly keys: readonly string[];
  /** Keys shown but unusable in the current field. */
  readonly disabled?: ReadonlySet<string>;
  readonly onKey: (key: string) => void;
  readonly onBackspace: () => void;
  readonly onClear: () => void;
  readonly columns: number;
  readonly label: string;
}) {
  const { t } = useTranslation();
  const [active, setActive] = useState(0);
  const count = props.keys.length + 2;
  const activeKey = props.keys[active];
  // The Tab stop never sits on a greyed key (the field changed under it): back to the first.
  const current = activeKey !== undefined && props.disabled?.has(activeKey) === true ? 0 : Math.min(active, count - 1);
  const stop = (i: number): 0 | -1 => (i === current ? 0 : -1);
  return (
    <div
      className={`keypad keypad--cols-${props.columns}`}
      role="group"
      aria-label={props.label}
      onKeyDown={(event) => {
        const move = MOVES[event.key];
        if (move === undefined) return;
        const buttons = Array.from(event.currentTarget.querySelectorAll<HTMLButtonElement>('button'));
        const from = buttons.findIndex((b) => b === document.activeElement);
        if (from < 0) return;
        event.preventDefault();
        const step = move === 'left' ? -1 : move === 'right' ? 1 : move === 'up' ? -props.columns : props.columns;
        let to = from + step;
        // Past an edge, stay; skip the keys the field cannot take.
        while (to >= 0 && to < buttons.length && buttons[to]?.disabled === true) to += step;
        if (to < 0 || to >= buttons.length) return;
        setActive(to);
        buttons[to]?.focus();
      }}
    >
      {props.keys.map((key, i) => (
        <button
          key={key}
          type="button"
          className="key"
          tabIndex={stop(i)}
          disabled={props.disabled?.has(key) === true}
          onFocus={() => {
            setActive(i);
          }}
          onClick={() => {
            props.onKey(key);
          }}
        >
          {key}
        </button>
      ))}
      <button
        type="button"
        className="key key--action"
        tabIndex={stop(props.keys.length)}
        aria-label={t('card.backspaceAria')}
        onFocus={() => {
          setActive(props.keys.length);
        }}
        onClick={props.onBackspace}
      >
        <span aria-hidden="true">⌫ </span>
        {t('card.backspace')}
      </button>
      <button
        type="button"
        className="key key--action"
        tabIndex={stop(props.keys.length + 1)}
        onFocus={() => {
          setActive(props.keys.length + 1);
        }}
        onClick={props.onClear}
      >
        {t('card.clear')}
      </button>
    </div>
  );
}
