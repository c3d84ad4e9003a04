import { displayText, text, type SpeechPart, type Utterance } from '@scrutin/shared';
import { Fragment, useCallback, useEffect, useRef } from 'react';
import { useTranslation } from 'react-i18next';
import { actionOf, type AccessibleAction } from '../../accessible/key_map.ts';
import {
  arrivalSpeech,
  cardProblemSpeech,
  castProblemSpeech,
  idleSpeech,
  keysHelp,
  rateSpeech,
  screenOf,
  typedSpeech,
  volumeSpeech,
  type Said,
  type Screen,
  type ScreenItem,
  type SessionContext,
} from '../../accessible/screens.ts';
import { onSpeechIdle, setVoice, speak, togglePause } from '../../accessible/speech_output.ts';
import { useHeadingFocus } from '../../components/hooks.ts';
import { RATES, SCAN_INTERVALS_MS, useAccessibleStore, VOLUMES } from '../../state/accessible_store.ts';
import { usePrefsStore } from '../../state/prefs_store.ts';
import { useStationStore } from '../../state/station_store.ts';
import { useVoterStore, NAS_DIGITS } from '../../state/voter_store.ts';
import { CardEntry } from '../voter/card_entry.tsx';

/**
 * The audio ballot: the voter hears where they are, each item as they move to it, what they
 * chose, and votes with an accessible controller or two switches (accessible/key_map.ts), with
 * the screen shown or hidden. It drives the voter store exactly as the touch screens do.
 * Nothing of the session (keys, positions, choices) is kept or logged; it ends with the voter's
 * session (`onLeave`, the idle timeout, the polls closing).
 */

/** The voter's session as the screens read it, from the stores as they are now. */
function context(onLeave: () => void): SessionContext {
  const prefs = usePrefsStore.getState();
  return {
    voter: useVoterStore.getState(),
    access: useAccessibleStore.getState(),
    language: prefs.language,
    mode: useStationStore.getState().status?.kit?.mode ?? 'live',
    parties: useStationStore.getState().status?.kit?.parties ?? [],
    setLanguage: prefs.setLanguage,
    leave: onLeave,
  };
}

function itemSpeech(ctx: SessionContext, item: ScreenItem): Utterance[] {
  return [{ language: item.language ?? ctx.language, parts: [...item.label, ...(item.detail ?? []), ...(item.status ?? [])] }];
}

const said = (ctx: SessionContext, parts: Said): Utterance[] => (parts === undefined ? [] : [{ language: ctx.language, parts }]);

