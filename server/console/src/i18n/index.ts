import { oneFullStop } from '@scrutin/shared';
import i18next from 'i18next';
import { initReactI18next } from 'react-i18next';
import { en } from './en.ts';
import { fr } from './fr.ts';

/** French first (the election's working language), English on request; the choice is remembered. */
export type Language = 'fr' | 'en';
const STORAGE_KEY = 'scrutin.console.language';

function initialLanguage(): Language {
  const stored = window.localStorage.getItem(STORAGE_KEY);
  return stored === 'en' || stored === 'fr' ? stored : 'fr';
}

// A sentence that ends on an interpolated time ("expires Dec 3, 2026, 4:08 p.m.") takes one full stop, not "p.m..".
void i18next
  .use(initReactI18next)
  .use({ type: 'postProcessor', name: 'oneFullStop', process: (value: string) => oneFullStop(value) })
  .init({
    resources: { fr: { translation: fr }, en: { translation: en } },
    lng: initialLanguage(),
    fallbackLng: 'fr',
    interpolation: { escapeValue: false },
    returnNull: false,
    showSupportNotice: false,
    postProcess: ['oneFullStop'],
  });
document.documentElement.lang = i18next.language;

export function setLanguage(language: Language): void {
  window.localStorage.setItem(STORAGE_KEY, language);
  void i18next.changeLanguage(language);
  document.documentElement.lang = language;
}

export function currentLanguage(): Language {
  return i18next.language === 'en' ? 'en' : 'fr';
}

export { i18next };
