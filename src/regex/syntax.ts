// Parses `regex` patterns into a syntax tree (the first stage of ./regex.ts).
//
// Syntax: RE2 with RE2::Options::posix_syntax set and no other option, which is how Falco builds them:
//   regexp  := alt
//   alt     := concat ('|' concat)*                 an empty branch matches the empty string
//   concat  := repeat*
//   repeat  := atom op*                             op: * + ? {n} {n,} {n,m}  (n, m ≤ 1000; `a**` is legal)
//   atom    := '(' alt ')' | '[' class ']' | '.' | '^' | '$' | '\' escape | any other character
//   class   := '^'? item+                           ']' or '-' first is a member, '-' last too
//   item    := '[:' '^'? name ':]' | char ('-' char)?
//   char    := '\' escape | any character but ']'
//   escape  := any ASCII punctuation (itself) | a f n r t v | octal \0, \0oo, \1oo … \7oo
//              | \xHH | \x{H…} (≤ 10FFFF)
// A '{' that does not start a well-formed counted repetition is a literal, as are ']' and '}' outside a
// class. POSIX mode has no Perl classes (\d \w \s \b …), no non-greedy operators, no (?…) groups and no
// \p{…}: each is an error. `^`/`$` match at line boundaries (RE2's one_line option is off), `.` matches
// any character but '\n', and a negated class also matches '\n'.
//
// The tree holds code points; ./nfa.ts turns it into UTF-8 byte instructions.

const MAX_REPEAT = 1000; // RE2's limit on a counted repetition, and on nested ones multiplied together
const MAX_NESTING = 1000; // RE2's limit on nesting depth
const MAX_RUNE = 0x10ffff;

/** A set of code points as sorted, disjoint, non-adjacent inclusive ranges [lo0, hi0, lo1, hi1, …]. */
export type Ranges = number[];

export type Node =
  | { k: 'chars'; ranges: Ranges }
  | { k: 'cat'; subs: Node[] }
  | { k: 'alt'; subs: Node[] }
  | { k: 'rep'; sub: Node; min: number; max: number } // max -1: unbounded
  | { k: 'bol' }
  | { k: 'eol' };

export class RegexSyntaxError extends Error {}

export function fail(code: string, arg?: string): never {
  throw new RegexSyntaxError(arg === undefined ? code : `${code}: ${arg}`);
}

// ---- code point sets -------------------------------------------------------------------------------------

function normalize(pairs: [number, number][]): Ranges {
  pairs.sort((a, b) => a[0] - b[0]);
  const out: Ranges = [];
  for (const [lo, hi] of pairs) {
    const n = out.length;
    if (n > 0 && lo <= out[n - 1] + 1) out[n - 1] = Math.max(out[n - 1], hi);
    else out.push(lo, hi);
  }
  return out;
}

function negate(r: Ranges): Ranges {
  const out: Ranges = [];
  let next = 0;
  for (let i = 0; i < r.length; i += 2) {
    if (r[i] > next) out.push(next, r[i] - 1);
    next = r[i + 1] + 1;
  }
  if (next <= MAX_RUNE) out.push(next, MAX_RUNE);
  return out;
}

const POSIX_CLASSES: Record<string, [number, number][]> = {
  alnum: [[0x30, 0x39], [0x41, 0x5a], [0x61, 0x7a]],
  alpha: [[0x41, 0x5a], [0x61, 0x7a]],
  ascii: [[0x00, 0x7f]],
  blank: [[0x09, 0x09], [0x20, 0x20]],
  cntrl: [[0x00, 0x1f], [0x7f, 0x7f]],
  digit: [[0x30, 0x39]],
  graph: [[0x21, 0x7e]],
  lower: [[0x61, 0x7a]],
  print: [[0x20, 0x7e]],
  punct: [[0x21, 0x2f], [0x3a, 0x40], [0x5b, 0x60], [0x7b, 0x7e]],
  space: [[0x09, 0x0d], [0x20, 0x20]],
  upper: [[0x41, 0x5a]],
  word: [[0x30, 0x39], [0x41, 0x5a], [0x61, 0x7a], [0x5f, 0x5f]],
  xdigit: [[0x30, 0x39], [0x41, 0x46], [0x61, 0x66]],
};

// ---- parser ----------------------------------------------------------------------------------------------

