// Unstructured CloudWatch filter patterns (the subset the emulator supports):
//
//   pattern := ws* (term ws*)*
//   term    := '?' atom      any-of: at least one ?-term must occur (when there are any)
//            | '-' atom      must not occur
//            | atom          must occur
//   atom    := '"' (char | '\"')* '"' | [^ \t"]+
//
// Matching is case-sensitive substring search in the message, as in CloudWatch. JSON patterns `{ ... }`,
// space-delimited `[ ... ]` and regex `%...%` are rejected with a clear InvalidParameterException.
import { invalidParameter } from './aws-error.js';

export type Matcher = (message: string) => boolean;

export function compileFilterPattern(pattern: string | undefined): Matcher {
  const text = (pattern ?? '').trim();
  if (text === '') return () => true;
  if (/^[{[%]/.test(text)) throw invalidParameter(`Invalid filter pattern: the emulator supports plain terms, "quoted phrases", ?any-of and -excluded terms only, not '${text[0]}' patterns.`);
  const all: string[] = [], any: string[] = [], none: string[] = [];
  let i = 0;
  while (i < text.length) {
    if (text[i] === ' ' || text[i] === '\t') { i++; continue; }
    let bucket = all;
    if (text[i] === '?') { bucket = any; i++; } else if (text[i] === '-' && i + 1 < text.length && text[i + 1] !== ' ') { bucket = none; i++; }
    let atom = '';
    if (text[i] === '"') {
      i++;
      while (i < text.length && text[i] !== '"') {
        if (text[i] === '\\' && text[i + 1] === '"') i++;
        atom += text[i++];
      }
      if (i >= text.length) throw invalidParameter('Invalid filter pattern: unterminated quoted phrase.');
      i++;
    } else {
      while (i < text.length && text[i] !== ' ' && text[i] !== '\t' && text[i] !== '"') atom += text[i++];
    }
    if (atom !== '') bucket.push(atom);
  }
  return (m) => all.every((t) => m.includes(t)) && !none.some((t) => m.includes(t)) && (any.length === 0 || any.some((t) => m.includes(t)));
}
