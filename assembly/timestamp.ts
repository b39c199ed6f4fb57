// RFC 3339 timestamps as Go's time.Parse(time.RFC3339Nano, s) accepts them (fields.md §9.2), to Unix ns.
//
// Accepted text (Go's general layout parser, a superset of its RFC 3339 fast path):
//   YYYY '-' MM '-' DD 'T' h[h] ':' mm ':' ss [ ('.'|',') digit+ ] ( 'Z' | ('+'|'-') hh ':' mm )
// Ranges: month 1-12, day 1..days in that month, hour 0-23, minute 0-59, second 0-59 (no leap second),
// offset hour 0-24 and minute 0-60 (Go's tolerance). Fraction digits past the ninth are ignored.
// The nanosecond count wraps like Go's UnixNano for instants outside int64 range.

/** Result for the zero time 0001-01-01T00:00:00Z: UINT64_MAX, which the consumer replaces with "now". */
export const ZERO_TIME_NS: i64 = -1;

let parsedNs: i64 = 0;

/** The instant parsed by the last successful parseTimestamp. */
export function timestampNs(): i64 {
  return parsedNs;
}

@inline function digit(p: usize): i32 {
  return <i32>load<u8>(p) - 0x30;
}

@inline function isDigit(p: usize, end: usize): bool {
  return p < end && <u32>(<i32>load<u8>(p) - 0x30) < 10;
}

/** Two digits at p, or -1. */
function two(p: usize, end: usize): i32 {
  if (!isDigit(p, end) || !isDigit(p + 1, end)) return -1;
  return digit(p) * 10 + digit(p + 1);
}

function isLeap(y: i32): bool {
  return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

function daysIn(month: i32, year: i32): i32 {
  if (month == 2) return isLeap(year) ? 29 : 28;
  return month == 4 || month == 6 || month == 9 || month == 11 ? 30 : 31;
}

/** Days from 1970-01-01 to the given civil date (proleptic Gregorian). */
function daysFromCivil(y: i64, m: i64, d: i64): i64 {
  if (m <= 2) y -= 1;
  const era = (y >= 0 ? y : y - 399) / 400;
  const yoe = y - era * 400;
  const mp = (m + 9) % 12;
  const doy = (153 * mp + 2) / 5 + d - 1;
  const doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + doe - 719468;
}

/** Parses [p, p+len); true on success (the instant is then timestampNs()). */
export function parseTimestamp(p: usize, len: i32): bool {
  const end = p + <usize>len;
  if (len < 19) return false;
  for (let i: usize = 0; i < 4; i++) if (!isDigit(p + i, end)) return false;
  const year = digit(p) * 1000 + digit(p + 1) * 100 + digit(p + 2) * 10 + digit(p + 3);
  let q = p + 4;
  if (load<u8>(q) != 0x2d) return false;
  const month = two(q + 1, end);
  if (month < 1 || month > 12) return false;
  q += 3;
  if (q >= end || load<u8>(q) != 0x2d) return false;
  const day = two(q + 1, end);
  if (day < 1) return false;
  q += 3;
  if (q >= end || load<u8>(q) != 0x54) return false;
  q++;
  // the hour may have one digit (Go's "15" layout element is not zero-padded)
  if (!isDigit(q, end)) return false;
  let hour = digit(q++);
  if (isDigit(q, end)) hour = hour * 10 + digit(q++);
  if (hour > 23) return false;
  if (q >= end || load<u8>(q) != 0x3a) return false;
  const minute = two(q + 1, end);
  if (minute < 0 || minute > 59) return false;
  q += 3;
  if (q >= end || load<u8>(q) != 0x3a) return false;
  const second = two(q + 1, end);
  if (second < 0 || second > 59) return false;
  q += 3;
  let nsec: i64 = 0;
  if (q + 1 < end && (load<u8>(q) == 0x2e || load<u8>(q) == 0x2c) && isDigit(q + 1, end)) {
    q++;
    let digits = 0;
    while (isDigit(q, end)) {
      if (digits < 9) {
        nsec = nsec * 10 + digit(q);
        digits++;
      }
      q++;
    }
    for (; digits < 9; digits++) nsec *= 10;
  }
  let offset: i64 = 0;
  if (q < end && load<u8>(q) == 0x5a) {
    q++;
  } else {
    if (q + 6 > end) return false;
    const sign = load<u8>(q);
    if (sign != 0x2b && sign != 0x2d) return false;
    const oh = two(q + 1, end);
    if (oh < 0 || load<u8>(q + 3) != 0x3a) return false;
    const om = two(q + 4, end);
    if (om < 0 || oh > 24 || om > 60) return false;
    offset = (<i64>oh * 60 + om) * 60;
    if (sign == 0x2d) offset = -offset;
    q += 6;
  }
  if (q != end) return false;
  if (day > daysIn(month, year)) return false;
  const secs = daysFromCivil(year, month, day) * 86400 + <i64>hour * 3600 + <i64>minute * 60 + second - offset;
  // 0001-01-01T00:00:00Z is -62135596800 s since the epoch: Go's zero Time
  if (secs == -62135596800 && nsec == 0) {
    parsedNs = ZERO_TIME_NS;
    return true;
  }
  parsedNs = secs * 1000000000 + nsec;
  return true;
}
