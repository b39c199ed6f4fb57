// Compiles resolved rule conditions into the program the WebAssembly VM runs (layout: bytecode.ts).
//
// - Each distinct operand (a field with its argument, or a transformer expression) gets one slot, so the
//   VM extracts each field at most once per event, lazily, and reuses the value for every rule.
// - and/or compile to short-circuit jumps; `not` inverts (there is no third "unknown" value: a check on a
//   missing value is false, rules-language.md 3.1).
// - Subexpressions that occur more than once across the rules (macros shared by many rules) are
//   hash-consed by their structure and evaluated once per event through a memo slot.
// - Rule guards (bytecode.ts): top-level conjuncts like `ka.verb = create` or `ka.target.resource in (...)`
//   index the rules by the value of a few scalar fields, so each event runs only the rules it can match.
// - Per rule, the operand slots its output needs: one per `%` token, plus the plain fields the JSON
//   output_fields report (a field inside a transformer contributes the plain inner field).
import type { CheckExpr, Expr, FieldRef, ListValue, Operand, RightValue, StringValue, Transformer, TransformerArg } from '../condition/ast.js';
import { OPERATORS, operator } from '../condition/operators.js';
import { KawaError } from '../core/errors.js';
import { checkFieldArg, splitIpListArg } from '../fields/field-arg.js';
import { findField } from '../fields/registry.js';
import type { IpList, LoadedRule, LoadResult, OutputPart } from '../rules/types.js';
import { ByteWriter } from './byte-writer.js';
import * as B from './bytecode.js';
import { encodeIpTable } from './ip-table.js';
import { Mod, Op, modId, opId, xfId } from './opcodes.js';
import { encodePrefixTable } from './prefix-table.js';
import { compileRegex } from '../regex/regex.js';

/** What a value source yields: its type and whether it is a list. */
export interface OperandType { type: 'string' | 'uint64'; list: boolean }

/** Where each output token / output field of a rule finds its values in a match record. */
export interface OutputPlan {
  /** One per `token` part of rule.output.parts, in order: an index into the record's value lists. */
  tokens: { out: number; list: boolean }[];
  /** JSON output_fields: canonical field text → index into the record's value lists. */
  fields: { key: string; out: number; list: boolean }[];
  /** append_output's formatted extra_fields: the key, its format's parts and one value per token part. */
  formatted: { key: string; parts: OutputPart[]; tokens: { out: number; list: boolean }[] }[];
}

/** A rule of the program: the loaded rule, and where its output finds its values in a match record. */
export interface CompiledRule {
  /** The rule. */
  rule: LoadedRule;
  /** Its output's tokens and fields, by value list of the record. */
  output: OutputPlan;
}

export interface Program {
  bytes: Uint8Array;
  /** Indexed by the rule position written in match records. */
  rules: CompiledRule[];
  slotCount: number;
  memoCount: number;
}

const encoder = new TextEncoder();
const HEADER_BYTES = B.HEADER_WORDS * 4;

/** Scalar comparisons of a numeric field with a number (or another numeric field). */
const NUMERIC_OPS = new Set<string>(OPERATORS.filter((o) => o.numeric && (o.rhs === 'number' || o.rhs === 'string')).map((o) => o.text));
/** Operands with guards: the ones that guard the most rules, up to this many (each costs a lookup per event). */
const MAX_GUARDS = 4;

/** A necessary condition found in a rule: operand slot `slot` has one of `values`. */
interface Guard { slot: number; values: Uint8Array[] }

/** Checks cheap enough that a memo slot would cost as much as evaluating them again. */
const CHEAP_OPS = new Set<string>(OPERATORS.filter((o) => o.cheap).map((o) => o.text));

function fail(message: string): never {
  throw new KawaError('KAWA_ERR_CONDITION', message);
}

/** The canonical text of a field reference: `name` or `name[arg]` (output_fields keys). */
export function fieldText(f: FieldRef): string {
  return f.arg === undefined ? f.name : `${f.name}[${f.arg}]`;
}

