import { create } from 'zustand';

/** The voter's display preferences; back to the defaults for the next voter. */
export type Language = 'fr' | 'en';
export const TEXT_SIZES = [0, 1, 2, 3] as const;
export type TextSize = (typeof TEXT_SIZES)[number];
/**
 * The colours: the standard theme (dark on light), high contrast (yellow and white on black)
 * and light on dark (light grey and pale blue on charcoal, softer than high contrast for
 * voters dazzled by a white screen).
 */
export const THEMES = ['standard', 'high', 'dark'] as const;
export type Theme = (typeof THEMES)[number];

export interface PrefsState {
  readonly language: Language;
  readonly theme: Theme;
  readonly textSize: TextSize;
  setLanguage: (language: Language) => void;
  /** Turns a theme on, or back to the standard one when it is already on. */
  toggleTheme: (theme: Exclude<Theme, 'standard'>) => void;
  setTextSize: (size: TextSize) => void;
  reset: () => void;
}

export const DEFAULT_LANGUAGE: Language = 'fr';

export const usePrefsStore = create<PrefsState>()((set) => ({
  language: DEFAULT_LANGUAGE,
  theme: 'standard',
  textSize: 0,
  setLanguage(language) {
    set({ language });
  },
  toggleTheme(theme) {
    set((s) => ({ theme: s.theme === theme ? 'standard' : theme }));
  },
  setTextSize(textSize) {
    set({ textSize });
  },
  reset() {
    set({ language: DEFAULT_LANGUAGE, theme: 'standard', textSize: 0 });
  },
}));
