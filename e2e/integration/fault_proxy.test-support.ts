import { createServer, request, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { seededRandom } from '@scrutin/shared';

/**
 * An HTTP proxy between a station and central that misbehaves on purpose, for the sync fault
 * test: it drops connections (before or after central saw the request), delays, duplicates
 * requests, and cuts request or response bodies half-way. Every round of eight requests gets
 * each fault once, in an order drawn from a seeded generator, so a failing run can be replayed.
 */
export type Fault = 'pass' | 'delay' | 'drop-before' | 'drop-after' | 'duplicate' | 'cut-request' | 'cut-response';

export interface FaultProxy {
  readonly url: string;
  /** Faults on (true) or a clean pass-through (false). */
  enabled: boolean;
  readonly counts: Record<Fault, number>;
  close(): Promise<void>;
}

/** Each round of requests gets every fault once (and two clean passes), in a seeded random order. */
const ROUND: readonly Fault[] = ['pass', 'pass', 'delay', 'drop-before', 'drop-after', 'duplicate', 'cut-request', 'cut-response'];

interface Upstream {
  readonly status: number;
  readonly headers: IncomingMessage['headers'];
  readonly body: Buffer;
}

export async function startFaultProxy(target: string, seed = 1): Promise<FaultProxy> {
  const random = seededRandom(seed);
  const base = new URL(target);
  const counts: Record<Fault, number> = {
    pass: 0,
    delay: 0,
    'drop-before': 0,
    'drop-after': 0,
    duplicate: 0,
    'cut-request': 0,
    'cut-response': 0,
  };

  const forward = (req: IncomingMessage, body: Buffer, cut = false): Promise<Upstream> =>
    new Promise((resolve, reject) => {
      const upstream = request(
        {
          host: base.hostname,
          port: base.port,
          method: req.method,
          path: req.url,
          headers: { ...req.headers, host: base.host, 'content-length': String(body.length) },
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => {
            resolve({ status: res.statusCode ?? 502, headers: res.headers, body: Buffer.concat(chunks) });
          });
          res.on('error', reject);
        },
      );
      upstream.on('error', reject);
      if (cut) {
        // Half the body, then the connection dies: central sees a truncated request.
        upstream.write(body.subarray(0, Math.floor(body.length / 2)), () => {
          upstream.destroy();
          reject(new Error('cut'));
        });
      } else {
        upstream.end(body);
      }
    });

  const reply = (res: ServerResponse, answer: Upstream, cutHalf = false) => {
    const headers = { ...answer.headers, 'content-length': String(answer.body.length) };
    delete headers['transfer-encoding'];
    res.writeHead(answer.status, headers);
    if (cutHalf) {
      res.write(answer.body.subarray(0, Math.floor(answer.body.length / 2)), () => res.socket?.destroy());
    } else {
      res.end(answer.body);
    }
  };

  const queue: Fault[] = [];
  const draw = (): Fault => {
    if (queue.length === 0) {
      const round = [...ROUND];
      for (let i = round.length - 1; i > 0; i -= 1) {
        const j = Math.floor(random() * (i + 1));
        [round[i], round[j]] = [round[j] as Fault, round[i] as Fault];
      }
      queue.push(...round);
    }
    return queue.shift() ?? 'pass';
  };

  const proxy: FaultProxy & { server?: Server } = {
    url: '',
    enabled: true,
    counts,
    close: () => Promise.resolve(),
  };

  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const fault: Fault = proxy.enabled ? draw() : 'pass';
      counts[fault] += 1;
      const handle = async (): Promise<void> => {
        switch (fault) {
          case 'pass':
            reply(res, await forward(req, body));
            return;
          case 'delay':
            await new Promise((r) => setTimeout(r, Math.floor(random() * 400)));
            reply(res, await forward(req, body));
            return;
          case 'drop-before':
            req.socket.destroy();
            return;
          case 'drop-after':
            await forward(req, body);
            req.socket.destroy();
            return;
          case 'duplicate': {
            const [first, second] = await Promise.all([forward(req, body), forward(req, body)]);
            reply(res, random() < 0.5 ? first : second);
            return;
          }
          case 'cut-request':
            await forward(req, body, true).catch(() => undefined);
            req.socket.destroy();
            return;
          case 'cut-response':
            reply(res, await forward(req, body), true);
            return;
          default: {
            const never: never = fault;
            throw new Error(`fault ${String(never)}`);
          }
        }
      };
      handle().catch(() => req.socket.destroy());
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return Object.assign(proxy, {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => {
          resolve();
        });
      }),
  });
}