const isDigit = (c: number | undefined): boolean => c !== undefined && c >= 0x30 && c <= 0x39;
const isLetter = (c: number): boolean => (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a);
const isOctal = (c: number | undefined): boolean => c !== undefined && c >= 0x30 && c <= 0x37;
const hexValue = (c: number | undefined): number =>
  c === undefined ? -1
    : c >= 0x30 && c <= 0x39 ? c - 0x30
      : c >= 0x41 && c <= 0x46 ? c - 0x37
        : c >= 0x61 && c <= 0x66 ? c - 0x57 : -1;

export class Parser {
  private readonly cps: number[];
  private pos = 0;
  private depth = 0;

  constructor(private readonly pattern: string) {
    // Lone surrogates cannot be encoded in UTF-8: they become U+FFFD, as TextEncoder does.
    this.cps = Array.from(pattern, (ch) => {
      const c = ch.codePointAt(0)!;
      return c >= 0xd800 && c <= 0xdfff ? 0xfffd : c;
    });
  }

  parse(): Node {
    const node = this.alt();
    if (this.pos < this.cps.length) fail('unexpected )', this.pattern); // only ')' stops alt() early
    return node;
  }

  private text(from: number, to = this.cps.length): string {
    return this.cps.slice(from, to).map((c) => String.fromCodePoint(c)).join('');
  }

  private alt(): Node {
    const subs = [this.concat()];
    while (this.cps[this.pos] === 0x7c) {
      this.pos++;
      subs.push(this.concat());
    }
    return subs.length === 1 ? subs[0] : { k: 'alt', subs };
  }

  private concat(): Node {
    const subs: Node[] = [];
    for (;;) {
      const c = this.cps[this.pos];
      if (c === undefined || c === 0x7c || c === 0x29) break;
      const at = this.pos;
      const atom = this.atom();
      if (atom === null) { // a repetition operator with nothing before it
        this.repeatOp();
        fail('no argument for repetition operator', this.text(at, this.pos));
      }
      subs.push(this.repeats(atom));
    }
    return subs.length === 1 ? subs[0] : { k: 'cat', subs };
  }

  /** Parses one atom, or returns null (consuming nothing) at a repetition operator. */
  private atom(): Node | null {
    const c = this.cps[this.pos];
    switch (c) {
      case 0x2a: case 0x2b: case 0x3f: // * + ?
        return null;
      case 0x7b: // {
        if (this.peekRepeat() !== null) return null;
        this.pos++;
        return literal(c);
      case 0x28: { // (
        if (++this.depth > MAX_NESTING) fail('expression nests too deeply');
        this.pos++;
        const inner = this.alt();
        if (this.cps[this.pos] !== 0x29) fail('missing )', this.pattern);
        this.pos++;
        this.depth--;
        return inner;
      }
      case 0x5b: // [
        return this.charClass();
      case 0x2e: // .
        this.pos++;
        return { k: 'chars', ranges: [0, 0x09, 0x0b, MAX_RUNE] };
      case 0x5e: // ^
        this.pos++;
        return { k: 'bol' };
      case 0x24: // $
        this.pos++;
        return { k: 'eol' };
      case 0x5c: // \
        return literal(this.escape());
      default:
        this.pos++;
        return literal(c);
    }
  }

  /** `{n}`, `{n,}` or `{n,m}` at pos: [min, max (-1 unbounded), length], or null when it is not one. */
  private peekRepeat(): [number, number, number] | null {
    let i = this.pos + 1;
    const num = (): number | null => {
      const start = i;
      while (isDigit(this.cps[i])) i++;
      if (i === start) return null;
      if (i - start > 1 && this.cps[start] === 0x30) return null; // RE2 rejects leading zeros
      return i - start > 8 ? Infinity : Number(this.text(start, i));
    };
    const min = num();
    if (min === null) return null;
    let max = min;
    if (this.cps[i] === 0x2c) {
      i++;
      if (this.cps[i] === 0x7d) max = -1;
      else {
        const m = num();
        if (m === null) return null;
        max = m;
      }
    }
    if (this.cps[i] !== 0x7d) return null;
    return [min, max, i + 1 - this.pos];
  }

