import type { Language } from '../election/definition.ts';
import { voterTemplate, type VoterTextKey } from './voter_text.ts';

/**
 * What the audio ballot says, as words that exist ahead of time. Nothing is synthesised at the
 * kiosk: every sentence is a sequence of clips rendered when the station kit is built, each
 * clip the audio of one normalised text in one language (shared/src/kit/kit_audio.ts). The
 * kit builder and the kiosk cut the catalogue's templates the same way (`templateSegments`), so
 * the clips the kiosk asks for are the clips the kit holds.
 *
 * - A catalogue string with placeholders (`You ranked {{name}} {{rank}}.`) is said as its
 *   pieces of text around the values (`You ranked`, the name, the rank).
 * - The election's own words (contest titles, questions, answers, candidates, parties,
 *   station names) are clips of their text.
 * - Numbers are clips of their digits (espeak-ng reads "12" as a number in each language).
 * - A code (the receipt, a station id) is spelled: one clip per character, `-` as a word.
 * - Ranks are words from the catalogue (`audio.ordinal.o2`: second, deuxième).
 */
export type SpeechPart =
  /** A string of the voter catalogue, its placeholders filled with more speech. */
  | {
      readonly kind: 'text';
      readonly key: VoterTextKey;
      readonly values?: Readonly<Record<string, readonly SpeechPart[]>>;
    }
  /** The election's own words (a title, a name), said whole. */
  | { readonly kind: 'say'; readonly text: string }
  | { readonly kind: 'number'; readonly value: number }
  /** Said character by character. */
  | { readonly kind: 'spell'; readonly text: string }
  /** A rank as a word: first, second… (a number past the catalogue's words). */
  | { readonly kind: 'ordinal'; readonly value: number };

/** Speech in one language. */
export interface Utterance {
  readonly language: Language;
  readonly parts: readonly SpeechPart[];
}

/** The ranks the catalogue has words for (`audio.ordinal.o1` … `o20`). */
export const ORDINAL_WORDS = 20;

/** The characters spelled one clip each: Crockford's base32 alphabet (receipts, codes) holds the digits too. */
export const SPELLED_CHARACTERS = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';

/** A piece of a template: a text to say, or the place of a value. */
export type TemplateSegment = { readonly kind: 'text'; readonly text: string } | { readonly kind: 'slot'; readonly name: string };

const PLACEHOLDER = /\{\{\s*(\w+)\s*\}\}/g;

/**
 * The text of a clip: whitespace collapsed, the punctuation a piece starts with when it follows
 * a value (`). That is where…`) and any opening bracket it ends with dropped. Empty when
 * nothing is left to say (a piece of punctuation only).
 */
export function clipText(text: string): string {
  const collapsed = text.replace(/\s+/g, ' ').trim();
  const trimmed = collapsed.replace(/^[\s.,;:!?)\]»”’–—-]+/u, '').replace(/[\s([«“‘]+$/u, '');
  return /[\p{L}\p{N}]/u.test(trimmed) ? trimmed : '';
}

/** A template cut into the texts to say and the places of its values, in order; empty texts are left out. */
export function templateSegments(template: string): readonly TemplateSegment[] {
  const segments: TemplateSegment[] = [];
  let at = 0;
  const pushText = (raw: string) => {
    const text = clipText(raw);
    if (text !== '') segments.push({ kind: 'text', text });
  };
  for (const match of template.matchAll(PLACEHOLDER)) {
    pushText(template.slice(at, match.index));
    segments.push({ kind: 'slot', name: match[1] ?? '' });
    at = match.index + match[0].length;
  }
  pushText(template.slice(at));
  return segments;
}

/** One clip to play: its text in its language. */
export interface ClipText {
  readonly language: Language;
  readonly text: string;
}

/** The clips of one part of speech, in order. */
function clipsOfPart(part: SpeechPart, language: Language): readonly string[] {
  switch (part.kind) {
    case 'text':
      return templateSegments(voterTemplate(language, part.key)).flatMap((segment) =>
        segment.kind === 'text' ? [segment.text] : (part.values?.[segment.name] ?? []).flatMap((value) => clipsOfPart(value, language)),
      );
    case 'say': {
      const text = clipText(part.text);
      return text === '' ? [] : [text];
    }
    case 'number':
      return [String(part.value)];
    case 'spell':
      return Array.from(part.text.toUpperCase()).flatMap((c) => {
        if (c === '-') return clipsOfPart({ kind: 'text', key: 'audio.dash' }, language);
        return /\s/.test(c) ? [] : [c];
      });
    case 'ordinal':
      return part.value >= 1 && part.value <= ORDINAL_WORDS
        ? clipsOfPart({ kind: 'text', key: `audio.ordinal.o${part.value}` as VoterTextKey }, language)
        : clipsOfPart({ kind: 'text', key: 'audio.rankNumber', values: { number: [{ kind: 'number', value: part.value }] } }, language);
    default: {
      const never: never = part;
      throw new Error(`unknown part of speech ${JSON.stringify(never)}`);
    }
  }
}

/** Speech as it reads on the screen: templates filled in, a code as it is written, ranks as words. */
export function displayText(parts: readonly SpeechPart[], language: Language): string {
  return parts
    .map((part) => {
      switch (part.kind) {
        case 'text':
          return voterTemplate(language, part.key).replace(PLACEHOLDER, (_, name: string) =>
            displayText(part.values?.[name] ?? [], language),
          );
        case 'say':
        case 'spell':
          return part.text;
        case 'number':
          return String(part.value);
        case 'ordinal':
          return part.value >= 1 && part.value <= ORDINAL_WORDS
            ? voterTemplate(language, `audio.ordinal.o${part.value}` as VoterTextKey)
            : displayText([text('audio.rankNumber', { number: [{ kind: 'number', value: part.value }] })], language);
        default: {
          const never: never = part;
          throw new Error(`unknown part of speech ${JSON.stringify(never)}`);
        }
      }
    })
    .join(' ');
}

/** The clips an utterance is made of, in the order they are played. */
export function clipTextsOf(utterances: readonly Utterance[]): readonly ClipText[] {
  return utterances.flatMap((u) =>
    u.parts.flatMap((part) => clipsOfPart(part, u.language).map((text) => ({ language: u.language, text }))),
  );
}

/** A catalogue string as speech. */
export function text(key: VoterTextKey, values?: Readonly<Record<string, readonly SpeechPart[]>>): SpeechPart {
  return values === undefined ? { kind: 'text', key } : { kind: 'text', key, values };
}

/** The election's own words as speech. */
export function say(words: string): SpeechPart {
  return { kind: 'say', text: words };
}
