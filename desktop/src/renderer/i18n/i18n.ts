import { oneFullStop } from '@scrutin/shared';
import i18next, { type i18n, type PostProcessorModule } from 'i18next';
import { initReactI18next } from 'react-i18next';
import { en } from './en.ts';
import { fr } from './fr.ts';

/**
 * A sentence that ends on an interpolated time or date ("enrolled on Dec 3, 2026, 4:08 p.m.")
 * takes one full stop, not "p.m..".
 */
export const ONE_FULL_STOP: PostProcessorModule = {
  type: 'postProcessor',
  name: 'oneFullStop',
  process: (value: string) => oneFullStop(value),
};

/** i18next with the kiosk's two languages; French first. */
export function createI18n(language: 'fr' | 'en' = 'fr'): i18n {
  const instance = i18next.createInstance();
  void instance
    .use(initReactI18next)
    .use(ONE_FULL_STOP)
    .init({
      lng: language,
      fallbackLng: false,
      supportedLngs: ['fr', 'en'],
      resources: { fr: { translation: fr }, en: { translation: en } },
      interpolation: { escapeValue: false },
      returnObjects: true,
      initAsync: false,
      showSupportNotice: false,
      postProcess: ['oneFullStop'],
    });
  return instance;
}

declare module 'i18next' {
  interface CustomTypeOptions {
    resources: { translation: typeof fr };
    returnNull: false;
  }
}
