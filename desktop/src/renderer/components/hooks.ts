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
