// Single-value transformers (spec 2.2) on byte spans. A result is either a slice of the input (basename)
// or new bytes in the per-event arena (tolower, toupper, b64). `len` is left to the VM: it is the byte
// length of a value or the number of values of a list field, as an unsigned 64-bit number.
//
// applyTransform returns the result packed as (ptr << 32) | len, or -1 when there is no value: invalid
// base64, or the arena is exhausted.
import { Xf } from './opcodes';
import { arenaAlloc } from './memory';
import { asciiLower, asciiUpper } from './bytes';

@inline function pack(ptr: usize, len: i32): i64 {
  return (<i64>ptr << 32) | <i64>(<u32>len);
}

function mapCase(p: usize, len: i32, toUpper: bool): i64 {
  const out = arenaAlloc(<usize>len);
  if (out == 0) return -1;
  for (let i = 0; i < len; i++) {
    const c = <u32>load<u8>(p + <usize>i);
    store<u8>(out + <usize>i, <u8>(toUpper ? asciiUpper(c) : asciiLower(c)));
  }
  return pack(out, len);
}

/** The text after the last '/': "/a/" → "", "/" → "", "a" → "a". */
function basename(p: usize, len: i32): i64 {
  let i = len;
  while (i > 0 && load<u8>(p + <usize>(i - 1)) != 0x2f) i--;
  return pack(p + <usize>i, len - i);
}

/** The 6-bit value of a standard base64 digit, or -1. */
@inline function b64Digit(c: u32): i32 {
  if (c - 65 < 26) return <i32>(c - 65);
  if (c - 97 < 26) return <i32>(c - 71);
  if (c - 48 < 10) return <i32>(c + 4);
  if (c == 0x2b) return 62;
  if (c == 0x2f) return 63;
  return -1;
}

/**
 * Decodes standard base64 (RFC 4648 alphabet, no whitespace). Padding is optional, but when present it
 * must complete the last 4-character group; a lone trailing digit (length ≡ 1 mod 4) is invalid.
 */
function b64Decode(p: usize, len: i32): i64 {
  let n = len;
  let pad = 0;
  while (n > 0 && pad < 2 && load<u8>(p + <usize>(n - 1)) == 0x3d) { n--; pad++; }
  if ((n & 3) == 1) return -1;
  if (pad > 0 && ((n + pad) & 3) != 0) return -1;
  const outLen = (n >> 2) * 3 + ((n & 3) == 0 ? 0 : (n & 3) - 1);
  const out = arenaAlloc(<usize>max(outLen, 1));
  if (out == 0) return -1;
  let acc: u32 = 0;
  let bits = 0;
  let o: usize = out;
  for (let i = 0; i < n; i++) {
    const d = b64Digit(load<u8>(p + <usize>i));
    if (d < 0) return -1;
    acc = (acc << 6) | <u32>d;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      store<u8>(o, <u8>(acc >> <u32>bits));
      o++;
    }
  }
  return pack(out, outLen);
}

/** Applies transformer `xf` (TOLOWER, TOUPPER, B64 or BASENAME) to the value p[0, len). */
export function applyTransform(xf: i32, p: usize, len: i32): i64 {
  if (xf == Xf.TOLOWER) return mapCase(p, len, false);
  if (xf == Xf.TOUPPER) return mapCase(p, len, true);
  if (xf == Xf.B64) return b64Decode(p, len);
  if (xf == Xf.BASENAME) return basename(p, len);
  return -1;
}
