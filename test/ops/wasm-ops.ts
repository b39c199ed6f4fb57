// Drives the WebAssembly operators from tests: encodes right operands the way the compiler does (value
// lists, 8-byte numbers, prefix tables, regex programs) and calls the compareValue / applyTransform exports
// of the test build.
import type { RawExports } from '../../src/engine/wasm-module.js';
import { Mod, Op, ValueType, modId, opId } from '../../src/compile/opcodes.js';
import type { CheckOp, Modifier } from '../../src/condition/ast.js';
import { compileRegex } from '../../src/regex/regex.js';
import { encodePrefixTable } from '../../src/compile/prefix-table.js';
import { instantiateTestEngine } from '../test-wasm.js';

interface OpsExports extends RawExports {
  inputReserve(size: number): number;
  arenaReset(): void;
  compareValue(op: number, mod: number, type: number, v: number, vl: number, r: number, rl: number): number;
  applyTransform(xf: number, p: number, len: number): bigint;
}

const encoder = new TextEncoder();
let engine: OpsExports | undefined;

function wasm(): OpsExports {
  engine ??= instantiateTestEngine() as OpsExports;
  return engine;
}

export function encodeValueList(items: readonly (string | Uint8Array)[]): Uint8Array {
  const parts = items.map((i) => (typeof i === 'string' ? encoder.encode(i) : i));
  const out = new Uint8Array(4 + parts.reduce((n, p) => n + 4 + p.length, 0));
  const view = new DataView(out.buffer);
  view.setUint32(0, parts.length, true);
  let at = 4;
  for (const p of parts) {
    view.setUint32(at, p.length, true);
    out.set(p, at + 4);
    at += 4 + p.length;
  }
  return out;
}

function encodeNumbers(values: readonly bigint[], withCount: boolean): Uint8Array {
  const head = withCount ? 4 : 0;
  const out = new Uint8Array(head + values.length * 8);
  const view = new DataView(out.buffer);
  if (withCount) view.setUint32(0, values.length, true);
  values.forEach((v, i) => view.setBigUint64(head + i * 8, BigInt.asUintN(64, v), true));
  return out;
}

/** Copies the spans into wasm memory (8-byte aligned) and returns their addresses. */
function place(...spans: Uint8Array[]): number[] {
  const e = wasm();
  const sizes = spans.map((s) => (s.length + 7) & ~7);
  const base = e.inputReserve(Math.max(8, sizes.reduce((a, b) => a + b, 0))) >>> 0;
  const mem = new Uint8Array(e.memory.buffer);
  const at: number[] = [];
  let p = base;
  spans.forEach((s, i) => {
    mem.set(s, p);
    at.push(p);
    p += sizes[i];
  });
  return at;
}

/** `lhs <op> rhs` as written in cases.json: op may carry a modifier ("== oneof"). */
export function compare(opText: string, lhs: string, rhs: string | string[], type = 'string'): boolean {
  const [name, modName] = opText.split(' ');
  const op = opId(name as CheckOp);
  if (op === undefined) throw new Error(`unknown operator ${name}`);
  const mod = modId(modName as Modifier | undefined);
  let v: Uint8Array;
  let r: Uint8Array;
  let typeId: number = ValueType.STRING;
  if (type === 'int64' || type === 'uint64') {
    typeId = type === 'int64' ? ValueType.INT64 : ValueType.UINT64;
    v = encodeNumbers([BigInt(lhs)], false);
    r = Array.isArray(rhs) ? encodeNumbers(rhs.map(BigInt), true) : encodeNumbers([BigInt(rhs)], false);
  } else {
    v = encoder.encode(lhs);
    const operand = (s: string): Uint8Array => (op === Op.REGEX ? compileRegex(s) : encoder.encode(s));
    if (Array.isArray(rhs)) r = op === Op.PMATCH ? encodePrefixTable(rhs) : encodeValueList(rhs.map(operand));
    else r = operand(rhs);
  }
  const [vp, rp] = place(v, r);
  return wasm().compareValue(op, mod, typeId, vp, v.length, rp, r.length) === 1;
}

/** Whether `pattern` matches the whole value; nfaOnly forces the NFA simulation even where a DFA fits. */
export function regexMatches(pattern: string, value: string | Uint8Array, nfaOnly = false): boolean {
  return runProgram(compileRegex(pattern, { nfaOnly }), value);
}

/** Runs a compiled regex program against a value. */
export function runProgram(prog: Uint8Array, value: string | Uint8Array): boolean {
  const v = typeof value === 'string' ? encoder.encode(value) : value;
  const [vp, rp] = place(v, prog);
  return wasm().compareValue(Op.REGEX, Mod.NONE, ValueType.STRING, vp, v.length, rp, prog.length) === 1;
}

/** A transformer's result as bytes, or null when it yields no value. */
export function transform(xf: number, value: string): Uint8Array | null {
  const e = wasm();
  e.arenaReset();
  const v = encoder.encode(value);
  const [vp] = place(v);
  const packed = e.applyTransform(xf, vp, v.length);
  if (packed < 0n) return null;
  const ptr = Number(packed >> 32n);
  const len = Number(packed & 0xffffffffn);
  return new Uint8Array(e.memory.buffer).slice(ptr, ptr + len);
}
