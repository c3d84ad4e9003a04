import { describe, expect, it } from 'vitest';
import { createI18n } from '../../i18n/i18n.ts';

/** The poll workers' counts in words: i18next plural rules, never "bulletin(s)" (issue 13). */
describe('the staff dashboard’s counts', () => {
  const fr = createI18n('fr');
  const en = createI18n('en');

  it('agree with their number in French, millions included', () => {
    expect(fr.t('closing.usbWritten', { count: 1, path: '/media/USB/a.json' })).toBe('1 bulletin écrit dans /media/USB/a.json.');
    expect(fr.t('closing.usbWritten', { count: 10, path: 'X' })).toBe('10 bulletins écrits dans X.');
    expect(fr.t('closing.usbWritten', { count: 1_000_000, path: 'X' })).toBe('1000000 de bulletins écrits dans X.');
    expect(fr.t('closing.usbHeldBack', { count: 1 })).toMatch(/^1 bulletin reste retenu .* il n’est pas sur la clé\.$/);
    expect(fr.t('closing.usbHeldBack', { count: 2 })).toMatch(/^2 bulletins restent retenus .* ils ne sont pas sur la clé\.$/);
    expect(fr.t('staff.syncDone', { count: 0 })).toBe('Envoi fait\u00a0: 0 bulletin encore en attente.');
    expect(fr.t('staff.syncDone', { count: 3 })).toBe('Envoi fait\u00a0: 3 bulletins encore en attente.');
    expect(fr.t('closing.printed', { count: 3, what: fr.t('closing.closingReport') })).toBe(
      'Le rapport de fermeture est imprimé (3 copies numérotées)\u00a0: faites-le signer.',
    );
  });

  it('agree with their number in English', () => {
    expect(en.t('closing.usbWritten', { count: 1, path: 'X' })).toBe('1 ballot written to X.');
    expect(en.t('closing.usbWritten', { count: 0, path: 'X' })).toBe('0 ballots written to X.');
    expect(en.t('closing.backupWritten', { count: 7, path: 'X' })).toBe('Full sealed backup written to X (7 ballots).');
    expect(en.t('staff.syncDone', { count: 1 })).toBe('Sent: 1 ballot still waiting.');
    expect(en.t('closing.testPassed', { count: 28 })).toBe('Test passed: the 28 test ballots were counted exactly as expected.');
  });
});
