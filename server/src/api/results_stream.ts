import type { ElectionDefinition, ElectionId } from '@scrutin/shared';
import type { NextFunction, Request, Response } from 'express';
import type { Metrics } from '../metrics.ts';
import type { LiveResults, ResultsSnapshot } from '../results/live_results.ts';
import { clientKey } from './client_address.ts';
import { refuseWithRetry } from './request_limits.ts';

/**
 * The results event streams (`GET …/events`): one channel per election, one timer per
 * channel. Each tick takes the election's snapshot (computed once per results version, see
 * results/live_results.ts) and, when its version is new, writes the same framed event to every
 * client; nothing is computed per connection. A client whose socket does not drain (more than
 * `maxBufferedBytes` waiting) is dropped: its EventSource reconnects and gets the current state.
 *
 * Caps (docs/operators.md): at most `maxConnections` streams in this process (`503 busy`) and
 * `maxPerAddress` per client address (`429 rate-limited`), both with Retry-After.
 */
export interface ResultsStreamsOptions {
  readonly live: Pick<LiveResults, 'snapshot'>;
  readonly metrics: Metrics;
  readonly maxConnections: number;
  readonly maxPerAddress: number;
  readonly tickMs?: number;
  readonly keepAliveMs?: number;
  readonly maxBufferedBytes?: number;
  /** Streams written between two yields of the event loop during a broadcast. */
  readonly writeSlice?: number;
}

interface Client {
  readonly res: Response;
  version: string;
}

interface Channel {
  readonly election: ElectionDefinition;
  readonly clients: Set<Client>;
  readonly timer: NodeJS.Timeout;
  lastWriteAt: number;
  ticking: boolean;
}

const KEEP_ALIVE = Buffer.from(': keep-alive\n\n', 'utf8');
const UNAVAILABLE = Buffer.from(': results unavailable, retrying\n\n', 'utf8');

/** How long a client refused for lack of room is told to wait (seconds). */
export const STREAM_RETRY_AFTER_SECONDS = 5;

export class ResultsStreams {
  private readonly channels = new Map<ElectionId, Channel>();
  private readonly perAddress = new Map<string, number>();
  private total = 0;

  constructor(private readonly options: ResultsStreamsOptions) {}

  get connections(): number {
    return this.total;
  }

  /** Opens a stream for `req`, or refuses it (through `next`) when a cap is reached. */
  async open(election: ElectionDefinition, req: Request, res: Response, next: NextFunction): Promise<void> {
    const address = clientKey(req.ip);
    const fromAddress = this.perAddress.get(address) ?? 0;
    if (this.total >= this.options.maxConnections) {
      this.options.metrics.refusals.inc({ code: 'busy' });
      refuseWithRetry(res, next, 'busy', 'This server holds as many results streams as it can; retry shortly.', STREAM_RETRY_AFTER_SECONDS);
      return;
    }
    if (fromAddress >= this.options.maxPerAddress) {
      this.options.metrics.refusals.inc({ code: 'rate-limited' });
      refuseWithRetry(
        res,
        next,
        'rate-limited',
        'Too many results streams from this address; close one, or share one stream.',
        STREAM_RETRY_AFTER_SECONDS,
      );
      return;
    }
    this.total += 1;
    this.perAddress.set(address, fromAddress + 1);
    this.options.metrics.sseConnections.set(this.total);
    const client: Client = { res, version: '' };
    const state = { released: false };
    const release = () => {
      if (state.released) return;
      state.released = true;
      this.total -= 1;
      const left = (this.perAddress.get(address) ?? 1) - 1;
      if (left === 0) this.perAddress.delete(address);
      else this.perAddress.set(address, left);
      this.options.metrics.sseConnections.set(this.total);
      this.leave(election.id, client);
    };
    res.once('close', release);

    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive' });
    const channel = this.join(election, client);
    try {
      const snapshot = await this.options.live.snapshot(election);
      // The first event of a stream is the state found, not a change seen: not timed.
      if (!state.released && client.version === '') this.send(client, snapshot);
    } catch {
      if (!state.released) res.write(UNAVAILABLE);
    }
    channel.lastWriteAt = Date.now();
  }

  private join(election: ElectionDefinition, client: Client): Channel {
    let channel = this.channels.get(election.id);
    if (channel?.election !== election) {
      // A new channel, or the definition changed (a draft edited): the old clients move over.
      const clients = channel?.clients ?? new Set<Client>();
      if (channel !== undefined) clearInterval(channel.timer);
      const created: Channel = {
        election,
        clients,
        timer: setInterval(() => void this.tick(created), this.options.tickMs ?? 1000),
        lastWriteAt: Date.now(),
        ticking: false,
      };
      created.timer.unref();
      this.channels.set(election.id, created);
      channel = created;
    }
    channel.clients.add(client);
    return channel;
  }

  private leave(election: ElectionId, client: Client): void {
    const channel = this.channels.get(election);
    if (channel === undefined) return;
    channel.clients.delete(client);
    if (channel.clients.size === 0) {
      clearInterval(channel.timer);
      this.channels.delete(election);
    }
  }

  private async tick(channel: Channel): Promise<void> {
    if (channel.ticking) return;
    channel.ticking = true;
    try {
      const snapshot = await this.options.live.snapshot(channel.election, 0);
      let sent = 0;
      let changed = false;
      // In slices, yielding between them: a broadcast to thousands of streams (a socket write
      // each) never holds the event loop for long, so batches and readers are served meanwhile.
      const clients = [...channel.clients];
      const slice = this.options.writeSlice ?? 200;
      for (let from = 0; from < clients.length; from += slice) {
        if (from > 0) await new Promise<void>((resolve) => setImmediate(resolve));
        for (const client of clients.slice(from, from + slice)) {
          if (client.version === snapshot.version || !channel.clients.has(client)) continue;
          changed ||= client.version !== '';
          this.send(client, snapshot);
          sent += 1;
        }
      }
      const now = Date.now();
      if (sent > 0) {
        channel.lastWriteAt = now;
        if (changed && snapshot.changedAtMs !== null) this.options.metrics.sseDelay.observe(Math.max(0, now - snapshot.changedAtMs) / 1000);
      } else if (now - channel.lastWriteAt >= (this.options.keepAliveMs ?? 15_000)) {
        for (const client of channel.clients) this.write(client, KEEP_ALIVE);
        channel.lastWriteAt = now;
      }
    } catch {
      for (const client of channel.clients) this.write(client, UNAVAILABLE);
    } finally {
      channel.ticking = false;
    }
  }

  private send(client: Client, snapshot: ResultsSnapshot): void {
    client.version = snapshot.version;
    this.write(client, snapshot.event);
  }

  private write(client: Client, bytes: Buffer): void {
    const { res } = client;
    if (res.destroyed) return;
    if (res.writableLength > (this.options.maxBufferedBytes ?? 1024 * 1024)) {
      res.destroy();
      return;
    }
    res.write(bytes);
  }
}
