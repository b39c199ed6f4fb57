// POSIX fnmatch(pattern, value, 0) on bytes, as Falco's `glob` uses it, plus a case-folding variant for
// `iglob` (FNM_CASEFOLD). Pattern syntax:
//   *        any run of bytes, '/' and a leading '.' included (no FNM_PATHNAME, no FNM_PERIOD)
//   ?        any one byte
//   [set]    one byte in the set; a leading '!' or '^' negates it; ']' first is a member; a-z ranges;
//            [:name:] character classes; '\' escapes the next byte; a '-' first or last is a member.
//            An unterminated '[' is an ordinary byte.
//   \c       the byte c itself; a trailing '\' matches nothing ("trailing \ loses", as glibc)
//   other    itself (ASCII case-folded for iglob)
// The whole value must match. Matching is iterative with last-star backtracking: only the most recent '*'
// is ever retried, which is sound because any later match of an earlier star is subsumed by it, so the
// cost is O(pattern × value) and never exponential.

@inline function fold(c: u32): u32 {
  return c - 65 < 26 ? c | 32 : c;
}

@inline function upper(c: u32): u32 {
  return c - 97 < 26 ? c & ~32 : c;
}

/** Whether pat[at, at+len) spells `name` (an ASCII literal: static data, nothing allocated). */
function nameIs(pat: usize, at: i32, len: i32, name: string): bool {
  if (len != name.length) return false;
  for (let k = 0; k < len; k++) {
    if (<i32>load<u8>(pat + <usize>(at + k)) != name.charCodeAt(k)) return false;
  }
  return true;
}

/** Whether byte c is in the POSIX class named by pat[at, at+len) (C locale); false for an unknown name. */
function inNamedClass(pat: usize, at: i32, len: i32, c: u32): bool {
  const isDigit = c - 48 < 10;
  const isAlpha = (c | 32) - 97 < 26;
  const isPrint = c - 32 < 95;
  if (nameIs(pat, at, len, 'alnum')) return isAlpha || isDigit;
  if (nameIs(pat, at, len, 'alpha')) return isAlpha;
  if (nameIs(pat, at, len, 'blank')) return c == 32 || c == 9;
  if (nameIs(pat, at, len, 'cntrl')) return c < 32 || c == 127;
  if (nameIs(pat, at, len, 'digit')) return isDigit;
  if (nameIs(pat, at, len, 'graph')) return isPrint && c != 32;
  if (nameIs(pat, at, len, 'lower')) return c - 97 < 26;
  if (nameIs(pat, at, len, 'print')) return isPrint;
  if (nameIs(pat, at, len, 'punct')) return isPrint && c != 32 && !isAlpha && !isDigit;
  if (nameIs(pat, at, len, 'space')) return c == 32 || c - 9 < 5;
  if (nameIs(pat, at, len, 'upper')) return c - 65 < 26;
  if (nameIs(pat, at, len, 'xdigit')) return isDigit || (c | 32) - 97 < 6;
  return false;
}

/**
 * Matches byte c against the bracket expression starting at pat[open] == '['. Returns the index just after
 * the closing ']' when c is in the set, minus that index when it is not, and 0 when the bracket is not
 * terminated (the '[' is then an ordinary byte).
 */
function matchBracket(pat: usize, pl: i32, open: i32, c: u32, caseFold: bool): i32 {
  let i = open + 1;
  let negate = false;
  if (i < pl) {
    const b = <u32>load<u8>(pat + <usize>i);
    if (b == 0x21 || b == 0x5e) { negate = true; i++; }
  }
  const c1 = caseFold ? fold(c) : c;
  const c2 = caseFold ? upper(c) : c;
  let found = false;
  let first = true;
  while (i < pl) {
    let lo = <u32>load<u8>(pat + <usize>i);
    if (lo == 0x5d && !first) {
      const end = i + 1;
      return found != negate ? end : -end;
    }
    first = false;
    if (lo == 0x5b && i + 1 < pl && load<u8>(pat + <usize>(i + 1)) == 0x3a) {
      // [:name:]: find the closing ":]"
      let j = i + 2;
      while (j + 1 < pl && !(load<u8>(pat + <usize>j) == 0x3a && load<u8>(pat + <usize>(j + 1)) == 0x5d)) j++;
      if (j + 1 < pl) {
        const nameAt = i + 2;
        const nameLen = j - nameAt;
        if (inNamedClass(pat, nameAt, nameLen, c1) || inNamedClass(pat, nameAt, nameLen, c2)) found = true;
        i = j + 2;
        continue;
      }
    }
    if (lo == 0x5c) { // '\' escapes the next byte
      if (i + 1 >= pl) return 0;
      i++;
      lo = <u32>load<u8>(pat + <usize>i);
    }
    i++;
    let hi = lo;
    if (i + 1 < pl && load<u8>(pat + <usize>i) == 0x2d && load<u8>(pat + <usize>(i + 1)) != 0x5d) {
      i++;
      hi = <u32>load<u8>(pat + <usize>i);
      if (hi == 0x5c) {
        if (i + 1 >= pl) return 0;
        i++;
        hi = <u32>load<u8>(pat + <usize>i);
      }
      i++;
    }
    if ((c1 >= lo && c1 <= hi) || (c2 >= lo && c2 <= hi)) found = true;
  }
  return 0;
}

/** fnmatch(pattern, value, caseFold ? FNM_CASEFOLD : 0) == 0 over the two byte spans. */
export function globMatch(pat: usize, pl: i32, str: usize, sl: i32, caseFold: bool): bool {
  let pi: i32 = 0;
  let si: i32 = 0;
  let starP: i32 = -1; // pattern index just after the last '*' seen
  let starS: i32 = 0; // value index that star currently stops at
  while (si < sl) {
    let ok = false;
    if (pi < pl) {
      const pc = <u32>load<u8>(pat + <usize>pi);
      const c = <u32>load<u8>(str + <usize>si);
      if (pc == 0x2a) {
        while (pi < pl && load<u8>(pat + <usize>pi) == 0x2a) pi++;
        if (pi == pl) return true;
        starP = pi;
        starS = si;
        continue;
      }
      if (pc == 0x3f) {
        pi++;
        ok = true;
      } else if (pc == 0x5b) {
        const r = matchBracket(pat, pl, pi, c, caseFold);
        if (r > 0) { pi = r; ok = true; }
        else if (r == 0 && c == 0x5b) { pi++; ok = true; }
      } else if (pc == 0x5c) {
        if (pi + 1 < pl) {
          const lit = <u32>load<u8>(pat + <usize>(pi + 1));
          if (lit == c || (caseFold && fold(lit) == fold(c))) { pi += 2; ok = true; }
        }
      } else if (pc == c || (caseFold && fold(pc) == fold(c))) {
        pi++;
        ok = true;
      }
    }
    if (ok) {
      si++;
      continue;
    }
    if (starP < 0) return false;
    starS++;
    si = starS;
    pi = starP;
  }
  while (pi < pl && load<u8>(pat + <usize>pi) == 0x2a) pi++;
  return pi == pl;
}
