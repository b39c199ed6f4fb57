// A lenient JSON parser with fastjson's semantics (fields.md §3), over raw bytes in linear memory.
//
// Accepted grammar (fastjson v1.6; nothing else is validated):
//   document := ws value ws
//   value    := object | array | string | number | 'true' | 'false' | 'null'
//   object   := '{' ws '}' | '{' member ( ws ',' member )* ws '}'       member := ws string ws ':' ws value
//   array    := '[' ws ']' | '[' ws value ( ws ',' ws value )* ws ']'
//   string   := '"' ( '\' byte | byte other than '"' and '\' )* '"'    escapes and control bytes unchecked
//   number   := [0-9.eE+-]+  |  [+-]? ( nan | inf )  (case-insensitive)  |  'nan' where 'null' was expected
//   ws       := [ \t\r\n]*
// A value inside 300 or more containers is an error (fastjson MaxDepth: every value counts one level).
//
// The result is a tape: one 16-byte node per value and per object key, in document order:
//   u8 type, u8 flags, u16 unused, u32 start, u32 end, u32 next
// start/end are absolute addresses: the content between the quotes for strings and keys, the raw text for
// numbers and literals, '{'..'}' inclusive for containers. `next` is the node after this node's subtree, so
// a subtree is skipped in O(1); an object's children are key/value node pairs. The tape lives in one region
// reused from event to event and grown (never shrunk) when an event needs more nodes than any before.
//
// Lazy containers: the whole document is always read (so an error anywhere is an error, as in fastjson),
// but only containers fewer than LAZY_DEPTH levels deep get their children on the tape. A container at
// LAZY_DEPTH is one node flagged F_LAZY (no children: next = itself + 1), and nothing inside it is written.
// Navigation goes through open(n): the first time a lazy container is opened, its text (already known to
// be valid) is parsed again onto the end of the tape, again down to LAZY_DEPTH levels below it, and the
// node remembers where (a link per node, kept beside the tape). Audit events keep most of their bytes in
// requestObject/responseObject bodies that few fields look into, so most events never write those nodes.
//
// SALVAGE mode (CloudWatch-truncated events): an unexpected end of input inside a container is not an
// error: the member or element being read when the input ended is dropped, and every open container is
// closed at the end of the input; salvaged() then reports true. Any other syntax error is still an error.
// A salvaged document is parsed whole (no lazy containers): the cut decides what is kept.

import { arenaAlloc } from './memory';

export const T_OBJECT: u32 = 1;
export const T_ARRAY: u32 = 2;
export const T_STRING: u32 = 3;
export const T_NUMBER: u32 = 4;
export const T_TRUE: u32 = 5;
export const T_FALSE: u32 = 6;
export const T_NULL: u32 = 7;
export const T_KEY: u32 = 8;

/** Node flag: the string or key contains a backslash (needs unescaping). */
export const F_ESCAPED: u32 = 1;
/** Node flag: a container whose children are not on the tape yet (open() puts them there). */
const F_LAZY: u32 = 2;
/** Node flag: a lazy container already opened; its link holds the node of the parsed copy. */
const F_OPENED: u32 = 4;
/** Node flag: an object with a key that contains a backslash (lookups must compare unescaped keys). */
const F_ESCAPED_KEYS: u32 = 8;

/** parseJson results. */
export const PARSE_OK: i32 = 0;
export const PARSE_SYNTAX: i32 = 1;
export const PARSE_TOO_DEEP: i32 = 2;

export const MAX_DEPTH: i32 = 300;
/** Containers nested this deep (the root is at depth 0) are lazy: root members' members' containers. */
const LAZY_DEPTH: i32 = 2;
/** A depth no container reaches: everything on the tape. */
const NEVER_LAZY: i32 = MAX_DEPTH + 1;

const NODE_SIZE: usize = 16;

let tapePtr: usize = 0;
let linkPtr: usize = 0; // i32 per node: the opened copy of a lazy container
let tapeCap: i32 = 0;
let tapeTop: i32 = 0;
let salvagedFlag: bool = false;
/** Set when unescaping decoded a \u0000 since the last parse: only then can a value hold a NUL byte. */
export let nulDecoded: bool = false;
/** Where the last parse failed (absolute address). */
let errorAt: usize = 0;
// open containers while parsing: their node (-1 when not on the tape) and whether each is an array
const nodeStack = new StaticArray<i32>(MAX_DEPTH + 1);
const arrayStack = new StaticArray<bool>(MAX_DEPTH + 1);

