import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sha256Hex } from '../crypto/hash.node.ts';
import type { ElectionDefinition } from '../election/definition.ts';
import { parseElection } from '../election/election.ts';
import { sampleElection, sampleElectionJson } from '../election/fixtures/sample_election.ts';
import { StationIdSchema, type StationId } from '../ids.ts';
import { unwrap } from '../result.ts';
import { spokenTexts } from '../voter_text/spoken_texts.ts';
import { KIT_AUDIO_MANIFEST, KitAudioManifestSchema, clipFileName, type KitAudioManifest, type KitAudioRef } from './kit_audio.ts';
import { buildKitAudio, clipId } from './kit_audio_build.node.ts';
import { checkKitAudio } from './kit_audio_read.node.ts';

/**
 * The sample election's audio, rendered for real with espeak-ng (Debian's `espeak-ng`) and
 * measured with sox (`sox`): one station of each of its six ridings, so every candidate,
 * party, riding and station of the election is said, and the catalogue once (the clip cache is
 * shared, as centrally for the stations of one election).
 */
const temporary: string[] = [];
const tempDir = (prefix: string) => {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  temporary.push(dir);
  return dir;
};

const election = sampleElection();
/** The first station of each riding. */
const STATIONS: readonly StationId[] = election.ridings.map((r) => {
  const station = election.stations.find((s) => s.riding === r.code);
  if (station === undefined) throw new Error(`no station in ${r.code}`);
  return station.id;
});
const RANKED_STATION = StationIdSchema.parse('ST-00007');

interface Built {
  readonly dir: string;
  readonly ref: KitAudioRef;
  readonly manifest: KitAudioManifest;
}
const kits = new Map<StationId, Built>();
let cache: string;

async function build(definition: ElectionDefinition, station: StationId): Promise<Built> {
  const dir = tempDir('scrutin-kit-audio-');
  const ref = unwrap(await buildKitAudio(dir, definition, station, { cacheDir: cache }));
  const manifest = KitAudioManifestSchema.parse(JSON.parse(readFileSync(join(dir, 'audio', KIT_AUDIO_MANIFEST), 'utf8')));
  return { dir, ref, manifest };
}

beforeAll(async () => {
  cache = tempDir('scrutin-clip-cache-');
  for (const station of STATIONS) kits.set(station, await build(election, station));
}, 240_000);

