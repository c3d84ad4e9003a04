import { useTranslation } from 'react-i18next';
import { useHeadingFocus } from '../../components/hooks.ts';

/** What voters see while the polls are not open: before opening, or after closing. */
export function PollsNotOpen(props: { readonly state: 'setup' | 'closed' }) {
  const { t } = useTranslation();
  const heading = useHeadingFocus<HTMLHeadingElement>(props.state);
  const [title, body] =
    props.state === 'setup' ? [t('polls.setupTitle'), t('polls.setupBody')] : [t('polls.closedTitle'), t('polls.closedBody')];
  return (
    <main className="screen screen--centered" id="main">
      <div className="notice-card">
        <span className="notice-card__icon" aria-hidden="true">
          {props.state === 'setup' ? '◷' : '✓'}
        </span>
        <h1 ref={heading} tabIndex={-1}>
          {title}
        </h1>
        <p className="lead">{body}</p>
      </div>
    </main>
  );
}
