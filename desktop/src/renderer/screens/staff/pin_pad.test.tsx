// @vitest-environment jsdom
import { cleanup, fireEvent, render, screen } from '@testing-library/react';
import { err, unwrap } from '@scrutin/shared';
import { act } from 'react';
import { I18nextProvider } from 'react-i18next';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { fakeStation } from '../../../api/fake_station.test-support.ts';
import type { StationApi } from '../../../api/station_api.ts';
import { localTime, stationError } from '../../../station/messages.ts';
import { setStationApi } from '../../backend/api.ts';
import { createI18n } from '../../i18n/i18n.ts';
import { usePrefsStore } from '../../state/prefs_store.ts';
import { useStaffStore } from '../../state/staff_store.ts';
import { useStationStore } from '../../state/station_store.ts';
import { PinPad } from './pin_pad.tsx';

/** The PIN pad (issue 12): who is signing in first, 6 digits at least, and a lockout said in local time. */
const UNTIL = new Date(Date.now() + 5 * 60_000).toISOString();

function Pad() {
  const language = usePrefsStore((s) => s.language);
  return (
    <I18nextProvider i18n={createI18n(language)}>
      <PinPad />
    </I18nextProvider>
  );
}

let unlock: ReturnType<typeof vi.fn<StationApi['unlock']>>;

beforeEach(async () => {
  const station = fakeStation();
  unlock = vi.fn<StationApi['unlock']>(() => Promise.resolve(err(stationError({ kind: 'pin-locked', until: UNTIL }))));
  setStationApi({ ...station, unlock });
  useStationStore.setState({ status: unwrap(await station.status({})), connected: true });
  useStaffStore.setState({ pinPadOpen: true, unlocked: null, busy: false, error: null });
  usePrefsStore.getState().reset();
});

afterEach(() => {
  cleanup();
  useStaffStore.getState().lock();
});

const typeDigits = (digits: string) => {
  const pad = screen.getByRole('group', { name: 'NIP' });
  for (const digit of digits) fireEvent.click(within(pad, digit));
};
const within = (group: HTMLElement, name: string) => {
  const found = [...group.querySelectorAll('button')].find((b) => b.textContent === name);
  if (found === undefined) throw new Error(`no key ${name}`);
  return found;
};

describe('the PIN pad', () => {
  it('asks who is signing in and at least 6 digits, then sends the worker with the PIN', async () => {
    render(<Pad />);
    const unlockButton = screen.getByRole('button', { name: 'Déverrouiller' });
    typeDigits('48291');
    expect(unlockButton).toHaveProperty('disabled', true);
    typeDigits('5');
    // Six digits, but nobody chosen yet.
    expect(unlockButton).toHaveProperty('disabled', true);
    fireEvent.click(screen.getByRole('radio', { name: 'Jordan Gagnon' }));
    expect(unlockButton).toHaveProperty('disabled', false);
    await act(async () => {
      fireEvent.click(unlockButton);
      await Promise.resolve();
    });
    expect(unlock).toHaveBeenCalledWith({ worker: 'Jordan Gagnon', pin: '482915' });
  });

  it('shows the end of a lockout in local time, in French and in English, never as an ISO time', async () => {
    const { rerender } = render(<Pad />);
    fireEvent.click(screen.getByRole('radio', { name: 'Amélie Tremblay' }));
    typeDigits('000000');
    await act(async () => {
      fireEvent.click(screen.getByRole('button', { name: 'Déverrouiller' }));
      await Promise.resolve();
    });
    const alert = await screen.findByRole('alert');
    expect(alert.textContent).toContain(localTime(UNTIL).fr);
    expect(alert.textContent).not.toContain(UNTIL);
    expect(alert.textContent).not.toMatch(/\d{4}-\d{2}-\d{2}T/);
    act(() => {
      usePrefsStore.setState({ language: 'en' });
    });
    rerender(<Pad />);
    expect(screen.getByRole('alert').textContent).toContain(localTime(UNTIL).en);
    expect(screen.getByRole('alert').textContent).not.toMatch(/\d{4}-\d{2}-\d{2}T/);
  });
});