afterAll(() => {
  for (const dir of temporary.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function kit(station: StationId): Built {
  const built = kits.get(station);
  if (built === undefined) throw new Error(`no kit for ${station}`);
  return built;
}

/** What sox says of a clip: its length in seconds, RMS and maximum amplitude (of 1). */
function measure(path: string): { readonly seconds: number; readonly rms: number; readonly max: number } {
  // `sox FILE -n stat` prints its statistics on stderr.
  const run = spawnSync('sox', [path, '-n', 'stat'], { encoding: 'utf8' });
  if (run.status !== 0) throw new Error(`sox could not read ${path}: ${run.stderr}`);
  const value = (label: string) => {
    const match = new RegExp(`^${label}:\\s+(-?[0-9.]+)`, 'm').exec(run.stderr);
    if (match?.[1] === undefined) throw new Error(`sox did not report ${label} for ${path}`);
    return Number(match[1]);
  };
  return { seconds: value('Length \\(seconds\\)'), rms: value('RMS\\s+amplitude'), max: value('Maximum amplitude') };
}

describe('the audio ballot of the sample election', () => {
  it('has a clip for every text each station can say, listed with its SHA-256 and checked', () => {
    for (const station of STATIONS) {
      const { dir, ref, manifest } = kit(station);
      const texts = spokenTexts(election, station);
      expect(manifest.clips.map((c) => `${c.language}:${c.text}`)).toEqual(texts.map((t) => `${t.language}:${t.text}`));
      expect(ref.clips).toBe(texts.length);
      for (const clip of manifest.clips) {
        const bytes = readFileSync(join(dir, 'audio', clipFileName(clip.id)));
        expect(sha256Hex(bytes)).toBe(clip.sha256);
        expect(clip.id).toBe(clipId(clip.language, clip.text, manifest.voices[clip.language]));
      }
      expect(checkKitAudio(join(dir, 'audio'), ref)).toMatchObject({ ok: true });
    }
  });

  it('says something in every clip, for a sane time (sox)', () => {
    const seen = new Map<string, string>();
    for (const station of STATIONS) {
      const { dir, manifest } = kit(station);
      for (const clip of manifest.clips) seen.set(clip.id, join(dir, 'audio', clipFileName(clip.id)));
    }
    const problems: string[] = [];
    for (const [id, path] of seen) {
      const m = measure(path);
      if (!(m.seconds >= 0.2 && m.seconds <= 15)) problems.push(`${id}: ${m.seconds} s`);
      if (!(m.rms > 0.02 && m.max > 0.1)) problems.push(`${id}: RMS ${m.rms}, maximum ${m.max}`);
    }
    expect(problems).toEqual([]);
    // One station's kit holds the catalogue once per language; the six together, every candidate of the election.
    expect(seen.size).toBeGreaterThan(kit(RANKED_STATION).manifest.clips.length);
  });

  it('changes exactly a renamed candidate’s clips when the definition changes', async () => {
    const json = sampleElectionJson() as { contests: { id: string; candidates?: { name: string }[] }[] };
    const candidate = json.contests.find((c) => c.id === 'DEP-MONTREAL-CENTRE')?.candidates?.find((c) => c.name === 'Ruba Haddad');
    if (candidate === undefined) throw new Error('the sample election has changed');
    candidate.name = 'Ruba Haddad-Lévesque';
    const renamed = await build(unwrap(parseElection(json)), RANKED_STATION);
    const before = new Map(kit(RANKED_STATION).manifest.clips.map((c) => [c.id, `${c.language}:${c.text}`]));
    const after = new Map(renamed.manifest.clips.map((c) => [c.id, `${c.language}:${c.text}`]));
    expect([...before].filter(([id]) => !after.has(id)).map(([, t]) => t)).toEqual(
      expect.arrayContaining(['fr:Ruba Haddad', 'en:Ruba Haddad']) as unknown,
    );
    expect([...before].filter(([id]) => !after.has(id))).toHaveLength(2);
    expect(
      [...after]
        .filter(([id]) => !before.has(id))
        .map(([, t]) => t)
        .sort(),
    ).toEqual(['en:Ruba Haddad-Lévesque', 'fr:Ruba Haddad-Lévesque']);
    // Every other clip is the same file, byte for byte.
    const bytesOf = (b: Built) => new Map(b.manifest.clips.map((c) => [c.id, c.sha256]));
    const old = bytesOf(kit(RANKED_STATION));
    for (const [id, sha] of bytesOf(renamed)) if (old.has(id)) expect(sha).toBe(old.get(id));
  });

  it('refuses a changed clip, a missing clip, a relabelled clip and a changed manifest', () => {
    const { dir, ref, manifest } = kit(RANKED_STATION);
    const copy = () => {
      const target = join(tempDir('scrutin-kit-audio-copy-'), 'audio');
      cpSync(join(dir, 'audio'), target, { recursive: true });
      return target;
    };
    const [first, second] = manifest.clips;
    if (first === undefined || second === undefined) throw new Error('no clips');

    const changed = copy();
    const bytes = readFileSync(join(changed, clipFileName(first.id)));
    bytes[bytes.length - 1] = (bytes[bytes.length - 1] ?? 0) ^ 0xff;
    writeFileSync(join(changed, clipFileName(first.id)), bytes);
    expect(checkKitAudio(changed, ref)).toMatchObject({
      ok: false,
      error: { kind: 'kit-audio-tampered', file: clipFileName(first.id), expected: first.sha256 },
    });

    const missing = copy();
    rmSync(join(missing, clipFileName(second.id)));
    expect(checkKitAudio(missing, ref)).toMatchObject({ ok: false, error: { kind: 'kit-audio-invalid' } });

    // Swapping two clips' words in the manifest (and saying so in kit.json) is still refused: ids are made of the words.
    const relabelled = copy();
    const swapped = {
      ...manifest,
      clips: manifest.clips.map((c, i) => (i === 0 ? { ...c, text: second.text } : i === 1 ? { ...c, text: first.text } : c)),
    };
    const json = `${JSON.stringify(swapped)}\n`;
    writeFileSync(join(relabelled, KIT_AUDIO_MANIFEST), json);
    expect(checkKitAudio(relabelled, { ...ref, sha256: sha256Hex(Buffer.from(json)) })).toMatchObject({
      ok: false,
      error: { kind: 'kit-audio-invalid' },
    });

    const edited = copy();
    writeFileSync(join(edited, KIT_AUDIO_MANIFEST), json);
    expect(checkKitAudio(edited, ref)).toMatchObject({ ok: false, error: { kind: 'kit-audio-tampered', file: KIT_AUDIO_MANIFEST } });
    expect(statSync(join(dir, 'audio', KIT_AUDIO_MANIFEST)).isFile()).toBe(true);
  });
});
