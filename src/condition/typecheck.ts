// Compile-time checks of a resolved condition against kawa's field registry (rules-language.md 3.3): unknown
// fields, field arguments, which operators each operand type allows, constants that do not fit the field,
// field-to-field rules, transformer typing, NUL bytes and invalid regexes. The first problem is returned with
// the offset of the node it concerns; messages are Falco's where Falco's are known.
import type { CheckExpr, Expr, FieldRef, Operand, RightValue, StringValue, Transformer, TransformerArg } from './ast.js';
import { OPERATORS } from './operators.js';
import { parseOperandPrefix } from './parser.js';
import { checkFieldArg } from '../fields/field-arg.js';
import { findField } from '../fields/registry.js';
import { validateRegex } from '../regex/regex.js';

export interface TypeProblem { message: string; at: number }

/** What an operand produces: its value type and whether it is a list. */
export interface OperandType { type: 'string' | 'uint64'; list: boolean }

const NUMERIC_OPS: ReadonlySet<string> = new Set(OPERATORS.filter((o) => o.numeric).map((o) => o.text));
const LIST_FIELD_OPS: ReadonlySet<string> = new Set(OPERATORS.filter((o) => o.listField).map((o) => o.text));
const SINGLE_ARG = new Set(['tolower', 'toupper', 'b64', 'basename', 'len']);

class Problem extends Error {
  constructor(message: string, readonly at: number) { super(message); }
}

/** The first type problem of a condition, or null when it compiles. */
export function checkCondition(expr: Expr): TypeProblem | null {
  try {
    walk(expr);
    return null;
  } catch (e) {
    if (e instanceof Problem) return { message: e.message, at: e.at };
    throw e;
  }
}

/** The type of an operand, or its problem. */
export function checkOperand(op: Operand): OperandType | TypeProblem {
  try {
    return operandType(op);
  } catch (e) {
    if (e instanceof Problem) return { message: e.message, at: e.at };
    throw e;
  }
}

/**
 * Whether `text` is, as a whole, a valid field or transformer expression (exception `fields:` entries).
 * Returns the problem's message, or null.
 */
export function checkOperandText(text: string): string | null {
  const t = text.trim();
  let parsed: { operand: Operand; end: number } | null;
  try {
    parsed = parseOperandPrefix(t, 0);
  } catch (e) {
    return e instanceof Error ? e.message : String(e);
  }
  if (!parsed) return 'not a field or transformer expression';
  if (parsed.end !== t.length) return `unexpected text after the field: ${t.slice(parsed.end)}`;
  const r = checkOperand(parsed.operand);
  return 'message' in r ? r.message : null;
}

function walk(e: Expr): void {
  switch (e.kind) {
    case 'and':
    case 'or':
      e.children.forEach(walk);
      return;
    case 'not':
      walk(e.child);
      return;
    case 'macro':
      throw new Problem(`Undefined macro '${e.name}' used in filter.`, e.at);
    case 'check':
      checkCheck(e);
  }
}

function fieldType(f: FieldRef): OperandType {
  const def = findField(f.name);
  const shown = f.arg === undefined ? f.name : `${f.name}[${f.arg}]`;
  if (!def) throw new Problem(`filter_check called with nonexistent field ${shown}`, f.at);
  const arg = checkFieldArg(def, f.arg);
  if ('problem' in arg) throw new Problem(`filter ${shown}: ${arg.problem}`, f.at);
  return { type: def.type, list: def.list };
}

function operandType(op: Operand): OperandType {
  return op.kind === 'field' ? fieldType(op) : transformerType(op);
}

function argOperand(t: Transformer, a: TransformerArg | undefined): OperandType {
  if (!a || (a.kind !== 'field' && a.kind !== 'transformer')) {
    throw new Problem(`filter error: transformer '${t.name}' expects a field or transformer argument`, a?.at ?? t.at);
  }
  return operandType(a);
}

