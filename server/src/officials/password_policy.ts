import { dictionary } from '@zxcvbn-ts/language-common';

/**
 * The server's check of a new official's password, on top of the shared rules
 * (`passwordProblem` in @scrutin/shared/api: at least 12 characters, not the username): it
 * must not be a common password. The list is the one zxcvbn-ts maintains
 * (@zxcvbn-ts/language-common, "passwords-common": about 50,000 passwords from breach
 * corpora), held here and not in the console's bundle. A common password with digits or
 * symbols added before or after it (`password1234`, `Dragon2026!`) counts as that password.
 */

let common: ReadonlySet<string> | undefined;

function commonPasswords(): ReadonlySet<string> {
  common ??= new Set(dictionary['passwords-common'].map((p) => p.toLowerCase()));
  return common;
}

/** Shorter cores (`abc`, `1234`) are not judged on their own: the length rule covers them. */
const MIN_CORE = 4;

/** Why `password` is too common to use, or undefined. */
export function commonPasswordProblem(password: string): string | undefined {
  const list = commonPasswords();
  const lower = password.normalize('NFC').toLowerCase();
  if (list.has(lower)) return 'this password is on a list of common passwords: choose another';
  const core = lower.replace(/^[\d\W_]+/u, '').replace(/[\d\W_]+$/u, '');
  if (core.length >= MIN_CORE && list.has(core)) return 'this password is a common password with digits or symbols added: choose another';
  // Only digits and symbols (a keyboard row, a date): the core is the whole run of them.
  if (core === '' && list.has(lower.replace(/[\W_]+/gu, ''))) return 'this password is on a list of common passwords: choose another';
  return undefined;
}
