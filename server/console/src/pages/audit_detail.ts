import type { TFunction } from 'i18next';

/**
 * An audit entry in the officials' words, not the server's: the action, who did it, and each
 * field of its detail with a translated label (`audit.keys`) and value — yes or no, a date, a
 * role, an election state, a refusal reason (`audit.values`), a list shortened. No field name
 * the server writes (`tokenIssuedBy`, `publicKey`) reaches the screen as is: audit_detail.test.ts
 * walks every action the server records, in French and in English.
 */
export interface AuditField {
  readonly key: string;
  readonly label: string;
  readonly value: string;
}

export interface AuditWords {
  readonly t: TFunction;
  /** Whether the catalogue has this key (i18next's `exists`). */
  readonly exists: (key: string) => boolean;
  /** A date and time in the reader's language. */
  readonly dateTime: (iso: string) => string;
}

/** How many items of a list the log shows before "… and N more". */
const LIST_SHOWN = 5;
/** Fields that hold a moment (ISO 8601), shown as a date and time. */
const MOMENTS = new Set(['expiresAt', 'waitUntil', 'previousRevokedAt', 'deadLetteredAt']);
/** A public key is long and not secret: its first characters are enough to tell it from another. */
const KEY_SHOWN = 16;

/** The actor column: an official's name as is; a station, the command line or an unknown login in words. */
export function actorText(actor: string, words: AuditWords): string {
  if (actor === '(unknown)') return words.t('audit.unknownActor');
  const station = /^\(station (.+)\)$/.exec(actor);
  if (station?.[1] !== undefined) return words.t('audit.stationActor', { station: station[1] });
  if (actor === 'cli') return words.t('audit.cli');
  const cli = /^cli:(.+)$/.exec(actor);
  if (cli?.[1] !== undefined) return words.t('audit.cliUser', { user: cli[1] });
  return actor;
}

export function actionText(action: string, words: AuditWords): string {
  return words.exists(`audit.actions.${action}`) ? words.t(`audit.actions.${action}`) : action;
}

export function auditFields(detail: unknown, words: AuditWords): AuditField[] {
  if (detail === null || detail === undefined) return [];
  if (typeof detail !== 'object' || Array.isArray(detail)) return [{ key: '', label: '', value: valueText('', detail, words) }];
  return Object.entries(detail).map(([key, value]) => ({ key, label: keyText(key, words), value: valueText(key, value, words) }));
}

function keyText(key: string, words: AuditWords): string {
  return words.exists(`audit.keys.${key}`) ? words.t(`audit.keys.${key}`) : key;
}

function valueText(key: string, value: unknown, words: AuditWords): string {
  const { t, exists } = words;
  if (value === null || value === undefined) return '—';
  if (typeof value === 'boolean') return value ? t('audit.yes') : t('audit.no');
  if (typeof value === 'number') return String(value);
  if (typeof value === 'string') {
    if (MOMENTS.has(key) && !Number.isNaN(Date.parse(value))) return words.dateTime(value);
    if (key === 'publicKey' && value.length > KEY_SHOWN) return `${value.slice(0, KEY_SHOWN)}…`;
    if (key === 'tokenIssuedBy') return actorText(value, words);
    // An enumerated word (a role, an election state, a refusal reason, "cli"): translated.
    if (/^[a-z][a-z_-]*$/.test(value) && exists(`audit.values.${value}`)) return t(`audit.values.${value}`);
    return value;
  }
  if (Array.isArray(value)) {
    const items = value.slice(0, LIST_SHOWN).map((item: unknown) =>
      // A station of a list (those certified with batches pending) by its name alone; a dead letter (it has an id) in full.
      typeof item === 'object' && item !== null && 'station' in item && !('id' in item) && typeof item.station === 'string'
        ? item.station
        : valueText(key, item, words),
    );
    const rest = value.length - items.length;
    return rest > 0 ? `${items.join(', ')} ${t('audit.moreItems', { count: rest })}` : items.join(', ');
  }
  if (typeof value === 'object')
    return Object.entries(value)
      .filter(([, v]) => v !== null && v !== undefined)
      .map(([k, v]) => `${keyText(k, words)} ${valueText(k, v, words)}`)
      .join(' · ');
  return '';
}
