// IP addresses and ranges as the rules front end reads them (src/rules/ip-ranges.ts): both families in one
// 128-bit space, CIDR prefixes, and the packed table's merging.
import { describe, expect, it } from 'vitest';
import { packRanges, parseIp, parseRange, RANGE_BYTES } from '../../src/rules/ip-ranges.js';

const V4 = (a: number, b: number, c: number, d: number) => (0xffffn << 32n) | BigInt((((a << 24) >>> 0) + (b << 16) + (c << 8) + d));

describe('parseIp', () => {
  it('reads IPv4 as the IPv4-mapped IPv6 address, so both spellings are one address', () => {
    expect(parseIp('10.1.2.3')).toBe(V4(10, 1, 2, 3));
    expect(parseIp('::ffff:10.1.2.3')).toBe(V4(10, 1, 2, 3));
    expect(parseIp('::ffff:a01:203')).toBe(V4(10, 1, 2, 3));
    expect(parseIp('0.0.0.0')).toBe(V4(0, 0, 0, 0));
    expect(parseIp('255.255.255.255')).toBe(V4(255, 255, 255, 255));
  });

  it('reads IPv6 with a :: gap anywhere, and an IPv4 tail', () => {
    expect(parseIp('::')).toBe(0n);
    expect(parseIp('::1')).toBe(1n);
    expect(parseIp('1::')).toBe(1n << 112n);
    expect(parseIp('2001:db8::8a2e:370:7334')).toBe(0x20010db8000000000000_8a2e03707334n);
    expect(parseIp('2001:DB8:0:0:0:0:0:1')).toBe(0x20010db8000000000000000000000001n);
    expect(parseIp('64:ff9b::192.0.2.33')).toBe(0x0064ff9b0000000000000000c0000221n);
    expect(parseIp('1:2:3:4:5:6:7::')).toBe(0x00010002000300040005000600070000n);
  });

  it('refuses what is not exactly an address', () => {
    for (const bad of ['', '1.2.3', '1.2.3.4.5', '256.1.1.1', '01.2.3.4', '1.2.3.4 ', ' 1.2.3.4', '1.2.3.4/', 'a.b.c.d',
      ':::', '1:::2', '1::2::3', '12345::', '1:2:3:4:5:6:7:8:9', '1:2:3:4:5:6:7', '1:2:3:4:5:6:7:8::', 'fe80::1%eth0',
      '::1.2.3', '1.2.3.4:80', 'g::1', ':1::', '1:']) {
      expect(parseIp(bad), bad).toBeUndefined();
    }
  });
});

describe('parseRange', () => {
  it('takes an address as a range of one, and a prefix in its own family\'s bits', () => {
    expect(parseRange('10.0.0.1')).toEqual({ lo: V4(10, 0, 0, 1), hi: V4(10, 0, 0, 1) });
    expect(parseRange('10.0.0.0/8')).toEqual({ lo: V4(10, 0, 0, 0), hi: V4(10, 255, 255, 255) });
    expect(parseRange('0.0.0.0/0')).toEqual({ lo: V4(0, 0, 0, 0), hi: V4(255, 255, 255, 255) });
    expect(parseRange('2001:db8::/32')).toEqual({ lo: 0x20010db8n << 96n, hi: (0x20010db8n << 96n) | ((1n << 96n) - 1n) });
    expect(parseRange('::/0')).toEqual({ lo: 0n, hi: (1n << 128n) - 1n });
  });

  it('clears host bits under the prefix, as feeds sometimes write them', () => {
    expect(parseRange('10.1.2.3/8')).toEqual(parseRange('10.0.0.0/8'));
  });

  it('refuses bad prefixes', () => {
    for (const bad of ['10.0.0.0/33', '10.0.0.0/-1', '10.0.0.0/08', '10.0.0.0/x', '::/129', '/8', '10.0.0.0/8/8']) {
      expect(parseRange(bad), bad).toBeUndefined();
    }
  });
});

describe('packRanges', () => {
  it('sorts and merges overlapping and adjacent ranges', () => {
    const packed = packRanges(['10.0.0.0/24', '10.0.1.0/24', '10.0.0.128/25', '192.168.0.1', '1.1.1.1'].map((t) => parseRange(t)!));
    expect(packed.length / RANGE_BYTES).toBe(3);
    const view = new DataView(packed.buffer);
    const lo = (i: number) => (view.getBigUint64(i * RANGE_BYTES, true) << 64n) | view.getBigUint64(i * RANGE_BYTES + 8, true);
    const hi = (i: number) => (view.getBigUint64(i * RANGE_BYTES + 16, true) << 64n) | view.getBigUint64(i * RANGE_BYTES + 24, true);
    expect([lo(0), hi(0)]).toEqual([V4(1, 1, 1, 1), V4(1, 1, 1, 1)]);
    expect([lo(1), hi(1)]).toEqual([V4(10, 0, 0, 0), V4(10, 0, 1, 255)]);
    expect([lo(2), hi(2)]).toEqual([V4(192, 168, 0, 1), V4(192, 168, 0, 1)]);
  });
});