  /** Consumes one repetition operator and returns [min, max], or returns null when there is none. */
  private repeatOp(): [number, number] | null {
    const c = this.cps[this.pos];
    if (c === 0x2a) { this.pos++; return [0, -1]; }
    if (c === 0x2b) { this.pos++; return [1, -1]; }
    if (c === 0x3f) { this.pos++; return [0, 1]; }
    if (c === 0x7b) {
      const r = this.peekRepeat();
      if (r === null) return null;
      const [min, max, len] = r;
      const text = this.text(this.pos, this.pos + len);
      this.pos += len;
      if (min > MAX_REPEAT || max > MAX_REPEAT || (max !== -1 && max < min)) fail('invalid repetition size', text);
      return [min, max];
    }
    return null;
  }

  private repeats(atom: Node): Node {
    let node = atom;
    for (;;) {
      const at = this.pos;
      const op = this.repeatOp();
      if (op === null) return node;
      if (op[0] === 1 && op[1] === 1) continue; // x{1} is x
      // RE2 squashes stacked simple operators (x** is x*; x*+, x?* … are x*), which also keeps the tree
      // shallow for patterns like a*********
      if (node.k === 'rep' && isSimple(node.min, node.max) && isSimple(op[0], op[1])) {
        if (node.min !== op[0] || node.max !== op[1]) node = { k: 'rep', sub: node.sub, min: 0, max: -1 };
        continue;
      }
      node = { k: 'rep', sub: node, min: op[0], max: op[1] };
      if ((op[0] >= 2 || op[1] >= 2) && repeatBudget(node, MAX_REPEAT) === 0) {
        fail('invalid repetition size', this.text(at, this.pos));
      }
    }
  }

  /** Parses `\…` at pos (outside or inside a class) and returns the code point it stands for. */
  private escape(): number {
    const start = this.pos;
    this.pos++; // '\'
    const c = this.cps[this.pos];
    if (c === undefined) fail('trailing \\');
    this.pos++;
    const bad = (): never => fail('invalid escape sequence', this.text(start, this.pos));
    if (c < 0x80 && !isDigit(c) && !isLetter(c) && c !== 0x5f) return c; // punctuation stands for itself
    if (c >= 0x31 && c <= 0x37 && !isOctal(this.cps[this.pos])) bad(); // \1…\7 alone is a backreference
    if (c >= 0x30 && c <= 0x37) {
      let code = c - 0x30;
      for (let k = 0; k < 2 && isOctal(this.cps[this.pos]); k++) code = code * 8 + this.cps[this.pos++] - 0x30;
      return code;
    }
    switch (c) {
      case 0x61: return 0x07; // \a
      case 0x66: return 0x0c; // \f
      case 0x6e: return 0x0a; // \n
      case 0x72: return 0x0d; // \r
      case 0x74: return 0x09; // \t
      case 0x76: return 0x0b; // \v
      case 0x78: { // \x
        if (this.cps[this.pos] === 0x7b) {
          this.pos++;
          let code = 0;
          let digits = 0;
          while (hexValue(this.cps[this.pos]) >= 0) {
            code = code * 16 + hexValue(this.cps[this.pos++]);
            digits++;
            if (code > MAX_RUNE) bad();
          }
          if (digits === 0 || this.cps[this.pos] !== 0x7d) {
            if (this.cps[this.pos] !== undefined) this.pos++;
            bad();
          }
          this.pos++;
          return code;
        }
        const h1 = hexValue(this.cps[this.pos]);
        const h2 = hexValue(this.cps[this.pos + 1]);
        if (h1 < 0 || h2 < 0) {
          this.pos = Math.min(this.pos + 2, this.cps.length);
          bad();
        }
        this.pos += 2;
        return h1 * 16 + h2;
      }
      default:
        return bad();
    }
  }

