// Alert lines written from the match records of the last evaluateBatch (vm-output.ts), by one template per
// rule that JS made from the output options (src/alerts/line-templates.ts; layout and ops in
// src/compile/bytecode.ts). The values are copied from where the record holds them and escaped as
// JSON.stringify escapes a string, 16 bytes at a time while none needs escaping (well-formed UTF-8 past ASCII
// is copied as it is; anything else is left to the formatter); times are formatted here,
// the local clock asked of JS once per second (localClock). A match the templates cannot write exactly as
// the JavaScript formatter would gets LINE_NONE, and JS formats it.
import {
  L_CLOCK, L_END, L_FIELD, L_ISO, L_JSON_TIME, L_LIT, L_TIME_NS, L_TOKEN, LINE_NONE, LIST_RENDER_MAX, REC_MATCH,
  FLAG_TRUNCATED,
} from './vm-bytecode';
import { outTop, outputPtr } from './vm-output';

/** Seconds since local midnight of the Unix second `sec` (JS Date's getHours/getMinutes/getSeconds). */
@external('env', 'localClock')
declare function localClock(sec: f64): i32;

// ---- templates: written by JS into a region of their own, kept until replaced ------------------------
let tplPtr: usize = 0;
let tplCap: usize = 0;
let tplLen: usize = 0;

/** Room for `size` bytes of templates; JS writes them there, then calls useTemplates(size). */
export function templatesReserve(size: usize): usize {
  if (size > tplCap) {
    tplPtr = tplPtr ? heap.realloc(tplPtr, size) : heap.alloc(size);
    tplCap = size;
  }
  return tplPtr;
}

export function useTemplates(size: usize): void {
  tplLen = size;
}

// ---- the lines of the last renderLines: back to back, and per match where its line ends (or LINE_NONE) --
let linesPtr: usize = 0;
let linesCap: usize = 0;
let linesLen: usize = 0;
let endsPtr: usize = 0;
let endsCap: i32 = 0;
let endsCount: i32 = 0;

export function linesBytes(): usize {
  return linesPtr;
}

export function linesEnds(): usize {
  return endsPtr;
}

/** Bytes of lines the last renderLines wrote. */
export function linesUsed(): usize {
  return linesLen;
}

@inline function room(n: usize): void {
  if (linesLen + n > linesCap) {
    let cap = max<usize>(linesCap << 1, 1 << 16);
    while (cap < linesLen + n) cap <<= 1;
    linesPtr = linesPtr ? heap.realloc(linesPtr, cap) : heap.alloc(cap);
    linesCap = cap;
  }
}

@inline function putByte(b: u32): void {
  room(1);
  store<u8>(linesPtr + linesLen, <u8>b);
  linesLen++;
}

function putBytes(p: usize, n: usize): void {
  room(n);
  memory.copy(linesPtr + linesLen, p, n);
  linesLen += n;
}

/** `value` as `width` decimal digits, zero-padded. */
function putDigits(value: i64, width: i32): void {
  room(<usize>width);
  let at = linesPtr + linesLen + <usize>width;
  for (let i = 0; i < width; i++) {
    store<u8>(--at, <u8>(0x30 + value % 10));
    value /= 10;
  }
  linesLen += <usize>width;
}

const HEX = memory.data<u8>([0x30, 0x31, 0x32, 0x33, 0x34, 0x35, 0x36, 0x37, 0x38, 0x39, 0x61, 0x62, 0x63, 0x64, 0x65, 0x66]);

/**
 * Length of the UTF-8 sequence at p (lead byte past ASCII) if it is well formed (RFC 3629: no overlong form,
 * no surrogate, nothing past U+10FFFF, no cut), else 0. A decoder (Buffer#toString, which the formatter
 * uses) keeps exactly the well-formed sequences and replaces everything else with U+FFFD.
 */
