// ka.uri.param[KEY] (fields.md §7.1): Go net/url.Parse validation of the request URI, then
// url.ParseQuery of its raw query, then the first value of KEY.
//
// URI structure as Go splits it:  [scheme ':'] rest ['?' query] ['#' fragment]
//   rest := '//' authority [path] | path        authority := [userinfo '@'] host [':' port]
// Failures (-> the field has no value): a control byte before the fragment; a leading ':'; a colon in the
// first segment of a relative reference; a bad authority (userinfo characters, host characters, port
// digits, '%' escapes); a bad '%' escape in the path, the fragment or anywhere in the query; a ';' in a
// query segment. Any query error fails every key, as ParseQuery's error does upstream.
import { arenaAlloc } from './memory';

export const URI_ABSENT: i32 = 0;
export const URI_FOUND: i32 = 1;
export const URI_ERROR: i32 = -1;

let valuePtr: usize = 0;
let valueLen: i32 = 0;

/** The decoded value found by the last uriParam that returned URI_FOUND. */
export function uriValuePtr(): usize {
  return valuePtr;
}
export function uriValueLen(): i32 {
  return valueLen;
}

// unescape modes (Go net/url encoding)
const M_PLAIN = 0; // path, fragment, userinfo: only '%' escapes are checked
const M_HOST = 1;
const M_ZONE = 2;

@inline function isHex(c: u32): bool {
  return c - 0x30 < 10 || (c | 0x20) - 0x61 < 6;
}

@inline function unhex(c: u32): u32 {
  return c - 0x30 < 10 ? c - 0x30 : (c | 0x20) - 0x61 + 10;
}

@inline function isAlnum(c: u32): bool {
  return c - 0x30 < 10 || (c | 0x20) - 0x61 < 26;
}

/** Go shouldEscape(c, encodeHost) for ASCII c: false for the characters a host may contain as they are. */
function hostNeedsEscape(c: u32): bool {
  if (isAlnum(c)) return false;
  switch (c) {
    case 0x21: case 0x24: case 0x26: case 0x27: case 0x28: case 0x29: case 0x2a: case 0x2b: case 0x2c:
    case 0x3b: case 0x3d: case 0x3a: case 0x5b: case 0x5d: case 0x3c: case 0x3e: case 0x22: // !$&'()*+,;=:[]<>"
    case 0x2d: case 0x5f: case 0x2e: case 0x7e: // -_.~
      return false;
  }
  return true;
}

/** Go unescape(s, mode) == nil error. */
function unescapeValid(p: usize, end: usize, mode: i32): bool {
  while (p < end) {
    const c = <u32>load<u8>(p);
    if (c == 0x25) {
      if (p + 2 >= end || !isHex(load<u8>(p + 1)) || !isHex(load<u8>(p + 2))) return false;
      const is25 = load<u8>(p + 1) == 0x32 && load<u8>(p + 2) == 0x35;
      if (mode == M_HOST && unhex(load<u8>(p + 1)) < 8 && !is25) return false;
      if (mode == M_ZONE) {
        const v = (unhex(load<u8>(p + 1)) << 4) | unhex(load<u8>(p + 2));
        if (!is25 && v != 0x20 && hostNeedsEscape(v)) return false;
      }
      p += 3;
      continue;
    }
    if (mode != M_PLAIN && c < 0x80 && hostNeedsEscape(c)) return false;
    p++;
  }
  return true;
}

function lastIndexOf(p: usize, end: usize, b: u8): isize {
  for (let q = end; q > p; q--) if (load<u8>(q - 1) == b) return <isize>(q - 1 - p);
  return -1;
}

function indexOf(p: usize, end: usize, b: u8): isize {
  for (let q = p; q < end; q++) if (load<u8>(q) == b) return <isize>(q - p);
  return -1;
}

/** Go validOptionalPort: "" or ':' digits. */
function portValid(p: usize, end: usize): bool {
  if (p == end) return true;
  if (load<u8>(p) != 0x3a) return false;
  for (let q = p + 1; q < end; q++) if (<u32>load<u8>(q) - 0x30 >= 10) return false;
  return true;
}

/** Go parseHost == nil error. */
function hostValid(p: usize, end: usize): bool {
  if (p < end && load<u8>(p) == 0x5b) {
    const i = lastIndexOf(p, end, 0x5d);
    if (i < 0) return false;
    const close = p + <usize>i;
    if (!portValid(close + 1, end)) return false;
    // an RFC 6874 zone: "%25" inside the brackets
    for (let z = p; z + 3 <= close; z++) {
      if (load<u8>(z) == 0x25 && load<u8>(z + 1) == 0x32 && load<u8>(z + 2) == 0x35) {
        return unescapeValid(p, z, M_HOST) && unescapeValid(z, close, M_ZONE) && unescapeValid(close, end, M_HOST);
      }
    }
  } else {
    const i = lastIndexOf(p, end, 0x3a);
    if (i >= 0 && !portValid(p + <usize>i, end)) return false;
  }
  return unescapeValid(p, end, M_HOST);
}

/** Go validUserinfo (byte-wise: every non-ASCII rune is rejected anyway). */
function userinfoCharsValid(p: usize, end: usize): bool {
  for (; p < end; p++) {
    const c = <u32>load<u8>(p);
    if (isAlnum(c)) continue;
    switch (c) {
      case 0x2d: case 0x2e: case 0x5f: case 0x3a: case 0x7e: case 0x21: case 0x24: case 0x26: case 0x27:
      case 0x28: case 0x29: case 0x2a: case 0x2b: case 0x2c: case 0x3b: case 0x3d: case 0x25: case 0x40:
        continue;
    }
    return false;
  }
  return true;
}

