import { AUDIT_ACTIONS, ELECTION_STATES, ROLES, type AuditAction } from '@scrutin/shared/api';
import i18next from 'i18next';
import { describe, expect, it } from 'vitest';
import { en } from '../i18n/en.ts';
import { fr } from '../i18n/fr.ts';
import { actionText, actorText, auditFields, type AuditWords } from './audit_detail.ts';

/**
 * One entry of each action the server writes (server/src/officials/audit.ts AUDIT_ACTIONS), with
 * the detail its route writes (every field, each optional one present). A new action without a
 * sample here fails to type-check.
 */
const AT = '2026-12-03T20:15:00.000Z';
const SAMPLES: { readonly [A in AuditAction]: readonly { readonly actor: string; readonly detail: Readonly<Record<string, unknown>> }[] } =
  {
    'auth.login': [
      { actor: 'mtremblay', detail: { role: 'admin', client: 'loopback' } },
      { actor: 'mtremblay', detail: { role: 'official', client: 'unknown' } },
    ],
    'auth.login_failed': [
      { actor: '(unknown)', detail: { reason: 'unknown-official', client: '127.0.0.1' } },
      { actor: 'lucie', detail: { reason: 'wrong-password', client: '127.0.0.1', failures: 3 } },
      { actor: 'lucie', detail: { reason: 'backing-off', client: '127.0.0.1', failures: 5, waitUntil: AT } },
      { actor: 'marc', detail: { reason: 'disabled', client: '127.0.0.1', failures: 1 } },
    ],
    'auth.locked': [{ actor: 'lucie', detail: { username: 'lucie', failures: 10, waitUntil: AT } }],
    'auth.logout': [{ actor: 'mtremblay', detail: {} }],
    'official.created': [
      { actor: 'mtremblay', detail: { username: 'lucie', role: 'official' } },
      { actor: 'cli:root', detail: { username: 'obs', role: 'observer', via: 'cli' } },
    ],
    'election.saved': [{ actor: 'mtremblay', detail: { election: 'QC-2026', created: true, ridings: 6, stations: 18 } }],
    'election.state_changed': [
      { actor: 'mtremblay', detail: { election: 'QC-2026', from: 'draft', to: 'open' } },
      { actor: 'mtremblay', detail: { election: 'QC-2026', from: 'closed', to: 'certified', override: true } },
    ],
    'election.certified_with_override': [
      {
        actor: 'mtremblay',
        detail: {
          election: 'QC-2026',
          reason: 'Bureau inondé',
          stations: [{ station: 'ST-00004', reported: false, closed: false, unprocessed: 0, missing: [] }],
        },
      },
    ],
    'credentials.loaded': [{ actor: 'mtremblay', detail: { election: 'QC-2026', entries: 3600, stations: 18 } }],
    'station.enrolment_token_issued': [{ actor: 'mtremblay', detail: { election: 'QC-2026', station: 'ST-00001', expiresAt: AT } }],
    'station.revoked': [{ actor: 'mtremblay', detail: { election: 'QC-2026', station: 'ST-00001', invalidatedTokens: 1 } }],
    'station.enrolled': [
      {
        actor: '(station ST-00001)',
        detail: {
          election: 'QC-2026',
          station: 'ST-00001',
          publicKey: 'MCowBQYDK2VwAyEAq7Yb2yq3dCz1wJ0pYkq8l2Nf3oQ0m7s9r1s2t3u4v5w=',
          tokenIssuedBy: 'mtremblay',
          invalidatedTokens: 0,
        },
      },
    ],
    'station.re_enrolled': [
      {
        actor: '(station ST-00001)',
        detail: {
          election: 'QC-2026',
          station: 'ST-00001',
          publicKey: 'MCowBQYDK2VwAyEAq7Yb2yq3dCz1wJ0pYkq8l2Nf3oQ0m7s9r1s2t3u4v5w=',
          tokenIssuedBy: '(unknown)',
          invalidatedTokens: 1,
          generation: 2,
          previousRevokedAt: AT,
        },
      },
    ],
    'election.recount': [{ actor: 'mtremblay', detail: { election: 'QC-2026', ballots: 8, equal: true } }],
    'official.role_changed': [{ actor: 'mtremblay', detail: { username: 'lucie', from: 'official', to: 'admin' } }],
    'official.unlocked': [{ actor: 'mtremblay', detail: { username: 'lucie', wasLocked: true } }],
    'official.disabled': [
      { actor: 'mtremblay', detail: { username: 'lucie', changed: true, sessionsEnded: 2 } },
      { actor: 'cli', detail: { username: 'lucie', changed: false, sessionsEnded: 0, via: 'cli' } },
    ],
    'official.enabled': [
      { actor: 'mtremblay', detail: { username: 'lucie', changed: true } },
      { actor: 'cli:root', detail: { username: 'lucie', changed: true, via: 'cli' } },
    ],
    'credentials.generation_started': [{ actor: 'mtremblay', detail: { election: 'QC-2026', job: 'job-1', voters: 3600, stations: 18 } }],
    'credentials.cards_downloaded': [{ actor: 'mtremblay', detail: { election: 'QC-2026', station: 'ST-00001' } }],
    'export.downloaded': [{ actor: 'mtremblay', detail: { election: 'QC-2026', export: 'results.csv' } }],
    'batches.verified': [
      {
        actor: 'mtremblay',
        detail: { election: 'QC-2026', station: 'ST-00001', batches: 4, valid: 4, matching: 3, differing: 1, fileSignature: 'invalid' },
      },
    ],
    'station.kit_downloaded': [{ actor: 'mtremblay', detail: { election: 'QC-2026', station: 'ST-00001', pollWorkers: ['Ana', 'Louis'] } }],
    'queue.dead_letters_purged': [
      {
        actor: 'cli:root',
        detail: {
          reason: 'lot corrompu',
          messages: [{ id: 'ab12', election: 'QC-2026', station: 'ST-00001', sequence: 3, envelopes: 40, reason: 'rejected' }],
        },
      },
    ],
    'queue.dead_letters_requeued': [
      {
        actor: 'cli:root',
        detail: {
          messages: [{ id: 'raw:cd34', election: null, station: null, sequence: null, envelopes: null, reason: 'delivery_limit' }],
        },
      },
    ],
  };