/** A structural key: equal keys mean equal expressions (positions ignored). */
function key(node: Expr | Operand | RightValue | TransformerArg, cache: WeakMap<object, string>): string {
  const hit = cache.get(node);
  if (hit !== undefined) return hit;
  let k: string;
  switch (node.kind) {
    case 'and': case 'or': k = `${node.kind}(${node.children.map((c) => key(c, cache)).join(',')})`; break;
    case 'not': k = `not(${key(node.child, cache)})`; break;
    case 'macro': k = `macro:${JSON.stringify(node.name)}`; break;
    case 'check': k = `chk(${key(node.left, cache)} ${node.op} ${node.modifier ?? ''} ${node.right ? key(node.right, cache) : ''})`; break;
    case 'field': k = `f:${node.name}${node.arg === undefined ? '' : `[${JSON.stringify(node.arg)}]`}`; break;
    case 'transformer': k = `t:${node.name}(${node.args.map((a) => key(a, cache)).join(',')})${node.arg === undefined ? '' : `[${JSON.stringify(node.arg)}]`}`; break;
    case 'tlist': k = `l(${node.items.map((a) => key(a, cache)).join(',')})`; break;
    case 'string': k = `s:${JSON.stringify(node.value)}`; break;
    case 'number': k = `n:${node.text}`; break;
    case 'list': k = `L(${node.items.map((i) => JSON.stringify(i.value)).join(',')})`; break;
    case 'ident': k = `i:${node.name}`; break;
    case 'val': k = `v:${key(node.field, cache)}`; break;
  }
  cache.set(node, k);
  return k;
}

/** Parses a numeric constant the way Falco does for uint64 operands (decimal only, sscanf-like). */
function parseNumber(text: string): bigint {
  if (!/^\s*[+-]?\d+$/.test(text)) fail(`${text} is not a valid number`);
  return BigInt.asUintN(64, BigInt(text.trim()));
}

class Compiler {
  private readonly pool = new ByteWriter();
  private readonly code = new ByteWriter();
  private readonly consts = new Map<string, [number, number]>();
  private readonly tables = new Map<string, number>();
  private readonly slotKeys = new Map<string, number>();
  private readonly slotOffsets: number[] = [];
  private readonly slotTypes: OperandType[] = [];
  private readonly keys = new WeakMap<object, string>();
  /** Structural key → memo slot, for subexpressions worth remembering. */
  private readonly memo = new Map<string, number>();

  /** `ipLists`: the IP lists the rules read, from the load (LoadResult.ipLists). */
  constructor(private readonly ipLists: Record<string, IpList> = {}) {
    // offsets in the pool are from the start of the program, which begins with the header
    this.pool.bytes(new Uint8Array(HEADER_BYTES));
  }

  /** Gives a memo slot to every composite subexpression (and costly check) met more than once. */
  planMemo(conditions: Expr[]): void {
    const counts = new Map<string, number>();
    const visit = (e: Expr): void => {
      if (e.kind === 'check' && CHEAP_OPS.has(e.op) && !e.modifier) return;
      const k = key(e, this.keys);
      const n = (counts.get(k) ?? 0) + 1;
      counts.set(k, n);
      if (n > 1) return; // its children were counted the first time
      if (e.kind === 'and' || e.kind === 'or') e.children.forEach(visit);
      else if (e.kind === 'not') visit(e.child);
    };
    conditions.forEach(visit);
    for (const [k, n] of counts) if (n > 1) this.memo.set(k, this.memo.size);
  }

  // ---- constants --------------------------------------------------------------------------------------
  constBytes(bytes: Uint8Array): [number, number] {
    const k = Buffer.from(bytes).toString('latin1');
    let c = this.consts.get(k);
    if (!c) {
      c = [this.pool.length, bytes.length];
      this.pool.bytes(bytes);
      this.consts.set(k, c);
    }
    return c;
  }

  constString(s: string): [number, number] {
    if (s.includes('\0')) fail('string constants cannot contain a NUL byte');
    return this.constBytes(encoder.encode(s));
  }

