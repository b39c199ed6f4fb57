// The numeric ids shared by the TypeScript compiler and the AssemblyScript evaluator: check operators,
// string-operator modifiers, value types and transformers. This file is the only place they are written:
// assembly/opcodes.ts is generated from it by scripts/gen-opcodes.mjs (`--check` fails when it is stale).
// Keep every table a flat `export const Name = { KEY: <integer>, ... } as const;` block: the generator
// reads exactly that shape.
import type { CheckOp, Modifier, TransformerName } from '../condition/ast.js';
import { OPERATORS } from '../condition/operators.js';

/** Check operators. `=` and `==` share EQ. bcontains/bstartswith have no id: they are compile errors on the
 * string fields this engine has (spec 3.3). */
export const Op = {
  EQ: 1,
  NE: 2,
  LT: 3,
  LE: 4,
  GT: 5,
  GE: 6,
  CONTAINS: 7,
  ICONTAINS: 8,
  STARTSWITH: 9,
  ENDSWITH: 10,
  GLOB: 11,
  IGLOB: 12,
  REGEX: 13,
  IN: 14,
  INTERSECTS: 15,
  PMATCH: 16,
  EXISTS: 17,
} as const;

/** String-operator modifiers (spec 3.5); NONE for a plain check. */
export const Mod = {
  NONE: 0,
  ONEOF: 1,
  ANYOF: 2,
  ALLOF: 3,
} as const;

/** How a value's bytes are read: STRING as bytes; INT64/UINT64 as 8 bytes, little-endian. */
export const ValueType = {
  STRING: 0,
  INT64: 1,
  UINT64: 2,
} as const;

/** Single-value transformers evaluated in WebAssembly (join/concat/getopt are not supported). LEN is
 * applied by the VM itself (a byte length or a value count, spec 2.2). */
export const Xf = {
  TOLOWER: 1,
  TOUPPER: 2,
  B64: 3,
  BASENAME: 4,
  LEN: 5,
} as const;

export type OpId = (typeof Op)[keyof typeof Op];
export type ModId = (typeof Mod)[keyof typeof Mod];
export type ValueTypeId = (typeof ValueType)[keyof typeof ValueType];
export type XfId = (typeof Xf)[keyof typeof Xf];

// from the operator table: an opcode name that Op lacks is a bug caught when this module loads
const OP_BY_TEXT = new Map<string, OpId>(OPERATORS.flatMap((o): [string, OpId][] => {
  if (!('opcode' in o)) return [];
  const id = (Op as Record<string, OpId>)[o.opcode];
  if (id === undefined) throw new Error(`operators.ts: ${o.text} names opcode ${o.opcode}, which Op does not have`);
  return [[o.text, id]];
}));

/** The id of an operator as written in a condition; undefined for bcontains/bstartswith. */
export function opId(op: CheckOp): OpId | undefined {
  return OP_BY_TEXT.get(op);
}

export function modId(mod: Modifier | undefined): ModId {
  return mod === 'oneof' ? Mod.ONEOF : mod === 'anyof' ? Mod.ANYOF : mod === 'allof' ? Mod.ALLOF : Mod.NONE;
}

const XF_BY_NAME: Partial<Record<TransformerName, XfId>> = {
  tolower: Xf.TOLOWER, toupper: Xf.TOUPPER, b64: Xf.B64, basename: Xf.BASENAME, len: Xf.LEN,
};

/** The id of a transformer; undefined for the multi-value ones this engine does not evaluate. */
export function xfId(name: TransformerName): XfId | undefined {
  return XF_BY_NAME[name];
}
