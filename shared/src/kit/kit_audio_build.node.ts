import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { canonicalJson } from '../canonical.ts';
import { sha256Hex, taggedSha256Hex } from '../crypto/hash.node.ts';
import type { ElectionDefinition, Language } from '../election/definition.ts';
import type { StationId } from '../ids.ts';
import { err, ok, type Result } from '../result.ts';
import type { ClipText } from '../voter_text/speech.ts';
import { spokenTexts } from '../voter_text/spoken_texts.ts';
import {
  CLIP_ENCODING,
  CLIP_ID_TAG,
  CLIP_SAMPLE_RATE,
  DEFAULT_VOICES,
  KIT_AUDIO_DIR,
  KIT_AUDIO_FORMAT,
  KIT_AUDIO_MANIFEST,
  KIT_AUDIO_VERSION,
  clipFileName,
  type ClipId,
  type KitAudioClip,
  type KitAudioManifest,
  type KitAudioRef,
  type Voice,
} from './kit_audio.ts';
import { durationMs, encodeWav, parseWav, trimSilence } from './wav.node.ts';

/**
 * Renders the audio of a station kit with espeak-ng (a Debian package; no network, no service):
 * one clip per text of `spokenTexts(election, station)`, each trimmed of the silence after
 * its words, into `<kit>/audio/`, with the manifest listing every clip's SHA-256. Clips are
 * addressed by what they say (`clipId`), so a folder of clips from earlier builds (`cacheDir`)
 * spares re-rendering the catalogue for each station of an election.
 */
export interface KitAudioOptions {
  /** Voices per language (default DEFAULT_VOICES). */
  readonly voices?: Partial<Readonly<Record<Language, Voice>>>;
  /** A folder of clips from earlier builds, by id; new clips are added to it. */
  readonly cacheDir?: string;
  /** espeak-ng processes at once (default: the machine's cores). */
  readonly concurrency?: number;
  /** The espeak-ng program (default `espeak-ng` on the PATH). */
  readonly espeak?: string;
}

export type KitAudioBuildError =
  | { readonly kind: 'audio-engine-missing'; readonly program: string; readonly reason: string }
  | { readonly kind: 'audio-render-failed'; readonly language: Language; readonly text: string; readonly reason: string };

/** A clip's id: SHA-256 over its language, text and voice (tagged `scrutin/audio-clip/v1`). */
export function clipId(language: Language, text: string, voice: Voice): ClipId {
  return taggedSha256Hex(CLIP_ID_TAG, new TextEncoder().encode(canonicalJson({ language, text, voice }))) as string as ClipId;
}

interface Run {
  readonly code: number | null;
  readonly stdout: Buffer;
  readonly stderr: string;
}

function run(program: string, args: readonly string[], input?: string): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(program, args, { stdio: ['pipe', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const errors: Buffer[] = [];
    child.stdout.on('data', (chunk: Buffer) => out.push(chunk));
    child.stderr.on('data', (chunk: Buffer) => errors.push(chunk));
    child.once('error', reject);
    // A program that stops before reading its input (a refused voice) closes the pipe: its exit
    // code and its output say what happened, not an unhandled EPIPE.
    child.stdin.on('error', () => undefined);
    child.once('close', (code) => {
      resolve({ code, stdout: Buffer.concat(out), stderr: Buffer.concat(errors).toString('utf8') });
    });
    child.stdin.end(input ?? '');
  });
}

/** The espeak-ng version (`1.51`), or why it cannot be run. */
export async function espeakVersion(program = 'espeak-ng'): Promise<Result<string, KitAudioBuildError>> {
  try {
    const answer = await run(program, ['--version']);
    const version = /text-to-speech:\s*(\S+)/.exec(answer.stdout.toString('utf8'))?.[1];
    if (answer.code !== 0 || version === undefined) {
      return err({ kind: 'audio-engine-missing', program, reason: answer.stderr.trim() || 'no version in its answer' });
    }
    return ok(version);
  } catch (error) {
    return err({ kind: 'audio-engine-missing', program, reason: error instanceof Error ? error.message : String(error) });
  }
}

/** One clip's bytes, tried twice (a process can fail on a loaded machine; a voice or a text that fails, fails twice). */
async function render(program: string, clip: ClipText, voice: Voice): Promise<Result<Buffer, KitAudioBuildError>> {
  const first = await renderOnce(program, clip, voice);
  return first.ok ? first : renderOnce(program, clip, voice);
}

