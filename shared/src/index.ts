/**
 * `@scrutin/shared`: the election domain, browser-safe (the kiosk renderer and the console
 * use it as well as Node). Node-only parts and separate contracts have their own subpaths:
 * `./crypto`, `./kit`, `./protocol`, `./api`, `./rctab`, and `./node` (all but RCTab).
 */
export * from './result.ts';
export * from './ids.ts';
export * from './random.ts';
export * from './validation.ts';
export * from './election/definition.ts';
export * from './election/mode.ts';
export * from './election/election.ts';
export * from './election/generate.ts';
export * from './election/fixtures/sample_election.ts';
export * from './election/test_deck.ts';
export * from './canonical.ts';
export * from './ballot/ballot.ts';
export * from './protocol/index.ts';
export * from './credentials/nas.ts';
export * from './credentials/voter_code.ts';
export * from './credentials/kdf.ts';
export * from './credentials/central_file.ts';
export * from './ballot/tracking_code.ts';
export * from './tally/ranking.ts';
export * from './tally/irv_contest.ts';
export * from './tally/irv_result.ts';
export * from './tally/irv.ts';
export * from './tally/referendum.ts';
export * from './tally/plurality.ts';
export * from './tally/election_tally.ts';
export * from './tally/irv_race.ts';
export * from './tally/national.ts';
export * from './voter_text/voter_text.ts';
export * from './voter_text/fr.ts';
export * from './voter_text/en.ts';
export * from './voter_text/speech.ts';
export * from './voter_text/spoken_texts.ts';
export * from './kit/kit_audio.ts';
export * from './text/typography.ts';
