// IP lists in the WebAssembly engine (docs/ip-lists.md): an event's address, parsed into the 128-bit space
// the lists use (an IPv4 address a.b.c.d is ::ffff:a.b.c.d, as in src/rules/ip-ranges.ts), searched in the
// list's sorted, merged ranges. The table is the field's argument, laid out by src/compile/ip-table.ts:
//   u32 range count, u32 pointer length, pointer bytes, zero padding to 4, u32 sample count, the samples
//   (the low end of every 64th range: high u64, low u64), then per range lo.high u64, lo.low u64,
//   hi.high u64, hi.low u64 (little-endian; ranges sorted by lo, disjoint).

/** log2 of src/compile/ip-table.ts SAMPLE_EVERY. */
const SAMPLE_SHIFT: u32 = 6;

/** The address parseIp read, high and low 64 bits. */
let ipHi: u64 = 0;
let ipLo: u64 = 0;

/** Eight 16-bit groups of an IPv6 address being parsed. */
const GROUPS = memory.data(16);

@inline function isDigit(c: u32): bool {
  return c - 0x30 < 10;
}

@inline function hexValue(c: u32): i32 {
  if (c - 0x30 < 10) return <i32>(c - 0x30);
  const l = c | 0x20;
  if (l - 0x61 < 6) return <i32>(l - 0x61 + 10);
  return -1;
}

/** A dotted quad at [p, end) as its 32-bit value, or -1 (leading zeros refused: some parsers read octal). */
function parseV4(p: usize, end: usize): i64 {
  let v: u32 = 0;
  for (let parts = 0; parts < 4; parts++) {
    const s = p;
    let n: u32 = 0;
    while (p < end && isDigit(load<u8>(p))) {
      n = n * 10 + (<u32>load<u8>(p) - 0x30);
      p++;
      if (p - s > 3) return -1;
    }
    if (p == s || n > 255 || (p - s > 1 && load<u8>(s) == 0x30)) return -1;
    v = (v << 8) | n;
    if (parts == 3) break;
    if (p >= end || load<u8>(p) != 0x2e) return -1;
    p++;
  }
  return p == end ? <i64>v : -1;
}

/** An IPv6 address at [p, end) (`::` once; a dotted quad as the last 32 bits) into ipHi/ipLo. */
function parseV6(p: usize, end: usize): bool {
  let n = 0;
  let gap = -1;
  if (end - p >= 2 && load<u8>(p) == 0x3a && load<u8>(p + 1) == 0x3a) {
    gap = 0;
    p += 2;
  }
  while (p < end) {
    const s = p;
    let g: u32 = 0;
    while (p < end) {
      const h = hexValue(load<u8>(p));
      if (h < 0) break;
      g = (g << 4) | <u32>h;
      p++;
    }
    if (p < end && load<u8>(p) == 0x2e) {
      // the embedded IPv4 tail: two groups, and the end of the text
      const v4 = parseV4(s, end);
      if (v4 < 0 || n > 6) return false;
      store<u16>(GROUPS + (<usize>n << 1), <u16>(<u32>v4 >>> 16));
      store<u16>(GROUPS + (<usize>(n + 1) << 1), <u16>(<u32>v4 & 0xffff));
      n += 2;
      p = end;
      break;
    }
    if (p == s || p - s > 4 || n == 8) return false;
    store<u16>(GROUPS + (<usize>n << 1), <u16>g);
    n++;
    if (p == end) break;
    if (load<u8>(p) != 0x3a) return false;
    p++;
    if (p < end && load<u8>(p) == 0x3a) {
      if (gap >= 0) return false;
      gap = n;
      p++;
    } else if (p == end) {
      return false; // a single trailing colon
    }
  }
  if (gap >= 0) {
    if (n > 7) return false;
    // the groups after the gap move to the end; the gap is zeros
    const tail = n - gap;
    for (let i = tail - 1; i >= 0; i--) store<u16>(GROUPS + (<usize>(8 - tail + i) << 1), load<u16>(GROUPS + (<usize>(gap + i) << 1)));
    for (let i = gap; i < 8 - tail; i++) store<u16>(GROUPS + (<usize>i << 1), 0);
  } else if (n != 8) {
    return false;
  }
  let hi: u64 = 0;
  let lo: u64 = 0;
  for (let i = 0; i < 4; i++) hi = (hi << 16) | <u64>load<u16>(GROUPS + (<usize>i << 1));
  for (let i = 4; i < 8; i++) lo = (lo << 16) | <u64>load<u16>(GROUPS + (<usize>i << 1));
  ipHi = hi;
  ipLo = lo;
  return true;
}