  /** A membership set: sorted and deduplicated (layout in bytecode.ts). Returns its offset. */
  set(items: Uint8Array[]): number {
    const list = [...items].sort((a, b) => Buffer.compare(a, b)).filter((b, i, all) => i === 0 || Buffer.compare(all[i - 1], b) !== 0);
    const k = `set:${list.map((b) => Buffer.from(b).toString('hex')).join(',')}`;
    let at = this.tables.get(k);
    if (at === undefined) {
      const refs = list.map((b) => this.constBytes(b));
      this.pool.align4();
      at = this.pool.length;
      this.pool.u32(refs.length);
      for (const [off, len] of refs) { this.pool.u32(off); this.pool.u32(len); }
      this.tables.set(k, at);
    }
    return at;
  }

  /** A table the operators read in place (value lists, prefix tables), 4-byte aligned, once per `k`. Returns
   *  its offset. */
  table(bytes: Uint8Array, k = `tab:${Buffer.from(bytes).toString('hex')}`): number {
    let at = this.tables.get(k);
    if (at === undefined) {
      this.pool.align4();
      at = this.pool.length;
      this.pool.bytes(bytes);
      this.tables.set(k, at);
    }
    return at;
  }

  /** The IP list an IP-list field's argument names, with its JSON pointer, as the extractor's argument. */
  private ipTable(field: string, argText: string): [number, number] {
    const arg = splitIpListArg(field, argText);
    if ('problem' in arg) fail(`filter error: ${arg.problem}`);
    const list = this.ipLists[arg.list];
    if (!list) fail(`filter error: ${field}[${argText}]: no IP list named '${arg.list}' was loaded`);
    const bytes = encodeIpTable(list, arg.pointer);
    return [this.table(bytes, `ip:${arg.list}:${arg.pointer ?? ''}`), bytes.length];
  }

  // ---- operands ---------------------------------------------------------------------------------------
  operand(o: Operand): number {
    const k = key(o, this.keys);
    const known = this.slotKeys.get(k);
    if (known !== undefined) return known;
    let type: OperandType;
    let record: ByteWriter;
    if (o.kind === 'field') [record, type] = this.fieldRecord(o);
    else [record, type] = this.transformerRecord(o);
    this.pool.align4();
    const slot = this.slotOffsets.length;
    this.slotOffsets.push(this.pool.length);
    this.slotTypes.push(type);
    this.pool.bytes(record.toBytes());
    this.slotKeys.set(k, slot);
    return slot;
  }

  slotType(slot: number): OperandType {
    return this.slotTypes[slot];
  }

  private fieldRecord(f: FieldRef): [ByteWriter, OperandType] {
    const def = findField(f.name);
    if (!def) fail(`filter_check called with nonexistent field ${fieldText(f)}`);
    let argOff = 0;
    let argLen = 0;
    // static.<name> fields share one row: the VM finds the value by the field's name
    if (def.extract.op === 'static') [argOff, argLen] = this.constString(def.name);
    // the type checker has refused a bad argument already; a program built without it is refused the same way
    const arg = checkFieldArg(def, f.arg);
    if ('problem' in arg) fail(`filter error: ${arg.problem}`);
    const index = arg.index;
    if (arg.key !== undefined) [argOff, argLen] = def.extract.op === 'ip_listed' ? this.ipTable(def.name, arg.key) : this.constString(arg.key);
    const w = new ByteWriter();
    w.u32(B.SLOT_FIELD); w.u32(def.id); w.u32(argOff); w.i32(argLen); w.i64(index);
    return [w, { type: def.type, list: def.list }];
  }

