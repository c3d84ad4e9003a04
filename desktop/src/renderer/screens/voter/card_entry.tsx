import { useEffect, useRef } from 'react';
import { useTranslation } from 'react-i18next';
import { Keypad } from '../../components/keypad.tsx';
import { useHeadingFocus, useScrollCue } from '../../components/hooks.ts';
import { ScrollCue } from '../../components/scroll_cue.tsx';
import { usePrefsStore } from '../../state/prefs_store.ts';
import { CODE_ALPHABET, CODE_CHARS, NAS_DIGITS, useVoterStore, type CardField, type CardProblem } from '../../state/voter_store.ts';

const DIGITS = ['1', '2', '3', '4', '5', '6', '7', '8', '9', '0'];
const LETTERS = Array.from(CODE_ALPHABET.slice(10));
/** One keypad for both fields (the keys never move under the voter's finger); the NAS greys the letters. */
const KEYS = [...DIGITS, ...LETTERS];
const LETTER_KEYS: ReadonlySet<string> = new Set(LETTERS);
const NO_KEYS: ReadonlySet<string> = new Set();

/** How a field shows what was typed: NAS in groups of 3, code in groups of 4 (as printed on the card). */
export function grouped(field: CardField, value: string): string {
  const size = field === 'nas' ? 3 : 4;
  const groups: string[] = [];
  for (let i = 0; i < value.length; i += size) groups.push(value.slice(i, i + size));
  return groups.join(field === 'nas' ? ' ' : '-');
}

/** Brings an element wholly on screen as it appears (a problem shown below the fields at large text). */
function intoView(element: HTMLElement | null): void {
  element?.scrollIntoView({ block: 'nearest' });
}

function ProblemMessage(props: { readonly problem: CardProblem }) {
  const { t } = useTranslation();
  const language = usePrefsStore((s) => s.language);
  const p = props.problem;
  let text: string;
  switch (p.kind) {
    case 'typo':
      // A wrong check digit needs no more words; a length or a character the keypad cannot make does.
      text = p.detail === null ? (p.field === 'nas' ? t('card.typoNas') : t('card.typoCode')) : p.detail[language];
      break;
    case 'unknown':
      text = t('card.unknown');
      break;
    case 'already-voted':
      text = t('card.alreadyVoted');
      break;
    case 'other-station':
      text = t('card.otherStation', { name: p.stationName[language], id: p.station });
      break;
    case 'not-open':
      text = t('card.notOpen');
      break;
    case 'unavailable':
      text = t('card.unavailable');
      break;
  }
  return (
    <div className="message message--error" role="alert" data-problem={p.kind} ref={intoView}>
      <span className="message__icon" aria-hidden="true">
        !
      </span>
      <div>
        <p className="message__title">{t('card.problemTitle')}</p>
        <p>{text}</p>
      </div>
    </div>
  );
}

