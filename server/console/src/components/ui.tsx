import type { ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import type { ApiFailure } from '../api/client.ts';
import type { Issue } from '@scrutin/shared/api';
import { currentLanguage, setLanguage } from '../i18n/index.ts';
import type { RaceStatus } from './race.ts';

/** The console's name and mark, in the sidebar and (big) on the login page. */
export function Brand({ big = false }: { readonly big?: boolean }) {
  const { t } = useTranslation();
  return (
    <div className={big ? 'brand big' : 'brand'}>
      <span className="brand-mark" aria-hidden="true">
        ◉
      </span>
      <span>
        <strong>Scrutin</strong>
        <small>{t('app.subtitle')}</small>
      </span>
    </div>
  );
}

export function PageHeader(props: { readonly title: string; readonly subtitle?: string; readonly actions?: ReactNode }) {
  return (
    <header className="page-header">
      <div>
        <h1>{props.title}</h1>
        {props.subtitle !== undefined && <p className="subtitle">{props.subtitle}</p>}
      </div>
      {props.actions !== undefined && <div className="page-actions">{props.actions}</div>}
    </header>
  );
}

export function PartyChip({ colour }: { readonly colour: string }) {
  return <span className="chip" style={{ background: colour }} aria-hidden="true" />;
}

export function StatusBadge({ status }: { readonly status: RaceStatus }) {
  const { t } = useTranslation();
  const tone =
    status === 'elected'
      ? 'good'
      : status === 'elected-provisional'
        ? 'good-soft'
        : status === 'leading'
          ? 'info'
          : status === 'tie'
            ? 'warn'
            : 'muted-badge';
  return (
    <span className={`badge ${tone}`} data-status={status}>
      {t(`status.${status}`)}
    </span>
  );
}

/**
 * A refusal from the server in the console's language, told by its code (the server's own
 * message, in English for operators and logs, stays under "technical detail"), with every
 * problem it lists at its path.
 */
export function FailureView({ failure, issues }: { readonly failure: ApiFailure; readonly issues?: readonly Issue[] }) {
  const { t, i18n } = useTranslation();
  const key = `errors.${failure.code}`;
  return (
    <div className="notice notice-bad" role="alert" data-testid="failure" data-code={failure.code}>
      <strong>{failure.text ?? (i18n.exists(key) ? t(key) : t('errors.fallback'))}</strong>
      {issues !== undefined && issues.length > 0 && <IssueList issues={issues} />}
      {failure.text === undefined && failure.message !== '' && (
        <details className="technical">
          <summary>{t('errors.technical')}</summary>
          <code lang="en">
            {failure.code} — {failure.message}
          </code>
        </details>
      )}
    </div>
  );
}

export function IssueList({ issues }: { readonly issues: readonly Issue[] }) {
  return (
    <ul className="issues" data-testid="issues">
      {issues.map((issue, i) => (
        <li key={`${issue.path}-${i}`}>
          <code>{issue.path === '' ? '(racine)' : issue.path}</code> {issue.message}
        </li>
      ))}
    </ul>
  );
}

export function Stat(props: {
  readonly label: string;
  readonly value: ReactNode;
  readonly tone?: 'good' | 'bad' | 'warn';
  readonly testId?: string;
}) {
  return (
    <div className={`stat${props.tone === undefined ? '' : ` stat-${props.tone}`}`} data-testid={props.testId}>
      <div className="stat-value">{props.value}</div>
      <div className="stat-label">{props.label}</div>
    </div>
  );
}

export function Progress({ value, max, label }: { readonly value: number; readonly max: number; readonly label: string }) {
  const pct = max === 0 ? 100 : Math.min(100, Math.round((100 * value) / max));
  return (
    <div className="progress" role="progressbar" aria-label={label} aria-valuemin={0} aria-valuemax={100} aria-valuenow={pct}>
      <div className="progress-bar" style={{ width: `${pct}%` }} />
      <span className="progress-text">{pct} %</span>
    </div>
  );
}

export function Notice(props: {
  readonly tone: 'info' | 'good' | 'bad' | 'warn';
  readonly title: string;
  readonly children?: ReactNode;
  readonly testId?: string;
}) {
  return (
    <div className={`notice notice-${props.tone}`} role={props.tone === 'bad' ? 'alert' : 'status'} data-testid={props.testId}>
      <strong>{props.title}</strong>
      {props.children !== undefined && <div>{props.children}</div>}
    </div>
  );
}

/**
 * French or English: FR / EN in the top bar; on the login and public receipt pages, centred
 * and in words.
 */
export function LanguageChoice({ onPage = false }: { readonly onPage?: boolean }) {
  const { t } = useTranslation();
  const language = currentLanguage();
  return (
    <div className={onPage ? 'lang center' : 'lang'} role="group" aria-label={t('top.language')}>
      {(['fr', 'en'] as const).map((l) => (
        <button
          key={l}
          type="button"
          className={l === language ? 'on' : undefined}
          aria-pressed={l === language}
          onClick={() => {
            setLanguage(l);
          }}
        >
          {onPage ? (l === 'fr' ? 'Français' : 'English') : l.toUpperCase()}
        </button>
      ))}
    </div>
  );
}

/**
 * A catalogue sentence that names a command (`scrutin credentials generate`, `npm start`):
 * the words between backticks are shown as code, never the backticks themselves.
 */
export function WithCode({ text }: { readonly text: string }) {
  const parts = text.split('`');
  // One span: in a grid or flex box (a notice) the sentence stays one line of text, not one item per part.
  return (
    <span>
      {parts.map((part, i) =>
        // Odd parts sat between two backticks; an unmatched last backtick leaves its text as text.
        i % 2 === 1 && i < parts.length - 1 ? <code key={i}>{part}</code> : part,
      )}
    </span>
  );
}