@inline function nodeAddr(n: i32): usize {
  return tapePtr + (<usize>n << 4);
}
@inline export function nodeType(n: i32): u32 {
  return <u32>load<u8>(nodeAddr(n));
}
@inline export function nodeEscaped(n: i32): bool {
  return (<u32>load<u8>(nodeAddr(n), 1) & F_ESCAPED) != 0;
}
@inline export function nodeStart(n: i32): usize {
  return <usize>load<u32>(nodeAddr(n), 4);
}
@inline export function nodeEnd(n: i32): usize {
  return <usize>load<u32>(nodeAddr(n), 8);
}
@inline export function nodeLen(n: i32): i32 {
  return <i32>(load<u32>(nodeAddr(n), 8) - load<u32>(nodeAddr(n), 4));
}
@inline export function nodeNext(n: i32): i32 {
  return <i32>load<u32>(nodeAddr(n), 12);
}
export function salvaged(): bool {
  return salvagedFlag;
}
/** Whether a string (value or key) of the last parsed document holds the escape \u0000. */
export function hasEscapedNul(): bool {
  return escapedNul;
}
export function parseErrorAt(): usize {
  return errorAt;
}

/**
 * The node whose subtree holds container n's children: n itself, or for a lazy container its parsed copy
 * (made on first use). Every walk over a container's children starts here.
 */
@inline export function open(n: i32): i32 {
  return (<u32>load<u8>(nodeAddr(n), 1) & F_LAZY) == 0 ? n : openLazy(n);
}

function openLazy(n: i32): i32 {
  const flags = <u32>load<u8>(nodeAddr(n), 1);
  if (flags & F_OPENED) return load<i32>(linkPtr + (<usize>n << 2));
  const copy = tapeTop;
  // the text was read once already: this parse cannot fail
  parseRange(nodeStart(n), nodeEnd(n), false, LAZY_DEPTH);
  store<u8>(nodeAddr(n), <u8>(flags | F_OPENED), 1);
  store<i32>(linkPtr + (<usize>n << 2), copy);
  return copy;
}

@inline function newNode(type: u32, flags: u32, start: usize, end: usize): i32 {
  if (tapeTop == tapeCap) {
    const cap = max<i32>(4096, tapeCap << 1);
    tapePtr = tapePtr ? heap.realloc(tapePtr, <usize>cap * NODE_SIZE) : heap.alloc(<usize>cap * NODE_SIZE);
    linkPtr = linkPtr ? heap.realloc(linkPtr, <usize>cap << 2) : heap.alloc(<usize>cap << 2);
    tapeCap = cap;
  }
  const at = nodeAddr(tapeTop);
  store<u32>(at, type | (flags << 8));
  store<u32>(at, <u32>start, 4);
  store<u32>(at, <u32>end, 8);
  store<u32>(at, <u32>(tapeTop + 1), 12);
  return tapeTop++;
}

@inline function closeNode(n: i32, end: usize): void {
  const at = nodeAddr(n);
  store<u32>(at, <u32>end, 8);
  store<u32>(at, <u32>tapeTop, 12);
}

@inline function isWs(c: u32): bool {
  return c == 0x20 || c == 0x0a || c == 0x09 || c == 0x0d;
}

// Whitespace bytes skipped since parseJson began (every byte outside strings that compaction drops).
let wsSkipped: usize = 0;

@inline function skipWs(p: usize, end: usize): usize {
  // compact JSON has no whitespace: one compare in the common case
  while (p < end && <u32>load<u8>(p) <= 0x20 && isWs(load<u8>(p))) {
    p++;
    wsSkipped++;
  }
  return p;
}

@inline function isNumberByte(c: u32): bool {
  return (c - 0x30 < 10) || c == 0x2e || c == 0x2d || c == 0x2b || c == 0x65 || c == 0x45;
}

@inline function lower(c: u32): u32 {
  return c - 0x41 < 26 ? c | 0x20 : c;
}

/** Whether the 3 bytes at p are `a b c` ignoring ASCII case (a, b, c lowercase). */
function equalFold3(p: usize, end: usize, a: u32, b: u32, c: u32): bool {
  return p + 3 <= end && lower(load<u8>(p)) == a && lower(load<u8>(p, 1)) == b && lower(load<u8>(p, 2)) == c;
}

/** Whether the 4 bytes at p are `word` (little-endian: 'true' = 0x65757274). */
@inline function word4At(p: usize, end: usize, word: u32): bool {
  return p + 4 <= end && load<u32>(p) == word;
}

/** Set by stringEnd: the string it scanned contains a backslash. */
let stringEscaped = false;
/** Set by stringEnd since the last parseJson: a string of the document holds the escape \u0000. */
let escapedNul = false;
/** Bytes of linear memory: 16-byte loads must end before this. */
let memoryEnd: usize = 0;