/** The server's own words, which a reader must never see as is: enumerations and English technical terms. */
const RAW_WORDS = [
  ...ROLES,
  ...ELECTION_STATES,
  'unknown-official',
  'wrong-password',
  'backing-off',
  'disabled',
  'valid',
  'invalid',
  'cli',
  'rejected',
  'delivery_limit',
  'loopback',
  'true',
  'false',
  'unknown',
  'station',
];
/** A field name as the server writes it: camelCase, snake_case or a dotted key. */
const IDENTIFIER = /\b[a-z]+[A-Z][A-Za-z]*\b|\b[a-z]+_[a-z_]+\b|\b[a-z]+\.[a-z_]+\b/;

async function wordsIn(language: 'fr' | 'en'): Promise<AuditWords> {
  const i18n = i18next.createInstance();
  await i18n.init({
    resources: { fr: { translation: fr }, en: { translation: en } },
    lng: language,
    fallbackLng: false,
    showSupportNotice: false,
  });
  return { t: i18n.t, exists: (key) => i18n.exists(key), dateTime: (iso) => `<${iso.slice(0, 10)}>` };
}

/** What a reader sees of an entry: the actor, the action, and each field's label and value. */
function rendered(words: AuditWords) {
  return AUDIT_ACTIONS.flatMap((action) =>
    SAMPLES[action].map(({ actor, detail }) => ({
      action,
      actor: actorText(actor, words),
      name: actionText(action, words),
      fields: auditFields(detail, words),
    })),
  );
}

describe('the audit log in words (issue 13)', () => {
  for (const language of ['fr', 'en'] as const)
    it(`names every action the server writes, and every field of its detail, in ${language === 'fr' ? 'French' : 'English'}`, async () => {
      const words = await wordsIn(language);
      const problems: string[] = [];
      for (const entry of rendered(words)) {
        if (entry.name === entry.action) problems.push(`${entry.action}: the action is not named`);
        const texts = [entry.actor, ...entry.fields.flatMap((f) => [f.label, f.value])];
        for (const f of entry.fields)
          if (!words.exists(`audit.keys.${f.key}`)) problems.push(`${entry.action}: the field "${f.key}" has no label`);
        for (const text of texts) {
          const identifier = IDENTIFIER.exec(text.replace(/\b[\w-]+\.(csv|json)\b/g, ''));
          if (identifier !== null) problems.push(`${entry.action}: a raw key "${identifier[0]}" in "${text}"`);
        }
        if (language === 'fr')
          for (const text of texts)
            for (const raw of RAW_WORDS)
              if (new RegExp(`(^|[\\s(·,])${raw}($|[\\s)·,])`).test(text))
                problems.push(`${entry.action}: the server’s word "${raw}" in "${text}"`);
      }
      expect(problems).toEqual([]);
    });

  it('shows a moment as a date, a yes or no in words, a public key shortened, a station actor by its name', async () => {
    const words = await wordsIn('fr');
    const fields = auditFields(SAMPLES['station.re_enrolled'][0]?.detail, words);
    const value = (key: string) => fields.find((f) => f.key === key)?.value;
    expect(value('previousRevokedAt')).toBe('<2026-12-03>');
    expect(value('publicKey')).toBe('MCowBQYDK2VwAyEA…');
    expect(value('tokenIssuedBy')).toBe('(inconnu)');
    expect(actorText('(station ST-00001)', words)).toBe('(bureau ST-00001)');
    expect(auditFields({ equal: true, override: false }, words).map((f) => `${f.label} ${f.value}`)).toEqual([
      'identique oui',
      'dérogation non',
    ]);
  });
});
