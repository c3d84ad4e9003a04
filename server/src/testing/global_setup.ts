import { assertServices } from './preflight.ts';

/**
 * Vitest's global setup (vitest.config.ts, vitest.faults.config.ts): the run stops at once,
 * with what to do, when PostgreSQL, Redis or RabbitMQ does not answer.
 */
export default async function setup(): Promise<void> {
  await assertServices();
}
