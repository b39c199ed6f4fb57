// Compiles `regex` patterns to the byte program that assembly/regex.ts runs in linear time.
//
// Syntax: RE2 with its posix_syntax option (grammar in ./syntax.ts). Semantics: the value must match
// as a whole (Falco uses RE2::FullMatch). Matching is on UTF-8 bytes; `.`, classes and literals match whole
// UTF-8 encoded characters, so a byte that is not part of valid UTF-8 is matched by nothing, as in RE2.
// Error messages follow RE2's wording ("missing ): (", "invalid escape sequence: \d"); the loader
// prefixes them with "invalid regex pattern: ".
//
// Stages: parse (./syntax.ts) → Thompson NFA (./nfa.ts) → DFA by subset construction when a
// small one exists (./dfa.ts), else the NFA is shipped. A leading `^` and a trailing `$` always
// hold in a whole-value match and are dropped, so `^…$` patterns stay DFAs.
import { Parser, RegexSyntaxError, stripLeadingBol, stripTrailingEol } from './syntax.js';
import { Emitter, I_MATCH } from './nfa.js';
import { buildDfa } from './dfa.js';

export interface CompileOptions {
  /** Ship the NFA even when a DFA would fit (tests use it to exercise the simulation). */
  nfaOnly?: boolean;
}

function emitNfa(pattern: string): Emitter {
  const tree = stripTrailingEol(stripLeadingBol(new Parser(pattern).parse()));
  const e = new Emitter();
  e.node(tree);
  e.emit(I_MATCH);
  return e;
}

/** null when `pattern` is a valid RE2 POSIX-syntax regex, else RE2's error message. */
export function validateRegex(pattern: string): string | null {
  try {
    emitNfa(pattern); // every error is found by parsing and emission; the DFA is an optional optimization
    return null;
  } catch (err) {
    if (err instanceof RegexSyntaxError) return err.message;
    throw err;
  }
}

/** The program for a pattern validateRegex accepted; throws with the validation message otherwise. */
export function compileRegex(pattern: string, options: CompileOptions = {}): Uint8Array {
  const e = emitNfa(pattern);
  return (options.nfaOnly ? null : buildDfa(e)) ?? e.serialize();
}

