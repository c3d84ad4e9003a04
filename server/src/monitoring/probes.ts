import type { Services } from '../app/services.ts';
import type { Dependency, Metrics } from '../metrics.ts';

/** How long a scrape waits for one dependency before calling it down. */
const PROBE_TIMEOUT_MS = 2000;

/**
 * Refreshes what a scrape reads from the dependencies themselves: whether Postgres, Redis and
 * RabbitMQ answer (`scrutin_dependency_up`), and the depth of the batch queue and of the
 * dead-letter queue (`scrutin_queue_depth`, read with a passive queue declare, which creates
 * nothing). Called by the API's and the validators' `/metrics`. A dependency that does not
 * answer sets its gauge to 0 and leaves the queue depths as last read; the scrape still answers.
 */
export async function refreshProbes(metrics: Metrics, services: Services): Promise<Readonly<Record<Dependency, boolean>>> {
  const [postgres, redis, rabbitmq] = await Promise.all([
    within(() => services.db.query('SELECT 1')),
    within(() => services.dedup.ping()),
    within(() => services.broker.depths()),
  ]);
  const up: Record<Dependency, boolean> = { postgres: postgres.ok, redis: redis.ok, rabbitmq: rabbitmq.ok };
  for (const [dependency, ok] of Object.entries(up)) metrics.dependencyUp.set({ dependency }, ok ? 1 : 0);
  if (rabbitmq.ok) {
    metrics.queueDepth.set({ queue: 'batches' }, rabbitmq.value.queued);
    metrics.queueDepth.set({ queue: 'dead' }, rabbitmq.value.deadLettered);
  }
  return up;
}

type Probe<T> = { readonly ok: true; readonly value: T } | { readonly ok: false };

async function within<T>(work: () => Promise<T>): Promise<Probe<T>> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<Probe<T>>((resolve) => {
    timer = setTimeout(() => {
      resolve({ ok: false });
    }, PROBE_TIMEOUT_MS);
  });
  try {
    return await Promise.race([work().then((value): Probe<T> => ({ ok: true, value })), timeout]);
  } catch {
    return { ok: false };
  } finally {
    clearTimeout(timer);
  }
}
