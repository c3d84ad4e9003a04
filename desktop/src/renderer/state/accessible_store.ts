import type { CandidateId } from '@scrutin/shared';
import { create } from 'zustand';

/**
 * The audio ballot's session (desktop/src/renderer/accessible/): how the voter votes (an
 * accessible controller, or two switches), where the cursor is, the voice's speed and volume,
 * whether the screen is hidden. The ballot itself is in the voter store, as for touch voting.
 * Like the voter store, everything here is in memory and `reset()` (the voter leaves, the
 * session times out) puts it all back: no key, no position, no setting is kept.
 */
export type AccessInput = 'controller' | 'switch';
/** Two-switch setup: press the move switch, then the select switch, then set the scanning. */
export type Calibration = 'move' | 'select' | 'menu' | 'done';
/** Step: each press of the move switch goes to the next item. Auto: the cursor moves by itself. */
export type ScanMode = 'step' | 'auto';

/** A choice asked of the voter on top of the screen; `returnTo` is the cursor to come back to. */
export type AccessMenu =
  | { readonly kind: 'rank'; readonly candidate: CandidateId; readonly returnTo: number }
  | { readonly kind: 'quit'; readonly returnTo: number }
  | { readonly kind: 'blank'; readonly returnTo: number };

/** Voice speeds (playbackRate, pitch kept): 7 steps, 1 the clips' own (espeak-ng at 160 words a minute). */
export const RATES = [0.7, 0.85, 1, 1.2, 1.4, 1.7, 2] as const;
export const DEFAULT_RATE = 2;
export const VOLUMES = [0.2, 0.35, 0.5, 0.65, 0.8, 1] as const;
export const DEFAULT_VOLUME = 4;
/** Automatic scanning: the wait on each item once it has been said, slowest first. */
export const SCAN_INTERVALS_MS = [4000, 3000, 2000, 1500, 1000, 700] as const;
export const DEFAULT_SCAN_SPEED = 2;

interface AccessibleData {
  readonly active: boolean;
  readonly input: AccessInput;
  readonly calibration: Calibration;
  /** The item the voter is on; -1: none yet (the screen's title). */
  readonly cursor: number;
  readonly menu: AccessMenu | null;
  readonly privacy: boolean;
  readonly rate: number;
  readonly volume: number;
  readonly scanMode: ScanMode;
  readonly scanSpeed: number;
}

export interface AccessibleState extends AccessibleData {
  start: (input: AccessInput) => void;
  /** A controller session goes on with two switches (their setup first), keeping its voice settings. */
  changeToSwitches: () => void;
  setCursor: (cursor: number) => void;
  openMenu: (menu: AccessMenu) => void;
  closeMenu: () => void;
  setCalibration: (calibration: Calibration) => void;
  togglePrivacy: () => boolean;
  /** Moves a level one step (-1 or +1) within its range; answers the new level. */
  stepRate: (direction: -1 | 1) => number;
  stepVolume: (direction: -1 | 1) => number;
  stepScanSpeed: (direction: -1 | 1) => number;
  setScanMode: (mode: ScanMode) => void;
  reset: () => void;
}

const INITIAL: AccessibleData = {
  active: false,
  input: 'controller',
  calibration: 'done',
  cursor: -1,
  menu: null,
  privacy: false,
  rate: DEFAULT_RATE,
  volume: DEFAULT_VOLUME,
  scanMode: 'step',
  scanSpeed: DEFAULT_SCAN_SPEED,
};

const within = (value: number, length: number) => Math.min(length - 1, Math.max(0, value));

export const useAccessibleStore = create<AccessibleState>()((set, get) => ({
  ...INITIAL,
  start(input) {
    set({ ...INITIAL, active: true, input, calibration: input === 'switch' ? 'move' : 'done' });
  },
  changeToSwitches() {
    set({ input: 'switch', calibration: 'move', cursor: -1, menu: null });
  },
  setCursor(cursor) {
    set({ cursor });
  },
  openMenu(menu) {
    set({ menu, cursor: -1 });
  },
  closeMenu() {
    const { menu } = get();
    set({ menu: null, cursor: menu?.returnTo ?? -1 });
  },
  setCalibration(calibration) {
    set({ calibration, cursor: -1 });
  },
  togglePrivacy() {
    const privacy = !get().privacy;
    set({ privacy });
    return privacy;
  },
  stepRate(direction) {
    const rate = within(get().rate + direction, RATES.length);
    set({ rate });
    return rate;
  },
  stepVolume(direction) {
    const volume = within(get().volume + direction, VOLUMES.length);
    set({ volume });
    return volume;
  },
  stepScanSpeed(direction) {
    const scanSpeed = within(get().scanSpeed + direction, SCAN_INTERVALS_MS.length);
    set({ scanSpeed });
    return scanSpeed;
  },
  setScanMode(scanMode) {
    set({ scanMode });
  },
  reset() {
    set({ ...INITIAL });
  },
}));
