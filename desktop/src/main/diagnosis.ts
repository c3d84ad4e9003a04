import { createHash } from 'node:crypto';
import type { BuildInfo } from './build_info.ts';
import type { Failure } from './supervisor.ts';

/**
 * The diagnosis screen the shell shows instead of the kiosk when a part keeps failing: what
 * failed, how many times and when, when the next attempt is, and which build this is; in
 * French and English, for the technician. It holds nothing about voters or ballots (the
 * reasons are exit codes and crash kinds, never the backend's output). A static page: its
 * only style is inline, allowed by its hash in the page's Content-Security-Policy.
 */
export type FailingPart = 'backend' | 'display';

export interface Diagnosis {
  readonly part: FailingPart;
  readonly failures: readonly Failure[];
  readonly nextAttemptInMs: number;
  readonly build: BuildInfo | null;
}

const STYLE =
  'body{font-family:system-ui,sans-serif;background:#fff5e0;color:#142030;margin:0;padding:48px;font-size:20px}' +
  'h1{font-size:32px;margin:0 0 8px}p{max-width:60em}table{border-collapse:collapse;margin:16px 0}' +
  'td,th{border:1px solid #8795a8;padding:4px 12px;text-align:left}code{font-size:16px}';

const PART: Readonly<Record<FailingPart, { readonly fr: string; readonly en: string }>> = {
  backend: {
    fr: 'Le moteur du poste (base de données, synchronisation) s’arrête sans cesse.',
    en: 'The station backend (database, sync) keeps stopping.',
  },
  display: { fr: 'L’affichage du poste plante sans cesse.', en: 'The station display keeps crashing.' },
};

function escape(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

export function diagnosisCsp(): string {
  const hash = createHash('sha256').update(STYLE).digest('base64');
  return `default-src 'none'; style-src 'sha256-${hash}'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'`;
}

export function diagnosisHtml(d: Diagnosis): string {
  const part = PART[d.part];
  const rows = d.failures.map((f) => `<tr><td>${escape(new Date(f.at).toISOString())}</td><td>${escape(f.reason)}</td></tr>`).join('');
  const seconds = Math.max(1, Math.round(d.nextAttemptInMs / 1000));
  const build =
    d.build === null
      ? '<p>Build: development (not packaged)</p>'
      : `<p>Scrutin Station ${escape(d.build.version)} · Electron ${escape(d.build.electron)}<br>app.asar SHA-256: <code>${escape(d.build.asarSha256 ?? 'n/a')}</code></p>`;
  return `<!doctype html>
<html lang="fr"><head><meta charset="utf-8"><title>Scrutin Station — diagnostic</title><style>${STYLE}</style></head>
<body>
<h1>Ce poste a besoin d’un technicien</h1>
<p>${escape(part.fr)} Nouvel essai automatique dans ${seconds} s. Les bulletins déjà déposés sont enregistrés.</p>
<h1 lang="en">This station needs a technician</h1>
<p lang="en">${escape(part.en)} Next automatic attempt in ${seconds} s. Ballots already cast are recorded.</p>
<table><thead><tr><th>UTC</th><th>Panne / failure</th></tr></thead><tbody>${rows}</tbody></table>
${build}
</body></html>
`;
}
