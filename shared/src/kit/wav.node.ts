import { err, ok, type Result } from '../result.ts';

/**
 * The little of RIFF WAVE the kit's clips need: read a 16-bit PCM mono file (what espeak-ng
 * writes), cut the silence it leaves after the words, and write it back with a canonical
 * 44-byte header. Clips said one after another then sound like one sentence, not a list.
 */
export interface Pcm16 {
  readonly sampleRate: number;
  readonly samples: Int16Array;
}

export function parseWav(bytes: Buffer): Result<Pcm16, string> {
  if (bytes.length < 12 || bytes.toString('ascii', 0, 4) !== 'RIFF' || bytes.toString('ascii', 8, 12) !== 'WAVE') {
    return err('not a RIFF WAVE file');
  }
  let at = 12;
  let format: { channels: number; sampleRate: number; bits: number; code: number } | undefined;
  while (at + 8 <= bytes.length) {
    const id = bytes.toString('ascii', at, at + 4);
    // espeak-ng writing to a pipe leaves the sizes at 0x7fffffff: a data chunk then runs to the end.
    const declared = bytes.readUInt32LE(at + 4);
    const size = Math.min(declared, bytes.length - at - 8);
    const body = at + 8;
    if (id === 'fmt ') {
      if (size < 16) return err('the fmt chunk is too short');
      format = {
        code: bytes.readUInt16LE(body),
        channels: bytes.readUInt16LE(body + 2),
        sampleRate: bytes.readUInt32LE(body + 4),
        bits: bytes.readUInt16LE(body + 14),
      };
    } else if (id === 'data') {
      if (format === undefined) return err('the data chunk comes before the fmt chunk');
      if (format.code !== 1 || format.channels !== 1 || format.bits !== 16) {
        return err(`expected 16-bit PCM mono, found format ${format.code}, ${format.channels} channel(s), ${format.bits} bits`);
      }
      const count = Math.floor(size / 2);
      const samples = new Int16Array(count);
      for (let i = 0; i < count; i += 1) samples[i] = bytes.readInt16LE(body + 2 * i);
      return ok({ sampleRate: format.sampleRate, samples });
    }
    at = body + size + (size % 2);
  }
  return err('no data chunk');
}

/**
 * The samples from the first one above `threshold` (of 32,767) to `tailMs` after the last one
 * above it; a clip of silence only is left as it is.
 */
export function trimSilence(pcm: Pcm16, threshold = 328, tailMs = 90): Pcm16 {
  const { samples, sampleRate } = pcm;
  let first = 0;
  while (first < samples.length && Math.abs(samples[first] ?? 0) <= threshold) first += 1;
  if (first === samples.length) return pcm;
  let last = samples.length - 1;
  while (last > first && Math.abs(samples[last] ?? 0) <= threshold) last -= 1;
  const end = Math.min(samples.length, last + 1 + Math.round((tailMs / 1000) * sampleRate));
  return { sampleRate, samples: samples.slice(first, end) };
}

/** A 16-bit PCM mono WAVE file with the canonical 44-byte header. */
export function encodeWav(pcm: Pcm16): Buffer {
  const data = pcm.samples.length * 2;
  const out = Buffer.alloc(44 + data);
  out.write('RIFF', 0, 'ascii');
  out.writeUInt32LE(36 + data, 4);
  out.write('WAVE', 8, 'ascii');
  out.write('fmt ', 12, 'ascii');
  out.writeUInt32LE(16, 16);
  out.writeUInt16LE(1, 20);
  out.writeUInt16LE(1, 22);
  out.writeUInt32LE(pcm.sampleRate, 24);
  out.writeUInt32LE(pcm.sampleRate * 2, 28);
  out.writeUInt16LE(2, 32);
  out.writeUInt16LE(16, 34);
  out.write('data', 36, 'ascii');
  out.writeUInt32LE(data, 40);
  pcm.samples.forEach((s, i) => out.writeInt16LE(s, 44 + 2 * i));
  return out;
}

export function durationMs(pcm: Pcm16): number {
  return Math.max(1, Math.round((pcm.samples.length * 1000) / pcm.sampleRate));
}
