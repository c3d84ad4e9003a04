import { ElectionIdSchema, StationIdSchema } from '@scrutin/shared';
import type { ErrorCode } from '@scrutin/shared/protocol';
import type { NextFunction, RequestHandler, Response } from 'express';
import { Cluster, Redis, type RedisOptions } from 'ioredis';
import { RateLimiterMemory, RateLimiterRedis, RateLimiterRes, type RateLimiterAbstract } from 'rate-limiter-flexible';
import { z } from 'zod';
import type { Config } from '../config.ts';
import type { Metrics } from '../metrics.ts';
import { clientKey } from './client_address.ts';
import { ApiError } from './errors.ts';

/**
 * The cost bounds of the station routes (docs/protocol.md §9, docs/operators.md "Rate limits
 * and caps"), as middleware that knows nothing of what the routes do:
 *
 * - `perAddress`: every station request (batches, enrolment, status) counts against its client
 *   address (SYNC_RATE_PER_IP a minute), before its body is read. Addresses count as the login
 *   limits count them (`clientKey`: IPv6 by /64, all of loopback as one), so a client cannot
 *   escape by changing the low bits of its address.
 * - `perStation`: once the body is parsed, a station that has used up its budget
 *   (SYNC_RATE_PER_STATION a minute, for its batches and separately for its enrolments) is
 *   refused. Only answers that the station's key or token
 *   proved (2xx and 409) use the budget, so a forger naming a station cannot use up that
 *   station's budget: forged requests cost their own address only.
 * - `intakeSlot`: at most SYNC_MAX_CONCURRENCY batch requests in this process at once; beyond,
 *   `503 busy`, before the body is read.
 * - `receiptsPerAddress`: the public receipt check (receipts_routes.ts) counts against its
 *   client address, RECEIPT_RATE_PER_IP a minute, on counters of its own.
 *
 * Refusals are `429 rate-limited` and `503 busy`, both with Retry-After (seconds). The
 * counters live in Redis (so every API replica shares them) or, in embedded mode, in memory;
 * should Redis fail, each process counts in memory until it is back.
 */
export interface RequestLimits {
  readonly perAddress: RequestHandler;
  readonly perStation: RequestHandler;
  readonly intakeSlot: RequestHandler;
  readonly receiptsPerAddress: RequestHandler;
  /** Connects to the counters' store (Redis), without waiting; the API calls it at start. */
  connect(): void;
  /** Connects, and resolves once the counters' store answers (at once in memory). */
  ready(): Promise<void>;
  close(): Promise<void>;
}

/** How long a client is told to wait when this process is busy (seconds). */
export const BUSY_RETRY_AFTER_SECONDS = 2;

/** Refuses with a typed error and a Retry-After header. */
export function refuseWithRetry(res: Response, next: NextFunction, code: ErrorCode, message: string, retryAfterSeconds: number): void {
  const seconds = Math.max(1, Math.ceil(retryAfterSeconds));
  res.set('retry-after', String(seconds));
  next(new ApiError(code, message, { retryAfterSeconds: seconds }));
}

/**
 * The election and station a station request names: at its top level (enrolment), in its
 * signed body or header (batches). Only well-formed ids, so a key is never a client's free text.
 */
const Claim = z.object({ election: ElectionIdSchema, station: StationIdSchema });
export function claimedStation(body: unknown): string | undefined {
  const at = (value: unknown, key: string): unknown =>
    typeof value === 'object' && value !== null ? (value as Record<string, unknown>)[key] : undefined;
  for (const candidate of [body, at(body, 'header'), at(body, 'body'), at(at(body, 'body'), 'header')]) {
    const claim = Claim.safeParse(candidate);
    if (claim.success) return `${claim.data.election}/${claim.data.station}`;
  }
  return undefined;
}

/** Answers that only the station's own key (a verified signature) or its valid token can obtain. */
const provesStation = (status: number): boolean => (status >= 200 && status < 300) || status === 409;

