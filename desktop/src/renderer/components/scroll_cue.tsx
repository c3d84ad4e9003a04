/**
 * The "more below" cue of a voter screen taller than the kiosk's (large text, portrait): it
 * floats just above the way forward, in the nav bar, and scrolls the screen on when touched.
 * Its live region stays in place so a screen reader hears it appear. Pair it with
 * `useScrollCue` (hooks.ts), which says when there is more below.
 */
export function ScrollCue(props: { readonly more: boolean; readonly text: string; readonly onScroll: () => void }) {
  return (
    <div className="scroll-cue" aria-live="polite">
      {props.more && (
        <button type="button" className="button button--cue" onClick={props.onScroll}>
          <span aria-hidden="true">▼</span>
          {props.text}
        </button>
      )}
    </div>
  );
}
