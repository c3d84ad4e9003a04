import { z } from 'zod';
import { LanguageSchema, type Language } from '../election/definition.ts';
import { Sha256HexSchema } from '../ids.ts';

/**
 * The audio of a station kit (docs/station-kit.md, "The audio folder"): a clip for every text
 * the kiosk's audio ballot can say (shared/src/voter_text/spoken_texts.ts), rendered when the
 * kit is built (kit_audio_build.node.ts) and verified when it is loaded (kit_audio_read.node.ts).
 *
 * ```
 * audio/audio.json     this manifest: the voices, and each clip's text, language and SHA-256
 * audio/<id>.wav       one clip: 16-bit PCM, mono, 22,050 Hz
 * ```
 *
 * A clip's id is the tagged SHA-256 of its text, its language and the voice that said it
 * (`clipId`), so the same words in the same voice are the same clip in every kit, and a changed
 * election definition changes exactly its own clips. kit.json names the manifest and its
 * SHA-256 (`audio`), the manifest names each clip's SHA-256: a changed clip refuses the kit.
 */
export const KIT_AUDIO_DIR = 'audio';
export const KIT_AUDIO_MANIFEST = 'audio.json';
export const KIT_AUDIO_FORMAT = 'scrutin/kit-audio';
export const KIT_AUDIO_VERSION = 1;
/** The tag of clip ids (see clipId in kit_audio_build.node.ts). */
export const CLIP_ID_TAG = 'scrutin/audio-clip/v1';
/** Every clip: RIFF WAVE, PCM, signed 16-bit little-endian, one channel, 22,050 samples a second (espeak-ng's own). */
export const CLIP_ENCODING = 'wav/pcm-s16le/mono/22050';
export const CLIP_SAMPLE_RATE = 22_050;

/** An espeak-ng voice: its name (`fr-fr`, `en-us`), speed in words a minute and pitch (0–99). */
export const VoiceSchema = z.object({
  engine: z.literal('espeak-ng'),
  voice: z.string().regex(/^[a-z]{2,3}(-[a-z0-9]+)*$/, 'an espeak-ng voice name such as fr-fr'),
  speed: z.int().min(80).max(450),
  pitch: z.int().min(0).max(99),
});
export type Voice = z.infer<typeof VoiceSchema>;

/** The voices of the kiosk: Metropolitan French and North American English, a little slower than espeak-ng's 175 words a minute. */
export const DEFAULT_VOICES: Readonly<Record<Language, Voice>> = {
  fr: { engine: 'espeak-ng', voice: 'fr-fr', speed: 160, pitch: 50 },
  en: { engine: 'espeak-ng', voice: 'en-us', speed: 160, pitch: 50 },
};

export const ClipIdSchema = z
  .string()
  .regex(/^[0-9a-f]{64}$/, 'a clip id is 64 lower-case hex digits')
  .brand<'ClipId'>();
export type ClipId = z.infer<typeof ClipIdSchema>;

export const KitAudioClipSchema = z.object({
  id: ClipIdSchema,
  language: LanguageSchema,
  /** The words of the clip, as the kiosk looks them up (clipText of shared/src/voter_text/speech.ts). */
  text: z.string().min(1).max(600),
  sha256: Sha256HexSchema,
  bytes: z.int().positive(),
  durationMs: z.int().positive(),
});
export type KitAudioClip = z.infer<typeof KitAudioClipSchema>;

export const KitAudioManifestSchema = z
  .object({
    format: z.literal(KIT_AUDIO_FORMAT),
    version: z.literal(KIT_AUDIO_VERSION),
    /** The engine that rendered the clips (its version is not part of the ids). */
    engine: z.object({ name: z.literal('espeak-ng'), version: z.string().min(1).max(64) }),
    encoding: z.literal(CLIP_ENCODING),
    voices: z.object({ fr: VoiceSchema, en: VoiceSchema }),
    clips: z.array(KitAudioClipSchema).max(100_000),
  })
  .superRefine((manifest, ctx) => {
    const ids = new Set<string>();
    const texts = new Set<string>();
    manifest.clips.forEach((clip, i) => {
      if (ids.has(clip.id)) ctx.addIssue({ code: 'custom', path: ['clips', i, 'id'], message: `clip ${clip.id} is listed twice` });
      const key = `${clip.language}\u0000${clip.text}`;
      if (texts.has(key)) ctx.addIssue({ code: 'custom', path: ['clips', i, 'text'], message: `two clips say “${clip.text}”` });
      ids.add(clip.id);
      texts.add(key);
    });
  });
export type KitAudioManifest = z.infer<typeof KitAudioManifestSchema>;

/** A clip's file in the audio folder. */
export function clipFileName(id: ClipId): string {
  return `${id}.wav`;
}

/** kit.json's `audio` field: the audio folder, the SHA-256 of its manifest and how many clips it lists. */
export const KitAudioRefSchema = z.object({
  dir: z.literal(KIT_AUDIO_DIR),
  sha256: Sha256HexSchema,
  clips: z.int().nonnegative(),
});
export type KitAudioRef = z.infer<typeof KitAudioRefSchema>;
