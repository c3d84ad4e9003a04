import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { StationId } from '@scrutin/shared/node';
import { z } from 'zod';
import { cardsFileOf, CARDS_HEADER } from '../credentials/manifest.ts';
import type { VoterCard } from './plan.ts';

/**
 * A station's printed voter cards in the folder `scrutin credentials generate` wrote
 * (`cards/<STATION>.csv`: `nas,code,station_id,riding`), or null when it has none. The
 * simulator reads them the way a voter holds a card: they stay on this machine, and only
 * the credential a kiosk would derive from each one is sent.
 */
const CardLineSchema = z.tuple([z.string().min(1), z.string().min(1), z.string(), z.string()]);

export function readStationCards(dir: string, station: StationId): readonly VoterCard[] | null {
  const path = join(dir, cardsFileOf(station));
  if (!existsSync(path)) return null;
  const [header, ...lines] = readFileSync(path, 'utf8').split('\n');
  if (`${header ?? ''}\n` !== CARDS_HEADER) throw new Error(`${path} is not a voter cards file`);
  return lines
    .filter((line) => line !== '')
    .map((line) => {
      const [nas, code, cardStation] = CardLineSchema.parse(line.split(','));
      if (cardStation !== station) throw new Error(`${path}: a card of station ${cardStation}`);
      return { nas, code };
    });
}
