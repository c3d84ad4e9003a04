import { useEffect, useRef, useState } from 'react';
import type { Bilingual } from '../../api/station_api.ts';
import { usePrefsStore } from '../state/prefs_store.ts';

/** The election's own words (from the definition) in the voter's language. */
export function useLabel(): (text: Bilingual) => string {
  const language = usePrefsStore((s) => s.language);
  return (text) => text[language];
}

/** Focuses the screen's heading when the screen (its key) changes, so a screen reader announces it. */
export function useHeadingFocus<T extends HTMLElement>(key: unknown): React.RefObject<T | null> {
  const ref = useRef<T>(null);
  useEffect(() => {
    ref.current?.focus();
  }, [key]);
  return ref;
}

/** Whole seconds left until `deadline` (ms since the epoch), ticking every second. */
export function useCountdown(deadline: number | null): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    if (deadline === null) return;
    const timer = setInterval(() => {
      setNow(Date.now());
    }, 250);
    return () => {
      clearInterval(timer);
    };
  }, [deadline]);
  return deadline === null ? 0 : Math.max(0, Math.ceil((deadline - now) / 1000));
}

/**
 * Calls `onIdle` after `idleMs` without a touch, a click or a key; `warnMs` before that,
 * `warningUntil` is set (any activity clears it and starts over). Off while `enabled` is false.
 */
export function useIdle(options: {
  readonly enabled: boolean;
  readonly idleMs: number;
  readonly warnMs: number;
  readonly onIdle: () => void;
}): { readonly warningUntil: number | null } {
  const { enabled, idleMs, warnMs, onIdle } = options;
  const [warningUntil, setWarningUntil] = useState<number | null>(null);
  const lastActivity = useRef(0);
  const onIdleRef = useRef(onIdle);
  useEffect(() => {
    onIdleRef.current = onIdle;
  }, [onIdle]);

  useEffect(() => {
    if (!enabled) return;
    lastActivity.current = Date.now();
    const activity = () => {
      lastActivity.current = Date.now();
      setWarningUntil(null);
    };
    const events = ['pointerdown', 'keydown', 'wheel'] as const;
    for (const e of events) document.addEventListener(e, activity, { capture: true, passive: true });
    const timer = setInterval(() => {
      const idle = Date.now() - lastActivity.current;
      if (idle >= idleMs) {
        lastActivity.current = Date.now();
        setWarningUntil(null);
        onIdleRef.current();
      } else if (idle >= idleMs - warnMs) {
        setWarningUntil(lastActivity.current + idleMs);
      }
    }, 500);
    return () => {
      clearInterval(timer);
      for (const e of events) document.removeEventListener(e, activity, { capture: true });
    };
  }, [enabled, idleMs, warnMs]);

  return { warningUntil: enabled ? warningUntil : null };
}

/**
 * Whether a scrolling box still hides something below, and whether the voter has seen its end
 * (scrolled to it, or it all fits). `seenAll` starts over when `key` changes (a new screen).
 */
export function useScrollCue(
  ref: React.RefObject<HTMLElement | null>,
  key: unknown,
): {
  readonly more: boolean;
  readonly seenAll: boolean;
  readonly scrollMore: () => void;
} {
  const [more, setMore] = useState(false);
  const [seenAll, setSeenAll] = useState(false);
  useEffect(() => {
    const box = ref.current;
    if (box === null) return;
    // A new screen starts at its top, with nothing seen yet.
    box.scrollTop = 0;
    setSeenAll(false);
    const measure = () => {
      const hidden = box.scrollHeight - box.scrollTop - box.clientHeight > 2;
      setMore(hidden);
      if (!hidden) setSeenAll(true);
    };
    measure();
    box.addEventListener('scroll', measure, { passive: true });
    const observer = new ResizeObserver(measure);
    observer.observe(box);
    for (const child of Array.from(box.children)) observer.observe(child);
    return () => {
      box.removeEventListener('scroll', measure);
      observer.disconnect();
    };
  }, [ref, key]);
  const scrollMore = () => {
    const box = ref.current;
    box?.scrollBy({ top: box.clientHeight * 0.7, behavior: 'smooth' });
  };
  return { more, seenAll, scrollMore };
}

const ARROW_STEP: Readonly<Record<string, number>> = { ArrowDown: 1, ArrowRight: 1, ArrowUp: -1, ArrowLeft: -1 };

/**
 * The WAI-ARIA radio group's keys, for a `role="radiogroup"` element: the arrow keys move to
 * the next or previous radio (wrapping) and select it, Home and End to the first and the last.
 * Each radio takes `tabIndex={rovingTabIndex(...)}`, so the group is one Tab stop.
 */
export function onRadioGroupKey(event: React.KeyboardEvent<HTMLElement>, select: (index: number) => void): void {
  const radios = Array.from(event.currentTarget.querySelectorAll<HTMLElement>('[role="radio"]'));
  const from = radios.findIndex((r) => r === document.activeElement);
  if (from < 0 || radios.length === 0) return;
  const step = ARROW_STEP[event.key];
  let to: number;
  if (step !== undefined) to = (from + step + radios.length) % radios.length;
  else if (event.key === 'Home') to = 0;
  else if (event.key === 'End') to = radios.length - 1;
  else return;
  event.preventDefault();
  select(to);
  radios[to]?.focus();
}

/** The Tab stop of a radio group: the checked radio, or the first one when none is. */
export function rovingTabIndex(index: number, checkedIndex: number): 0 | -1 {
  return index === (checkedIndex < 0 ? 0 : checkedIndex) ? 0 : -1;
}
