import { CandidateIdSchema } from '@scrutin/shared';
import { beforeEach, describe, expect, it } from 'vitest';
import {
  DEFAULT_RATE,
  DEFAULT_SCAN_SPEED,
  DEFAULT_VOLUME,
  RATES,
  SCAN_INTERVALS_MS,
  useAccessibleStore,
  VOLUMES,
} from './accessible_store.ts';

/** The audio ballot's session settings: in range, and gone with the voter. */
const access = () => useAccessibleStore.getState();

beforeEach(() => {
  access().reset();
});

describe('the audio ballot’s settings', () => {
  it('offer at least three speeds, slowest first, the clips’ own speed in the middle', () => {
    expect(RATES.length).toBeGreaterThanOrEqual(3);
    expect([...RATES]).toEqual([...RATES].sort((x, y) => x - y));
    expect(RATES[0]).toBeLessThan(1);
    expect(RATES[RATES.length - 1]).toBeGreaterThan(1);
    expect(RATES[DEFAULT_RATE]).toBe(1);
    expect([...SCAN_INTERVALS_MS]).toEqual([...SCAN_INTERVALS_MS].sort((x, y) => y - x));
  });

  it('step speed, volume and scanning speed one level at a time, and stop at either end', () => {
    access().start('controller');
    const up = (step: (d: -1 | 1) => number, times: number) => Array.from({ length: times }, () => step(1));
    const down = (step: (d: -1 | 1) => number, times: number) => Array.from({ length: times }, () => step(-1));

    expect(up(access().stepRate, RATES.length)).toEqual([3, 4, 5, 6, 6, 6, 6]);
    expect(down(access().stepRate, RATES.length)).toEqual([5, 4, 3, 2, 1, 0, 0]);
    expect(access().rate).toBe(0);

    expect(up(access().stepVolume, 3)).toEqual([5, 5, 5]);
    expect(down(access().stepVolume, VOLUMES.length + 1)).toEqual([4, 3, 2, 1, 0, 0, 0]);
    expect(access().volume).toBe(0);

    expect(down(access().stepScanSpeed, 3)).toEqual([1, 0, 0]);
    expect(up(access().stepScanSpeed, SCAN_INTERVALS_MS.length)).toEqual([1, 2, 3, 4, 5, 5]);
  });

  it('keep the voice settings when a controller session goes on with two switches, from their setup', () => {
    access().start('controller');
    access().stepRate(1);
    access().stepVolume(-1);
    access().setCursor(4);
    access().changeToSwitches();
    expect(access()).toMatchObject({
      input: 'switch',
      calibration: 'move',
      cursor: -1,
      rate: DEFAULT_RATE + 1,
      volume: DEFAULT_VOLUME - 1,
    });
  });

  it('go back to the defaults for the next voter: speed, volume, privacy, scanning, cursor and menu', () => {
    access().start('switch');
    access().stepRate(1);
    access().stepVolume(1);
    access().stepScanSpeed(1);
    access().setScanMode('auto');
    expect(access().togglePrivacy()).toBe(true);
    access().setCursor(3);
    access().openMenu({ kind: 'quit', returnTo: 3 });
    access().reset();
    expect(access()).toMatchObject({
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
    });
    // A new session starts from the same defaults.
    access().start('controller');
    expect(access()).toMatchObject({ active: true, privacy: false, rate: DEFAULT_RATE, volume: DEFAULT_VOLUME });
  });

  it('come back from a menu to the item it was opened from', () => {
    access().start('controller');
    access().setCursor(5);
    access().openMenu({ kind: 'rank', candidate: CandidateIdSchema.parse('MONTREAL-CENTRE-QS-4'), returnTo: 5 });
    expect(access().cursor).toBe(-1);
    access().closeMenu();
    expect(access()).toMatchObject({ menu: null, cursor: 5 });
  });
});
