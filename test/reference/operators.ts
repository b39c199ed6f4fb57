// Reference implementations of the string operators (rules-language.md 3.2), byte-oriented like libsinsp.

const enc = new TextEncoder();
const bytes = (s: string) => enc.encode(s);
const lowerAscii = (b: number) => (b >= 0x41 && b <= 0x5a ? b + 32 : b);

/** strcmp on UTF-8 bytes. */
export function compareBytes(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a), Buffer.from(b));
}

/** strcasestr: ASCII case-insensitive substring. */
export function icontains(haystack: string, needle: string): boolean {
  const h = bytes(haystack).map(lowerAscii);
  const n = bytes(needle).map(lowerAscii);
  return Buffer.from(h).includes(Buffer.from(n));
}

/** POSIX fnmatch(pattern, value, 0), or with case folding (iglob). Byte-wise, as in the C locale. */
export function fnmatch(pattern: string, value: string, fold = false): boolean {
  const p = bytes(pattern);
  const s = bytes(value);
  const eq = (a: number, b: number) => (fold ? lowerAscii(a) === lowerAscii(b) : a === b);

  /** Matches a bracket expression at p[at] ('[') against byte c; null when it has no closing ']'. */
  function bracket(at: number, c: number): { matched: boolean; next: number } | null {
    let i = at + 1;
    let negate = false;
    if (p[i] === 0x21 /* ! */ || p[i] === 0x5e /* ^ */) {
      negate = true;
      i++;
    }
    let matched = false;
    let first = true;
    while (i < p.length && (first || p[i] !== 0x5d /* ] */)) {
      first = false;
      let lo = p[i];
      if (lo === 0x5c /* \ */ && i + 1 < p.length) lo = p[++i];
      i++;
      let hi = lo;
      if (p[i] === 0x2d /* - */ && i + 1 < p.length && p[i + 1] !== 0x5d) {
        hi = p[i + 1];
        if (hi === 0x5c && i + 2 < p.length) hi = p[++i + 1];
        i += 2;
      }
      const cc = fold ? lowerAscii(c) : c;
      if ((c >= lo && c <= hi) || (fold && cc >= lowerAscii(lo) && cc <= lowerAscii(hi))) matched = true;
    }
    if (i >= p.length) return null;
    return { matched: matched !== negate, next: i + 1 };
  }

  function match(pi: number, si: number): boolean {
    while (pi < p.length) {
      const c = p[pi];
      if (c === 0x2a /* * */) {
        while (p[pi] === 0x2a) pi++;
        if (pi === p.length) return true;
        for (let k = si; k <= s.length; k++) if (match(pi, k)) return true;
        return false;
      }
      if (si >= s.length) return false;
      if (c === 0x3f /* ? */) {
        pi++;
        si++;
        continue;
      }
      if (c === 0x5b /* [ */) {
        const r = bracket(pi, s[si]);
        if (r !== null) {
          if (!r.matched) return false;
          pi = r.next;
          si++;
          continue;
        }
      }
      let lit = c;
      if (c === 0x5c && pi + 1 < p.length) lit = p[++pi];
      if (!eq(lit, s[si])) return false;
      pi++;
      si++;
    }
    return si === s.length;
  }
  return match(0, 0);
}

/** pmatch: some search path's components are a prefix of the value's components. */
export function pmatch(paths: string[], value: string): boolean {
  const split = (x: string) => x.split('/').filter((c) => c !== '');
  const v = split(value);
  return paths.some((pathText) => {
    const comps = split(pathText);
    if (comps.length > v.length) return false;
    return comps.every((c, i) => (/[?*[]/.test(c) ? fnmatch(c, v[i]) : c === v[i]));
  });
}

const regexCache = new Map<string, RegExp>();

/** regex: the whole value must match (RE2 POSIX syntax; JavaScript's engine agrees on the patterns used). */
export function regexMatch(pattern: string, value: string): boolean {
  let re = regexCache.get(pattern);
  if (!re) {
    re = new RegExp(`^(?:${pattern})$`);
    regexCache.set(pattern, re);
  }
  return re.test(value);
}

/** sscanf("%d")-style constant: optional blanks and sign, decimal digits. */
export function parseDecimal(text: string): bigint | null {
  const m = /^\s*([+-]?\d+)/.exec(text);
  return m ? BigInt(m[1]) : null;
}