function transformerType(t: Transformer): OperandType {
  if (t.arg !== undefined && t.name !== 'getopt') {
    throw new Problem(`filter error: transformer '${t.name}' does not support field arguments`, t.at);
  }
  if (SINGLE_ARG.has(t.name)) {
    if (t.args.length !== 1) throw new Problem(`filter error: transformer '${t.name}' takes exactly one argument`, t.at);
    const input = argOperand(t, t.args[0]);
    if (input.type !== 'string') throw new Problem(`field type '${input.type}' is not supported by '${t.name}' transformer`, t.at);
    return t.name === 'len' ? { type: 'uint64', list: false } : input;
  }
  if (t.name === 'concat' || t.name === 'join') {
    const items = t.name === 'join' ? joinItems(t) : t.args;
    if (t.name === 'concat' && items.length < 2) throw new Problem("filter error: transformer 'concat' needs at least two arguments", t.at);
    for (const a of items) checkTextArg(t, a);
    return { type: 'string', list: false };
  }
  // getopt(args_list, "optstring")[key]
  if (t.args.length !== 2) throw new Problem("filter error: transformer 'getopt' takes two arguments", t.at);
  const input = argOperand(t, t.args[0]);
  if (input.type !== 'string' || !input.list) throw new Problem("filter error: transformer 'getopt' needs a list of strings", t.at);
  if (t.args[1]!.kind !== 'string') throw new Problem("filter error: transformer 'getopt' needs an option string", t.at);
  if (t.arg === undefined) throw new Problem("filter error: transformer 'getopt' requires an argument but none provided", t.at);
  return { type: 'string', list: false };
}

function joinItems(t: Transformer): TransformerArg[] {
  const [sep, list, ...rest] = t.args;
  if (!sep || sep.kind !== 'string' || !list || list.kind !== 'tlist' || rest.length) {
    throw new Problem("filter error: transformer 'join' expects a separator string and a parenthesised list", t.at);
  }
  return list.items;
}

/** An item joined or concatenated as text: a constant, or a single-valued string operand. */
function checkTextArg(t: Transformer, a: TransformerArg): void {
  if (a.kind === 'string') return checkNul(a);
  if (a.kind === 'number') return;
  if (a.kind === 'tlist') throw new Problem(`filter error: transformer '${t.name}' does not accept a nested list`, a.at);
  const ty = operandType(a);
  if (ty.type !== 'string' || ty.list) throw new Problem(`field type '${ty.type}${ty.list ? ' list' : ''}' is not supported by '${t.name}' transformer`, a.at);
}

function checkNul(v: StringValue): void {
  if (v.value.includes('\0')) throw new Problem('filter value cannot contain a NUL byte', v.at);
}

function checkCheck(c: CheckExpr): void {
  const left = operandType(c.left);
  if (c.op === 'exists') return;
  const shownOp = c.modifier ? `${c.op} ${c.modifier}` : c.op;
  if (left.list && (c.modifier || !LIST_FIELD_OPS.has(c.op))) {
    throw new Problem(`filter error: '${shownOp}' operator not supported list filters`, c.at);
  }
  if (left.type === 'uint64' && (c.modifier || !NUMERIC_OPS.has(c.op))) {
    throw new Problem(`filter error: '${shownOp}' operator not supported for numeric filters`, c.at);
  }
  if (left.type === 'string' && (c.op === 'bcontains' || c.op === 'bstartswith')) {
    throw new Problem(`filter error: '${c.op}' operator not supported for string filters`, c.at);
  }
  if (c.right) checkRight(c, left, c.right);
}

function checkRight(c: CheckExpr, left: OperandType, r: RightValue): void {
  switch (r.kind) {
    case 'string':
      return checkConstant(c, left, r.value, r);
    case 'number':
      return checkConstant(c, left, r.text, r);
    case 'list':
      for (const item of r.items) checkConstant(c, left, item.value, item);
      return;
    case 'ident':
      // a bare word after a list operator is a one-value set (`x in get`, left by a one-item list)
      return checkConstant(c, left, r.name, r);
    case 'val':
    case 'transformer': {
      if (c.op === 'regex' || c.op === 'pmatch') {
        throw new Problem(`filter error: '${c.op}' operator does not support field-to-field comparison`, r.at);
      }
      const right = r.kind === 'val' ? fieldType(r.field) : transformerType(r);
      if (r.kind === 'val' && r.arg !== undefined) {
        throw new Problem("filter error: 'val' does not support field arguments", r.at);
      }
      if (right.type !== left.type || right.list !== left.list) {
        throw new Problem(`filter error: field-to-field comparison between incompatible types ('${describe(left)}' and '${describe(right)}')`, r.at);
      }
    }
  }
}

const describe = (t: OperandType) => `${t.type}${t.list ? ' list' : ''}`;

function checkConstant(c: CheckExpr, left: OperandType, text: string, node: { at: number }): void {
  if (left.type === 'uint64') {
    if (!/^\s*[+-]?[0-9]+$/.test(text)) throw new Problem(`${text} is not a valid number`, node.at);
    return;
  }
  if (text.includes('\0')) throw new Problem('filter value cannot contain a NUL byte', node.at);
  if (c.op === 'regex') {
    const err = validateRegex(text);
    if (err !== null) throw new Problem(`invalid regex pattern: ${err}`, node.at);
  }
}
