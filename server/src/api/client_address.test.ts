import { describe, expect, it } from 'vitest';
import { clientKey } from './client_address.ts';

describe('the client key login limits count by', () => {
  it('makes every way of writing a loopback address one client', () => {
    for (const ip of [
      '127.0.0.1',
      '127.0.0.2',
      '127.255.255.254',
      '::1',
      '0:0:0:0:0:0:0:1',
      '::ffff:127.0.0.1',
      '::ffff:7f00:2',
      '::FFFF:127.1.2.3',
    ])
      expect(clientKey(ip), ip).toBe('loopback');
  });

  it('reads an IPv4-mapped IPv6 address as its IPv4 address', () => {
    for (const ip of ['192.0.2.7', '::ffff:192.0.2.7', '::ffff:c000:207', '0:0:0:0:0:ffff:c000:0207'])
      expect(clientKey(ip), ip).toBe('192.0.2.7');
  });

  it('counts an IPv6 client by its /64, whatever the interface id, zone or case', () => {
    const key = clientKey('2001:db8:1:2::1');
    expect(key).toBe('2001:db8:1:2::/64');
    for (const ip of ['2001:DB8:1:2:ffff:ffff:ffff:ffff', '2001:db8:1:2:a::b', '2001:0db8:0001:0002::9%eth0'])
      expect(clientKey(ip), ip).toBe(key);
    expect(clientKey('2001:db8:1:3::1')).not.toBe(key);
  });

  it('keeps distinct IPv4 clients apart and names an unreadable address unknown', () => {
    expect(clientKey('198.51.100.1')).not.toBe(clientKey('198.51.100.2'));
    expect(clientKey(undefined)).toBe('unknown');
    expect(clientKey('not an address')).toBe('unknown');
  });
});