  private transformerRecord(t: Transformer): [ByteWriter, OperandType] {
    const id = t.name === 'join' ? B.T_JOIN : t.name === 'concat' ? B.T_CONCAT : xfId(t.name);
    if (id === undefined) fail(`filter error: transformer '${t.name}' is not supported`);
    const args = new ByteWriter();
    const types: OperandType[] = [];
    const emitArg = (a: TransformerArg): void => {
      if (a.kind === 'field' || a.kind === 'transformer') {
        const slot = this.operand(a);
        types.push(this.slotType(slot));
        args.u32(B.TARG_SLOT); args.u32(slot); args.u32(0);
      } else if (a.kind === 'tlist') {
        // the list is one argument: a header, then its items
        args.u32(B.TARG_LIST); args.u32(0); args.u32(a.items.length);
        a.items.forEach(emitArg);
      } else {
        const [off, len] = this.constString(a.kind === 'string' ? a.value : a.text);
        types.push({ type: 'string', list: false });
        args.u32(B.TARG_CONST); args.u32(off); args.u32(len);
      }
    };
    t.args.forEach(emitArg);
    const argc = t.args.length;
    if (t.arg !== undefined) fail(`filter error: transformer '${t.name}' does not support field arguments`);
    const w = new ByteWriter();
    w.u32(B.SLOT_TRANSFORMER); w.u32(id); w.u32(types[0]?.list ? B.TF_LIST_INPUT : 0); w.u32(argc);
    w.bytes(args.toBytes());
    let type: OperandType;
    switch (t.name) {
      case 'len': type = { type: 'uint64', list: false }; break;
      case 'join': case 'concat': type = { type: 'string', list: false }; break;
      default:
        if (t.args.length !== 1) fail(`filter error: transformer '${t.name}' takes one argument`);
        if (types[0]?.type === 'uint64') fail(`filter error: transformer '${t.name}' does not support numeric values`);
        type = { type: 'string', list: types[0]?.list ?? false };
    }
    return [w, type];
  }

  // ---- conditions -------------------------------------------------------------------------------------
  expr(e: Expr): void {
    const m = e.kind === 'check' && CHEAP_OPS.has(e.op) && !e.modifier ? undefined : this.memo.get(key(e, this.keys));
    let skip = -1;
    if (m !== undefined) {
      this.code.u8(B.I_MEMO_GET); this.code.u32(m);
      skip = this.code.length;
      this.code.u32(0);
    }
    switch (e.kind) {
      case 'and': case 'or': {
        const jumps: number[] = [];
        e.children.forEach((c, i) => {
          this.expr(c);
          if (i < e.children.length - 1) {
            this.code.u8(e.kind === 'and' ? B.I_JF : B.I_JT);
            jumps.push(this.code.length);
            this.code.u32(0);
          }
        });
        for (const j of jumps) this.code.patchU32(j, this.code.length);
        break;
      }
      case 'not':
        this.expr(e.child);
        this.code.u8(B.I_NOT);
        break;
      case 'check':
        this.check(e);
        break;
      case 'macro':
        fail(`undefined macro ${e.name}`);
    }
    if (m !== undefined) {
      this.code.u8(B.I_MEMO_SET); this.code.u32(m);
      this.code.patchU32(skip, this.code.length);
    }
  }

  private emitCheck(kind: number, op: number, mod: number, left: number, a: number, b: number): void {
    const c = this.code;
    c.u8(B.I_CHECK); c.u8(kind); c.u8(op); c.u8(mod); c.u32(left); c.u32(a); c.u32(b);
  }

  private rightSlot(r: RightValue): number | undefined {
    if (r.kind === 'val') return this.operand(r.field);
    if (r.kind === 'transformer') return this.operand(r);
    return undefined;
  }

  private listItems(r: RightValue, what: string): StringValue[] {
    if (r.kind === 'list') return (r as ListValue).items;
    if (r.kind === 'string') return [r];
    if (r.kind === 'number') return [{ kind: 'string', value: r.text, quoted: false, at: r.at }];
    // a one-item list substituted without parentheses (`x in foo` → `x in get`) is a one-value set
    if (r.kind === 'ident') return [{ kind: 'string', value: r.name, quoted: false, at: r.at }];
    return fail(`${what}: expected a list`);
  }