/**
 * End of the string whose content starts at p (address of the closing quote), or 0 if unterminated.
 * 32 bytes at a time, then 16: one compare for '"' and one for '\' per 16 bytes; a backslash skips the byte
 * after it. Most strings of an audit event are under 32 bytes (72% under 16, 89% under 32): the 32-byte step
 * ends most of them without a second, mispredicted trip round the loop (a few percent of the parse:
 * bench/RESULTS.md, step 32).
 */
@inline function stringEnd(p: usize, end: usize): usize {
  stringEscaped = false;
  const quote = i8x16.splat(0x22);
  const backslash = i8x16.splat(0x5c);
  while (true) {
    if (p + 32 <= end) {
      const v0 = v128.load(p);
      const v1 = v128.load(p, 16);
      const m = (<u32>i8x16.bitmask(v128.or(i8x16.eq(v0, quote), i8x16.eq(v0, backslash)))) |
        (<u32>i8x16.bitmask(v128.or(i8x16.eq(v1, quote), i8x16.eq(v1, backslash))) << 16);
      if (m == 0) {
        p += 32;
        continue;
      }
      p += <usize>ctz(m);
    } else if (p + 16 <= end) {
      const v = v128.load(p);
      const m = <u32>i8x16.bitmask(v128.or(i8x16.eq(v, quote), i8x16.eq(v, backslash)));
      if (m == 0) {
        p += 16;
        continue;
      }
      p += <usize>ctz(m);
    } else if (p >= end) {
      return 0;
    } else if (p + 16 <= memoryEnd) {
      // the last block: bytes past the end are not the string's
      const v = v128.load(p);
      const m = <u32>i8x16.bitmask(v128.or(i8x16.eq(v, quote), i8x16.eq(v, backslash))) & ((<u32>1 << <u32>(end - p)) - 1);
      if (m == 0) return 0;
      p += <usize>ctz(m);
    } else {
      while (p < end && load<u8>(p) != 0x22 && load<u8>(p) != 0x5c) p++;
      if (p >= end) return 0;
    }
    if (load<u8>(p) == 0x22) return p;
    stringEscaped = true;
    // backslashes are rare: checking each for \u0000 costs nothing on ordinary events ('0000' = 0x30303030)
    if (p + 6 <= end && load<u8>(p, 1) == 0x75 && load<u32>(p, 2) == 0x30303030) escapedNul = true;
    p += 2;
  }
}

/** Whether [p, end) could be the start of a literal or number that the end of the input cut. */
function cutWord(p: usize, end: usize): bool {
  if (end - p > 5) return false;
  for (; p < end; p++) {
    const c = <u32>load<u8>(p);
    if (!(isNumberByte(c) || (c | 0x20) - 0x61 < 26)) return false;
  }
  return true;
}

// parser states
const S_VALUE = 0; // a value is expected at pos
const S_AFTER = 1; // a value just ended
const S_KEY = 2; // an object key is expected (after '{' or ',')

// The last parseJson: its input length and the whitespace it skipped (later lazy opens skip it again).
let parsedLen: i32 = 0;
let parsedWs: usize = 0;

/** Parses [ptr, ptr+len) into the tape (root = node 0). Returns PARSE_OK or an error code. */
export function parseJson(ptr: usize, len: i32, salvage: bool): i32 {
  tapeTop = 0;
  salvagedFlag = false;
  nulDecoded = false;
  escapedNul = false;
  errorAt = 0;
  wsSkipped = 0;
  const r = parseRange(ptr, ptr + <usize>len, salvage, salvage ? NEVER_LAZY : LAZY_DEPTH);
  parsedLen = len;
  parsedWs = wsSkipped;
  return r;
}

/**
 * Length of the compact re-serialization of the document parseJson read last (after PARSE_OK). Compaction
 * only drops the whitespace between tokens, and the parser skipped every such byte: no walk over the tape,
 * so lazy containers stay unopened. A salvaged document also lost its cut member: its tape is measured.
 */
export function documentCompactLength(): i32 {
  return salvagedFlag ? compactLength(0) : parsedLen - <i32>parsedWs;
}

/**
 * Parses one value in [ptr, end) onto the tape from tapeTop. Values inside `lazyDepth` containers are read
 * (checked) but not written; containers at that depth are written as lazy nodes.
 */