function utf8Sequence(p: usize, end: usize): usize {
  const b = <u32>load<u8>(p);
  let n: usize;
  let lo: u32 = 0x80;
  let hi: u32 = 0xbf;
  if (b >= 0xc2 && b <= 0xdf) n = 2;
  else if (b >= 0xe0 && b <= 0xef) {
    n = 3;
    if (b == 0xe0) lo = 0xa0;
    else if (b == 0xed) hi = 0x9f;
  } else if (b >= 0xf0 && b <= 0xf4) {
    n = 4;
    if (b == 0xf0) lo = 0x90;
    else if (b == 0xf4) hi = 0x8f;
  } else return 0;
  if (p + n > end) return 0;
  const second = <u32>load<u8>(p, 1);
  if (second < lo || second > hi) return 0;
  for (let i: usize = 2; i < n; i++) {
    const c = <u32>load<u8>(p + i);
    if (c < 0x80 || c > 0xbf) return 0;
  }
  return n;
}

/**
 * The bytes [p, p+len) escaped as JSON.stringify escapes a string ('"', '\', control bytes), without the
 * quotes; well-formed UTF-8 past ASCII as it is (JSON.stringify escapes none of it); false for bytes that are
 * not well-formed UTF-8 (the formatter's decoding replaces them).
 */
function putEscaped(p: usize, len: usize): bool {
  room(len * 6); // \u00xx is the longest escape
  let q = linesPtr + linesLen;
  const end = p + len;
  // 16 bytes at a time while none needs care: below 0x20, past 0x7f, '"' or '\'
  const space = i8x16.splat(0x20);
  const quote = i8x16.splat(0x22);
  const backslash = i8x16.splat(0x5c);
  while (p + 16 <= end) {
    const v = v128.load(p);
    const care = v128.or(v128.or(i8x16.lt_u(v, space), i8x16.lt_s(v, i8x16.splat(0))), v128.or(i8x16.eq(v, quote), i8x16.eq(v, backslash)));
    if (v128.any_true(care)) break;
    v128.store(q, v);
    p += 16;
    q += 16;
  }
  while (p < end) {
    const b = <u32>load<u8>(p);
    if (b >= 0x20 && b != 0x22 && b != 0x5c) {
      if (b <= 0x7f) {
        store<u8>(q++, <u8>b);
        p++;
        continue;
      }
      const n = utf8Sequence(p, end);
      if (n == 0) return false;
      memory.copy(q, p, n);
      q += n;
      p += n;
      continue;
    }
    p++;
    store<u8>(q++, 0x5c);
    if (b == 0x22 || b == 0x5c) store<u8>(q++, <u8>b);
    else if (b == 0x08) store<u8>(q++, 0x62);
    else if (b == 0x09) store<u8>(q++, 0x74);
    else if (b == 0x0a) store<u8>(q++, 0x6e);
    else if (b == 0x0c) store<u8>(q++, 0x66);
    else if (b == 0x0d) store<u8>(q++, 0x72);
    else {
      store<u32>(q, 0x30303075); // "u00"
      store<u8>(q, load<u8>(HEX + (b >> 4)), 3);
      store<u8>(q, load<u8>(HEX + (b & 15)), 4);
      q += 5;
    }
  }
  linesLen = q - linesPtr;
  return true;
}

// ---- the record being written: where each of its value lists starts ----------------------------------
let listAtPtr: usize = 0;
let listAtCap: i32 = 0;

@inline function listAt(k: u32): usize {
  return <usize>load<u32>(listAtPtr + (<usize>k << 2));
}

/** Notes where each of the record's `lists` value lists starts (at `p`); returns the record's end. */
function indexLists(p: usize, lists: i32): usize {
  if (lists > listAtCap) {
    listAtCap = max<i32>(lists, 16);
    listAtPtr = listAtPtr ? heap.realloc(listAtPtr, <usize>listAtCap << 2) : heap.alloc(<usize>listAtCap << 2);
  }
  for (let k = 0; k < lists; k++) {
    store<u32>(listAtPtr + (<usize>k << 2), <u32>p);
    const n = load<u32>(p);
    let v = firstValue(p);
    for (let i: u32 = 0; i < n; i++) v = nextValue(v);
    p = v - 4; // where the value after the last would have its length: the next list
  }
  return p;
}

