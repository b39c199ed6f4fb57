// Character-level scanners for the condition language (rules-language.md section 1). Each one looks at
// `text` from `start` and returns the end offset of the longest match, or `start` when nothing matches:
// the parser never backtracks inside a token, and every scanner is a single forward loop, so lexing stays
// linear in the input size even for multi-megabyte conditions.
//
//   BLANK    = [ \t\b\r\n]                       skipped between tokens
//   SPACE    = [ \t\n\r\f\v]                     POSIX [[:space:]], required after the word `not`
//   IDENT    = [a-zA-Z][a-zA-Z0-9_]*
//   FIELD    = IDENT ("." IDENT)+
//   BARE     = [^()"' \t\n\r\f\v=,]+
//   BAREARG  = [^][\"' \t\n\r\f\v]+
//   HEX      = 0[xX][0-9a-fA-F]+
//   NUMBER   = [+-]?[0-9]+\.?[0-9]*([eE][+-][0-9]+)?
//   QUOTED   = ' or " ... up to the first same delimiter whose preceding character is not a backslash

const isLetter = (c: number): boolean => (c >= 0x61 && c <= 0x7a) || (c >= 0x41 && c <= 0x5a);
const isDigit = (c: number): boolean => c >= 0x30 && c <= 0x39;
const isHexDigit = (c: number): boolean => isDigit(c) || (c >= 0x61 && c <= 0x66) || (c >= 0x41 && c <= 0x46);
const isIdentChar = (c: number): boolean => isLetter(c) || isDigit(c) || c === 0x5f;

/** A blank skipped between tokens: space, tab, backspace, CR, LF (not form feed or vertical tab). */
export const isBlank = (c: number): boolean => c === 0x20 || c === 0x09 || c === 0x08 || c === 0x0d || c === 0x0a;

/** POSIX [[:space:]]: space, tab, LF, VT, FF, CR. */
export const isSpace = (c: number): boolean => c === 0x20 || (c >= 0x09 && c <= 0x0d);

export function scanBlanks(text: string, start: number): number {
  let i = start;
  while (i < text.length && isBlank(text.charCodeAt(i))) i++;
  return i;
}

export function scanSpaces(text: string, start: number): number {
  let i = start;
  while (i < text.length && isSpace(text.charCodeAt(i))) i++;
  return i;
}

export function scanIdentifier(text: string, start: number): number {
  if (start >= text.length || !isLetter(text.charCodeAt(start))) return start;
  let i = start + 1;
  while (i < text.length && isIdentChar(text.charCodeAt(i))) i++;
  return i;
}

/** End offset of a FIELD token (an identifier plus at least one `.segment`), or `start` when none begins there. */
export function scanFieldName(text: string, start: number): number {
  let i = scanIdentifier(text, start);
  if (i === start) return start;
  let segments = 1;
  while (text.charCodeAt(i) === 0x2e) {
    const end = scanIdentifier(text, i + 1);
    if (end === i + 1) break;
    i = end;
    segments++;
  }
  return segments > 1 ? i : start;
}

export function scanBareString(text: string, start: number): number {
  let i = start;
  for (; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (isSpace(c) || c === 0x28 || c === 0x29 || c === 0x22 || c === 0x27 || c === 0x3d || c === 0x2c) break;
  }
  return i;
}

export function scanBareArgument(text: string, start: number): number {
  let i = start;
  for (; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (isSpace(c) || c === 0x5b || c === 0x5d || c === 0x22 || c === 0x27) break;
  }
  return i;
}

export function scanHexNumber(text: string, start: number): number {
  if (text.charCodeAt(start) !== 0x30) return start;
  const x = text.charCodeAt(start + 1);
  if (x !== 0x78 && x !== 0x58) return start;
  let i = start + 2;
  while (i < text.length && isHexDigit(text.charCodeAt(i))) i++;
  return i > start + 2 ? i : start;
}

export function scanNumber(text: string, start: number): number {
  let i = start;
  const sign = text.charCodeAt(i);
  if (sign === 0x2b || sign === 0x2d) i++;
  const digits = i;
  while (isDigit(text.charCodeAt(i))) i++;
  if (i === digits) return start;
  if (text.charCodeAt(i) === 0x2e) i++;
  while (isDigit(text.charCodeAt(i))) i++;
  // the exponent belongs to the number only when it is complete: e, a mandatory sign, digits
  const e = text.charCodeAt(i);
  const es = text.charCodeAt(i + 1);
  if ((e === 0x65 || e === 0x45) && (es === 0x2b || es === 0x2d) && isDigit(text.charCodeAt(i + 2))) {
    i += 3;
    while (isDigit(text.charCodeAt(i))) i++;
  }
  return i;
}

/**
 * End offset (just past the closing delimiter) of a quoted string starting at `start`, or -1 when the
 * string is not terminated. (quirk) The string ends at the first delimiter whose preceding raw character
 * is not a backslash, so `"a\\"` does not end at its last quote. A NUL character ends the scan, as the
 * C string walk in Falco does.
 */
export function scanQuotedEnd(text: string, start: number): number {
  const delimiter = text.charCodeAt(start);
  for (let i = start + 1; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0) return -1;
    if (c === delimiter && text.charCodeAt(i - 1) !== 0x5c) return i + 1;
  }
  return -1;
}