  private charClass(): Node {
    const start = this.pos;
    this.pos++; // '['
    let negated = false;
    if (this.cps[this.pos] === 0x5e) {
      negated = true;
      this.pos++;
    }
    const pairs: [number, number][] = [];
    let first = true;
    for (;;) {
      const c = this.cps[this.pos];
      if (c === undefined) fail('missing ]', this.text(start));
      if (c === 0x5d && !first) break;
      // '-' is a member only first or last (RE2 POSIX mode; Perl would allow it anywhere)
      if (c === 0x2d && !first && this.cps[this.pos + 1] !== 0x5d) {
        fail('invalid character class range', this.text(this.pos, Math.min(this.pos + 2, this.cps.length)));
      }
      first = false;
      if (c === 0x5b && this.cps[this.pos + 1] === 0x3a) {
        const named = this.namedClass();
        if (named !== null) {
          for (let i = 0; i < named.length; i += 2) pairs.push([named[i], named[i + 1]]);
          continue;
        }
      }
      const rangeStart = this.pos;
      const lo = this.classChar();
      let hi = lo;
      if (this.cps[this.pos] === 0x2d && this.cps[this.pos + 1] !== undefined && this.cps[this.pos + 1] !== 0x5d) {
        this.pos++;
        hi = this.classChar();
        if (hi < lo) fail('invalid character class range', this.text(rangeStart, this.pos));
      }
      pairs.push([lo, hi]);
    }
    this.pos++; // ']'
    const ranges = normalize(pairs);
    return { k: 'chars', ranges: negated ? negate(ranges) : ranges };
  }

  private classChar(): number {
    const c = this.cps[this.pos];
    if (c === undefined) fail('missing ]', this.pattern);
    if (c === 0x5c) return this.escape();
    this.pos++;
    return c;
  }

  /** `[:name:]` / `[:^name:]` at pos: its ranges, or null (consuming nothing) when there is no `:]`. */
  private namedClass(): Ranges | null {
    let end = this.pos + 2;
    while (end + 1 < this.cps.length && !(this.cps[end] === 0x3a && this.cps[end + 1] === 0x5d)) end++;
    if (end + 1 >= this.cps.length) return null;
    const whole = this.text(this.pos, end + 2);
    let name = this.text(this.pos + 2, end);
    const neg = name.startsWith('^');
    if (neg) name = name.slice(1);
    const pairs = Object.hasOwn(POSIX_CLASSES, name) ? POSIX_CLASSES[name] : undefined;
    if (pairs === undefined) fail('invalid character class range', whole);
    this.pos = end + 2;
    const ranges = normalize(pairs.map((p): [number, number] => [p[0], p[1]]));
    return neg ? negate(ranges) : ranges;
  }
}

/** *, + or ? */
function isSimple(min: number, max: number): boolean {
  return (min === 0 && max === -1) || (min === 1 && max === -1) || (min === 0 && max === 1);
}

function literal(c: number): Node {
  return { k: 'chars', ranges: [c, c] };
}

/**
 * RE2's check on nested counted repetitions: `budget` divided by each nested repetition's count (its max,
 * or its min when unbounded) must stay above zero, so `(a{100}){10}` is fine and `(a{100}){11}` is not.
 */
function repeatBudget(node: Node, budget: number): number {
  switch (node.k) {
    case 'rep': {
      const m = node.max >= 0 ? node.max : node.min;
      const inner = m > 0 ? Math.floor(budget / m) : budget;
      return repeatBudget(node.sub, inner);
    }
    case 'cat':
    case 'alt':
      return Math.min(budget, ...node.subs.map((s) => repeatBudget(s, budget)));
    default:
      return budget;
  }
}


// ---- anchors that always hold --------------------------------------------------------------------------

const EMPTY: Node = { k: 'cat', subs: [] };

/** Drops a `^` that nothing can precede (so it is only reached at position 0, where it holds). */
export function stripLeadingBol(n: Node): Node {
  if (n.k === 'bol') return EMPTY;
  if (n.k === 'alt') return { k: 'alt', subs: n.subs.map(stripLeadingBol) };
  if (n.k === 'cat' && n.subs.length > 0) return { k: 'cat', subs: [stripLeadingBol(n.subs[0]), ...n.subs.slice(1)] };
  return n;
}

/** Drops a `$` that nothing can follow (the match then ends at the end of the value, where it holds). */
export function stripTrailingEol(n: Node): Node {
  if (n.k === 'eol') return EMPTY;
  if (n.k === 'alt') return { k: 'alt', subs: n.subs.map(stripTrailingEol) };
  if (n.k === 'cat' && n.subs.length > 0) {
    return { k: 'cat', subs: [...n.subs.slice(0, -1), stripTrailingEol(n.subs[n.subs.length - 1])] };
  }
  return n;
}