// A list is its u32 count, then per value a u32 length and the bytes, padded to 4; a value's address is that
// of its bytes.
@inline function firstValue(list: usize): usize {
  return list + 8;
}

@inline function valueLength(v: usize): usize {
  return <usize>load<u32>(v - 4);
}

@inline function nextValue(v: usize): usize {
  return v + ((valueLength(v) + 3) & ~(<usize>3)) + 4;
}

/** Four bytes, little-endian (a word of ASCII such as "null"). */
@inline function putWord(w: u32): void {
  room(4);
  store<u32>(linesPtr + linesLen, w);
  linesLen += 4;
}

/** A message token: "<NA>", the first value, or (list) "(a,b)" within LIST_RENDER_MAX bytes. */
function putToken(list: usize, asList: bool): bool {
  const n = load<u32>(list);
  if (n == 0) {
    putWord(0x3e414e3c); // "<NA>"
    return true;
  }
  if (!asList) {
    const v = firstValue(list);
    return putEscaped(v, valueLength(v));
  }
  let text: usize = <usize>n + 1; // the parentheses and commas
  putByte(0x28);
  let v = firstValue(list);
  for (let i: u32 = 0; i < n; i++) {
    if (i > 0) putByte(0x2c);
    const len = valueLength(v);
    if (!putEscaped(v, len)) return false;
    text += len;
    v = nextValue(v);
  }
  putByte(0x29);
  return text <= <usize>LIST_RENDER_MAX;
}

/** An output_fields value: null, "value", or (list) ["a","b"]. */
function putField(list: usize, asList: bool): bool {
  const n = load<u32>(list);
  if (n == 0) {
    putWord(0x6c6c756e); // "null"
    return true;
  }
  if (asList) putByte(0x5b);
  const count = asList ? n : 1;
  let v = firstValue(list);
  for (let i: u32 = 0; i < count; i++) {
    if (i > 0) putByte(0x2c);
    const len = valueLength(v);
    putByte(0x22);
    if (!putEscaped(v, len)) return false;
    putByte(0x22);
    v = nextValue(v);
  }
  if (asList) putByte(0x5d);
  return true;
}

// ---- time -------------------------------------------------------------------------------------------------
const NS_PER_S: i64 = 1_000_000_000;
// the time of the match being written: whole seconds (floor) and nanoseconds within
let sec: i64 = 0;
let nanos: i64 = 0;
// the civil date of day `dateDay`, and `clockSec`'s local clock, kept from one match to the next
let dateDay: i64 = i64.MIN_VALUE;
let year: i64 = 0;
let month: i64 = 0;
let day: i64 = 0;
let clockSec: i64 = i64.MIN_VALUE;
let localSeconds: i32 = 0;

function setTime(ns: i64): void {
  sec = ns / NS_PER_S;
  nanos = ns % NS_PER_S;
  if (nanos < 0) {
    sec--;
    nanos += NS_PER_S;
  }
}

/** The civil (proleptic Gregorian) date of the current second, in UTC (Hinnant's civil_from_days). */
function civil(): void {
  const days = sec >= 0 ? sec / 86400 : -((-sec + 86399) / 86400);
  if (days == dateDay) return;
  dateDay = days;
  const z = days + 719468;
  const era = (z >= 0 ? z : z - 146096) / 146097;
  const doe = z - era * 146097;
  const yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const mp = (5 * doy + 2) / 153;
  day = doy - (153 * mp + 2) / 5 + 1;
  month = mp < 10 ? mp + 3 : mp - 9;
  year = yoe + era * 400 + (month <= 2 ? 1 : 0);
}

/** "HH:MM:SS" of `seconds` since midnight. */
function putClock(seconds: i64): void {
  putDigits(seconds / 3600, 2);
  putByte(0x3a);
  putDigits((seconds / 60) % 60, 2);
  putByte(0x3a);
  putDigits(seconds % 60, 2);
}

/** "YYYY-MM-DDTHH:MM:SS.nnnnnnnnn" in UTC. */
function putIsoSecond(): void {
  civil();
  putDigits(year, 4);
  putByte(0x2d);
  putDigits(month, 2);
  putByte(0x2d);
  putDigits(day, 2);
  putByte(0x54);
  putClock(sec - dateDay * 86400);
  putByte(0x2e);
  putDigits(nanos, 9);
}

