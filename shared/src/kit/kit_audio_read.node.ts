import { mkdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { sha256Hex, sha256OfFile } from '../crypto/hash.node.ts';
import type { Sha256Hex } from '../ids.ts';
import { err, ok, type Result } from '../result.ts';
import { issuesOf } from '../validation.ts';
import { clipId } from './kit_audio_build.node.ts';
import {
  KIT_AUDIO_DIR,
  KIT_AUDIO_MANIFEST,
  KitAudioManifestSchema,
  clipFileName,
  type KitAudioManifest,
  type KitAudioRef,
} from './kit_audio.ts';
import { KIT_FILE_MAX_BYTES, type KitError } from './station_kit.ts';
import { copyFileNoFollow, readFileNoFollow } from './no_follow.node.ts';

/**
 * Checking a kit's audio folder, and the station's verified copy of it. The chain is kit.json →
 * the SHA-256 of audio.json → the SHA-256 of each clip, and each clip's id is recomputed from
 * its text, language and voice: a clip changed, swapped, missing or relabelled refuses the kit
 * (`kit-audio-tampered`, `kit-audio-invalid`), as a changed shard does.
 */
const invalid = (reason: string) => err<KitError>({ kind: 'kit-audio-invalid', reason });

/** Reads and checks the audio folder `dir` against kit.json's `audio` field: the manifest, then every clip it lists. */
export function checkKitAudio(dir: string, ref: KitAudioRef): Result<KitAudioManifest, KitError> {
  const manifestPath = join(dir, KIT_AUDIO_MANIFEST);
  let bytes: Buffer;
  try {
    const read = readFileNoFollow(manifestPath, KIT_FILE_MAX_BYTES);
    if (!read.ok)
      return err({
        kind: 'kit-unsafe',
        reason: 'too-large',
        file: `${KIT_AUDIO_DIR}/${KIT_AUDIO_MANIFEST}`,
        maxBytes: read.error.maxBytes,
      });
    bytes = read.value;
  } catch (error) {
    return invalid(`${KIT_AUDIO_MANIFEST} cannot be read: ${error instanceof Error ? error.message : String(error)}`);
  }
  const actual = sha256Hex(bytes);
  if (actual !== ref.sha256) return err({ kind: 'kit-audio-tampered', file: KIT_AUDIO_MANIFEST, expected: ref.sha256, actual });
  let json: unknown;
  try {
    json = JSON.parse(bytes.toString('utf8'));
  } catch {
    return invalid(`${KIT_AUDIO_MANIFEST} is not JSON`);
  }
  const parsed = KitAudioManifestSchema.safeParse(json);
  if (!parsed.success) {
    return invalid(
      issuesOf(parsed.error)
        .slice(0, 5)
        .map((i) => `${i.path}: ${i.message}`)
        .join('; '),
    );
  }
  const manifest = parsed.data;
  if (manifest.clips.length !== ref.clips) return invalid(`the manifest lists ${manifest.clips.length} clips, kit.json says ${ref.clips}`);
  for (const clip of manifest.clips) {
    if (clipId(clip.language, clip.text, manifest.voices[clip.language]) !== clip.id) {
      return invalid(`clip ${clip.id} is not the clip of “${clip.text}” (${clip.language})`);
    }
    const file = clipFileName(clip.id);
    let sha: Sha256Hex;
    try {
      sha = sha256OfFile(join(dir, file));
    } catch {
      return invalid(`clip ${file} is missing`);
    }
    if (sha !== clip.sha256) return err({ kind: 'kit-audio-tampered', file, expected: clip.sha256, actual: sha });
  }
  return ok(manifest);
}

/**
 * Copies the kit's audio folder (the manifest and the clips it lists, nothing else) to
 * `<target>.incoming` and checks the copy; `commitKitAudio` then puts it in place. What is
 * checked is what is used.
 */
export function stageKitAudio(kitDir: string, ref: KitAudioRef, target: string): Result<string, KitError> {
  const incoming = `${target}.incoming`;
  rmSync(incoming, { recursive: true, force: true });
  const source = join(kitDir, ref.dir);
  const listed = checkKitAudio(source, ref);
  if (!listed.ok) return listed;
  try {
    mkdirSync(incoming, { recursive: true });
    copyFileNoFollow(join(source, KIT_AUDIO_MANIFEST), join(incoming, KIT_AUDIO_MANIFEST));
    for (const clip of listed.value.clips) copyFileNoFollow(join(source, clipFileName(clip.id)), join(incoming, clipFileName(clip.id)));
  } catch (error) {
    rmSync(incoming, { recursive: true, force: true });
    return err({ kind: 'kit-unreadable', path: source, reason: error instanceof Error ? error.message : String(error) });
  }
  const checked = checkKitAudio(incoming, ref);
  if (!checked.ok) {
    rmSync(incoming, { recursive: true, force: true });
    return checked;
  }
  return ok(incoming);
}

/** Replaces `target` with the checked copy (`staged`), or removes it (a kit without audio). */
export function commitKitAudio(staged: string | undefined, target: string): void {
  const old = `${target}.old`;
  rmSync(old, { recursive: true, force: true });
  try {
    renameSync(target, old);
  } catch {
    // No audio before.
  }
  if (staged !== undefined) renameSync(staged, target);
  rmSync(old, { recursive: true, force: true });
}

/** The station's copy of the audio manifest (checked when the kit was loaded), or undefined when the kit had none. */
export function readKitAudioManifest(dir: string): Result<KitAudioManifest | undefined, string> {
  let bytes: Buffer;
  try {
    bytes = readFileSync(join(dir, KIT_AUDIO_MANIFEST));
  } catch {
    return ok(undefined);
  }
  try {
    const parsed = KitAudioManifestSchema.safeParse(JSON.parse(bytes.toString('utf8')));
    return parsed.success ? ok(parsed.data) : err(`${KIT_AUDIO_MANIFEST} does not follow its schema`);
  } catch {
    return err(`${KIT_AUDIO_MANIFEST} is not JSON`);
  }
}
