// String escaping in both directions: decoding the body of a quoted string (rules-language.md 1.4) and
// Falco's esc() used by the canonical print (2.3).
//
// Byte escapes: `\xHH` yields one byte. When every byte escape is ASCII, or the decoded bytes form valid
// UTF-8 ("\xc3\xa9" is "é"), the value is an ordinary string. Otherwise the value is a byte string: each
// character is one byte (U+0000-U+00FF, literal non-ASCII text included as its UTF-8 bytes), and
// `bytes` is set so consumers know to take the characters as bytes (see stringValueBytes).
import { ConditionSyntaxError } from './syntax-error.js';
import type { StringValue } from './ast.js';

/** Code unit of each one-character escape. */
const SIMPLE_ESCAPES: Readonly<Record<string, number>> = {
  b: 0x08, f: 0x0c, n: 0x0a, r: 0x0d, t: 0x09, '\\': 0x5c, '/': 0x2f,
  // (quirk) backslash-space gives a lone backslash; the space is dropped (kept for one legacy rule)
  ' ': 0x5c,
};

const hexValue = (c: number): number => {
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  if (c >= 0x61 && c <= 0x66) return c - 0x61 + 10;
  if (c >= 0x41 && c <= 0x46) return c - 0x41 + 10;
  return -1;
};

/**
 * The code unit (or, for `\xHH`, the byte) of the escape whose backslash is at text[bs]. It spans 4
 * characters for `\xHH`, 2 otherwise. A backslash is never the last body character: it would have hidden
 * the closing delimiter.
 */
function decodeEscape(text: string, bs: number, bodyEnd: number, delimiter: number): number {
  const c = text[bs + 1]!;
  const simple = SIMPLE_ESCAPES[c];
  if (simple !== undefined) return simple;
  if (c.charCodeAt(0) === delimiter) return delimiter;
  if (c !== 'x') throw new ConditionSyntaxError(`unsupported string escape sequence: \\${c}`, bs);
  const hi = bs + 2 < bodyEnd ? hexValue(text.charCodeAt(bs + 2)) : -1;
  const lo = bs + 3 < bodyEnd ? hexValue(text.charCodeAt(bs + 3)) : -1;
  if (hi < 0 || lo < 0) {
    throw new ConditionSyntaxError('invalid string escape sequence: \\x must be followed by two hexadecimal digits', bs);
  }
  return hi * 16 + lo;
}

const isHexEscape = (text: string, bs: number): boolean => text.charCodeAt(bs + 1) === 0x78;

/**
 * Decodes the quoted string token text[start, end) into its string constant: `start` is the opening
 * delimiter, `end - 1` the closing one (as found by scanQuotedEnd). Throws ConditionSyntaxError at the
 * offending backslash.
 * Decoding goes through a code-unit buffer: building the result from millions of small pieces would make a
 * multi-megabyte string with many escapes take seconds.
 */
export function unescapeQuoted(text: string, start: number, end: number): StringValue {
  const delimiter = text.charCodeAt(start);
  const bodyStart = start + 1;
  const bodyEnd = end - 1;
  let first = bodyStart;
  while (first < bodyEnd && text.charCodeAt(first) !== 0x5c) first++;
  if (first === bodyEnd) return quotedValue(text.slice(bodyStart, bodyEnd), start);

  const units = new Uint16Array(bodyEnd - bodyStart);
  let n = 0;
  let highBytes = false;
  for (let i = bodyStart; i < bodyEnd; i++) {
    const c = text.charCodeAt(i);
    if (c !== 0x5c) {
      units[n++] = c;
      continue;
    }
    const hex = isHexEscape(text, i);
    const unit = decodeEscape(text, i, bodyEnd, delimiter);
    if (hex && unit >= 0x80) highBytes = true;
    units[n++] = unit;
    i += hex ? 3 : 1;
  }
  if (!highBytes) return quotedValue(fromCodeUnits(units, n), start);
  return fromBytes(decodeToBytes(text, bodyStart, bodyEnd, delimiter), start);
}

const quotedValue = (value: string, at: number): StringValue => ({ kind: 'string', value, quoted: true, at });

// Buffer's UTF-16 decoding keeps lone surrogates as they are (TextDecoder would replace them)
const fromCodeUnits = (units: Uint16Array, n: number): string => Buffer.from(units.buffer, 0, 2 * n).toString('utf16le');

/** The body as bytes: literal text as UTF-8, `\xHH` as the byte itself. */
function decodeToBytes(text: string, bodyStart: number, bodyEnd: number, delimiter: number): Uint8Array {
  const bytes = new Uint8Array(3 * (bodyEnd - bodyStart));
  let m = 0;
  for (let i = bodyStart; i < bodyEnd; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x5c) {
      const hex = isHexEscape(text, i);
      bytes[m++] = decodeEscape(text, i, bodyEnd, delimiter); // one-character escapes are all ASCII
      i += hex ? 3 : 1;
    } else if (c < 0x80) {
      bytes[m++] = c;
    } else {
      const cp = text.codePointAt(i)!;
      if (cp > 0xffff) i++;
      m = putUtf8(bytes, m, cp);
    }
  }
  return bytes.subarray(0, m);
}

/** Writes the UTF-8 encoding of code point `cp` at bytes[m]; returns the new end. */
function putUtf8(bytes: Uint8Array, m: number, cp: number): number {
  if (cp < 0x800) {
    bytes[m++] = 0xc0 | (cp >> 6);
  } else {
    if (cp < 0x10000) {
      bytes[m++] = 0xe0 | (cp >> 12);
    } else {
      bytes[m++] = 0xf0 | (cp >> 18);
      bytes[m++] = 0x80 | ((cp >> 12) & 0x3f);
    }
    bytes[m++] = 0x80 | ((cp >> 6) & 0x3f);
  }
  bytes[m++] = 0x80 | (cp & 0x3f);
  return m;
}

const utf8Decoder = new TextDecoder('utf-8', { fatal: true });

function fromBytes(bytes: Uint8Array, at: number): StringValue {
  try {
    return quotedValue(utf8Decoder.decode(bytes), at);
  } catch {
    const value = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length).toString('latin1');
    return { kind: 'string', value, quoted: true, bytes: true, at };
  }
}

/** The bytes a string constant stands for (UTF-8 of the text, or the byte string itself; see above). */
export function stringValueBytes(v: StringValue): Uint8Array {
  return Buffer.from(v.value, v.bytes ? 'latin1' : 'utf8');
}

const NEEDS_QUOTES = /[\b\f\n\r\t\\" ='\0]/;
const ESCAPED = /[\b\f\n\r\t\\"]/g;
const ESCAPE_OF: Readonly<Record<string, string>> = {
  '\b': '\\b', '\f': '\\f', '\n': '\\n', '\r': '\\r', '\t': '\\t', '\\': '\\\\', '"': '\\"',
};

/**
 * Falco's esc(): control characters, backslash and double quote are escaped, and the result is wrapped in
 * double quotes when the string holds any of those, a space, `=`, `'` or NUL. Other strings print as is,
 * so the result does not always re-parse (`a,b` stays bare).
 */
export function escapeValue(s: string): string {
  if (!NEEDS_QUOTES.test(s)) return s;
  return `"${s.replace(ESCAPED, (c) => ESCAPE_OF[c]!)}"`;
}
