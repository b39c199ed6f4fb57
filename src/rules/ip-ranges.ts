// IP addresses and CIDR ranges as kawa's IP lists hold them (docs/ip-lists.md): one 128-bit space, an IPv4
// address a.b.c.d being ::ffff:a.b.c.d as in IPv6's mapped form, so that one sorted table answers both
// families. The WebAssembly side (assembly/ip-match.ts) parses event values the same way and searches the
// table packRanges writes.

/** An inclusive range of the 128-bit space. */
export interface IpRange { lo: bigint; hi: bigint }

const V4_MAPPED = 0xffffn << 32n;
const ALL = (1n << 128n) - 1n;
const DEC_OCTET = /^(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])$/;
const HEX_GROUP = /^[0-9A-Fa-f]{1,4}$/;

/** A dotted-quad IPv4 address (no leading zeros, which some parsers read as octal) as its 32-bit value. */
function parseV4(text: string): bigint | undefined {
  const parts = text.split('.');
  if (parts.length !== 4 || !parts.every((p) => DEC_OCTET.test(p))) return undefined;
  return parts.reduce((v, p) => (v << 8n) | BigInt(p), 0n);
}

/** An IPv6 address (with `::`, and a dotted quad as its last 32 bits) as its 128-bit value. */
function parseV6(text: string): bigint | undefined {
  let head = text;
  let v4: bigint | undefined;
  const lastColon = text.lastIndexOf(':');
  if (text.includes('.', lastColon)) {
    v4 = parseV4(text.slice(lastColon + 1));
    if (v4 === undefined) return undefined;
    head = `${text.slice(0, lastColon + 1)}0:0`;
  }
  const halves = head.split('::');
  if (halves.length > 2) return undefined;
  const groups = (s: string) => (s === '' ? [] : s.split(':'));
  const left = groups(halves[0]!);
  const right = halves.length === 2 ? groups(halves[1]!) : [];
  if (![...left, ...right].every((g) => HEX_GROUP.test(g))) return undefined;
  const missing = 8 - left.length - right.length;
  if (halves.length === 2 ? missing < 1 : missing !== 0) return undefined;
  const all = [...left, ...Array<string>(halves.length === 2 ? missing : 0).fill('0'), ...right];
  let v = all.reduce((acc, g) => (acc << 16n) | BigInt(`0x${g}`), 0n);
  if (v4 !== undefined) v = (v & ~0xffffffffn) | v4;
  return v;
}

/** An IPv4 or IPv6 address in the 128-bit space, or undefined when `text` is not one. */
export function parseIp(text: string): bigint | undefined {
  if (text.includes(':')) return parseV6(text);
  const v4 = parseV4(text);
  return v4 === undefined ? undefined : V4_MAPPED | v4;
}

/**
 * An address (a range of one) or a CIDR range `address/bits`; an IPv4 prefix counts in IPv4 bits (0..32).
 * Host bits set under the prefix (10.1.2.3/8) are cleared, as published feeds sometimes write them.
 */
export function parseRange(text: string): IpRange | undefined {
  const slash = text.indexOf('/');
  if (slash < 0) {
    const ip = parseIp(text);
    return ip === undefined ? undefined : { lo: ip, hi: ip };
  }
  const ip = parseIp(text.slice(0, slash));
  const bitsText = text.slice(slash + 1);
  if (ip === undefined || !/^(0|[1-9][0-9]{0,2})$/.test(bitsText)) return undefined;
  const v4 = !text.slice(0, slash).includes(':');
  const bits = Number(bitsText) + (v4 ? 96 : 0);
  if (bits > 128) return undefined;
  const host = (1n << BigInt(128 - bits)) - 1n;
  return { lo: ip & (ALL ^ host), hi: ip | host };
}

/** Bytes per range in the packed table: lo then hi, each as two little-endian u64 (high word first). */
export const RANGE_BYTES = 32;

/**
 * The ranges sorted and merged (overlapping or adjacent ones become one), packed for the WebAssembly
 * search: per range lo.high, lo.low, hi.high, hi.low as little-endian u64.
 */
export function packRanges(ranges: IpRange[]): Uint8Array {
  const sorted = [...ranges].sort((a, b) => (a.lo < b.lo ? -1 : a.lo > b.lo ? 1 : 0));
  const merged: IpRange[] = [];
  for (const r of sorted) {
    const last = merged[merged.length - 1];
    if (last && r.lo <= last.hi + 1n) {
      if (r.hi > last.hi) last.hi = r.hi;
    } else {
      merged.push({ ...r });
    }
  }
  const out = new Uint8Array(merged.length * RANGE_BYTES);
  const view = new DataView(out.buffer);
  merged.forEach((r, i) => {
    const at = i * RANGE_BYTES;
    view.setBigUint64(at, r.lo >> 64n, true);
    view.setBigUint64(at + 8, r.lo & 0xffffffffffffffffn, true);
    view.setBigUint64(at + 16, r.hi >> 64n, true);
    view.setBigUint64(at + 24, r.hi & 0xffffffffffffffffn, true);
  });
  return out;
}