function parseRange(ptr: usize, end: usize, salvage: bool, lazyDepth: i32): i32 {
  memoryEnd = <usize>memory.size() << 16;
  let pos = skipWs(ptr, end);
  let depth: i32 = 0; // open containers
  let memberStart: i32 = tapeTop; // first node of the member/element being read (salvage drops from here)
  let state = S_VALUE;
  while (true) {
    if (state == S_VALUE) {
      if (pos >= end) break; // unexpected end
      if (depth + 1 > MAX_DEPTH) {
        errorAt = pos;
        return PARSE_TOO_DEEP;
      }
      const c = <u32>load<u8>(pos);
      const write = depth <= lazyDepth;
      if (c == 0x22) { // '"'
        const q = stringEnd(pos + 1, end);
        if (q == 0) break;
        if (write) newNode(T_STRING, stringEscaped ? F_ESCAPED : 0, pos + 1, q);
        pos = q + 1;
        state = S_AFTER;
        continue;
      }
      if (c == 0x7b || c == 0x5b) { // '{' '['
        const isArray = c == 0x5b;
        const n = write ? newNode(isArray ? T_ARRAY : T_OBJECT, depth == lazyDepth ? F_LAZY : 0, pos, 0) : -1;
        unchecked((nodeStack[depth] = n));
        unchecked((arrayStack[depth] = isArray));
        depth++;
        pos = skipWs(pos + 1, end);
        memberStart = tapeTop;
        if (pos >= end) break;
        if (<u32>load<u8>(pos) == c + 2) { // '}' or ']' right away
          depth--;
          pos++;
          if (n >= 0) closeNode(n, pos);
          state = S_AFTER;
        } else {
          state = isArray ? S_VALUE : S_KEY;
        }
        continue;
      }
      let litLen: usize = 0;
      let litType: u32 = T_NUMBER;
      if (c == 0x74) { // 't'
        if (word4At(pos, end, 0x65757274)) { litLen = 4; litType = T_TRUE; }
      } else if (c == 0x66) { // 'f'
        if (word4At(pos, end, 0x736c6166) && pos + 5 <= end && load<u8>(pos, 4) == 0x65) { litLen = 5; litType = T_FALSE; }
      } else if (c == 0x6e) { // 'n'
        if (word4At(pos, end, 0x6c6c756e)) { litLen = 4; litType = T_NULL; }
        else if (equalFold3(pos, end, 0x6e, 0x61, 0x6e)) { litLen = 3; }
      } else {
        let p = pos;
        while (p < end && isNumberByte(load<u8>(p))) p++;
        let n = p - pos;
        if (n == 0 || (n == 1 && (c == 0x2d || c == 0x2b))) {
          if (equalFold3(p, end, 0x69, 0x6e, 0x66) || equalFold3(p, end, 0x6e, 0x61, 0x6e)) litLen = n + 3;
        } else if (salvage && p >= end) {
          break; // a number running into the cut may have been cut itself
        } else {
          litLen = n;
        }
      }
      if (litLen == 0) {
        if (salvage && cutWord(pos, end)) break; // a literal or number cut by the end
        errorAt = pos;
        return PARSE_SYNTAX;
      }
      if (write) newNode(litType, 0, pos, pos + litLen);
      pos += litLen;
      state = S_AFTER;
      continue;
    }
    if (state == S_AFTER) {
      if (depth == 0) {
        pos = skipWs(pos, end);
        if (pos != end) {
          errorAt = pos;
          return PARSE_SYNTAX;
        }
        return PARSE_OK;
      }
      pos = skipWs(pos, end);
      memberStart = tapeTop;
      if (pos >= end) break;
      const c = <u32>load<u8>(pos);
      const inArray = unchecked(arrayStack[depth - 1]);
      if (c == 0x2c) { // ','
        pos++;
        if (inArray) {
          pos = skipWs(pos, end);
          state = S_VALUE;
        } else {
          state = S_KEY;
        }
        continue;
      }
      if (c == (inArray ? 0x5d : 0x7d)) {
        depth--;
        pos++;
        const n = unchecked(nodeStack[depth]);
        if (n >= 0) closeNode(n, pos);
        continue;
      }
      errorAt = pos;
      return PARSE_SYNTAX;
    }
    // S_KEY
    pos = skipWs(pos, end);
    memberStart = tapeTop;
    if (pos >= end) break;
    if (load<u8>(pos) != 0x22) {
      errorAt = pos;
      return PARSE_SYNTAX;
    }
    const q = stringEnd(pos + 1, end);
    if (q == 0) break;
    if (depth <= lazyDepth) {
      newNode(T_KEY, stringEscaped ? F_ESCAPED : 0, pos + 1, q);
      if (stringEscaped) {
        const obj = nodeAddr(unchecked(nodeStack[depth - 1]));
        store<u8>(obj, load<u8>(obj, 1) | <u8>F_ESCAPED_KEYS, 1);
      }
    }
    pos = skipWs(q + 1, end);
    if (pos >= end) break;
    if (load<u8>(pos) != 0x3a) {
      errorAt = pos;
      return PARSE_SYNTAX;
    }
    pos = skipWs(pos + 1, end);
    state = S_VALUE;
  }
  // the input ended inside a value
  if (!salvage || depth == 0) {
    errorAt = end;
    return PARSE_SYNTAX;
  }
  // salvage parses never have lazy containers: every open container is on the tape
  tapeTop = memberStart;
  while (depth > 0) closeNode(unchecked(nodeStack[--depth]), end);
  salvagedFlag = true;
  return PARSE_OK;
}

