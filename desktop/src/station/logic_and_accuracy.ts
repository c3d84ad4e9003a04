import { randomBytes } from 'node:crypto';
import {
  CredentialSchema,
  compareWithExpected,
  describeTallyDifference,
  tallyBallots,
  withBallotId,
  type Ballot,
  type ElectionDefinition,
  type RidingCode,
  type TestDeck,
} from '@scrutin/shared';
import { credentialHash, newBallotId } from '@scrutin/shared/crypto';
import { EnvelopeSchema } from '@scrutin/shared/protocol';
import { ballotsCast, castBallot, castTally, checkBallot, outboxSize } from './ballot_box.ts';
import { batchCounts } from './batches.ts';
import type { StationDb } from './db.ts';
import type { LogicAndAccuracyRun } from '../api/station_api.ts';

/**
 * Logic-and-accuracy testing at the station (issue 13; docs/polling-day.md): before the polls
 * open, the test deck of the station's riding (shared/src/election/test_deck.ts) is cast
 * through the station's own ballot box (the ballot checks, the sealed envelope, the used
 * marks, the running tally), the ballot box is read back and tallied, and the tally is
 * compared with the deck's expected results.
 *
 * All of it runs in one transaction that is always rolled back: the test ballots never leave
 * it, so they cannot be sent, exported or mixed with live ballots, and the station is back at
 * zero afterwards, which is checked (every count the station holds) and reported.
 */
class RolledBack extends Error {}

export function runTestDeck(db: StationDb, election: ElectionDefinition, riding: RidingCode, deck: TestDeck): LogicAndAccuracyRun {
  let cast = 0;
  let refused = 0;
  let ballots: Ballot[] = [];
  try {
    db.transaction(() => {
      for (const [i, deckBallot] of deck.ballots.entries()) {
        const checked = checkBallot(election, riding, { ...deckBallot, id: newBallotId() });
        // A test credential of its own per ballot: random, never a voter's, gone with the rollback.
        const credential = CredentialSchema.parse(randomBytes(32).toString('hex'));
        const stored = checked.ok
          ? castBallot(db, { credential, credentialHash: credentialHash(credential) }, checked.value, `test-deck-${i}`)
          : checked;
        if (stored.ok) cast += 1;
        else refused += 1;
      }
      // What the ballot box holds, as central would open it.
      ballots = db
        .prepare<[], { envelope: string }>('SELECT envelope FROM outbox')
        .all()
        .map((row) => withBallotId(EnvelopeSchema.parse(JSON.parse(row.envelope)).ballot, newBallotId()));
      throw new RolledBack();
    })();
  } catch (error) {
    if (!(error instanceof RolledBack)) throw error;
  }
  const differences = compareWithExpected(election, deck.expected, tallyBallots(ballots));
  const counts = batchCounts(db);
  const resetToZero = ballotsCast(db) === 0 && outboxSize(db) === 0 && castTally(db).length === 0 && counts.batches === 0;
  return {
    ballots: deck.ballots.length,
    cast,
    refused,
    differences: differences.map(describeTallyDifference),
    passed: differences.length === 0 && refused === 0 && cast === deck.ballots.length,
    resetToZero,
  };
}
