import { useEffect, useId, useRef, type ReactNode } from 'react';
import { createPortal } from 'react-dom';

/**
 * A modal dialog: focus moves into it and stays there (Tab cycles inside), Escape does what
 * the safe button does, and what is behind it is inert for touch, keyboard and screen readers.
 */
export function Dialog(props: {
  readonly title: string;
  readonly children: ReactNode;
  readonly actions: ReactNode;
  readonly onEscape?: () => void;
  readonly tone?: 'warning' | 'neutral';
}) {
  const titleId = useId();
  const bodyId = useId();
  const ref = useRef<HTMLDivElement>(null);
  const { onEscape } = props;

  useEffect(() => {
    const dialog = ref.current;
    if (dialog === null) return;
    const previous = document.activeElement instanceof HTMLElement ? document.activeElement : null;
    const app = document.getElementById('app-shell');
    app?.setAttribute('inert', '');
    const focusable = () => [...dialog.querySelectorAll<HTMLElement>('button:not([disabled]), input:not([disabled]), [tabindex="0"]')];
    focusable()[0]?.focus();
    const onKey = (event: KeyboardEvent) => {
      if (event.key === 'Escape' && onEscape !== undefined) {
        event.preventDefault();
        onEscape();
        return;
      }
      if (event.key !== 'Tab') return;
      const items = focusable();
      const first = items[0];
      const last = items[items.length - 1];
      if (first === undefined || last === undefined) return;
      if (event.shiftKey && document.activeElement === first) {
        event.preventDefault();
        last.focus();
      } else if (!event.shiftKey && document.activeElement === last) {
        event.preventDefault();
        first.focus();
      }
    };
    dialog.addEventListener('keydown', onKey);
    return () => {
      dialog.removeEventListener('keydown', onKey);
      app?.removeAttribute('inert');
      previous?.focus();
    };
  }, [onEscape]);

  // Outside the app shell, which turns inert behind it.
  return createPortal(
    <div className="dialog-backdrop">
      <div
        ref={ref}
        className={`dialog dialog--${props.tone ?? 'neutral'}`}
        role="alertdialog"
        aria-modal="true"
        aria-labelledby={titleId}
        aria-describedby={bodyId}
      >
        <h2 id={titleId} className="dialog__title">
          {props.title}
        </h2>
        <div id={bodyId} className="dialog__body">
          {props.children}
        </div>
        <div className="dialog__actions">{props.actions}</div>
      </div>
    </div>,
    document.body,
  );
}
