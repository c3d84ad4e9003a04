import { closeSync, openSync, rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import {
  createCredentialHasher,
  createVoterCodeGenerator,
  formatNas,
  formatVoterCode,
  syntheticNas,
  type ElectionId,
  type RidingCode,
  type Sha256Hex,
  type StationId,
  type CredentialHasher,
  type Kdf,
  type VoterCode,
} from '@scrutin/shared/node';
import { cardsFileOf, CARDS_HEADER, shardFileOf } from './manifest.ts';
import { SHARD_FORMAT_VERSION, ShardWriter } from './shard.ts';

/**
 * The credentials of one station: its voters get consecutive synthetic NAS serials from
 * `firstSerial` and fresh random codes. Writes the station's shard and cards file and hands
 * the central rows (`hash,station\n`) to `central`, a chunk at a time, so memory stays
 * bounded however large the station.
 */
export interface StationJob {
  readonly index: number;
  readonly id: StationId;
  readonly riding: RidingCode;
  readonly voters: number;
  readonly firstSerial: number;
}

export interface StationResult {
  readonly index: number;
  readonly id: StationId;
  readonly voters: number;
  readonly shardSha256: Sha256Hex;
}

export interface StationContext {
  readonly electionId: ElectionId;
  /** The election's credential KDF (kdfOf(definition)). */
  readonly kdf: Kdf;
  readonly outDir: string;
  /** Write the station's printable cards file (false: no card is written anywhere). */
  readonly writeCards: boolean;
  /** See IN_MEMORY_SHARD_VOTERS; tests lower it to cover the in-file path. */
  readonly inMemoryShardVoters?: number;
}

/** Voters per chunk: rows per central message, per cards write, per sorted insert run. */
export const CHUNK_VOTERS = 4096;

/**
 * A writer of station credentials for one thread: the hasher and the random code generator
 * (which draws random bytes in blocks) are made once and serve every station.
 */
export function stationCredentialsWriter(
  context: StationContext,
): (job: StationJob, central: (rows: Buffer) => Promise<void>) => Promise<StationResult> {
  const hasher = createCredentialHasher(context.electionId, context.kdf);
  const nextCode = createVoterCodeGenerator();
  return (job, central) => writeStation(context, hasher, nextCode, job, central);
}

async function writeStation(
  context: StationContext,
  hasher: CredentialHasher,
  nextCode: () => VoterCode,
  job: StationJob,
  central: (rows: Buffer) => Promise<void>,
): Promise<StationResult> {
  const shardPath = join(context.outDir, shardFileOf(job.id));
  const cardsPath = join(context.outDir, cardsFileOf(job.id));
  const suffix = `,${job.id},${job.riding}\n`;
  const centralSuffix = `,${job.id}\n`;

  // Cards are secret until printed: readable by the generating user only.
  const cards = context.writeCards ? openSync(cardsPath, 'wx', 0o600) : undefined;
  let shard: ShardWriter | undefined;
  try {
    if (cards !== undefined) writeAll(cards, Buffer.from(CARDS_HEADER, 'latin1'));
    shard = new ShardWriter(
      shardPath,
      {
        formatVersion: SHARD_FORMAT_VERSION,
        electionId: context.electionId,
        stationId: job.id,
        riding: job.riding,
        voterCount: job.voters,
      },
      { inMemoryUpTo: context.inMemoryShardVoters },
    );
    for (let start = 0; start < job.voters; start += CHUNK_VOTERS) {
      const size = Math.min(CHUNK_VOTERS, job.voters - start);
      const digests = new Array<Buffer>(size);
      let cardLines = '';
      let centralLines = '';
      for (let k = 0; k < size; k += 1) {
        const nas = syntheticNas(job.firstSerial + start + k);
        const code = nextCode();
        const digest = hasher.digest(nas, code);
        digests[k] = digest;
        if (cards !== undefined) cardLines += `${formatNas(nas)},${formatVoterCode(code)}${suffix}`;
        centralLines += `${digest.toString('hex')}${centralSuffix}`;
      }
      shard.add(sortedByKey(digests));
      if (cards !== undefined) writeAll(cards, Buffer.from(cardLines, 'latin1'));
      await central(ownBuffer(centralLines));
    }
    const shardSha256 = shard.finish();
    shard = undefined;
    return { index: job.index, id: job.id, voters: job.voters, shardSha256 };
  } catch (error) {
    shard?.abort();
    rmSync(shardPath, { force: true });
    throw error;
  } finally {
    if (cards !== undefined) closeSync(cards);
  }
}

/**
 * The digests in ascending byte order, so the shard's B-tree is filled page by page. Sorts
 * numbers (the first 32 bits, then the position) rather than calling Buffer.compare
 * n·log n times; the order among digests sharing their first 32 bits does not matter.
 */
function sortedByKey(digests: readonly Buffer[]): Buffer[] {
  const keys = new Float64Array(digests.length);
  for (let i = 0; i < digests.length; i += 1) keys[i] = (digests[i] as Buffer).readUInt32BE(0) * CHUNK_VOTERS + i;
  keys.sort();
  return Array.from(keys, (key) => digests[key % CHUNK_VOTERS] as Buffer);
}

/** Latin-1 bytes in an ArrayBuffer of their own (not Node's shared pool): transferable. */
function ownBuffer(text: string): Buffer {
  const bytes = Buffer.allocUnsafeSlow(text.length);
  bytes.write(text, 0, text.length, 'latin1');
  return bytes;
}

function writeAll(fd: number, bytes: Buffer): void {
  let offset = 0;
  while (offset < bytes.length) offset += writeSync(fd, bytes, offset, bytes.length - offset);
}