  private check(e: CheckExpr): void {
    const left = this.operand(e.left);
    const lt = this.slotType(left);
    const r = e.right;
    const op = opId(e.op);
    if (op === undefined) fail(`filter error: '${e.op}' operator not supported for string filters`);
    if (op === Op.EXISTS) return this.emitCheck(B.K_EXISTS, op, Mod.NONE, left, 0, 0);
    if (!r) fail(`operator ${e.op} needs a value`);
    if (lt.list && !operator(e.op)?.listField) fail(`filter error: '${e.op}' operator not supported list filters`);
    const numeric = lt.type === 'uint64';
    const mod = modId(e.modifier);

    if (mod !== Mod.NONE) {
      if (operator(e.op)?.rhs !== 'string' || numeric) fail(`filter error: modifier '${e.modifier}' not supported with '${e.op}'`);
      const list = new ByteWriter();
      const items = this.listItems(r, e.op);
      list.u32(items.length);
      for (const i of items) {
        const bytes = this.stringConst(op, i.value);
        list.u32(bytes.length); list.bytes(bytes);
      }
      return this.emitCheck(B.K_MOD_SET, op, mod, left, this.table(list.toBytes()), 0);
    }
    if (op === Op.IN || op === Op.INTERSECTS) {
      const every = op === Op.IN && lt.list;
      const slot = this.rightSlot(r);
      if (slot !== undefined) return this.emitCheck(every ? B.K_IN_SLOT : B.K_ANY_SLOT, op, mod, left, slot, 0);
      const items = this.listItems(r, e.op).map((i) => encoder.encode(numeric ? parseNumber(i.value).toString() : i.value));
      return this.emitCheck(every ? B.K_IN_SET : B.K_ANY_SET, op, mod, left, this.set(items), 0);
    }
    if (op === Op.PMATCH) {
      if (this.rightSlot(r) !== undefined) fail("filter error: 'pmatch' does not support field-to-field comparison");
      const table = encodePrefixTable(this.listItems(r, e.op).map((i) => i.value));
      return this.emitCheck(B.K_PMATCH, op, mod, left, this.table(table), 0);
    }
    const slot = this.rightSlot(r);
    if (numeric) {
      if (!NUMERIC_OPS.has(e.op)) fail(`'${e.op}' operator not supported for numeric filters`);
      if (slot !== undefined) {
        if (this.slotType(slot).type !== 'uint64') fail('filter error: cannot compare a numeric value with a string field');
        return this.emitCheck(B.K_NUM_SLOT, op, mod, left, slot, 0);
      }
      if (r.kind !== 'string' && r.kind !== 'number') fail(`'${e.op}' needs a number`);
      const n = parseNumber(r.kind === 'string' ? r.value : r.text);
      return this.emitCheck(B.K_NUM_CONST, op, mod, left, Number(n & 0xffffffffn), Number(n >> 32n));
    }
    if (slot !== undefined) {
      if (op === Op.REGEX) fail("filter error: 'regex' does not support field-to-field comparison");
      const rt = this.slotType(slot);
      if (rt.type !== lt.type || rt.list !== lt.list) fail('filter error: field-to-field comparison needs two fields of the same type');
      return this.emitCheck(B.K_STR_SLOT, op, mod, left, slot, 0);
    }
    if (r.kind !== 'string' && r.kind !== 'number') fail(`'${e.op}' needs a string value`);
    const [off, len] = this.constBytes(this.stringConst(op, r.kind === 'string' ? r.value : r.text));
    return this.emitCheck(B.K_STR_CONST, op, mod, left, off, len);
  }

  /** The constant an op compares with: a regex compiles to its matcher program. */
  private stringConst(op: number, value: string): Uint8Array {
    if (value.includes('\0')) fail('string constants cannot contain a NUL byte');
    if (op !== Op.REGEX) return encoder.encode(value);
    try {
      return compileRegex(value);
    } catch (e) {
      return fail(`invalid regex pattern: ${e instanceof Error ? e.message : String(e)}`);
    }
  }

  // ---- guards -----------------------------------------------------------------------------------------
  /** The guards of a condition: one per operand, from its top-level conjuncts (the first one found wins). */
  guards(condition: Expr): Map<number, Uint8Array[]> {
    const conjuncts = (e: Expr): Expr[] => (e.kind === 'and' ? e.children.flatMap(conjuncts) : [e]);
    const found = new Map<number, Uint8Array[]>();
    for (const c of conjuncts(condition)) {
      const g = this.guardOf(c);
      if (g && !found.has(g.slot)) found.set(g.slot, g.values);
    }
    return found;
  }

