import type { Language } from '../election/definition.ts';
import { VOTER_TEXT_EN } from './en.ts';
import { VOTER_TEXT_FR } from './fr.ts';

/**
 * The voter's words: one catalogue for the kiosk's screens and its audio ballot (fr.ts and
 * en.ts). Strings are i18next templates: `{{name}}` is a value filled in when the string is
 * shown or spoken.
 */
type Shape<T> = T extends string ? string : { readonly [K in keyof T]: Shape<T[K]> };
/** The shape of the voter's words: French's keys, with any words. */
export type VoterText = Shape<typeof VOTER_TEXT_FR>;

type Leaves<T, Prefix extends string = ''> = {
  readonly [K in keyof T & string]: T[K] extends string ? `${Prefix}${K}` : Leaves<T[K], `${Prefix}${K}.`>;
}[keyof T & string];
/** The dotted key of one string of the catalogue, e.g. `ballot.step` or `audio.ordinal.o2`. */
export type VoterTextKey = Leaves<VoterText>;

export const VOTER_TEXT: Readonly<Record<Language, VoterText>> = { fr: VOTER_TEXT_FR, en: VOTER_TEXT_EN };

type Tree = { readonly [key: string]: string | Tree };

function leaves(tree: Tree, prefix: string): [string, string][] {
  return Object.entries(tree).flatMap(([key, value]) =>
    typeof value === 'string' ? [[`${prefix}${key}`, value] as [string, string]] : leaves(value, `${prefix}${key}.`),
  );
}

/** Every string of the catalogue in one language, with its key, in catalogue order. */
export function voterTextEntries(language: Language): readonly (readonly [VoterTextKey, string])[] {
  // The catalogue's keys are exactly VoterTextKey (its type says so); the walk cannot.
  return leaves(VOTER_TEXT[language], '') as [VoterTextKey, string][];
}

/** The template of one key in one language (with its `{{placeholders}}`). */
export function voterTemplate(language: Language, key: VoterTextKey): string {
  let node: string | Tree = VOTER_TEXT[language];
  for (const part of key.split('.')) {
    if (typeof node === 'string') break;
    const next: string | Tree | undefined = node[part];
    if (next === undefined) break;
    node = next;
  }
  if (typeof node !== 'string') throw new Error(`the voter text has no string ${key}`);
  return node;
}
