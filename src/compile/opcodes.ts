// The numeric ids shared by the TypeScript compiler and the AssemblyScript evaluator: check operators (their
// ids are written in the operator table, src/condition/operators.ts), string-operator modifiers, value types
// and transformers. These two files are the only places they are written: assembly/opcodes.ts is generated
// from them by scripts/gen-opcodes.mjs (`--check` fails when it is stale).
// Keep every table a flat `export const Name = { KEY: <integer>, ... } as const;` block: the generator
// reads exactly that shape.
import type { CheckOp, Modifier, TransformerName } from '../condition/ast.js';
import { Op, OPERATORS } from '../condition/operators.js';

/** Check operators' ids: written in the operator table, next to the operators. */
export { Op };

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

const OP_BY_TEXT = new Map<string, OpId>(OPERATORS.flatMap((o): [string, OpId][] => ('opcode' in o ? [[o.text, Op[o.opcode]]] : [])));

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
