import { isIPv4, isIPv6 } from 'node:net';

/**
 * The key a client is counted by (login back-off and the per-address login limit), from the
 * address Express resolved (`req.ip`, through the trusted proxies of TRUST_PROXY only).
 *
 * One client must not become many by choosing how its address is written:
 * - every loopback address (127.0.0.0/8, ::1, ::ffff:127.x.y.z) is one client, `loopback`;
 * - an IPv4-mapped IPv6 address (`::ffff:192.0.2.7`, `::ffff:c000:207`) is its IPv4 address;
 * - an IPv6 address counts by its /64, the smallest block one subscriber is given;
 * - zone ids (`fe80::1%eth0`) and letter case are dropped.
 */
export function clientKey(ip: string | undefined): string {
  if (ip === undefined || ip.trim() === '') return 'unknown';
  const address = ip.trim().toLowerCase().replace(/%.*$/, '');
  if (isIPv4(address)) return ipv4Key(address);
  if (!isIPv6(address)) return 'unknown';
  const groups = expandIPv6(address);
  const isZero = (from: number, to: number) => groups.slice(from, to).every((g) => g === 0);
  if (isZero(0, 7) && groups[7] === 1) return 'loopback';
  // ::ffff:a.b.c.d (mapped) and ::a.b.c.d (the deprecated compatible form) are IPv4 clients.
  if (isZero(0, 5) && (groups[5] === 0xffff || groups[5] === 0) && !(groups[5] === 0 && groups[6] === 0)) {
    const [hi = 0, lo = 0] = groups.slice(6);
    return ipv4Key(`${hi >> 8}.${hi & 0xff}.${lo >> 8}.${lo & 0xff}`);
  }
  return `${groups
    .slice(0, 4)
    .map((g) => g.toString(16))
    .join(':')}::/64`;
}

function ipv4Key(address: string): string {
  return address.startsWith('127.') ? 'loopback' : address.split('.').map(Number).join('.');
}

/** The eight 16-bit groups of a valid IPv6 address (with `::` and an embedded IPv4 tail). */
function expandIPv6(address: string): number[] {
  let text = address;
  const v4 = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (v4?.[1] !== undefined) {
    const [a = 0, b = 0, c = 0, d = 0] = v4[1].split('.').map(Number);
    text = `${text.slice(0, -v4[1].length)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [head = '', tail] = text.split('::');
  const parse = (part: string) => (part === '' ? [] : part.split(':').map((g) => parseInt(g, 16)));
  const left = parse(head);
  const right = tail === undefined ? [] : parse(tail);
  return [...left, ...new Array<number>(8 - left.length - right.length).fill(0), ...right];
}
