import { assertServices } from '@scrutin/server/testing';

/**
 * Playwright's global setup: the end-to-end run stops at once, with what to do, when
 * PostgreSQL, Redis or RabbitMQ does not answer.
 */
export default async function globalSetup(): Promise<void> {
  await assertServices();
}
