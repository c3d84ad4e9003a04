// Entry point of a credentials worker thread. The tsx loader that bin/scrutin.js registers
// applies to the main thread only, so a worker registers it for itself before loading the
// TypeScript module.
import { register } from 'tsx/esm/api';

register();
await import('./generate_worker.ts');