function authorityValid(p: usize, end: usize): bool {
  const at = lastIndexOf(p, end, 0x40);
  if (at < 0) return hostValid(p, end);
  const hostStart = p + <usize>at + 1;
  if (!hostValid(hostStart, end)) return false;
  return userinfoCharsValid(p, hostStart - 1) && unescapeValid(p, hostStart - 1, M_PLAIN);
}

/** Go url.Parse(u) succeeds. Sets queryStart/queryEnd to the raw query. */
let queryStart: usize = 0;
let queryEnd: usize = 0;

function urlValid(u: usize, uEnd: usize): bool {
  queryStart = queryEnd = 0;
  const hash = indexOf(u, uEnd, 0x23);
  const end = hash < 0 ? uEnd : u + <usize>hash;
  if (hash >= 0 && !unescapeValid(end + 1, uEnd, M_PLAIN)) return false;
  for (let q = u; q < end; q++) {
    const c = load<u8>(q);
    if (c < 0x20 || c == 0x7f) return false;
  }
  if (end - u == 1 && load<u8>(u) == 0x2a) return true; // "*"
  // scheme
  let rest = u;
  let hasScheme = false;
  for (let q = u; q < end; q++) {
    const c = <u32>load<u8>(q);
    if ((c | 0x20) - 0x61 < 26) continue;
    if (c - 0x30 < 10 || c == 0x2b || c == 0x2d || c == 0x2e) {
      if (q == u) break;
      continue;
    }
    if (c == 0x3a) {
      if (q == u) return false; // missing protocol scheme
      rest = q + 1;
      hasScheme = true;
    }
    break;
  }
  // query: a single '?' at the very end is ForceQuery with an empty query
  let restEnd = end;
  const qm = indexOf(rest, end, 0x3f);
  if (qm >= 0) {
    restEnd = rest + <usize>qm;
    queryStart = restEnd + 1;
    queryEnd = end;
  }
  const rooted = rest < restEnd && load<u8>(rest) == 0x2f;
  if (!rooted) {
    if (hasScheme) return true; // opaque
    const slash = indexOf(rest, restEnd, 0x2f);
    const segEnd = slash < 0 ? restEnd : rest + <usize>slash;
    if (indexOf(rest, segEnd, 0x3a) >= 0) return false;
  }
  const twoSlash = restEnd - rest >= 2 && load<u8>(rest) == 0x2f && load<u8>(rest + 1) == 0x2f;
  const threeSlash = twoSlash && restEnd - rest >= 3 && load<u8>(rest + 2) == 0x2f;
  if ((hasScheme || !threeSlash) && twoSlash) {
    const a = rest + 2;
    const slash = indexOf(a, restEnd, 0x2f);
    const aEnd = slash < 0 ? restEnd : a + <usize>slash;
    if (!authorityValid(a, aEnd)) return false;
    rest = aEnd;
  }
  return unescapeValid(rest, restEnd, M_PLAIN);
}

/** Go QueryUnescape of [p, end) into dst ('+' is a space); the decoded length, or -1 for a bad escape. */
function queryDecode(p: usize, end: usize, dst: usize): i32 {
  let o = dst;
  while (p < end) {
    const c = <u32>load<u8>(p);
    if (c == 0x25) {
      if (p + 2 >= end || !isHex(load<u8>(p + 1)) || !isHex(load<u8>(p + 2))) return -1;
      store<u8>(o++, <u8>((unhex(load<u8>(p + 1)) << 4) | unhex(load<u8>(p + 2))));
      p += 3;
      continue;
    }
    store<u8>(o++, <u8>(c == 0x2b ? 0x20 : c));
    p++;
  }
  return <i32>(o - dst);
}

/** Looks KEY up in the query of URI [u, u+uLen). URI_FOUND (value: uriValuePtr/Len), URI_ABSENT or URI_ERROR. */
export function uriParam(u: usize, uLen: i32, key: usize, keyLen: i32): i32 {
  const uEnd = u + <usize>uLen;
  if (!urlValid(u, uEnd)) return URI_ERROR;
  let found = false;
  let p = queryStart;
  const end = queryEnd;
  while (p < end) {
    const amp = indexOf(p, end, 0x26);
    const segEnd = amp < 0 ? end : p + <usize>amp;
    const seg = p;
    p = amp < 0 ? end : segEnd + 1;
    if (indexOf(seg, segEnd, 0x3b) >= 0) return URI_ERROR;
    if (seg == segEnd) continue;
    const eq = indexOf(seg, segEnd, 0x3d);
    const kEnd = eq < 0 ? segEnd : seg + <usize>eq;
    const vStart = eq < 0 ? segEnd : kEnd + 1;
    const buf = arenaAlloc(segEnd - seg);
    if (!buf) return URI_ERROR;
    const kLen = queryDecode(seg, kEnd, buf);
    if (kLen < 0) return URI_ERROR;
    const match = !found && kLen == keyLen && memory.compare(buf, key, <usize>keyLen) == 0;
    const vLen = queryDecode(vStart, segEnd, buf);
    if (vLen < 0) return URI_ERROR;
    if (match) {
      found = true;
      valuePtr = buf;
      valueLen = vLen;
    }
  }
  return found ? URI_FOUND : URI_ABSENT;
}
