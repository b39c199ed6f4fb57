import type { FieldRef } from '../condition/ast.js';

/**
 * Every field reference in a condition tree or an output format, wherever it sits, in document order. A
 * plain recursion into one array: a recursive generator (yield* at every level) cost a tenth of loading the
 * upstream rules, on conditions whose macros are expanded in place.
 */
export function fieldRefs(node: unknown, out: FieldRef[] = []): FieldRef[] {
  if (Array.isArray(node)) {
    for (const n of node) fieldRefs(n, out);
  } else if (node && typeof node === 'object') {
    if ((node as { kind?: unknown }).kind === 'field') out.push(node as FieldRef);
    for (const v of Object.values(node)) if (v && typeof v === 'object') fieldRefs(v, out);
  }
  return out;
}
