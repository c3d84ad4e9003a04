import { describe, expect, it } from 'vitest';
import { DEFAULT_SECRECY, openSampleElection, parseElection, sampleElection, secrecyOf, TEST_KDF } from '@scrutin/shared';
import { blankElection, editableOf, toDefinitionJson } from './definition_model.ts';

describe('the definition editor model', () => {
  it('gives back the very definition it was given, its credential KDF and secrecy included', () => {
    const election = openSampleElection();
    const parsed = parseElection(toDefinitionJson(editableOf(election)));
    expect(parsed.ok && parsed.value).toEqual(election);
    expect(parsed.ok && parsed.value.credentials?.kdf).toEqual(TEST_KDF);
  });

  it('edits the anonymity set and the embargo', () => {
    const draft = { ...editableOf(sampleElection({ anonymitySet: 2, embargo: false })), anonymitySet: 40, embargo: true };
    const parsed = parseElection(toDefinitionJson(draft));
    expect(parsed.ok && secrecyOf(parsed.value)).toEqual({ anonymitySet: 40, embargo: true });
  });

  it('keeps a test election’s mode through the editor, and a live one without a mode field', () => {
    const test = { ...openSampleElection(), mode: 'test' as const };
    const parsed = parseElection(toDefinitionJson(editableOf(test)));
    expect(parsed.ok && parsed.value).toEqual(test);
    expect(toDefinitionJson(editableOf(openSampleElection()))).not.toHaveProperty('mode');
    expect(toDefinitionJson({ ...blankElection(), mode: 'test' })).toMatchObject({ mode: 'test' });
    expect(blankElection().mode).toBe('live');
  });

  it('refuses an anonymity set outside 2..500 at its path', () => {
    const parsed = parseElection(toDefinitionJson({ ...editableOf(openSampleElection()), anonymitySet: 1 }));
    expect(parsed.ok).toBe(false);
    expect(!parsed.ok && parsed.error.map((i) => i.path)).toContainEqual('secrecy.anonymitySet');
  });

  it('starts a new election with the production secrecy and KDF', () => {
    const blank = blankElection(new Date('2027-01-01T00:00:00Z'));
    expect({ anonymitySet: blank.anonymitySet, embargo: blank.embargo }).toEqual(DEFAULT_SECRECY);
    expect(blank.credentials).toBeUndefined();
  });
});
