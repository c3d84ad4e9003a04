/**
 * The station sync protocol, version 2 (docs/protocol.md): the shapes both sides parse with.
 * Browser-safe; its signing and hashing are in index.node.ts.
 */
export * from './batch.ts';
export * from './enrolment.ts';
export * from './sync_status.ts';
export * from './errors.ts';
export * from './export_sealing.ts';
export * from './endpoints.ts';
