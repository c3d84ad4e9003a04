import { create } from 'zustand';
import type { StationError } from '../../api/station_api.ts';
import { stationApi } from '../backend/api.ts';

/**
 * The poll workers' session: unlocked with a poll worker's name (chosen from the kit's list)
 * and their PIN, locked again by hand or after a few minutes without a touch. Wrong PINs lock
 * out only the worker they were typed for. The PIN stays in memory while unlocked (each action sends it
 * again, the backend checks it every time) and is dropped on lock.
 */
export interface StaffState {
  readonly pinPadOpen: boolean;
  readonly unlocked: { readonly worker: string; readonly pin: string } | null;
  readonly busy: boolean;
  readonly error: StationError | null;
  openPinPad: () => void;
  closePinPad: () => void;
  unlock: (worker: string, pin: string) => Promise<boolean>;
  lock: () => void;
}

export const useStaffStore = create<StaffState>()((set) => ({
  pinPadOpen: false,
  unlocked: null,
  busy: false,
  error: null,
  openPinPad() {
    set({ pinPadOpen: true, error: null });
  },
  closePinPad() {
    set({ pinPadOpen: false, error: null });
  },
  async unlock(worker, pin) {
    set({ busy: true, error: null });
    try {
      const answer = await stationApi().unlock({ worker, pin });
      if (answer.ok) {
        set({ unlocked: { worker: answer.value.worker, pin }, pinPadOpen: false, busy: false });
        return true;
      }
      set({ error: answer.error, busy: false });
      return false;
    } catch {
      set({ busy: false });
      return false;
    }
  },
  lock() {
    set({ unlocked: null, pinPadOpen: false, error: null, busy: false });
  },
}));