export function AccessibleSession(props: {
  readonly onLeave: () => void;
  readonly idleWarning: boolean;
  /** How long the idle warning gives the voter. */
  readonly idleSeconds: number;
}) {
  const { t } = useTranslation();
  const { onLeave, idleWarning, idleSeconds } = props;
  // Re-render on every change of the stores the screens read.
  useVoterStore();
  const access = useAccessibleStore();
  const language = usePrefsStore((s) => s.language);
  const phase = useVoterStore((s) => s.phase);
  useStationStore((s) => s.status?.kit?.parties);

  const ctx = context(onLeave);
  const screen = screenOf(ctx);
  const spokenKey = useRef<string | null>(null);
  /** What the last key press said before its new screen's introduction. */
  const pending = useRef<Utterance[]>([]);

  // A new screen: what led to it, then its title and introduction; the cursor starts again.
  useEffect(() => {
    if (spokenKey.current === screen.key) return;
    spokenKey.current = screen.key;
    const lead = pending.current;
    pending.current = [];
    useAccessibleStore.getState().setCursor(-1);
    const now = context(onLeave);
    const current = screenOf(now);
    speak([...lead, ...arrivalSpeech(current)]);
  }, [screen.key, onLeave]);

  // The voice's settings.
  useEffect(() => {
    setVoice({ rate: RATES[access.rate] ?? 1, volume: VOLUMES[access.volume] ?? 1 });
  }, [access.rate, access.volume]);

  // The card as it is typed (each character read back), and a refused card.
  useEffect(
    () =>
      useVoterStore.subscribe((now, before) => {
        if (now.phase !== 'card') return;
        const lang = usePrefsStore.getState().language;
        if (now.cardProblem !== null && now.cardProblem !== before.cardProblem) {
          speak([{ language: lang, parts: cardProblemSpeech(now.cardProblem, lang) }]);
          return;
        }
        const typed = now.nas + now.code;
        const was = before.nas + before.code;
        if (typed.length > was.length) {
          const nasComplete = now.nas.length === NAS_DIGITS && before.nas.length < NAS_DIGITS;
          speak([{ language: lang, parts: typedSpeech(typed.slice(was.length), nasComplete) }]);
        } else if (typed.length < was.length) {
          speak([{ language: lang, parts: [text('audio.deleted')] }]);
        }
      }),
    [],
  );

  // A ballot not cast.
  const castProblem = useVoterStore((s) => s.castProblem);
  useEffect(() => {
    if (castProblem !== null) speak([{ language: usePrefsStore.getState().language, parts: castProblemSpeech(castProblem) }]);
  }, [castProblem]);

  // The idle warning, said.
  useEffect(() => {
    if (!idleWarning) return;
    speak([{ language: usePrefsStore.getState().language, parts: idleSpeech(idleSeconds) }]);
  }, [idleWarning, idleSeconds]);

  const sayItem = useCallback((ctx: SessionContext, item: ScreenItem | undefined) => {
    if (item !== undefined) speak(itemSpeech(ctx, item));
  }, []);

  /** Chooses the item at `index`; says what it did, or lets the new screen speak. */
  const activate = useCallback(
    (index: number) => {
      const before = context(onLeave);
      const screenBefore = screenOf(before);
      const item = screenBefore.items[index];
      if (item === undefined) return;
      before.access.setCursor(index);
      const result = item.activate();
      const after = context(onLeave);
      const screenAfter = screenOf(after);
      if (screenAfter.key === screenBefore.key) {
        if (result !== undefined) speak(said(after, result));
        return;
      }
      if (screenBefore.isMenu === true && screenAfter.isMenu !== true) {
        // Back from a menu to its screen: no introduction again, the cursor where it was.
        spokenKey.current = screenAfter.key;
        speak(said(after, result));
        return;
      }
      pending.current = said(after, result);
    },
    [onLeave],
  );

  const move = useCallback(
    (direction: -1 | 1, wrap: boolean) => {
      const ctx = context(onLeave);
      const { items } = screenOf(ctx);
      if (items.length === 0) return;
      const { cursor } = ctx.access;
      let next = cursor + direction;
      if (cursor === -1 && direction === -1) next = wrap ? items.length - 1 : 0;
      if (next >= items.length) next = wrap ? 0 : items.length - 1;
      if (next < 0) next = wrap ? items.length - 1 : 0;
      ctx.access.setCursor(next);
      sayItem(ctx, items[next]);
    },
    [onLeave, sayItem],
  );

  const page = useCallback(
    (which: 'nextPage' | 'previousPage') => {
      const before = context(onLeave);
      const go = screenOf(before)[which];
      if (go === undefined) return;
      const result = go();
      if (screenOf(context(onLeave)).key !== screenOf(before).key) pending.current = said(before, result);
    },
    [onLeave],
  );

  const handle = useCallback(
    (action: AccessibleAction) => {
      const ctx = context(onLeave);
      const current = screenOf(ctx);
      const { access: a } = ctx;
      const lang = ctx.language;
      const say1 = (...parts: SpeechPart[]) => {
        speak([{ language: lang, parts }]);
      };
      switch (action) {
        case 'next-item':
          move(1, false);
          return;
        case 'previous-item':
          move(-1, false);
          return;
        case 'switch-move':
          if (a.calibration === 'move') a.setCalibration('select');
          else if (a.calibration === 'select') say1(text('audio.switchWrongSelect'));
          else move(1, true);
          return;
        case 'switch-select':
          if (a.calibration === 'move') say1(text('audio.switchWrongMove'));
          else if (a.calibration === 'select') a.setCalibration('menu');
          else if (a.cursor >= 0) activate(a.cursor);
          else move(1, true);
          return;
        case 'select':
          if (a.cursor >= 0) activate(a.cursor);
          else if (current.key === 'card') activate(0);
          else move(1, false);
          return;
        case 'next-page':
          page('nextPage');
          return;
        case 'previous-page':
          page('previousPage');
          return;
        case 'help':
          speak([
            ...arrivalSpeech(current),
            ...(current.key === 'welcome' ? [] : [{ language: lang, parts: keysHelp(a.input, current.nextPage !== undefined) }]),
          ]);
          return;
        case 'volume-down':
        case 'volume-up': {
          const level = a.stepVolume(action === 'volume-up' ? 1 : -1);
          setVoice({ rate: RATES[a.rate] ?? 1, volume: VOLUMES[level] ?? 1 });
          say1(...volumeSpeech(level));
          return;
        }
        case 'rate-down':
        case 'rate-up': {
          const level = a.stepRate(action === 'rate-up' ? 1 : -1);
          setVoice({ rate: RATES[level] ?? 1, volume: VOLUMES[a.volume] ?? 1 });
          say1(...rateSpeech(level));
          return;
        }
        case 'pause':
          togglePause();
          return;
        case 'language': {
          const other = lang === 'fr' ? 'en' : 'fr';
          ctx.setLanguage(other);
          speak(arrivalSpeech(screenOf(context(onLeave))));
          return;
        }
        case 'privacy':
          say1(text(a.togglePrivacy() ? 'audio.privacyOn' : 'audio.privacyOff'));
          return;
        case 'switch-setup':
          if (a.input !== 'switch') a.changeToSwitches();
          else a.setCalibration('menu');
          return;
      }
    },
    [onLeave, move, activate, page],
  );

  // The keys of the controller and the switches (capture: before the screens' own handlers).
  useEffect(() => {
    const onKey = (event: KeyboardEvent) => {
      if (event.target instanceof HTMLInputElement || event.target instanceof HTMLTextAreaElement) return;
      if (event.repeat) {
        event.preventDefault();
        return;
      }
      const action = actionOf(event, useVoterStore.getState().phase === 'card');
      if (action === undefined) return;
      event.preventDefault();
      event.stopPropagation();
      handle(action);
    };
    window.addEventListener('keydown', onKey, { capture: true });
    return () => {
      window.removeEventListener('keydown', onKey, { capture: true });
    };
  }, [handle]);

  // Automatic scanning: once an item has been said, the next one after the chosen wait.
  // Not on the card screen: the card is typed there, and Enter would choose whatever the scan is on.
  const scanning = access.input === 'switch' && access.scanMode === 'auto' && access.calibration === 'done' && phase !== 'card';
  useEffect(() => {
    if (!scanning) return;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const stop = onSpeechIdle(() => {
      clearTimeout(timer);
      timer = setTimeout(() => {
        move(1, true);
      }, SCAN_INTERVALS_MS[useAccessibleStore.getState().scanSpeed] ?? 2000);
    });
    const keys = () => {
      clearTimeout(timer);
    };
    window.addEventListener('keydown', keys, { capture: true });
    return () => {
      stop();
      clearTimeout(timer);
      window.removeEventListener('keydown', keys, { capture: true });
    };
  }, [scanning, move]);

  if (ctx.voter.phase === 'card') {
    return (
      <>
        <CardEntry onCancel={onLeave} />
        {access.privacy && <PrivacyScreen />}
      </>
    );
  }
  return (
    <>
      <ScreenView screen={screen} cursor={access.cursor} language={language} onActivate={activate} modeLabel={t('audio.title')} />
      {access.privacy && <PrivacyScreen />}
    </>
  );
}

