import { create } from 'zustand';

/**
 * Whether the technician's setup screen stays open. It opens by itself while the station has
 * no kit or is not enrolled, and stays until the technician says the setup is finished.
 */
export interface SetupState {
  readonly open: boolean;
  begin: () => void;
  finish: () => void;
}

export const useSetupStore = create<SetupState>()((set) => ({
  open: false,
  begin() {
    set({ open: true });
  },
  finish() {
    set({ open: false });
  },
}));
