/**
 * Rendering the audio ballot into station kits with espeak-ng (figures printed, not asserted):
 * one station of each riding of the sample election, the first with an empty clip cache, the
 * others reusing it as the stations of one election do; then loading a kit with audio into a
 * station's data folder (copy and check of every clip). BENCH_AUDIO_CONCURRENCY sets the
 * espeak-ng processes at once (default: the cores).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { sampleElection, unwrap } from '@scrutin/shared';
import { buildKitAudio, espeakVersion, readKitAudioManifest, stageKitAudio } from '@scrutin/shared/kit';

export async function benchKitAudio(): Promise<void> {
  const version = unwrap(await espeakVersion());
  const concurrency = Number(process.env.BENCH_AUDIO_CONCURRENCY ?? availableParallelism());
  const dir = mkdtempSync(join(tmpdir(), 'scrutin-bench-audio-'));
  try {
    const election = sampleElection();
    const cacheDir = join(dir, 'cache');
    const stations = election.ridings.flatMap((r) =>
      election.stations
        .filter((s) => s.riding === r.code)
        .slice(0, 1)
        .map((s) => s.id),
    );
    const distinct = new Set<string>();
    for (const [i, station] of stations.entries()) {
      const start = performance.now();
      const outDir = join(dir, `kit-${station}`);
      const ref = unwrap(await buildKitAudio(outDir, election, station, { cacheDir, concurrency }));
      const seconds = (performance.now() - start) / 1000;
      const manifest = unwrap(readKitAudioManifest(join(outDir, ref.dir)));
      const clips = manifest?.clips ?? [];
      for (const c of clips) distinct.add(c.id);
      const bytes = clips.reduce((n, c) => n + c.bytes, 0);
      const audioSeconds = clips.reduce((n, c) => n + c.durationMs, 0) / 1000;
      console.log(
        JSON.stringify({
          bench: 'kit-audio',
          engine: `espeak-ng ${version}`,
          station,
          cache: i === 0 ? 'empty' : 'warm',
          concurrency,
          clips: clips.length,
          megabytes: Math.round(bytes / 1e4) / 100,
          audioMinutes: Math.round(audioSeconds / 6) / 10,
          seconds: Math.round(seconds * 100) / 100,
        }),
      );
      if (i === 0) {
        const load = performance.now();
        const staged = unwrap(stageKitAudio(outDir, ref, join(dir, 'station', 'audio')));
        console.log(
          JSON.stringify({
            bench: 'kit-audio-load',
            clips: clips.length,
            seconds: Math.round((performance.now() - load) / 10) / 100,
            staged: staged !== '',
          }),
        );
      }
    }
    console.log(JSON.stringify({ bench: 'kit-audio-election', stations: stations.length, distinctClips: distinct.size }));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