/** One clip's bytes: espeak-ng's WAV on stdout (text on stdin, UTF-8), trimmed. */
async function renderOnce(program: string, clip: ClipText, voice: Voice): Promise<Result<Buffer, KitAudioBuildError>> {
  const failed = (reason: string) =>
    err<KitAudioBuildError>({ kind: 'audio-render-failed', language: clip.language, text: clip.text, reason });
  let answer: Run;
  try {
    answer = await run(
      program,
      ['-v', voice.voice, '-s', String(voice.speed), '-p', String(voice.pitch), '-b', '1', '--stdout', '--stdin'],
      clip.text,
    );
  } catch (error) {
    return failed(error instanceof Error ? error.message : String(error));
  }
  if (answer.code !== 0) return failed(answer.stderr.trim() || `espeak-ng exited with ${answer.code}`);
  const pcm = parseWav(answer.stdout);
  if (!pcm.ok) return failed(pcm.error);
  if (pcm.value.sampleRate !== CLIP_SAMPLE_RATE) return failed(`espeak-ng wrote ${pcm.value.sampleRate} Hz, not ${CLIP_SAMPLE_RATE}`);
  return ok(encodeWav(trimSilence(pcm.value)));
}

function cached(cacheDir: string | undefined, id: ClipId): Buffer | undefined {
  if (cacheDir === undefined) return undefined;
  const path = join(cacheDir, clipFileName(id));
  if (!existsSync(path)) return undefined;
  const bytes = readFileSync(path);
  // A cache file that is not a clip is rendered again (and replaced).
  return parseWav(bytes).ok ? bytes : undefined;
}

function writeAtomically(path: string, bytes: Buffer | string): void {
  const temporary = `${path}.${process.pid}.tmp`;
  writeFileSync(temporary, bytes);
  renameSync(temporary, path);
}

/**
 * Writes `<outDir>/audio/` (the clips and audio.json) for a station's kit and answers kit.json's
 * `audio` field. The folder must not exist yet.
 */
export async function buildKitAudio(
  outDir: string,
  election: ElectionDefinition,
  stationId: StationId,
  options: KitAudioOptions = {},
): Promise<Result<KitAudioRef, KitAudioBuildError>> {
  const program = options.espeak ?? 'espeak-ng';
  const version = await espeakVersion(program);
  if (!version.ok) return version;
  const voices = { ...DEFAULT_VOICES, ...options.voices };
  const dir = join(outDir, KIT_AUDIO_DIR);
  mkdirSync(outDir, { recursive: true });
  mkdirSync(dir);
  if (options.cacheDir !== undefined) mkdirSync(options.cacheDir, { recursive: true });

  const texts = spokenTexts(election, stationId);
  const clips: (KitAudioClip | undefined)[] = texts.map(() => undefined);
  let next = 0;
  let failure: KitAudioBuildError | undefined;
  const worker = async () => {
    while (failure === undefined && next < texts.length) {
      const index = next;
      next += 1;
      const clip = texts[index];
      if (clip === undefined) continue;
      const voice = voices[clip.language];
      const id = clipId(clip.language, clip.text, voice);
      let bytes = cached(options.cacheDir, id);
      if (bytes === undefined) {
        const rendered = await render(program, clip, voice);
        if (!rendered.ok) {
          failure = rendered.error;
          return;
        }
        bytes = rendered.value;
        if (options.cacheDir !== undefined) writeAtomically(join(options.cacheDir, clipFileName(id)), bytes);
      }
      const pcm = parseWav(bytes);
      if (!pcm.ok) {
        failure = { kind: 'audio-render-failed', language: clip.language, text: clip.text, reason: pcm.error };
        return;
      }
      writeFileSync(join(dir, clipFileName(id)), bytes, { flag: 'wx' });
      clips[index] = {
        id,
        language: clip.language,
        text: clip.text,
        sha256: sha256Hex(bytes),
        bytes: bytes.length,
        durationMs: durationMs(pcm.value),
      };
    }
  };
  const workers = Math.max(1, Math.min(options.concurrency ?? availableParallelism(), 16));
  await Promise.all(Array.from({ length: workers }, worker));
  if (failure !== undefined) return err(failure);

  const manifest: KitAudioManifest = {
    format: KIT_AUDIO_FORMAT,
    version: KIT_AUDIO_VERSION,
    engine: { name: 'espeak-ng', version: version.value },
    encoding: CLIP_ENCODING,
    voices: { fr: voices.fr, en: voices.en },
    clips: clips.filter((c): c is KitAudioClip => c !== undefined),
  };
  const json = `${JSON.stringify(manifest, null, 1)}\n`;
  writeFileSync(join(dir, KIT_AUDIO_MANIFEST), json, { flag: 'wx' });
  return ok({ dir: KIT_AUDIO_DIR, sha256: sha256Hex(Buffer.from(json, 'utf8')), clips: manifest.clips.length });
}
