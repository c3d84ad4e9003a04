import { describe, expect, it } from 'vitest';
import { commonPasswordProblem } from './password_policy.ts';

describe('the common-password check', () => {
  it('refuses the audit’s password1234 and other common passwords, whatever their case', () => {
    for (const p of ['password1234', 'PASSWORD1234', 'qwertyuiop12', '123456789012']) expect(commonPasswordProblem(p), p).toBeDefined();
  });

  it('refuses a common password with digits or symbols added around it', () => {
    for (const p of ['password12345', 'Dragon2026!!', '!!sunshine!!2026', 'iloveyou_1999'])
      expect(commonPasswordProblem(p), p).toBeDefined();
  });

  it('accepts a passphrase that is on no list', () => {
    for (const p of ['a long enough passphrase', 'correct horse battery staple', 'élection générale 2026', 'Tr0mbone-Lichen-47'])
      expect(commonPasswordProblem(p), p).toBeUndefined();
  });
});
