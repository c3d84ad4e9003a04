import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import { CredentialHashSchema, StationIdSchema } from '@scrutin/shared/node';
import type { CredentialEntry } from '../elections/store.ts';

/**
 * Reads `central.csv` (header `credential_hash,station_id`, written by `scrutin credentials
 * generate`) line by line, each line checked, for `loadCredentials`.
 */
export async function* readCentralFile(path: string): AsyncGenerator<CredentialEntry> {
  const lines = createInterface({ input: createReadStream(path, 'latin1'), crlfDelay: Infinity });
  let first = true;
  for await (const line of lines) {
    if (first) {
      first = false;
      continue;
    }
    if (line === '') continue;
    const [hash, station] = line.split(',');
    yield { credential: CredentialHashSchema.parse(hash), station: StationIdSchema.parse(station) };
  }
}
