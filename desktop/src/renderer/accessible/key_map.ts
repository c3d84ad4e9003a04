/**
 * The keys of the audio ballot. An accessible controller (up, down, left, right, select,
 * help, volume, speed) and a two-switch interface present themselves to the kiosk as USB
 * keyboards: each of their buttons sends one of these keys, and no driver is needed. The same
 * map is documented in docs/kiosk.md, "The audio ballot". It follows VotingWorks' key bindings
 * (arrows, Enter, `-` / `=`, `,` / `.`, `R`, `P`, `L`, `1` / `2`) and adds the usual
 * alternatives (`?`, Space, `+`, `[` / `]`).
 */
export type AccessibleAction =
  | 'previous-item'
  | 'next-item'
  | 'previous-page'
  | 'next-page'
  | 'select'
  | 'help'
  | 'volume-down'
  | 'volume-up'
  | 'rate-down'
  | 'rate-up'
  | 'pause'
  | 'language'
  | 'privacy'
  | 'switch-move'
  | 'switch-select'
  | 'switch-setup';

export interface KeyBinding {
  readonly action: AccessibleAction;
  /** `KeyboardEvent.key` values. */
  readonly keys: readonly string[];
  /**
   * The key types a character of a voter card (a digit or a letter): on the card screen it
   * goes to the card, not to the audio ballot.
   */
  readonly typesOnCard: boolean;
}

export const KEY_MAP: readonly KeyBinding[] = [
  { action: 'previous-item', keys: ['ArrowUp'], typesOnCard: false },
  { action: 'next-item', keys: ['ArrowDown'], typesOnCard: false },
  { action: 'previous-page', keys: ['ArrowLeft'], typesOnCard: false },
  { action: 'next-page', keys: ['ArrowRight'], typesOnCard: false },
  { action: 'select', keys: ['Enter'], typesOnCard: false },
  { action: 'help', keys: ['?', ' '], typesOnCard: false },
  { action: 'help', keys: ['r', 'R'], typesOnCard: true },
  { action: 'volume-down', keys: ['-', '_'], typesOnCard: false },
  { action: 'volume-up', keys: ['+', '='], typesOnCard: false },
  { action: 'rate-down', keys: ['[', ','], typesOnCard: false },
  { action: 'rate-up', keys: [']', '.'], typesOnCard: false },
  { action: 'pause', keys: ['p', 'P'], typesOnCard: true },
  { action: 'language', keys: ['l', 'L'], typesOnCard: true },
  { action: 'privacy', keys: ['b', 'B'], typesOnCard: true },
  { action: 'switch-move', keys: ['1'], typesOnCard: true },
  { action: 'switch-select', keys: ['2'], typesOnCard: true },
  { action: 'switch-setup', keys: ['s', 'S'], typesOnCard: true },
];

/** The help keys that start the audio ballot from the welcome screen (Space stays the button's own there). */
export const START_KEYS: readonly string[] = ['?', 'r', 'R'];
/** The switch keys that start the audio ballot with two switches from the welcome screen. */
export const SWITCH_START_KEYS: readonly string[] = ['1', '2'];

/**
 * The action of a key press, or undefined for a key the audio ballot leaves alone: with a
 * modifier (Ctrl, Alt, Meta), or a key that types on the card screen (`onCard`).
 */
export function actionOf(
  event: Pick<KeyboardEvent, 'key' | 'ctrlKey' | 'altKey' | 'metaKey'>,
  onCard: boolean,
): AccessibleAction | undefined {
  if (event.ctrlKey || event.altKey || event.metaKey) return undefined;
  const binding = KEY_MAP.find((b) => b.keys.includes(event.key));
  if (binding === undefined || (onCard && binding.typesOnCard)) return undefined;
  return binding.action;
}