  /**
   * `f = v`, `f in (...)`, `f intersects (...)` on a plain scalar string field, or an `or` of those on one
   * field: the values of f for which the expression can be true (it is false when f has no value).
   */
  private guardOf(e: Expr): Guard | undefined {
    if (e.kind === 'or') {
      const parts = e.children.map((c) => this.guardOf(c));
      const first = parts[0];
      if (!first || parts.some((p) => !p || p.slot !== first.slot)) return undefined;
      return { slot: first.slot, values: parts.flatMap((p) => p!.values) };
    }
    if (e.kind !== 'check' || e.modifier || e.left.kind !== 'field' || !e.right) return undefined;
    const def = findField(e.left.name);
    if (!def || def.list || def.type !== 'string') return undefined;
    const r = e.right;
    let items: string[];
    if (e.op === '=' || e.op === '==') {
      if (r.kind !== 'string' && r.kind !== 'number') return undefined;
      items = [r.kind === 'string' ? r.value : r.text];
    } else if (e.op === 'in' || e.op === 'intersects') {
      if (r.kind === 'val' || r.kind === 'transformer') return undefined;
      items = this.listItems(r, e.op).map((i) => i.value);
    } else {
      return undefined;
    }
    return { slot: this.operand(e.left), values: items.map((i) => encoder.encode(i)) };
  }

  /**
   * Writes the guard table for the rules' guards (in rule position order) and returns its offset and
   * record count. Operands are chosen by how many rules they guard.
   */
  guardTable(ruleGuards: Map<number, Uint8Array[]>[]): [number, number] {
    const use = new Map<number, number>();
    for (const g of ruleGuards) for (const slot of g.keys()) use.set(slot, (use.get(slot) ?? 0) + 1);
    const chosen = [...use].filter(([, n]) => n >= 2).sort((a, b) => b[1] - a[1] || a[0] - b[0]).slice(0, MAX_GUARDS).map(([slot]) => slot);
    const words = Math.max(1, Math.ceil(ruleGuards.length / 32));
    const w = new ByteWriter();
    for (const slot of chosen) {
      const all = ruleGuards.flatMap((g) => g.get(slot) ?? []);
      // the same order and deduplication as set()
      const items = [...all].sort((a, b) => Buffer.compare(a, b)).filter((b, i, list) => i === 0 || Buffer.compare(list[i - 1], b) !== 0);
      const masks = Array.from({ length: items.length + 1 }, () => new Uint32Array(words));
      ruleGuards.forEach((g, pos) => {
        const accepts = g.get(slot);
        const bit = 1 << (pos & 31);
        masks.forEach((m, i) => {
          if (!accepts || (i < items.length && accepts.some((v) => Buffer.compare(v, items[i]) === 0))) m[pos >> 5] |= bit;
        });
      });
      w.u32(slot); w.u32(this.set(items));
      for (const m of masks) for (const word of m) w.u32(word);
    }
    return [chosen.length ? this.table(w.toBytes()) : 0, chosen.length];
  }

  // ---- outputs ----------------------------------------------------------------------------------------
  outputPlan(rule: LoadedRule, outs: number[]): OutputPlan {
    const outIndex = (slot: number): number => {
      let i = outs.indexOf(slot);
      if (i < 0) { i = outs.length; outs.push(slot); }
      return i;
    };
    const tokens: OutputPlan['tokens'] = [];
    const fields: OutputPlan['fields'] = [];
    const seen = new Set<string>();
    const plainFields = (o: TransformerArg): void => {
      if (o.kind === 'field') {
        const k = fieldText(o);
        if (seen.has(k)) return;
        seen.add(k);
        const slot = this.operand(o);
        fields.push({ key: k, out: outIndex(slot), list: this.slotType(slot).list });
      } else if (o.kind === 'transformer') o.args.forEach(plainFields);
      else if (o.kind === 'tlist') o.items.forEach(plainFields);
    };
    const tokenPlan = (parts: OutputPart[], into: OutputPlan['tokens']): void => {
      for (const part of parts) {
        if (part.kind !== 'token') continue;
        const slot = this.operand(part.operand);
        into.push({ out: outIndex(slot), list: this.slotType(slot).list });
      }
    };
    tokenPlan(rule.output.parts, tokens);
    for (const part of rule.output.parts) if (part.kind === 'token') plainFields(part.operand);
    // append_output's extra_fields: a field alone reports its value under the given key, a format its rendering
    const formatted: OutputPlan['formatted'] = [];
    for (const x of rule.output.extra ?? []) {
      const only = x.parts.length === 1 ? x.parts[0]! : undefined;
      if (x.raw && only?.kind === 'token') {
        const slot = this.operand(only.operand);
        fields.push({ key: x.key, out: outIndex(slot), list: this.slotType(slot).list });
      } else {
        const plan = { key: x.key, parts: x.parts, tokens: [] as OutputPlan['tokens'] };
        tokenPlan(x.parts, plan.tokens);
        formatted.push(plan);
      }
    }
    return { tokens, fields, formatted };
  }

