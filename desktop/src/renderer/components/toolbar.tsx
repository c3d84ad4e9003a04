import { useTranslation } from 'react-i18next';
import { TEXT_SIZES, usePrefsStore } from '../state/prefs_store.ts';
import { useStationStore } from '../state/station_store.ts';
import { useLabel } from './hooks.ts';

/**
 * The band at the top of every screen: the election and the station on the left; language,
 * text size (four) and the two contrast themes on the right (always there, on every screen, without losing the
 * ballot), and the discreet staff button where the screen allows it.
 */
export function Toolbar(props: { readonly onStaff?: () => void; readonly staffMode?: boolean }) {
  const { t } = useTranslation();
  const label = useLabel();
  const kit = useStationStore((s) => s.status?.kit ?? null);
  const { language, theme, textSize, setLanguage, toggleTheme, setTextSize } = usePrefsStore();
  const sizes = [t('toolbar.textSize0'), t('toolbar.textSize1'), t('toolbar.textSize2'), t('toolbar.textSize3')] as const;
  return (
    <header className={`toolbar${props.staffMode === true ? ' toolbar--staff' : ''}`}>
      <div className="toolbar__identity">
        <span className="toolbar__emblem" aria-hidden="true">
          ☑
        </span>
        <div>
          <p className="toolbar__election">{kit === null ? t('app.name') : label(kit.electionName)}</p>
          {kit !== null && <p className="toolbar__station">{label(kit.stationName)}</p>}
        </div>
      </div>
      {props.staffMode === true && <p className="toolbar__mode">{t('staff.banner')}</p>}
      <nav className="toolbar__controls" aria-label={t('toolbar.label')}>
        <button
          type="button"
          className="tool tool--language"
          lang={language === 'fr' ? 'en' : 'fr'}
          aria-label={t('toolbar.switchLanguageAria')}
          onClick={() => {
            setLanguage(language === 'fr' ? 'en' : 'fr');
          }}
        >
          {t('toolbar.switchLanguage')}
        </button>
        <div className="tool-group" role="group" aria-label={t('toolbar.textSize')}>
          {TEXT_SIZES.map((size) => (
            <button
              key={size}
              type="button"
              className={`tool tool--size tool--size-${size}`}
              aria-pressed={textSize === size}
              aria-label={sizes[size]}
              title={sizes[size]}
              onClick={() => {
                setTextSize(size);
              }}
            >
              A
            </button>
          ))}
        </div>
        <button
          type="button"
          className="tool tool--contrast"
          aria-pressed={theme === 'high'}
          onClick={() => {
            toggleTheme('high');
          }}
        >
          <span aria-hidden="true" className="contrast-icon" />
          {t('toolbar.contrast')}
        </button>
        <button
          type="button"
          className="tool tool--contrast tool--dark"
          aria-pressed={theme === 'dark'}
          onClick={() => {
            toggleTheme('dark');
          }}
        >
          <span aria-hidden="true" className="contrast-icon contrast-icon--dark" />
          {t('toolbar.contrastDark')}
        </button>
        {props.onStaff !== undefined && (
          <button type="button" className="tool tool--staff" aria-label={t('toolbar.staffAria')} onClick={props.onStaff}>
            {t('toolbar.staff')}
          </button>
        )}
      </nav>
    </header>
  );
}
