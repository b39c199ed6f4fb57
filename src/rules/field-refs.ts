import type { FieldRef } from '../condition/ast.js';

/** Every field reference in a condition tree or an output format, wherever it sits. */
export function* fieldRefs(node: unknown): Generator<FieldRef> {
  if (Array.isArray(node)) {
    for (const n of node) yield* fieldRefs(n);
  } else if (node && typeof node === 'object') {
    if ((node as { kind?: unknown }).kind === 'field') yield node as FieldRef;
    for (const v of Object.values(node)) if (v && typeof v === 'object') yield* fieldRefs(v);
  }
}
