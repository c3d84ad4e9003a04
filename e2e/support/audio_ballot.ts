import { expect, type BrowserContext, type Page } from '@playwright/test';
import type { Selection } from '@scrutin/shared';
import { outboxEnvelopes, unsyncedSignedBatches, type Station } from '@scrutin/desktop';

/**
 * The audio ballot as a voter hears it. The kiosk's end-to-end build reports each sequence it
 * says (`scrutin:speech`: the clips, by their words) and each clip as it plays
 * (`scrutin:clip`); this page object keeps them and waits on them, never on time. Keys are
 * the controller's and the switches' (desktop/src/renderer/accessible/key_map.ts).
 */
interface HeardClip {
  readonly id: string;
  readonly language: 'fr' | 'en';
  readonly text: string;
}
interface ClipEvent extends Partial<HeardClip> {
  readonly state: 'playing' | 'ended' | 'error' | 'settings';
  readonly rate?: number;
  readonly volume?: number;
}
interface Heard {
  readonly speech: { readonly clips: readonly HeardClip[]; readonly missing: readonly unknown[] }[];
  readonly clips: ClipEvent[];
}
declare global {
  interface Window {
    __heard?: Heard;
  }
}

/** Installs the listeners in every page of the context, before the kiosk's own scripts. */
export async function listenToTheAudioBallot(context: BrowserContext): Promise<void> {
  await context.addInitScript(() => {
    const heard: Heard = { speech: [], clips: [] };
    window.__heard = heard;
    window.addEventListener('scrutin:speech', (event) => {
      heard.speech.push((event as CustomEvent<Heard['speech'][number]>).detail);
    });
    window.addEventListener('scrutin:clip', (event) => {
      heard.clips.push((event as CustomEvent<ClipEvent>).detail);
    });
  });
}

export class AudioBallot {
  constructor(readonly page: Page) {}

  private heard(): Promise<Heard> {
    return this.page.evaluate(() => window.__heard ?? { speech: [], clips: [] });
  }

  /** How many sequences have been said so far. */
  async count(): Promise<number> {
    return (await this.heard()).speech.length;
  }

  /** The words of the n-th sequence said (0-based). */
  async said(n: number): Promise<readonly string[]> {
    const speech = (await this.heard()).speech[n];
    if (speech === undefined) throw new Error(`nothing said as sequence ${n}`);
    expect(speech.missing, 'texts the kit has no clip for').toEqual([]);
    return speech.clips.map((c) => c.text);
  }

  /** Presses a key and returns the words of what the kiosk says next (waiting for them). */
  async press(key: string): Promise<readonly string[]> {
    const before = await this.count();
    await this.page.keyboard.press(key);
    await expect.poll(() => this.count()).toBeGreaterThan(before);
    return this.said(before);
  }

  /** Presses a key and expects exactly these words to be said. */
  async hear(key: string, words: readonly string[]): Promise<void> {
    expect(await this.press(key), `after ${key}`).toEqual(words.map(spoken));
  }

  /** Waits for the next sequence to be these words (something the kiosk says by itself, such as a new screen). */
  async next(words: readonly string[] | ((said: readonly string[]) => boolean), from?: number): Promise<readonly string[]> {
    const start = from ?? (await this.count());
    await expect
      .poll(async () => {
        const speech = (await this.heard()).speech.slice(start);
        return speech.some((s) =>
          typeof words === 'function'
            ? words(s.clips.map((c) => c.text))
            : sameWords(
                s.clips.map((c) => c.text),
                words,
              ),
        );
      })
      .toBe(true);
    const speech = (await this.heard()).speech.slice(start);
    const found = speech.find((s) =>
      typeof words === 'function'
        ? words(s.clips.map((c) => c.text))
        : sameWords(
            s.clips.map((c) => c.text),
            words,
          ),
    );
    return found?.clips.map((c) => c.text) ?? [];
  }

  /** Types on the physical keyboard, one key at a time, each character read back. */
  async type(chars: string): Promise<void> {
    for (const c of chars) {
      const said = await this.press(c);
      expect(said[0]).toBe(c.toUpperCase());
    }
  }

  /** Waits until every clip of the last sequence has played to its end in the browser (a real <audio> element). */
  async finishedSpeaking(): Promise<readonly string[]> {
    const n = (await this.count()) - 1;
    const words = await this.said(n);
    const { speech } = await this.heard();
    const ids = speech[n]?.clips.map((c) => c.id) ?? [];
    await expect
      .poll(
        async () => {
          const ended = (await this.heard()).clips.filter((c) => c.state === 'ended').map((c) => c.id);
          // The sequence's clips, ended in order, at the end of what was played.
          return ended.slice(-ids.length);
        },
        { timeout: 60_000 },
      )
      .toEqual(ids);
    return words;
  }

  /** The last voice settings the kiosk applied. */
  async voice(): Promise<{ readonly rate: number; readonly volume: number }> {
    const settings = (await this.heard()).clips.filter((c) => c.state === 'settings');
    const last = settings[settings.length - 1];
    return { rate: last?.rate ?? 0, volume: last?.volume ?? 0 };
  }

  /** Clips that could not play. */
  async errors(): Promise<readonly ClipEvent[]> {
    return (await this.heard()).clips.filter((c) => c.state === 'error');
  }

  /** The item the voter is on (its `data-item`). */
  current(): Promise<string | null> {
    return this.page.locator('.access-item[aria-current="true"]').getAttribute('data-item');
  }
}

function sameWords(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((w, i) => w === spoken(b[i] ?? ''));
}

/**
 * A text as a clip says it: a clip's text has its whitespace collapsed (shared clipText), so
 * the no-break spaces of French typography (before ";", ":", …) are plain spaces in speech.
 */
function spoken(text: string): string {
  return text.replace(/\s+/g, ' ').trim();
}

/** What a station holds: the selections of every ballot cast there not yet acknowledged by central (outbox and unsynced batches). */
export function storedSelections(station: Station): readonly (readonly Selection[])[] {
  const envelopes = [...outboxEnvelopes(station.db), ...[...unsyncedSignedBatches(station.db)].flatMap((b) => b.envelopes)];
  return envelopes.map((e) => e.ballot.selections);
}
