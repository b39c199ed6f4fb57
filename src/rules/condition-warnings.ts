// Warnings Falco gives on conditions that compile (rules-language.md 6.2, 6.3): comparing a plugin field with
// the text `<NA>` (LOAD_UNSAFE_NA_CHECK), and constants that look like fields, transformers, or a regex that
// a simpler operator could do (LOAD_COMPILE_CONDITION).
import type { CheckExpr, Expr, Operand, StringValue } from '../condition/ast.js';
import { findField } from '../fields/registry.js';

const NA_OPS = new Set(['=', '==', '!=', 'in', 'intersects', 'pmatch']);
const TRANSFORMER_CALL = /^(tolower|toupper|b64|basename|len|join|concat|getopt|val)\(.*\)$/s;
const FIELD_TEXT = /^([a-zA-Z][a-zA-Z0-9_]*(?:\.[a-zA-Z][a-zA-Z0-9_]*)+)(\[.*\])?$/s;
const REGEX_META = /[\\^$.|?*+()[\]{}]/;

function checks(e: Expr, out: CheckExpr[] = []): CheckExpr[] {
  if (e.kind === 'and' || e.kind === 'or') e.children.forEach((c) => checks(c, out));
  else if (e.kind === 'not') checks(e.child, out);
  else if (e.kind === 'check') out.push(e);
  return out;
}

function usesPluginField(op: Operand): boolean {
  if (op.kind === 'field') return op.name.startsWith('ka.') || op.name.startsWith('jevt.');
  return op.args.some((a) => (a.kind === 'field' || a.kind === 'transformer') && usesPluginField(a));
}

function constants(c: CheckExpr): StringValue[] {
  if (!c.right) return [];
  if (c.right.kind === 'string') return [c.right];
  if (c.right.kind === 'list') return c.right.items;
  return [];
}

/** True when some check compares a ka.* / jevt.* operand with the literal `<NA>`. */
export function hasUnsafeNaCheck(e: Expr): boolean {
  return checks(e).some((c) => NA_OPS.has(c.op) && usesPluginField(c.left) && constants(c).some((v) => v.value === '<NA>'));
}

/** Messages of the compiler warnings on constant values, in condition order. */
export function constantWarnings(e: Expr): string[] {
  const out: string[] = [];
  for (const c of checks(e)) {
    for (const v of constants(c)) {
      const compact = v.value.replace(/\s+/g, '');
      const field = FIELD_TEXT.exec(compact);
      if (field && findField(field[1]!)) {
        out.push(`'${v.value}' may be a valid field misused as a const string value`);
      } else if (TRANSFORMER_CALL.test(compact)) {
        out.push(`'${v.value}' may be a valid field transformer misused as a const string value`);
      } else if (c.op === 'regex' && !REGEX_META.test(regexCore(v.value))) {
        out.push(`regex check with '${v.value}' may be optimized with simpler operators such as '=', 'contains', 'startswith', 'endswith'`);
      }
    }
  }
  return out;
}

/** The pattern without a leading `^`, a trailing `$`, and `.*` `.+` `.?` at either end. */
function regexCore(p: string): string {
  let s = p;
  if (s.startsWith('^')) s = s.slice(1);
  if (s.endsWith('$') && !s.endsWith('\\$')) s = s.slice(0, -1);
  if (/^\.[*+?]/.test(s)) s = s.slice(2);
  if (/\.[*+?]$/.test(s) && !/\\\.[*+?]$/.test(s)) s = s.slice(0, -2);
  return s;
}
