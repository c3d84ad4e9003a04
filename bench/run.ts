/**
 * `npm run bench [-- name ...]`: runs the benchmarks, each printing its figures as JSON lines
 * on stdout. Targets are stated in each benchmark and in docs/development.md; they are
 * measured here, never asserted in timed unit tests.
 */
import { benchCredentials } from './credentials.ts';
import { benchGauges } from './gauges.ts';
import { benchIrv } from './irv.ts';
import { benchKdf } from './kdf.ts';
import { benchKitAudio } from './kit_audio.ts';
import { benchMachine } from './machine.ts';
import { benchNational } from './national.ts';
import { benchSse } from './sse.ts';
import { benchStation } from './station.ts';
import { benchSync } from './sync.ts';
import { benchCredentialLoad, benchPipeline } from './pipeline.ts';
import { benchPipelineParts } from './pipeline_parts.ts';

const benches: Record<string, () => Promise<void>> = {
  machine: benchMachine,
  irv: benchIrv,
  kdf: benchKdf,
  credentials: benchCredentials,
  pipeline: benchPipeline,
  'pipeline-parts': benchPipelineParts,
  'credential-load': benchCredentialLoad,
  station: benchStation,
  'station-sync': benchSync,
  'kit-audio': benchKitAudio,
  sse: benchSse,
  national: benchNational,
  gauges: benchGauges,
};

const wanted = process.argv.slice(2);
const unknown = wanted.filter((name) => !(name in benches));
if (unknown.length > 0) {
  console.error(`unknown benchmark(s): ${unknown.join(', ')}; known: ${Object.keys(benches).join(', ')}`);
  process.exit(2);
}
for (const [name, run] of Object.entries(benches)) {
  if (wanted.length === 0 || wanted.includes(name)) await run();
}