// ---- navigation (fastjson Get, §3.2) ----------------------------------------------------------------------

/** Missing value. */
export const NONE: i32 = -1;

/** Number of elements of an array (or members of an object). */
export function childCount(n: i32): i32 {
  n = open(n);
  const stop = nodeNext(n);
  const step = nodeType(n) == T_OBJECT ? 1 : 0;
  let count = 0;
  for (let c = n + 1; c < stop; c = nodeNext(c + step)) count++;
  return count;
}

/** The element at `index` of an array, or NONE. */
export function arrayAt(n: i32, index: i64): i32 {
  if (index < 0) return NONE;
  n = open(n);
  const stop = nodeNext(n);
  let c = n + 1;
  for (let i: i64 = 0; c < stop; i++) {
    if (i == index) return c;
    c = nodeNext(c);
  }
  return NONE;
}

/** Go strconv.Atoi of a key used on an array; -1 when it is not a valid non-negative int64. */
function atoiIndex(p: usize, len: i32): i64 {
  let i = 0;
  let negative = false;
  if (len > 0) {
    const c = load<u8>(p);
    if (c == 0x2b || c == 0x2d) {
      negative = c == 0x2d;
      i = 1;
    }
  }
  if (i >= len) return -1;
  let v: u64 = 0;
  for (; i < len; i++) {
    const d = <u32>load<u8>(p + i) - 0x30;
    if (d > 9) return -1;
    if (v > (<u64>i64.MAX_VALUE - d) / 10) return -1;
    v = v * 10 + d;
  }
  return negative && v != 0 ? -1 : <i64>v;
}

@inline function bytesEqual(a: usize, b: usize, len: usize): bool {
  let i: usize = 0;
  for (; i + 8 <= len; i += 8) {
    if (load<u64>(a + i) != load<u64>(b + i)) return false;
  }
  for (; i < len; i++) {
    if (load<u8>(a + i) != load<u8>(b + i)) return false;
  }
  return true;
}

// scratch for unescaped keys during lookups (kept across events, grown on demand)
let scratchPtr: usize = 0;
let scratchCap: usize = 0;

function scratch(size: usize): usize {
  if (size > scratchCap) {
    scratchCap = max<usize>(size, 256);
    scratchPtr = scratchPtr ? heap.realloc(scratchPtr, scratchCap) : heap.alloc(scratchCap);
  }
  return scratchPtr;
}

/**
 * The first member of object `obj` whose key equals the given bytes (compared unescaped), or NONE.
 *
 * First the raw key texts, as fastjson tries first. A raw match on a key without a backslash is exact (its
 * raw text is its unescaped text), and it is the only kind of match a key without a backslash can find; a
 * key with one can match raw only a key with one too, whose unescaped text is another: those, and objects
 * with no raw match but escaped keys, go the slow way. So the lookup key need not be searched for a
 * backslash first (that was a scan of the key per lookup, on every field of every event).
 */
export function objectGet(obj: i32, key: usize, keyLen: i32): i32 {
  obj = open(obj);
  const stop = nodeNext(obj);
  let k = obj + 1;
  for (; k < stop; k = nodeNext(k + 1)) {
    const at = nodeAddr(k);
    const start = <usize>load<u32>(at, 4);
    if (<i32>(load<u32>(at, 8) - <u32>start) == keyLen && bytesEqual(start, key, keyLen)) {
      if ((<u32>load<u8>(at, 1) & F_ESCAPED) == 0) return k + 1;
      break;
    }
  }
  // no key of this object needs unescaping: nothing else can match
  if (k >= stop && (<u32>load<u8>(nodeAddr(obj), 1) & F_ESCAPED_KEYS) == 0) return NONE;
  for (k = obj + 1; k < stop; k = nodeNext(k + 1)) {
    if (nodeEscaped(k)) {
      const buf = scratch(nodeLen(k));
      const n = unescapeInto(nodeStart(k), nodeLen(k), buf);
      if (n == keyLen && bytesEqual(buf, key, keyLen)) return k + 1;
    } else if (nodeLen(k) == keyLen && bytesEqual(nodeStart(k), key, keyLen)) {
      return k + 1;
    }
  }
  return NONE;
}

