import { clipTextsOf, type ClipText, type Utterance } from '@scrutin/shared';
import type { AudioClips } from '../../api/station_api.ts';
import { ClipPlayer, type Clip, type ClipState } from './clip_player.ts';

/**
 * The kiosk's voice: the loaded kit's clips, looked up by what they say (StationApi.audioClips),
 * and one player. `speak` turns speech into the clips the kit holds (clipTextsOf, the cutting
 * the kit builder used) and plays them; nothing is synthesised here and nothing goes to the
 * network. A text without a clip is left out and reported (a kit built for another version of
 * the voter catalogue).
 *
 * In the end-to-end build only (`__SCRUTIN_E2E__`), every sequence and every clip is reported as
 * a window event (`scrutin:speech`, `scrutin:clip`) for the tests to check what was said; the
 * production bundle has no such code. Nothing said is kept.
 */
const key = (language: string, text: string) => `${language}\u0000${text}`;

let clips = new Map<string, Clip>();
const idleListeners = new Set<() => void>();

function report(type: 'scrutin:speech' | 'scrutin:clip', detail: unknown): void {
  if (__SCRUTIN_E2E__) window.dispatchEvent(new CustomEvent(type, { detail }));
}

let player: ClipPlayer | undefined;
function thePlayer(): ClipPlayer {
  player ??= new ClipPlayer((id) => `audio/${id}.wav`, {
    onClip(clip: Clip, state: ClipState) {
      report('scrutin:clip', { id: clip.id, language: clip.language, text: clip.text, state });
    },
    onIdle() {
      for (const listener of idleListeners) listener();
    },
  });
  return player;
}

/** The clips of the loaded kit (an empty list: the kit has no audio ballot). */
export function setClips(list: AudioClips['clips']): void {
  clips = new Map(list.map((c) => [key(c.language, c.text), { id: c.id, language: c.language, text: c.text }]));
}

export function hasAudio(): boolean {
  return clips.size > 0;
}

/** The clips of some speech, and the texts the kit has no clip for. */
export function clipsOf(utterances: readonly Utterance[]): { readonly clips: readonly Clip[]; readonly missing: readonly ClipText[] } {
  const found: Clip[] = [];
  const missing: ClipText[] = [];
  for (const text of clipTextsOf(utterances)) {
    const clip = clips.get(key(text.language, text.text));
    if (clip === undefined) missing.push(text);
    else found.push(clip);
  }
  return { clips: found, missing };
}

/** Says this instead of whatever was being said. */
export function speak(utterances: readonly Utterance[]): void {
  const { clips: sequence, missing } = clipsOf(utterances);
  if (missing.length > 0) console.warn(`the kit has no clip for ${missing.length} text(s) of the audio ballot`);
  report('scrutin:speech', { clips: sequence.map((c) => ({ id: c.id, language: c.language, text: c.text })), missing });
  thePlayer().play(sequence);
}

export function stopSpeaking(): void {
  player?.stop();
}

export function isSpeaking(): boolean {
  return player?.speaking ?? false;
}

export function togglePause(): boolean {
  return thePlayer().togglePause();
}

export function setVoice(settings: { readonly rate: number; readonly volume: number }): void {
  const p = thePlayer();
  p.setRate(settings.rate);
  p.setVolume(settings.volume);
  report('scrutin:clip', { state: 'settings', rate: settings.rate, volume: settings.volume });
}

/** Called each time there is nothing left to say; returns the unsubscribe function. */
export function onSpeechIdle(listener: () => void): () => void {
  idleListeners.add(listener);
  return () => {
    idleListeners.delete(listener);
  };
}
