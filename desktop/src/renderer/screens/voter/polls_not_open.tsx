import { useTranslation } from 'react-i18next';
import { useHeadingFocus } from '../../components/hooks.ts';
import { usePrefsStore } from '../../state/prefs_store.ts';

/**
 * What voters see while the polls are not open, before opening or after closing: in both
 * languages at once (no voter has picked one), the kiosk's own language first.
 */
export function PollsNotOpen(props: { readonly state: 'setup' | 'closed' }) {
  const { t } = useTranslation();
  const language = usePrefsStore((s) => s.language);
  const other = language === 'fr' ? 'en' : 'fr';
  const heading = useHeadingFocus<HTMLHeadingElement>(props.state);
  const title = props.state === 'setup' ? 'polls.setupTitle' : 'polls.closedTitle';
  const body = props.state === 'setup' ? 'polls.setupBody' : 'polls.closedBody';
  return (
    <main className="screen screen--centered" id="main">
      <div className="notice-card">
        <span className="notice-card__icon" aria-hidden="true">
          {props.state === 'setup' ? '◷' : '✓'}
        </span>
        <h1 ref={heading} tabIndex={-1}>
          {t(title)}
        </h1>
        <p className="lead">{t(body)}</p>
        <div lang={other} className="notice-card__other" data-testid="polls-other-language">
          <p className="notice-card__other-title">{t(title, { lng: other })}</p>
          <p className="lead">{t(body, { lng: other })}</p>
        </div>
      </div>
    </main>
  );
}