/** One fastjson Get step: object member, array element by Atoi-style index; scalars have no children. */
@inline export function getStep(v: i32, key: usize, keyLen: i32): i32 {
  const t = nodeType(v);
  if (t == T_OBJECT) return objectGet(v, key, keyLen);
  if (t == T_ARRAY) return arrayAt(v, atoiIndex(key, keyLen));
  return NONE;
}

// ---- duplicate keys -------------------------------------------------------------------------------------
// fastjson (and so Falco and kawa) reads the first of two equal keys; the API server applies the last. A
// request body with both is read one way by the rules and acted on the other way: kawa.duplicate_keys.

// nodes still to visit, and one object's keys by hash (node index, -1 empty); grown on demand, kept
let walkPtr: usize = 0;
let walkCap: i32 = 0;
let slotsPtr: usize = 0;
let slotsCap: i32 = 0;

function walkPush(top: i32, n: i32): void {
  if (top >= walkCap) {
    walkCap = max<i32>(64, walkCap * 2);
    walkPtr = walkPtr ? heap.realloc(walkPtr, <usize>walkCap << 2) : heap.alloc(<usize>walkCap << 2);
  }
  store<i32>(walkPtr + (<usize>top << 2), n);
}

/** Whether some object in the subtree of node n has the same key twice (keys compared unescaped). */
export function hasDuplicateKeys(n: i32): bool {
  let top = 0;
  walkPush(top++, n);
  while (top > 0) {
    const c = load<i32>(walkPtr + (<usize>--top << 2));
    const t = nodeType(c);
    if (t != T_OBJECT && t != T_ARRAY) continue;
    const o = open(c);
    const stop = nodeNext(o);
    if (t == T_OBJECT) {
      if (objectHasDuplicate(o, stop)) return true;
      for (let k = o + 1; k < stop; k = nodeNext(k + 1)) walkPush(top++, k + 1);
    } else {
      for (let e = o + 1; e < stop; e = nodeNext(e)) walkPush(top++, e);
    }
  }
  return false;
}

/** Where stringText put the last text. */
export let textPtr: usize = 0;
export let textLen: i32 = 0;

/**
 * A string or key node's content as a reader of JSON sees it: the raw bytes, or unescaped into the arena
 * (textPtr, textLen). False only when the arena is exhausted.
 */
export function stringText(n: i32): bool {
  if (!nodeEscaped(n)) {
    textPtr = nodeStart(n);
    textLen = nodeLen(n);
    return true;
  }
  const buf = arenaAlloc(<usize>nodeLen(n));
  if (!buf) return false;
  textLen = unescapeInto(nodeStart(n), nodeLen(n), buf);
  textPtr = buf;
  return true;
}

/** One object's keys (the opened node o, children up to stop) in an open-addressing table: any equal pair? */
function objectHasDuplicate(o: i32, stop: i32): bool {
  let count = 0;
  for (let k = o + 1; k < stop; k = nodeNext(k + 1)) count++;
  if (count < 2) return false;
  let cap = 8;
  while (cap < count * 2) cap <<= 1;
  // per slot: the key's text address and length
  if (cap > slotsCap) {
    slotsCap = cap;
    slotsPtr = slotsPtr ? heap.realloc(slotsPtr, <usize>cap << 3) : heap.alloc(<usize>cap << 3);
  }
  memory.fill(slotsPtr, 0xff, <usize>cap << 3);
  const mask = cap - 1;
  for (let k = o + 1; k < stop; k = nodeNext(k + 1)) {
    if (!stringText(k)) return false; // arena exhausted: no finding rather than a wrong one
    let h: u32 = 2166136261;
    for (let i = 0; i < textLen; i++) h = (h ^ <u32>load<u8>(textPtr + <usize>i)) * 16777619;
    for (let at = <i32>(h & <u32>mask); ; at = (at + 1) & mask) {
      const slot = slotsPtr + (<usize>at << 3);
      const len = load<i32>(slot, 4);
      if (len < 0) {
        store<u32>(slot, <u32>textPtr);
        store<i32>(slot, textLen, 4);
        break;
      }
      if (len == textLen && bytesEqual(<usize>load<u32>(slot), textPtr, <usize>len)) return true;
    }
  }
  return false;
}

// ---- string unescaping (fastjson unescapeStringBestEffort, §3.3) ----------------------------------------

function hexValue(c: u32): i32 {
  if (c - 0x30 < 10) return <i32>(c - 0x30);
  const l = c | 0x20;
  if (l - 0x61 < 6) return <i32>(l - 0x61 + 10);
  return -1;
}

/** The 4 hex digits at p as a code unit, or -1. */
function hex4(p: usize): i32 {
  let v = 0;
  for (let i: usize = 0; i < 4; i++) {
    const h = hexValue(load<u8>(p + i));
    if (h < 0) return -1;
    v = (v << 4) | h;
  }
  return v;
}

