import { create } from 'zustand';

/** The voter's display preferences; back to the defaults for the next voter. */
export type Language = 'fr' | 'en';
export const TEXT_SIZES = [0, 1, 2] as const;
export type TextSize = (typeof TEXT_SIZES)[number];

export interface PrefsState {
  readonly language: Language;
  readonly highContrast: boolean;
  readonly textSize: TextSize;
  setLanguage: (language: Language) => void;
  toggleContrast: () => void;
  setTextSize: (size: TextSize) => void;
  reset: () => void;
}

export const DEFAULT_LANGUAGE: Language = 'fr';

export const usePrefsStore = create<PrefsState>()((set) => ({
  language: DEFAULT_LANGUAGE,
  highContrast: false,
  textSize: 0,
  setLanguage(language) {
    set({ language });
  },
  toggleContrast() {
    set((s) => ({ highContrast: !s.highContrast }));
  },
  setTextSize(textSize) {
    set({ textSize });
  },
  reset() {
    set({ language: DEFAULT_LANGUAGE, highContrast: false, textSize: 0 });
  },
}));
