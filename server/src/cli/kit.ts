import { createPublicKey } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { InvalidArgumentError, type Command } from 'commander';
import {
  PublicKeySchema,
  StationIdSchema,
  buildStationKit,
  describeIssues,
  describeKitBuildError,
  parseElection,
  publicKeyOf,
  type PublicKey,
  type Result,
  type StationId,
} from '@scrutin/shared/node';

/**
 * `scrutin kit build`: a station kit folder for one station (docs/station-kit.md), from the
 * election definition and the output of `scrutin credentials generate`.
 */
interface BuildOptions {
  readonly election: string;
  readonly credentials: string;
  readonly station: StationId;
  readonly centralUrl: string;
  readonly centralKey: string;
  readonly pollWorker: readonly { readonly name: string; readonly pin: string }[];
  readonly out: string;
  readonly ridingIndex: boolean;
  readonly audio: boolean;
  readonly clipCache?: string;
}

export function registerKit(program: Command): void {
  const kit = program.command('kit').description('Station kits: what a polling station needs to run the election offline.');
  kit
    .command('build')
    .description(
      'build the kit folder of one station: kit.json, its credential shard, the riding index of the other stations of its riding and the audio ballot',
    )
    .requiredOption('--election <file>', 'election definition (JSON)')
    .requiredOption('--credentials <dir>', 'output folder of `scrutin credentials generate` (manifest.json, shards/)')
    .requiredOption('--station <id>', 'the station, e.g. ST-00016', stationId)
    .requiredOption('--central-url <url>', "the central server's base URL, e.g. https://central.example.org")
    .requiredOption('--central-key <key>', 'the central receipt public key (base64, as served at /api/v1/central-key) or a PEM key file')
    .requiredOption(
      '--poll-worker <name:pin>',
      'a poll worker and their PIN (6 to 12 digits); repeat for each (at least two)',
      pollWorker,
      [],
    )
    .requiredOption('--out <dir>', 'the kit folder to write (new or empty)')
    .option('--no-riding-index', 'leave out the riding index (the station then cannot tell a voter which other station is theirs)')
    .option('--no-audio', 'leave out the audio ballot (its clips are rendered with espeak-ng, which must be installed otherwise)')
    .option(
      '--clip-cache <dir>',
      'a folder of clips from earlier builds, reused by what they say (the stations of one election share most of theirs)',
    )
    .action(async (options: BuildOptions) => {
      let json: unknown;
      try {
        json = JSON.parse(readFileSync(options.election, 'utf8'));
      } catch (error) {
        fail(`cannot read the election definition ${options.election}: ${error instanceof Error ? error.message : String(error)}`);
        return;
      }
      const election = parseElection(json);
      if (!election.ok) {
        fail(`${options.election} is not a valid election definition:\n${describeIssues(election.error)}`);
        return;
      }
      const key = centralKey(options.centralKey);
      if (!key.ok) {
        fail(key.error);
        return;
      }
      const built = await buildStationKit({
        outDir: options.out,
        election: election.value,
        stationId: options.station,
        credentials: { kind: 'directory', dir: options.credentials },
        centralUrl: options.centralUrl,
        centralPublicKey: key.value,
        pollWorkers: options.pollWorker,
        ridingIndex: options.ridingIndex,
        ...(options.audio ? { audio: options.clipCache === undefined ? {} : { cacheDir: options.clipCache } } : {}),
      });
      if (!built.ok) {
        fail(describeKitBuildError(built.error));
        return;
      }
      const { kit } = built.value;
      const index =
        kit.ridingIndex === undefined
          ? 'no riding index'
          : `riding index of ${kit.ridingIndex.stations} other station(s), ${kit.ridingIndex.voters} voters`;
      const audio = kit.audio === undefined ? 'no audio ballot' : `audio ballot of ${kit.audio.clips} clips`;
      console.log(
        `wrote the kit of station ${kit.stationId} (${kit.riding}, ${kit.shard.voters} voters, ${kit.pollWorkers.length} poll workers, ${index}, ${audio}) to ${options.out}`,
      );
    });
}

function stationId(value: string): StationId {
  const parsed = StationIdSchema.safeParse(value.trim());
  if (!parsed.success) throw new InvalidArgumentError('a station id looks like ST-00042');
  return parsed.data;
}

function pollWorker(
  value: string,
  previous: readonly { readonly name: string; readonly pin: string }[],
): { readonly name: string; readonly pin: string }[] {
  const at = value.lastIndexOf(':');
  if (at <= 0) throw new InvalidArgumentError('expected NAME:PIN');
  const name = value.slice(0, at).trim();
  const pin = value.slice(at + 1).trim();
  if (!/^[0-9]{6,12}$/.test(pin)) throw new InvalidArgumentError(`the PIN of ${name} must be 6 to 12 digits`);
  return [...previous, { name, pin }];
}

/** A base64 public key, or a PEM file holding the central key (private or public). */
function centralKey(value: string): Result<PublicKey, string> {
  const direct = PublicKeySchema.safeParse(value.trim());
  if (direct.success) return { ok: true, value: direct.data };
  let pem: string;
  try {
    pem = readFileSync(value, 'utf8');
  } catch {
    return { ok: false, error: '--central-key is neither a base64 Ed25519 public key nor a readable PEM file' };
  }
  try {
    if (pem.includes('PRIVATE KEY')) return { ok: true, value: publicKeyOf(pem) };
    const jwk = createPublicKey(pem).export({ format: 'jwk' });
    const parsed = PublicKeySchema.safeParse(Buffer.from(jwk.x ?? '', 'base64url').toString('base64'));
    return parsed.success ? { ok: true, value: parsed.data } : { ok: false, error: `${value} does not hold an Ed25519 key` };
  } catch (error) {
    return { ok: false, error: `${value} does not hold an Ed25519 key: ${error instanceof Error ? error.message : String(error)}` };
  }
}

function fail(message: string): void {
  process.stderr.write(`error: ${message}\n`);
  process.exitCode = 1;
}