function putUtf8(dst: usize, cp: u32): usize {
  if (cp < 0x80) {
    store<u8>(dst, <u8>cp);
    return 1;
  }
  if (cp < 0x800) {
    store<u8>(dst, <u8>(0xc0 | (cp >> 6)));
    store<u8>(dst, <u8>(0x80 | (cp & 0x3f)), 1);
    return 2;
  }
  if (cp < 0x10000) {
    store<u8>(dst, <u8>(0xe0 | (cp >> 12)));
    store<u8>(dst, <u8>(0x80 | ((cp >> 6) & 0x3f)), 1);
    store<u8>(dst, <u8>(0x80 | (cp & 0x3f)), 2);
    return 3;
  }
  store<u8>(dst, <u8>(0xf0 | (cp >> 18)));
  store<u8>(dst, <u8>(0x80 | ((cp >> 12) & 0x3f)), 1);
  store<u8>(dst, <u8>(0x80 | ((cp >> 6) & 0x3f)), 2);
  store<u8>(dst, <u8>(0x80 | (cp & 0x3f)), 3);
  return 4;
}

/**
 * Unescapes the raw string text [src, src+len) into dst (which needs `len` bytes: unescaping never
 * grows) and returns the unescaped length. Best effort like fastjson: a short or invalid \u sequence,
 * a lone surrogate and an unknown escape are copied literally; a surrogate followed by a \u escape that
 * does not complete a pair gives U+FFFD.
 */
export function unescapeInto(src: usize, len: i32, dst: usize): i32 {
  const end = src + <usize>len;
  let o = dst;
  let p = src;
  while (p < end) {
    const c = load<u8>(p++);
    if (c != 0x5c || p >= end) {
      store<u8>(o++, c);
      continue;
    }
    const e = <u32>load<u8>(p++);
    let out: i32 = -1;
    if (e == 0x22 || e == 0x5c || e == 0x2f) out = e;
    else if (e == 0x62) out = 0x08;
    else if (e == 0x66) out = 0x0c;
    else if (e == 0x6e) out = 0x0a;
    else if (e == 0x72) out = 0x0d;
    else if (e == 0x74) out = 0x09;
    if (out >= 0) {
      store<u8>(o++, <u8>out);
      continue;
    }
    if (e != 0x75) { // unknown escape: kept
      store<u8>(o++, 0x5c);
      store<u8>(o++, <u8>e);
      continue;
    }
    const x = p + 4 <= end ? hex4(p) : -1;
    if (x < 0) { // too short or not hex: "\u" kept, the rest read as ordinary text
      store<u8>(o++, 0x5c);
      store<u8>(o++, 0x75);
      continue;
    }
    p += 4;
    if (x < 0xd800 || x >= 0xe000) {
      if (x == 0) nulDecoded = true;
      o += putUtf8(o, <u32>x);
      continue;
    }
    const x1 = p + 6 <= end && load<u8>(p) == 0x5c && load<u8>(p, 1) == 0x75 ? hex4(p + 2) : -1;
    if (x1 < 0) { // lone surrogate: kept literally
      store<u8>(o++, 0x5c);
      store<u8>(o++, 0x75);
      memory.copy(o, p - 4, 4);
      o += 4;
      continue;
    }
    p += 6;
    if (x < 0xdc00 && x1 >= 0xdc00 && x1 < 0xe000) {
      o += putUtf8(o, 0x10000 + ((<u32>(x - 0xd800) << 10) | <u32>(x1 - 0xdc00)));
    } else {
      o += putUtf8(o, 0xfffd);
    }
  }
  return <i32>(o - dst);
}

// ---- re-serialization ------------------------------------------------------------------------------------
// Both writers run twice over a subtree: once measuring, once writing into an arena block of the measured
// size. Strings, keys and numbers are copied as raw source text (§3.3, §3.4 "raw text preserved").

let outAt: usize = 0;
let writing = false;
/** Length of the text returned by compactText/indentText. */
let textLength: i32 = 0;

export function lastTextLength(): i32 {
  return textLength;
}

@inline function emit(c: u32): void {
  if (writing) store<u8>(outAt, <u8>c);
  outAt++;
}

@inline function emitRaw(p: usize, len: usize): void {
  if (writing) memory.copy(outAt, p, len);
  outAt += len;
}

@inline function emitQuoted(n: i32): void {
  emit(0x22);
  emitRaw(nodeStart(n), nodeLen(n));
  emit(0x22);
}

