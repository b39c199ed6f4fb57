// Rule output formats (rules-language.md 5.1), split into literal text and `%` tokens.
//
//   format := ( text | token )*       text  := any characters but "%"
//   token  := "%" [0-9]* ( transformer | FIELD [ "[" arg "]" ] )
//
// FIELD is the LONGEST registered field name that prefixes the rest of the string (Falco: `%ka.verbx` is
// ka.verb followed by the text "x"); there is no escape for a literal "%". The `[arg]` is read only for
// fields that take one, with the condition grammar's argument syntax.
import type { Operand } from '../condition/ast.js';
import { parseFieldArgument, parseOperandPrefix } from '../condition/parser.js';
import { checkOperand } from '../condition/typecheck.js';
import { FIELDS, findField } from '../fields/registry.js';
import type { LoadErrorCode } from '../core/errors.js';
import { MAX_OUTPUT_WIDTH } from './limits.js';
import type { OutputFormat, OutputPart } from './types.js';

const TRANSFORMER_START = /^(tolower|toupper|b64|basename|len|join|concat|getopt)\(/;
const byLength = [...FIELDS].filter((f) => f.extract.op !== 'static').sort((a, b) => b.name.length - a.name.length);

export class OutputFormatError extends Error {
  constructor(message: string, readonly offset: number, readonly code: LoadErrorCode = 'LOAD_ERR_COMPILE_OUTPUT') { super(message); }
}

/** Parses and type-checks an output format. Throws OutputFormatError with Falco's message. */
export function parseOutputFormat(text: string): OutputFormat {
  const parts: OutputPart[] = [];
  let literal = '';
  let i = 0;
  while (i < text.length) {
    const pct = text.indexOf('%', i);
    if (pct < 0) { literal += text.slice(i); break; }
    literal += text.slice(i, pct);
    let p = pct + 1;
    if (p >= text.length) throw new OutputFormatError('invalid formatting syntax: formatting cannot end with a %', pct);
    while (p < text.length && text[p]! >= '0' && text[p]! <= '9') p++;
    const width = p > pct + 1 ? Number(text.slice(pct + 1, p)) : undefined;
    // every alert pads to the width: an absurd one would make every alert fail at render time
    if (width !== undefined && width > MAX_OUTPUT_WIDTH) {
      throw new OutputFormatError(`width ${text.slice(pct + 1, p)} of %${text.slice(pct + 1, p)}... is larger than the maximum ${MAX_OUTPUT_WIDTH}`, pct, 'LOAD_ERR_OUTPUT_WIDTH');
    }
    const { operand, end } = readOperand(text, p, pct);
    const problem = checkOperand(operand);
    if ('message' in problem) throw new OutputFormatError(problem.message, pct);
    if (literal) parts.push({ kind: 'text', text: literal });
    literal = '';
    const part: OutputPart = { kind: 'token', operand, text: text.slice(pct, end) };
    if (width !== undefined) part.width = width;
    parts.push(part);
    i = end;
  }
  if (literal) parts.push({ kind: 'text', text: literal });
  return { text, parts };
}

function readOperand(text: string, p: number, pct: number): { operand: Operand; end: number } {
  if (TRANSFORMER_START.test(text.slice(p, p + 10))) {
    let parsed: { operand: Operand; end: number } | null;
    try {
      parsed = parseOperandPrefix(text, p);
    } catch (e) {
      throw new OutputFormatError(e instanceof Error ? e.message : String(e), pct);
    }
    if (parsed) return parsed;
  }
  const staticName = /^static\.[A-Za-z0-9_]+/.exec(text.slice(p, p + 300))?.[0];
  const def = staticName ? findField(staticName) : byLength.find((f) => text.startsWith(f.name, p));
  if (!def) {
    const word = /^[^\s%]*/.exec(text.slice(p))![0];
    throw new OutputFormatError(`unknown filter: ${word || text.slice(p, p + 1)}`, pct);
  }
  const end = p + def.name.length;
  if (def.arg !== 'none' && text[end] === '[') {
    let arg: { arg: string; end: number } | null;
    try {
      arg = parseFieldArgument(text, end);
    } catch (e) {
      throw new OutputFormatError(e instanceof Error ? e.message : String(e), pct);
    }
    if (arg) return { operand: { kind: 'field', name: def.name, arg: arg.arg, at: p }, end: arg.end };
  }
  return { operand: { kind: 'field', name: def.name, at: p }, end };
}
