/**
 * `@scrutin/server/testing`: what tests, benchmarks, the end-to-end tests and the demo use to
 * stand up a central server and an election: the real services with a database and a
 * namespace of their own, a test central server, and the one election and station fixture.
 */
export * from './services.ts';
export * from './central.ts';
export * from './fixtures.ts';
export * from './election_setup.ts';
export * from './ports.ts';
export * from './private_postgres.ts';
export * from './preflight.ts';