function compact(n: i32): void {
  const t = nodeType(n);
  if (t == T_OBJECT || t == T_ARRAY) {
    const obj = t == T_OBJECT;
    emit(obj ? 0x7b : 0x5b);
    n = open(n);
    const stop = nodeNext(n);
    for (let c = n + 1; c < stop; c = nodeNext(c)) {
      if (c != n + 1) emit(0x2c);
      if (obj) {
        emitQuoted(c++);
        emit(0x3a);
      }
      compact(c);
    }
    emit(obj ? 0x7d : 0x5d);
  } else if (t == T_STRING) {
    emitQuoted(n);
  } else {
    emitRaw(nodeStart(n), nodeLen(n));
  }
}

/** Compact JSON text of node n in the arena (length: lastTextLength()); 0 when the arena is exhausted. */
export function compactText(n: i32): usize {
  writing = false;
  outAt = 0;
  compact(n);
  const size = outAt;
  const dst = arenaAlloc(size);
  if (!dst) return 0;
  writing = true;
  outAt = dst;
  compact(n);
  textLength = <i32>size;
  return dst;
}

// Strict checks of Go's encoding/json scanner, which json.Indent applies (§8.2).
function strictString(n: i32): bool {
  const end = nodeEnd(n);
  let p = nodeStart(n);
  while (p < end) {
    const c = <u32>load<u8>(p++);
    if (c < 0x20) return false;
    if (c != 0x5c) continue;
    if (p >= end) return false;
    const e = <u32>load<u8>(p++);
    if (e == 0x75) {
      if (p + 4 > end || hex4(p) < 0) return false;
      p += 4;
    } else if (!(e == 0x22 || e == 0x5c || e == 0x2f || e == 0x62 || e == 0x66 || e == 0x6e || e == 0x72 || e == 0x74)) {
      return false;
    }
  }
  return true;
}

@inline function isDigitAt(p: usize, end: usize): bool {
  return p < end && <u32>load<u8>(p) - 0x30 < 10;
}

// number := '-'? ( '0' | [1-9][0-9]* ) ( '.' [0-9]+ )? ( [eE] [+-]? [0-9]+ )?
function strictNumber(n: i32): bool {
  const end = nodeEnd(n);
  let p = nodeStart(n);
  if (p < end && load<u8>(p) == 0x2d) p++;
  if (!isDigitAt(p, end)) return false;
  if (load<u8>(p) == 0x30) p++;
  else while (isDigitAt(p, end)) p++;
  if (p < end && load<u8>(p) == 0x2e) {
    p++;
    if (!isDigitAt(p, end)) return false;
    while (isDigitAt(p, end)) p++;
  }
  if (p < end && (load<u8>(p) | 0x20) == 0x65) {
    p++;
    if (p < end && (load<u8>(p) == 0x2b || load<u8>(p) == 0x2d)) p++;
    if (!isDigitAt(p, end)) return false;
    while (isDigitAt(p, end)) p++;
  }
  return p == end;
}

function newline(depth: i32): void {
  emit(0x0a);
  for (let i = 0; i < depth; i++) {
    emit(0x20);
    emit(0x20);
  }
}

function indent(n: i32, depth: i32): bool {
  const t = nodeType(n);
  if (t == T_OBJECT || t == T_ARRAY) {
    const obj = t == T_OBJECT;
    emit(obj ? 0x7b : 0x5b);
    n = open(n);
    const stop = nodeNext(n);
    if (stop > n + 1) {
      for (let c = n + 1; c < stop; c = nodeNext(c)) {
        if (c != n + 1) emit(0x2c);
        newline(depth + 1);
        if (obj) {
          if (!strictString(c)) return false;
          emitQuoted(c++);
          emit(0x3a);
          emit(0x20);
        }
        if (!indent(c, depth + 1)) return false;
      }
      newline(depth);
    }
    emit(obj ? 0x7d : 0x5d);
    return true;
  }
  if (t == T_STRING) {
    if (!strictString(n)) return false;
    emitQuoted(n);
    return true;
  }
  if (t == T_NUMBER && !strictNumber(n)) return false;
  emitRaw(nodeStart(n), nodeLen(n));
  return true;
}

/**
 * Go json.Indent(prefix "", indent "  ") of node n into the arena (length: lastTextLength()); 0 when the
 * text is not strict JSON (Go's scanner rejects it) or the arena is exhausted.
 */
export function indentText(n: i32): usize {
  writing = false;
  outAt = 0;
  if (!indent(n, 0)) return 0;
  const size = outAt;
  const dst = arenaAlloc(size);
  if (!dst) return 0;
  writing = true;
  outAt = dst;
  indent(n, 0);
  textLength = <i32>size;
  return dst;
}

/** Length of the compact JSON text of node n, without writing it. */
export function compactLength(n: i32): i32 {
  writing = false;
  outAt = 0;
  compact(n);
  return <i32>outAt;
}