/** The voter card: NAS and code on a large keypad, or a physical keyboard. */
export function CardEntry(props: { readonly onCancel: () => void }) {
  const { t } = useTranslation();
  const { nas, code, field, cardProblem, busy, setField, setValue, pressKey, backspace, clearField, submitCard } = useVoterStore();
  const heading = useHeadingFocus<HTMLHeadingElement>('card');
  const complete = nas.length === NAS_DIGITS && code.length === CODE_CHARS;
  // Large text can push the code field (landscape) or the keypad's last rows (portrait) below
  // the fold: the voter is told, and the field being filled is brought into view.
  const screen = useRef<HTMLElement>(null);
  const { more, scrollMore } = useScrollCue(screen, 'card');
  const firstField = useRef(true);
  useEffect(() => {
    if (firstField.current) {
      firstField.current = false;
      return;
    }
    document.getElementById(`card-${field}`)?.closest('.card-field')?.scrollIntoView({ block: 'nearest' });
  }, [field]);

  // The field being filled keeps the keyboard focus when a field had it.
  useEffect(() => {
    if (document.activeElement instanceof HTMLInputElement) document.getElementById(`card-${field}`)?.focus();
  }, [field]);

  // A physical keyboard types into the card wherever the focus is (a field has its own handling).
  useEffect(() => {
    const onKey = (event: KeyboardEvent) => {
      if (event.target instanceof HTMLInputElement || event.ctrlKey || event.altKey || event.metaKey) return;
      if (event.key === 'Enter') {
        // A focused button (a key, Cancel) does its own thing; anywhere else Enter goes on with a complete card.
        if (event.target instanceof HTMLButtonElement) return;
        event.preventDefault();
        if (complete && !busy) void submitCard();
        return;
      }
      if (event.key === 'Backspace') {
        event.preventDefault();
        backspace();
      } else if (event.key.length === 1 && /[0-9A-Za-z]/.test(event.key)) {
        event.preventDefault();
        pressKey(event.key);
      }
    };
    document.addEventListener('keydown', onKey);
    return () => {
      document.removeEventListener('keydown', onKey);
    };
  }, [backspace, pressKey, complete, busy, submitCard]);
  const problemField = cardProblem?.kind === 'typo' ? cardProblem.field : null;

  const input = (f: CardField) => {
    const value = f === 'nas' ? nas : code;
    const max = f === 'nas' ? NAS_DIGITS : CODE_CHARS;
    return (
      <div className={`card-field${field === f ? ' card-field--active' : ''}${problemField === f ? ' card-field--invalid' : ''}`}>
        <label htmlFor={`card-${f}`} className="card-field__label">
          {f === 'nas' ? t('card.nasLong') : t('card.code')}
          <span className="card-field__hint">{f === 'nas' ? t('card.nasHint') : t('card.codeHint')}</span>
        </label>
        <input
          id={`card-${f}`}
          className="card-field__input"
          value={grouped(f, value)}
          inputMode="none"
          autoComplete="off"
          autoCorrect="off"
          autoCapitalize="characters"
          spellCheck={false}
          aria-invalid={problemField === f}
          aria-describedby={`card-${f}-count`}
          onFocus={() => {
            setField(f);
          }}
          onChange={(event) => {
            setValue(f, event.target.value);
          }}
          onKeyDown={(event) => {
            if (event.key === 'Enter') {
              event.preventDefault();
              if (f === 'nas') {
                setField('code');
                document.getElementById('card-code')?.focus();
              } else if (complete) void submitCard();
            }
          }}
        />
        <span id={`card-${f}-count`} className="card-field__count">
          {value.length} / {max}
        </span>
      </div>
    );
  };

  return (
    <main className="screen screen--card" id="main" ref={screen}>
      <div className="card-entry">
        <div className="card-entry__form">
          <h1 ref={heading} tabIndex={-1}>
            {t('card.title')}
          </h1>
          <p className="lead">{t('card.instructions')}</p>
          {input('nas')}
          {input('code')}
          <div aria-live="polite" className="card-entry__status">
            {busy ? (
              <p className="message message--info">{t('card.checking')}</p>
            ) : (
              cardProblem !== null && <ProblemMessage problem={cardProblem} />
            )}
          </div>
        </div>
        <div className="card-entry__keypad">
          <Keypad
            keys={KEYS}
            disabled={field === 'nas' ? LETTER_KEYS : NO_KEYS}
            columns={10}
            label={`${t('card.keypad')} — ${field === 'nas' ? t('card.nas') : t('card.code')}`}
            onKey={pressKey}
            onBackspace={backspace}
            onClear={clearField}
          />
        </div>
      </div>
      <footer className="nav-bar">
        <ScrollCue more={more} text={t('voterUi.moreCardBelow')} onScroll={scrollMore} />
        <button type="button" className="button button--secondary" onClick={props.onCancel}>
          {t('card.cancel')}
        </button>
        <button type="button" className="button button--primary" disabled={!complete || busy} onClick={() => void submitCard()}>
          {t('card.continue')}
          <span aria-hidden="true" className="button__arrow">
            →
          </span>
        </button>
      </footer>
    </main>
  );
}
