import type { ClipId, Language } from '@scrutin/shared';

/** A clip to play: its id (its file is `audio/<id>.wav`, served by the host) and what it says. */
export interface Clip {
  readonly id: ClipId;
  readonly language: Language;
  readonly text: string;
}

export type ClipState = 'playing' | 'ended' | 'error';

export interface ClipPlayerEvents {
  /** Each clip as it starts, ends or fails to play (the end-to-end build reports them). */
  readonly onClip?: (clip: Clip, state: ClipState) => void;
  /** Nothing left to say (the queue ran out or was stopped): automatic scanning waits for this. */
  readonly onIdle?: () => void;
}

/**
 * Plays clips one after another in one <audio> element. A new sequence interrupts the one
 * playing (the voter moved on). The speed is the element's playbackRate with its pitch kept
 * (preservesPitch: Chromium time-stretches the same clip), the volume its volume. Nothing is
 * kept once played.
 */
export class ClipPlayer {
  private readonly audio: HTMLAudioElement;
  private queue: Clip[] = [];
  private current: Clip | undefined;
  private rate = 1;
  private volume = 1;
  private paused = false;

  constructor(
    private readonly urlOf: (id: ClipId) => string,
    private readonly events: ClipPlayerEvents = {},
  ) {
    this.audio = new Audio();
    this.audio.preload = 'auto';
    this.audio.preservesPitch = true;
    this.audio.addEventListener('ended', () => {
      this.finish('ended');
    });
    this.audio.addEventListener('error', () => {
      this.finish('error');
    });
  }

  /** Says these clips, in order, instead of whatever was being said. */
  play(clips: readonly Clip[]): void {
    this.queue = [...clips];
    this.current = undefined;
    this.audio.pause();
    this.paused = false;
    this.next();
  }

  /** Silence, and nothing left to say. */
  stop(): void {
    this.queue = [];
    this.current = undefined;
    this.paused = false;
    this.audio.pause();
    this.audio.removeAttribute('src');
    this.audio.load();
  }

  /** Pauses or resumes what is being said; true when now paused. */
  togglePause(): boolean {
    if (this.current === undefined) return false;
    this.paused = !this.paused;
    if (this.paused) this.audio.pause();
    else this.start();
    return this.paused;
  }

  setRate(rate: number): void {
    this.rate = rate;
    this.audio.playbackRate = rate;
  }

  setVolume(volume: number): void {
    this.volume = volume;
    this.audio.volume = volume;
  }

  get speaking(): boolean {
    return this.current !== undefined;
  }

  private next(): void {
    const clip = this.queue.shift();
    this.current = clip;
    if (clip === undefined) {
      this.events.onIdle?.();
      return;
    }
    this.audio.src = this.urlOf(clip.id);
    this.start();
  }

  private start(): void {
    const clip = this.current;
    if (clip === undefined) return;
    this.audio.playbackRate = this.rate;
    this.audio.volume = this.volume;
    this.audio.play().then(
      () => {
        if (this.current === clip) this.events.onClip?.(clip, 'playing');
      },
      (error: unknown) => {
        // Interrupted by the next sequence (AbortError): nothing to do. Refused (no user gesture yet): move on.
        if (this.current === clip && !(error instanceof DOMException && error.name === 'AbortError')) this.finish('error');
      },
    );
  }

  private finish(state: 'ended' | 'error'): void {
    const clip = this.current;
    if (clip === undefined) return;
    this.events.onClip?.(clip, state);
    this.next();
  }
}
