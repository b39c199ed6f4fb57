// Falco's canonical print of a condition AST (rules-language.md 2.3): what `kawa list-rules` shows and what
// load cases compare with `condition_after`. Groups are parenthesised by node, not by how they were written:
// `a and b or c` prints as `((a and b) or c)`, and a single check prints bare.
import type { Expr, Operand, RightValue, TransformerArg } from './ast.js';
import { escapeValue } from './escape.js';

export function printExpr(e: Expr): string {
  switch (e.kind) {
    case 'and':
    case 'or':
      return `(${e.children.map(printExpr).join(` ${e.kind} `)})`;
    case 'not':
      return `not ${printExpr(e.child)}`;
    case 'macro':
      return e.name;
    case 'check': {
      const op = e.modifier ? `${e.op} ${e.modifier}` : e.op;
      const head = `${printOperand(e.left)} ${op}`;
      return e.right ? `${head} ${printValue(e.right)}` : head;
    }
  }
}

/** `[arg]` suffix; an empty argument prints as `[""]`, unlike an empty value. */
const printArg = (arg: string | undefined): string => (arg === undefined ? '' : `[${arg === '' ? '""' : escapeValue(arg)}]`);

export function printOperand(o: Operand): string {
  if (o.kind === 'field') return o.name + printArg(o.arg);
  return `${o.name}(${o.args.map(printTransformerArg).join(',')})${printArg(o.arg)}`;
}

function printTransformerArg(a: TransformerArg): string {
  switch (a.kind) {
    case 'field':
    case 'transformer':
      return printOperand(a);
    case 'string':
      return escapeValue(a.value);
    case 'number':
      return a.text;
    case 'tlist':
      return `(${a.items.map(printTransformerArg).join(',')})`;
  }
}

/** A right-hand side: constant, list literal, list name, `val()` or transformer. */
export function printValue(v: RightValue): string {
  switch (v.kind) {
    case 'string':
      return escapeValue(v.value);
    case 'number':
      return v.text;
    case 'list':
      return `(${v.items.map((i) => escapeValue(i.value)).join(', ')})`;
    case 'ident':
      return v.name;
    case 'val':
      return `val(${printOperand(v.field)})${printArg(v.arg)}`;
    case 'transformer':
      return printOperand(v);
  }
}