function redisClient(config: Config): Redis | Cluster | undefined {
  const redis = config.services?.redis;
  if (redis === undefined) return undefined;
  // A limiter that cannot reach Redis counts in memory at once rather than queueing. The
  // client connects when the API starts (`connect`) or on first use: a worker or a CLI
  // command, which serve no station route, never connects.
  const options: RedisOptions = { enableOfflineQueue: false, maxRetriesPerRequest: 1, lazyConnect: true };
  const client =
    redis.kind === 'server'
      ? new Redis(redis.url, options)
      : new Cluster([...redis.nodes], { redisOptions: options, enableOfflineQueue: false, lazyConnect: true });
  client.on('error', () => undefined);
  return client;
}

export function createRequestLimits(config: Config, metrics: Metrics): RequestLimits {
  const { syncPerIpPerMinute, syncPerStationPerMinute, syncMaxConcurrency, receiptsPerIpPerMinute } = config.limits;
  const client = redisClient(config);
  const connect = () => {
    if (client?.status === 'wait') client.connect().catch(() => undefined);
  };
  const limiter = (name: string, points: number): RateLimiterAbstract => {
    const options = { keyPrefix: `${config.namespace}:rl:${name}`, points, duration: 60 };
    if (client === undefined) return new RateLimiterMemory(options);
    return new RateLimiterRedis({
      ...options,
      storeClient: client,
      rejectIfRedisNotReady: true,
      insuranceLimiter: new RateLimiterMemory(options),
    });
  };
  const byAddress = limiter('address', syncPerIpPerMinute);
  const byStation = limiter('station', syncPerStationPerMinute);
  const limited = (res: Response, next: NextFunction, who: string, msBeforeNext: number) => {
    metrics.refusals.inc({ code: 'rate-limited' });
    refuseWithRetry(res, next, 'rate-limited', `Too many requests from ${who}; wait and try again.`, msBeforeNext / 1000);
  };

  const byReceiptAddress = limiter('receipt-address', receiptsPerIpPerMinute);
  const countingAddresses =
    (counter: RateLimiterAbstract): RequestHandler =>
    (req, res, next) => {
      connect();
      counter.consume(clientKey(req.ip)).then(
        () => {
          next();
        },
        (refusal: unknown) => {
          // A store failure (not a refusal) lets the request through: the insurance limiter
          // counts while Redis is away, and availability matters more than this bound.
          if (refusal instanceof RateLimiterRes) limited(res, next, 'this address', refusal.msBeforeNext);
          else next();
        },
      );
    };
  const perAddress = countingAddresses(byAddress);
  const receiptsPerAddress = countingAddresses(byReceiptAddress);

  const perStation: RequestHandler = (req, res, next) => {
    const claimed = claimedStation(req.body);
    if (claimed === undefined) {
      next();
      return;
    }
    // A budget per route (batches, enrolment): the middleware is mounted on those alone.
    const key = `${req.path}:${claimed}`;
    byStation.get(key).then(
      (used) => {
        if (used !== null && used.consumedPoints >= syncPerStationPerMinute) {
          limited(res, next, 'this station', used.msBeforeNext);
          return;
        }
        res.once('finish', () => {
          if (provesStation(res.statusCode)) void byStation.penalty(key, 1).catch(() => undefined);
        });
        next();
      },
      () => {
        next();
      },
    );
  };

  let inFlight = 0;
  const intakeSlot: RequestHandler = (_req, res, next) => {
    if (inFlight >= syncMaxConcurrency) {
      metrics.refusals.inc({ code: 'busy' });
      refuseWithRetry(
        res,
        next,
        'busy',
        'The central server is taking in as many batches as it can; retry shortly.',
        BUSY_RETRY_AFTER_SECONDS,
      );
      return;
    }
    inFlight += 1;
    metrics.syncInFlight.set(inFlight);
    let released = false;
    res.once('close', () => {
      if (released) return;
      released = true;
      inFlight -= 1;
      metrics.syncInFlight.set(inFlight);
    });
    next();
  };

  return {
    perAddress,
    perStation,
    intakeSlot,
    receiptsPerAddress,
    connect,
    async ready() {
      if (client === undefined || client.status === 'ready') return;
      const ready = new Promise<void>((resolve) => client.once('ready', resolve));
      connect();
      await ready;
    },
    async close() {
      if (client === undefined) return;
      if (client.status === 'wait') client.disconnect();
      else await client.quit().catch(() => undefined);
    },
  };
}
