/**
 * The child of the crash test (crash.fault.test.ts): opens a station whose polls are open and
 * casts ballots in a loop, printing each receipt only after `cast` returned it, and now and
 * then seals the outbox into batches. The parent kills it with SIGKILL at random moments.
 *
 *   node --import tsx crash_child.test-support.ts DATA_DIR CARDS_CSV START NOW_MS
 *
 * (the test runs it bundled into one file, which starts several times faster).
 */
import { readFileSync } from 'node:fs';
import { unwrap, type Ballot, type Selection } from '@scrutin/shared';
import { newBallotId } from '@scrutin/shared/crypto';
import { openStation } from './station.ts';

const [dataDir = '', cardsFile = '', startArg = '0', nowArg = '0'] = process.argv.slice(2);
const now = Number(nowArg);
const station = unwrap(openStation({ dataDir, now: () => now, sync: { autoSync: false } }));
const cards = readFileSync(cardsFile, 'utf8')
  .trimEnd()
  .split('\n')
  .slice(1)
  .map((line) => line.split(','));
const status = unwrap(await station.status({}));
const kit = status.kit;
if (kit === null) throw new Error('no kit');
process.stdout.write('ready\n');

let cast = 0;
for (let i = Number(startArg); i < cards.length; i += 1) {
  const [nas = '', code = ''] = cards[i] ?? [];
  const checked = await station.checkIn({ nas, code });
  if (!checked.ok) {
    if (checked.error.kind === 'already-voted') continue;
    throw new Error(JSON.stringify(checked.error));
  }
  const selections = checked.value.contests.map((c): Selection =>
    c.kind === 'referendum'
      ? { kind: 'referendum', contest: c.id, choice: i % 2 === 0 ? 'oui' : 'non' }
      : c.method === 'irv'
        ? { kind: 'ranked', contest: c.id, ranking: c.candidates.slice(i % 2, (i % 2) + 2).map((k) => k.id) }
        : { kind: 'plurality', contest: c.id, choice: c.candidates[i % c.candidates.length]?.id ?? null },
  );
  const ballot: Ballot = { id: newBallotId(), election: kit.election, riding: checked.value.riding, selections };
  const { receipt } = unwrap(await station.cast({ ticket: checked.value.ticket, ballot }));
  process.stdout.write(`R ${receipt}\n`);
  cast += 1;
  if (cast % 5 === 0) station.sync.seal();
}
process.stdout.write('done\n');
station.close();
