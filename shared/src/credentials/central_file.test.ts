import { describe, expect, it } from 'vitest';
import { centralFileSlices, describeCentralFileError, type CentralEntry, type CentralFileError } from './central_file.ts';
import type { Result } from '../result.ts';

const hash = (i: number) => i.toString(16).padStart(64, '0');

async function collect(text: string | readonly string[], size: number): Promise<Result<readonly CentralEntry[], CentralFileError>[]> {
  const parts = typeof text === 'string' ? [text] : text;
  const encoder = new TextEncoder();
  // A Web stream, as the console's File.stream() gives.
  const stream = new ReadableStream<Uint8Array>({
    start(controller) {
      for (const part of parts) controller.enqueue(encoder.encode(part));
      controller.close();
    },
  });
  const out: Result<readonly CentralEntry[], CentralFileError>[] = [];
  for await (const slice of centralFileSlices(stream, size)) out.push(slice);
  return out;
}

describe('reading central.csv in slices', () => {
  it('gives every row once, in slices of at most the size, across chunk boundaries', async () => {
    const rows = Array.from({ length: 25 }, (_, i) => `${hash(i)},ST-0000${(i % 3) + 1}`);
    const text = `credential_hash,station_id\n${rows.join('\n')}\n`;
    // Chunks cut anywhere, even inside a row.
    const parts = Array.from({ length: Math.ceil(text.length / 37) }, (_, i) => text.slice(i * 37, (i + 1) * 37));
    const slices = await collect(parts, 10);
    expect(slices.map((s) => (s.ok ? s.value.length : -1))).toEqual([10, 10, 5]);
    const entries = slices.flatMap((s) => (s.ok ? s.value : []));
    expect(entries.map((e) => `${e.credentialHash},${e.station}`)).toEqual(rows);
  });

  it('accepts CRLF line ends and a missing final newline', async () => {
    const slices = await collect(`credential_hash,station_id\r\n${hash(1)},ST-00001\r\n${hash(2)},ST-00002`, 50);
    expect(slices).toEqual([
      {
        ok: true,
        value: [
          { credentialHash: hash(1), station: 'ST-00001' },
          { credentialHash: hash(2), station: 'ST-00002' },
        ],
      },
    ]);
  });

  it('refuses a file that is not central.csv, such as a cards file, before any slice', async () => {
    const cards = await collect('nas,code,station_id,riding\n046 454 286,ABCD-EFGH-JKMN-P,ST-00001,R1\n', 10);
    expect(cards).toEqual([{ ok: false, error: { kind: 'bad-header', found: 'nas,code,station_id,riding' } }]);
    expect(await collect('', 10)).toEqual([{ ok: false, error: { kind: 'bad-header', found: '' } }]);
  });

  it('stops at a bad row with its line number', async () => {
    const slices = await collect(`credential_hash,station_id\n${hash(1)},ST-00001\n046 454 286,ST-00001\n${hash(3)},ST-00001\n`, 1);
    expect(slices).toHaveLength(2);
    expect(slices[1]).toEqual({ ok: false, error: { kind: 'bad-row', line: 3, text: '046 454 286,ST-00001' } });
    const second = slices[1];
    expect(second !== undefined && !second.ok && describeCentralFileError(second.error)).toMatch(/^line 3 is not a check value/);
  });
});