  // ---- assembly ---------------------------------------------------------------------------------------
  finish(rules: { rule: LoadedRule; code: number; outs: number[] }[], memoCount: number, guards: [number, number]): Uint8Array {
    const out = new ByteWriter();
    this.pool.align4();
    const slotTableOff = this.pool.length;
    const codeOff = slotTableOff + this.slotOffsets.length * 4;
    const ruleTableOff = codeOff + ((this.code.length + 3) & ~3);
    const rulesBytes = new ByteWriter();
    rules.forEach((r, pos) => {
      rulesBytes.u32(pos); rulesBytes.u32(r.code); rulesBytes.u32(r.outs.length);
      for (const s of r.outs) rulesBytes.u32(s);
    });
    const header = [B.MAGIC, B.VERSION, this.slotOffsets.length, memoCount, rules.length, slotTableOff, HEADER_BYTES,
      codeOff, ruleTableOff, ruleTableOff + rulesBytes.length, guards[1], guards[0]];
    const pool = this.pool.toBytes();
    const hv = new DataView(pool.buffer, pool.byteOffset);
    header.forEach((v, i) => hv.setUint32(i * 4, v >>> 0, true));
    out.bytes(pool);
    for (const s of this.slotOffsets) out.u32(s);
    out.bytes(this.code.toBytes());
    out.align4();
    out.bytes(rulesBytes.toBytes());
    return out.toBytes();
  }

  get memoSize(): number {
    return this.memo.size;
  }

  get slots(): number {
    return this.slotOffsets.length;
  }

  get codeLength(): number {
    return this.code.length;
  }

  endRule(): void {
    this.code.u8(B.I_END);
  }
}

/**
 * Compiles the enabled rules (in rule order) into one program. Throws KawaError (KAWA_ERR_CONDITION) when a
 * condition cannot be compiled; a successfully loaded rules file always compiles.
 */
export function compileRules(rules: readonly LoadedRule[], ipLists?: Record<string, IpList>): Program {
  const enabled = rules.filter((r) => r.enabled);
  const c = new Compiler(ipLists);
  c.planMemo(enabled.map((r) => r.condition));
  const compiled: { rule: LoadedRule; code: number; outs: number[]; plan: OutputPlan }[] = [];
  const guards: Map<number, Uint8Array[]>[] = [];
  for (const rule of enabled) {
    const code = c.codeLength;
    try {
      c.expr(rule.condition);
    } catch (e) {
      if (e instanceof KawaError) throw new KawaError(e.code, `rule ${JSON.stringify(rule.name)}: ${e.message}`, { file: rule.file, line: rule.line });
      throw e;
    }
    c.endRule();
    guards.push(c.guards(rule.condition));
    const outs: number[] = [];
    const plan = c.outputPlan(rule, outs);
    compiled.push({ rule, code, outs, plan });
  }
  return {
    bytes: c.finish(compiled, c.memoSize, c.guardTable(guards)),
    rules: compiled.map(({ rule, plan }) => ({ rule, output: plan })),
    slotCount: c.slots,
    memoCount: c.memoSize,
  };
}

/** Programs by the load they were compiled from (a load's rules are not changed once loaded). */
const programs = new WeakMap<LoadResult, Program>();

/**
 * The program of a successful load, compiled at its first use only: a run's pool or engine and the rules
 * cache (which keeps it beside the load, rules/load-cache.ts) share one compile.
 */
export function programOf(rules: LoadResult): Program {
  let program = programs.get(rules);
  if (!program) {
    program = compileRules(rules.rules, rules.ipLists);
    programs.set(rules, program);
  }
  return program;
}

/** Gives `rules` the program compiled from them earlier (read back from the rules cache with them). */
export function keepProgram(rules: LoadResult, program: Program): void {
  programs.set(rules, program);
}