function ScreenView(props: {
  readonly screen: Screen;
  readonly cursor: number;
  readonly language: 'fr' | 'en';
  readonly modeLabel: string;
  readonly onActivate: (index: number) => void;
}) {
  const { screen, cursor, onActivate } = props;
  const heading = useHeadingFocus<HTMLHeadingElement>(screen.key);
  const list = useRef<HTMLUListElement>(null);
  // The item the voter is on stays in view (a long list scrolls inside the screen).
  useEffect(() => {
    list.current?.querySelector('[aria-current="true"]')?.scrollIntoView({ block: 'nearest' });
  }, [cursor, screen.key]);
  return (
    <main className="screen screen--access" id="main" data-screen={screen.key}>
      <p className="access-mode">
        <span aria-hidden="true" className="access-mode__icon">
          ♪
        </span>
        {props.modeLabel}
      </p>
      <h1 ref={heading} tabIndex={-1} className="access-heading">
        {screen.heading.map((u, i) => (
          <Fragment key={i}>
            {i > 0 && (
              <span className="access-heading__dot" aria-hidden="true">
                ·
              </span>
            )}
            <span lang={u.language}>{displayText(u.parts, u.language)}</span>
          </Fragment>
        ))}
      </h1>
      <div className="access-intro">
        {screen.intro.map((line, i) => (
          <p key={i} lang={line.language}>
            <Line parts={line.parts} language={line.language} />
          </p>
        ))}
      </div>
      {screen.items.length > 0 && (
        <ul className="access-list" ref={list}>
          {screen.items.map((item, i) => {
            const lang = item.language ?? props.language;
            return (
              <li key={item.id}>
                <button
                  type="button"
                  lang={lang}
                  className={`access-item${i === cursor ? ' access-item--current' : ''}${item.status === undefined ? '' : ' access-item--chosen'}`}
                  aria-current={i === cursor ? 'true' : undefined}
                  data-item={item.id}
                  onClick={() => {
                    onActivate(i);
                  }}
                >
                  <span className="access-item__label">{displayText(item.label, lang)}</span>
                  {item.detail !== undefined && <span className="access-item__detail">{displayText(item.detail, lang)}</span>}
                  {item.status !== undefined && <span className="access-item__status">{displayText(item.status, lang)}</span>}
                </button>
              </li>
            );
          })}
        </ul>
      )}
    </main>
  );
}

/** A line of speech as it reads: a spelled code (the receipt) shown large, on its own. */
function Line(props: { readonly parts: readonly SpeechPart[]; readonly language: 'fr' | 'en' }) {
  return (
    <>
      {props.parts.map((part, i) =>
        part.kind === 'spell' ? (
          <span key={i} className="access-code" data-testid="receipt-code">
            {part.text}
          </span>
        ) : (
          <span key={i}>{`${displayText([part], props.language)} `}</span>
        ),
      )}
    </>
  );
}

/** The screen hidden for the ballot's secrecy; the audio goes on. */
function PrivacyScreen() {
  const { t } = useTranslation();
  return (
    <div className="privacy-screen" data-testid="privacy-screen">
      <p className="privacy-screen__note">{t('audio.privacyNote')}</p>
    </div>
  );
}