function putTimeNs(ns: i64): void {
  if (ns < 0) putByte(0x2d);
  // digits of |ns| backwards (i64.MIN_VALUE has no positive: each digit is taken from the negative side)
  let digits = 0;
  let v = ns;
  do {
    digits++;
    v /= 10;
  } while (v != 0);
  room(<usize>digits);
  let at = linesPtr + linesLen + <usize>digits;
  v = ns;
  do {
    const d = v % 10;
    store<u8>(--at, <u8>(0x30 + (d < 0 ? -d : d)));
    v /= 10;
  } while (v != 0);
  linesLen += <usize>digits;
}

// ---- lines --------------------------------------------------------------------------------------------

function pushEnd(end: u32): void {
  if (endsCount == endsCap) {
    endsCap = max<i32>(256, endsCap << 1);
    endsPtr = endsPtr ? heap.realloc(endsPtr, <usize>endsCap << 2) : heap.alloc(<usize>endsCap << 2);
  }
  store<u32>(endsPtr + (<usize>endsCount << 2), end);
  endsCount++;
}

/** Runs the template at `t` for the match whose record's value lists were indexed. */
function runTemplate(t: usize, ns: i64): bool {
  while (true) {
    const op = load<u32>(t);
    if (op == L_END) return true;
    if (op == L_LIT) {
      const n = <usize>load<u32>(t, 4);
      putBytes(t + 8, n);
      t += 8 + ((n + 3) & ~(<usize>3));
      continue;
    }
    if (op == L_TOKEN || op == L_FIELD) {
      const list = listAt(load<u32>(t, 4));
      const asList = load<u32>(t, 8) != 0;
      if (!(op == L_TOKEN ? putToken(list, asList) : putField(list, asList))) return false;
      t += 12;
      continue;
    }
    if (op == L_CLOCK) {
      if (load<u32>(t, 4) != 0) {
        civil();
        putClock(sec - dateDay * 86400);
      } else {
        if (sec != clockSec) {
          clockSec = sec;
          localSeconds = localClock(<f64>sec);
        }
        putClock(<i64>localSeconds);
      }
      putByte(0x2e);
      putDigits(nanos, 9);
      t += 8;
      continue;
    }
    if (op == L_ISO || op == L_JSON_TIME) {
      putIsoSecond();
      if (op == L_ISO) {
        putWord(0x3030302b); // "+000"
        putByte(0x30);
      } else {
        putByte(0x5a);
      }
      t += 4;
      continue;
    }
    if (op == L_TIME_NS) {
      putTimeNs(ns);
      t += 4;
      continue;
    }
    return false; // an op this build does not know: JS formats the line
  }
}

/**
 * Writes the line of every match record of the last evaluateBatch with the templates in use; returns how
 * many matches. Line k ends at linesEnds()[k] in linesBytes(), or is LINE_NONE (JS formats it).
 */
export function renderLines(): i32 {
  linesLen = 0;
  endsCount = 0;
  let p = outputPtr();
  const end = p + outTop();
  const rules = tplLen >= 4 ? load<u32>(tplPtr) : 0;
  while (p < end) {
    if (load<u32>(p) != REC_MATCH) {
      p += 20; // a rejection
      continue;
    }
    const rule = load<u32>(p, 12);
    const flags = load<u32>(p, 16);
    const ns = load<i64>(p, 20);
    const recordEnd = indexLists(p + 32, <i32>load<u32>(p, 28));
    const start = linesLen;
    const t = rule < rules ? <usize>load<u32>(tplPtr + 4 + (<usize>rule << 2)) : 0;
    let written = false;
    if (t != 0 && (flags & FLAG_TRUNCATED) == 0) {
      setTime(ns);
      written = runTemplate(tplPtr + t, ns);
    }
    if (written) {
      pushEnd(<u32>linesLen);
    } else {
      linesLen = start;
      pushEnd(LINE_NONE);
    }
    p = recordEnd;
  }
  return endsCount;
}