/** Parses the address at [p, p + len) into the 128-bit space; false when it is not an address. */
function parseIp(p: usize, len: i32): bool {
  const end = p + <usize>len;
  for (let q = p; q < end; q++) {
    if (load<u8>(q) == 0x3a) return parseV6(p, end);
  }
  const v4 = parseV4(p, end);
  if (v4 < 0) return false;
  ipHi = 0;
  ipLo = (<u64>0xffff << 32) | <u64>v4;
  return true;
}

@inline function le(aHi: u64, aLo: u64, bHi: u64, bLo: u64): bool {
  return aHi < bHi || (aHi == bHi && aLo <= bLo);
}

/** The JSON pointer the table carries (its bytes start at ipTablePointer(table)); 0: the field's own path. */
export function ipTablePointerLen(table: usize): i32 {
  return <i32>load<u32>(table, 4);
}

export function ipTablePointer(table: usize): usize {
  return table + 8;
}

/**
 * True when the table [table, table + tableLen) is laid out as ip-table.ts writes it: the search then stays
 * inside it whatever argument a caller passed.
 */
export function ipTableValid(table: usize, tableLen: i32): bool {
  if (tableLen < 12) return false;
  // in u64: a garbage length must not wrap around the 32-bit address space
  const count = <u64>load<u32>(table);
  const samplesAt = 8 + ((<u64>load<u32>(table, 4) + 3) & ~3);
  if (samplesAt + 4 > <u64>tableLen) return false;
  const samples = <u64>load<u32>(table + <usize>samplesAt);
  return samples == (count + 63) >> SAMPLE_SHIFT && samplesAt + 4 + (samples << 4) + (count << 5) == <u64>tableLen;
}

/**
 * Of the entries [a, b) at base + (i << shift), each starting with a low end (high u64, low u64) in
 * ascending order, the index of the first whose low end is above the parsed address (b when none is).
 */
function firstAbove(base: usize, shift: u32, a: u32, b: u32): u32 {
  while (a < b) {
    const m = (a + b) >>> 1;
    const e = base + (<usize>m << shift);
    if (le(load<u64>(e), load<u64>(e, 8), ipHi, ipLo)) a = m + 1;
    else b = m;
  }
  return a;
}

/** True when the text at [p, p + len) is an address one of the table's ranges holds (ipTableValid first). */
export function ipListed(table: usize, p: usize, len: i32): bool {
  if (!parseIp(p, len)) return false;
  const count = load<u32>(table);
  const at = table + 8 + ((<usize>load<u32>(table, 4) + 3) & ~3);
  const sampleCount = load<u32>(at);
  const samples = at + 4;
  const ranges = samples + (<usize>sampleCount << 4);
  // the last sample at or below the address picks the block of ranges that can hold it
  const block = firstAbove(samples, 4, 0, sampleCount);
  if (block == 0) return false;
  // in that block, the first range starting after the address; the one before it is the only candidate
  const first = (block - 1) << SAMPLE_SHIFT;
  const a = firstAbove(ranges, 5, first + 1, min(first + (1 << SAMPLE_SHIFT), count));
  const r = ranges + (<usize>(a - 1) << 5);
  return le(ipHi, ipLo, load<u64>(r, 16), load<u64>(r, 24));
}
