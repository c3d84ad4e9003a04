import { useEffect } from 'react';
import { useTranslation } from 'react-i18next';
import { useHeadingFocus } from '../../components/hooks.ts';
import { usePrefsStore, type Language } from '../../state/prefs_store.ts';
import { useStationStore } from '../../state/station_store.ts';
import { useVoterStore } from '../../state/voter_store.ts';

/** The first screen, in both languages at once: the voter picks theirs to start. */
export function Welcome() {
  const { t } = useTranslation();
  const kit = useStationStore((s) => s.status?.kit ?? null);
  const setLanguage = usePrefsStore((s) => s.setLanguage);
  const resetPrefs = usePrefsStore((s) => s.reset);
  // Each voter starts from the default display (the last one's language, contrast and size are gone).
  useEffect(() => {
    resetPrefs();
  }, [resetPrefs]);
  const start = useVoterStore((s) => s.start);
  const heading = useHeadingFocus<HTMLHeadingElement>('welcome');
  const begin = (language: Language) => {
    setLanguage(language);
    start();
  };
  const languages: readonly Language[] = ['fr', 'en'];
  return (
    <main className="screen screen--welcome" id="main">
      <h1 ref={heading} tabIndex={-1} className="welcome__heading">
        <span lang="fr">{t('welcome.heading', { lng: 'fr' })}</span>
        <span className="welcome__dot" aria-hidden="true">
          ·
        </span>
        <span lang="en">{t('welcome.heading', { lng: 'en' })}</span>
      </h1>
      {kit !== null && (
        <p className="welcome__election">
          <span lang="fr">{kit.electionName.fr}</span>
          {kit.electionName.en !== kit.electionName.fr && (
            <>
              <br />
              <span lang="en">{kit.electionName.en}</span>
            </>
          )}
        </p>
      )}
      <div className="welcome__choices">
        {languages.map((language) => (
          <div key={language} className="welcome__choice" lang={language}>
            <p className="welcome__prompt">{t('welcome.choose', { lng: language })}</p>
            <button
              type="button"
              className="button button--primary button--huge"
              onClick={() => {
                begin(language);
              }}
            >
              {t('welcome.start', { lng: language })}
              <span aria-hidden="true" className="button__arrow">
                →
              </span>
            </button>
          </div>
        ))}
      </div>
      <p className="welcome__privacy">
        <span lang="fr">{t('welcome.privacy', { lng: 'fr' })}</span>
        <br />
        <span lang="en">{t('welcome.privacy', { lng: 'en' })}</span>
      </p>
      <p className="welcome__help">
        <span lang="fr">{t('welcome.help', { lng: 'fr' })}</span> <span lang="en">{t('welcome.help', { lng: 'en' })}</span>
      </p>
    </main>
  );
}
