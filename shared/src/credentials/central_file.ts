import { err, ok, type Result } from '../result.ts';
import { CredentialHashSchema, StationIdSchema, type CredentialHash, type StationId } from '../ids.ts';

/**
 * `central.csv`, the one file of `scrutin credentials generate` that goes to central: header
 * `credential_hash,station_id`, then one check value and its station per line, sorted by
 * check value. No NAS, no code. Read here as a stream of slices, for the console to send in
 * requests of at most `MAX_CREDENTIALS_PER_REQUEST` entries with bounded memory, whatever the
 * size of the election (browser-safe: Web streams only).
 */
export const CENTRAL_FILE_HEADER = 'credential_hash,station_id';

export interface CentralEntry {
  readonly credentialHash: CredentialHash;
  readonly station: StationId;
}

export type CentralFileError =
  { readonly kind: 'bad-header'; readonly found: string } | { readonly kind: 'bad-row'; readonly line: number; readonly text: string };

export function describeCentralFileError(error: CentralFileError): string {
  switch (error.kind) {
    case 'bad-header':
      return `this is not a central.csv file: its first line is "${error.found.slice(0, 60)}", not "${CENTRAL_FILE_HEADER}"`;
    case 'bad-row':
      return `line ${error.line} is not a check value and a station id: "${error.text.slice(0, 80)}"`;
  }
}

/** The file's lines, one slice of at most `size` entries at a time; an error ends the stream. */
export async function* centralFileSlices(
  chunks: AsyncIterable<Uint8Array> | ReadableStream<Uint8Array>,
  size: number,
): AsyncGenerator<Result<readonly CentralEntry[], CentralFileError>> {
  const decoder = new TextDecoder('utf-8', { fatal: false });
  let pending = '';
  let line = 0;
  let slice: CentralEntry[] = [];
  const take = (text: string): CentralFileError | undefined => {
    line += 1;
    const row = text.endsWith('\r') ? text.slice(0, -1) : text;
    if (line === 1) return row.replace(/^\uFEFF/, '') === CENTRAL_FILE_HEADER ? undefined : { kind: 'bad-header', found: row };
    if (row === '') return undefined;
    const comma = row.indexOf(',');
    const hash = CredentialHashSchema.safeParse(row.slice(0, comma));
    const station = StationIdSchema.safeParse(row.slice(comma + 1));
    if (comma < 0 || !hash.success || !station.success) return { kind: 'bad-row', line, text: row };
    slice.push({ credentialHash: hash.data, station: station.data });
    return undefined;
  };
  const iterable: AsyncIterable<Uint8Array> =
    Symbol.asyncIterator in chunks ? chunks : readerIterable((chunks as ReadableStream<Uint8Array>).getReader());
  for await (const chunk of iterable) {
    pending += decoder.decode(chunk, { stream: true });
    let newline = pending.indexOf('\n');
    let start = 0;
    while (newline >= 0) {
      const problem = take(pending.slice(start, newline));
      if (problem !== undefined) {
        yield err(problem);
        return;
      }
      if (slice.length >= size) {
        yield ok(slice);
        slice = [];
      }
      start = newline + 1;
      newline = pending.indexOf('\n', start);
    }
    pending = pending.slice(start);
  }
  pending += decoder.decode();
  if (pending !== '') {
    const problem = take(pending);
    if (problem !== undefined) {
      yield err(problem);
      return;
    }
  }
  if (line === 0) {
    yield err({ kind: 'bad-header', found: '' });
    return;
  }
  if (slice.length > 0) yield ok(slice);
}

async function* readerIterable(reader: ReadableStreamDefaultReader<Uint8Array>): AsyncGenerator<Uint8Array> {
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return;
      yield value;
    }
  } finally {
    reader.releaseLock();
  }
}
