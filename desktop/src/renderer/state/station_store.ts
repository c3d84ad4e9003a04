import { create } from 'zustand';
import type { StationStatus } from '../../api/station_api.ts';
import { stationApi } from '../backend/api.ts';

/** What the station backend says about itself, refreshed on every pushed event. */
export interface StationState {
  readonly connected: boolean;
  readonly status: StationStatus | null;
  setConnected: (connected: boolean) => void;
  refresh: () => Promise<void>;
}

export const useStationStore = create<StationState>()((set) => ({
  connected: false,
  status: null,
  setConnected(connected) {
    set({ connected });
  },
  async refresh() {
    try {
      const status = await stationApi().status({});
      if (status.ok) set({ status: status.value, connected: true });
    } catch {
      set({ connected: false });
    }
  },
}));
