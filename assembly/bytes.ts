// Byte-span primitives behind the string operators: spans are (pointer, length) in linear memory, compared
// as unsigned bytes. Case folding is ASCII only, like C's tolower/strcasestr in the C locale.

@inline export function asciiLower(c: u32): u32 {
  return c - 65 < 26 ? c | 32 : c;
}

@inline export function asciiUpper(c: u32): u32 {
  return c - 97 < 26 ? c & ~32 : c;
}

export function bytesEqual(a: usize, al: i32, b: usize, bl: i32): bool {
  if (al != bl) return false;
  return memory.compare(a, b, <usize>al) == 0;
}

/** strcmp order: negative, zero or positive; a proper prefix sorts first. */
export function bytesCompare(a: usize, al: i32, b: usize, bl: i32): i32 {
  const n = min(al, bl);
  const c = memory.compare(a, b, <usize>n);
  if (c != 0) return c;
  return al - bl;
}

export function bytesStartWith(h: usize, hl: i32, n: usize, nl: i32): bool {
  return nl <= hl && memory.compare(h, n, <usize>nl) == 0;
}

export function bytesEndWith(h: usize, hl: i32, n: usize, nl: i32): bool {
  return nl <= hl && memory.compare(h + <usize>(hl - nl), n, <usize>nl) == 0;
}

/** memmem: whether n occurs in h; an empty n always does. */
export function bytesContain(h: usize, hl: i32, n: usize, nl: i32): bool {
  if (nl == 0) return true;
  const first = load<u8>(n);
  const last = hl - nl;
  for (let i = 0; i <= last; i++) {
    if (load<u8>(h + <usize>i) == first && memory.compare(h + <usize>i, n, <usize>nl) == 0) return true;
  }
  return false;
}

/** strcasestr: like bytesContain with ASCII letters compared case-insensitively. */
export function bytesContainFolded(h: usize, hl: i32, n: usize, nl: i32): bool {
  if (nl == 0) return true;
  const first = asciiLower(load<u8>(n));
  const last = hl - nl;
  for (let i = 0; i <= last; i++) {
    if (asciiLower(load<u8>(h + <usize>i)) != first) continue;
    let k = 1;
    while (k < nl && asciiLower(load<u8>(h + <usize>(i + k))) == asciiLower(load<u8>(n + <usize>k))) k++;
    if (k == nl) return true;
  }
  return false;
}
