/**
 * Typography of the words people read on screens and on paper, in both languages.
 *
 * French puts a space before the two-part marks, and that space must never break: a no-break
 * space (U+00A0) before ":", a narrow no-break space (U+202F) before ";", "!" and "?", and
 * inside « » (guillemets). With a plain space, a line can start with ":" or "?".
 */
export const NO_BREAK_SPACE = '\u00a0';
export const NARROW_NO_BREAK_SPACE = '\u202f';

/** Where a French text breaks those rules, each as "<what> at <index>: …<context>…"; none when it keeps them. */
export function frenchTypographyProblems(text: string): readonly string[] {
  const found: string[] = [];
  const at = (index: number, what: string) => found.push(`${what} at ${index}: …${text.slice(Math.max(0, index - 12), index + 3)}…`);
  for (const m of text.matchAll(/[^\S\u00a0\u202f]+(?=[:;!?»])/gu))
    at(m.index, `a plain space before "${text[m.index + m[0].length] ?? ''}"`);
  for (const m of text.matchAll(/«[^\S\u00a0\u202f]/gu)) at(m.index, 'a plain space after "«"');
  for (const m of text.matchAll(/\u202f(?=:)/gu)) at(m.index, 'a narrow space before ":" (a no-break space)');
  for (const m of text.matchAll(/\u00a0(?=[;!?])/gu)) at(m.index, 'a no-break space before ";", "!" or "?" (a narrow one)');
  // No space at all: "NIP:" or "vraiment?" (a time "14:05", an address "https://" or "?lang=fr" are not sentences).
  for (const m of text.matchAll(/[\p{L}\p{N})}»’][:;!?](?=\s|$|["'»)])/gu)) {
    if (/^\d:/u.test(m[0])) continue;
    at(m.index + 1, `no space before "${m[0].slice(-1)}"`);
  }
  for (const m of text.matchAll(/«(?=[^\s\u00a0\u202f])/gu)) at(m.index, 'no space after "«"');
  for (const m of text.matchAll(/(?<=[^\s\u00a0\u202f])»/gu)) at(m.index, 'no space before "»"');
  return found;
}

/**
 * One full stop at the end of a sentence whose last words end in an abbreviation's period
 * ("4:08 p.m." then the sentence's own "."): "4:08 p.m.." reads as a typo. An ellipsis ("...")
 * is left alone.
 */
export function oneFullStop(text: string): string {
  return text.replace(/(?<=\p{L}\.)\.(?!\.)/gu, '');
}
