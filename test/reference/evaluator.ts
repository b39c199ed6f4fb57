// The reference evaluator: a deliberately simple second implementation of kawa's event path, used by the
// differential and fuzz tests to keep the WebAssembly engine honest. It JSON.parses each payload, walks the
// resolved condition ASTs of a load result directly (no compilation, no caching, no short cuts beyond
// and/or short-circuit), and renders outputs token by token.
//
// Scope and limits, stated so that a difference is never blamed on the wrong side:
//   * payloads cut by CloudWatch ("[Truncated...]") are skipped and counted (the engine salvages them; the
//     reference has no salvage mode), so the comparison covers complete events only;
//   * payloads that are not canonical JSON are outside the reference's model of fastjson and are skipped
//     and counted too (see canonical()): text JSON.parse rejects (fastjson is lenient: raw control
//     characters, unknown escapes, NaN, 01...), and text JSON.stringify would not reproduce (duplicate keys,
//     number spellings like 1.50, escapes, whitespace, key orders JavaScript changes);
//   * transformers other than tolower, toupper, b64, basename and len throw (the rules compared use none).
import type { CheckExpr, Expr, Operand, RightValue } from '../../src/condition/ast.js';
import type { LoadedRule, LoadResult } from '../../src/rules/types.js';
import { extract, LIST_FIELDS, type Json, type RefEvent } from './fields.js';
import { ingest } from './ingest.js';
import { compareBytes, fnmatch, icontains, parseDecimal, pmatch, regexMatch } from './operators.js';

export interface RefMatch {
  /** Index of the event within its payload (EventList items, array elements). */
  item: number;
  rule: LoadedRule;
  timeNs: bigint;
  tokens: (string | null)[];
  fields: Record<string, string | string[] | null>;
}

export type PayloadOutcome =
  | { kind: 'evaluated'; events: number; matches: RefMatch[]; dropped: string[] }
  | { kind: 'rejected'; reason: 'unrecognized' }
  | { kind: 'skipped'; reason: 'truncated' | 'not_canonical' };

/** A value during evaluation: strings from fields, numbers from len(). */
type Value = string | bigint;
type Vals = Value[] | null;

const TRUNCATED = /\[Truncated\.\.\.\]\s*$/;

/** The parsed payload when JSON.parse + JSON.stringify reproduce it exactly (the reference's model holds). */
export function canonical(text: string): { doc: Json } | null {
  try {
    const doc = JSON.parse(text) as Json;
    return JSON.stringify(doc) === text ? { doc } : null;
  } catch {
    return null;
  }
}

export class ReferenceEvaluator {
  private readonly rules: LoadedRule[];

  constructor(load: LoadResult, private readonly ruleMatching: 'first' | 'all' = 'first') {
    this.rules = load.rules.filter((r) => r.enabled);
  }

  evaluatePayload(text: string): PayloadOutcome {
    if (TRUNCATED.test(text)) return { kind: 'skipped', reason: 'truncated' };
    const parsed = canonical(text.trim());
    if (!parsed) return { kind: 'skipped', reason: 'not_canonical' };
    const r = ingest(parsed.doc);
    if (!r.ok) return { kind: 'rejected', reason: r.reason };
    const matches: RefMatch[] = [];
    r.events.forEach((c, item) => {
      const ev: RefEvent = { doc: c.doc, timeNs: c.timeNs, truncated: false };
      for (const rule of this.rules) {
        if (!this.expr(rule.condition, ev)) continue;
        matches.push({ item, rule, timeNs: c.timeNs, ...this.output(rule, ev) });
        if (this.ruleMatching === 'first') break;
      }
    });
    return { kind: 'evaluated', events: r.events.length, matches, dropped: r.dropped.map((d) => d.reason) };
  }

  private expr(e: Expr, ev: RefEvent): boolean {
    switch (e.kind) {
      case 'and': return e.children.every((c) => this.expr(c, ev));
      case 'or': return e.children.some((c) => this.expr(c, ev));
      case 'not': return !this.expr(e.child, ev);
      case 'check': return this.check(e, ev);
      case 'macro': throw new Error(`unresolved macro ${e.name}`);
    }
  }

  private isList(o: Operand): boolean {
    if (o.kind === 'field') return LIST_FIELDS.has(o.name);
    if (o.name === 'len') return false;
    return o.args.some((a) => (a.kind === 'field' || a.kind === 'transformer') && this.isList(a));
  }

  private operand(o: Operand, ev: RefEvent): Vals {
    if (o.kind === 'field') return extract(o.name, o.arg, ev);
    const inner = o.args[0];
    const vals = inner && (inner.kind === 'field' || inner.kind === 'transformer') ? this.operand(inner, ev) : null;
    if (vals === null) return null;
    const strings = vals.map(String);
    switch (o.name) {
      case 'tolower': return strings.map((s) => s.replace(/[A-Z]/g, (c) => c.toLowerCase()));
      case 'toupper': return strings.map((s) => s.replace(/[a-z]/g, (c) => c.toUpperCase()));
      case 'basename': return strings.map((s) => s.slice(s.lastIndexOf('/') + 1));
      case 'len': return [this.isList(inner as Operand) ? BigInt(strings.length) : BigInt(Buffer.byteLength(strings[0]))];
      case 'b64': {
        const out: string[] = [];
        for (const s of strings) {
          if (!/^[A-Za-z0-9+/]*={0,2}$/.test(s) || s.length % 4 !== 0) return null;
          out.push(Buffer.from(s, 'base64').toString('utf8'));
        }
        return out;
      }
      default: throw new Error(`reference evaluator: transformer ${o.name} not implemented`);
    }
  }

  /** The right side as a list of constants or values; null when a right-hand field is missing. */
  private right(r: RightValue | undefined, ev: RefEvent): Vals {
    if (!r) return [];
    switch (r.kind) {
      case 'string': return [r.value];
      case 'number': return [r.text];
      case 'list': return r.items.map((i) => i.value);
      case 'ident': return [r.name];
      case 'val': return extract(r.field.name, r.field.arg, ev);
      case 'transformer': return this.operand(r, ev);
    }
  }

  private check(c: CheckExpr, ev: RefEvent): boolean {
    const left = this.operand(c.left, ev);
    if (left === null || left.length === 0) return false;
    if (c.op === 'exists') return true;
    const right = this.right(c.right, ev);
    if (right === null) return false;
    if (c.op === 'in' || c.op === 'intersects') {
      const set = right.map(String);
      const inSet = (v: Value) => set.includes(String(v));
      if (!this.isList(c.left)) return inSet(left[0]);
      return c.op === 'in' ? left.every(inSet) : left.some(inSet);
    }
    if (c.op === 'pmatch') return pmatch(right.map(String), String(left[0]));
    const v = left[0];
    if (typeof v === 'bigint') return numeric(c.op, v, right[0]);
    const test = (r: Value) => stringOp(c.op, v, String(r));
    if (c.modifier) {
      if (right.length === 0) return false;
      const n = right.filter(test).length;
      return c.modifier === 'oneof' ? n === 1 : c.modifier === 'anyof' ? n >= 1 : n === right.length;
    }
    return test(right[0]);
  }

  /** Output tokens (rendered values) and JSON output_fields for a matching rule. */
  private output(rule: LoadedRule, ev: RefEvent): { tokens: (string | null)[]; fields: Record<string, string | string[] | null> } {
    const tokens: (string | null)[] = [];
    const fields: Record<string, string | string[] | null> = {};
    const addPlain = (o: Operand) => {
      if (o.kind === 'field') {
        const vals = extract(o.name, o.arg, ev);
        const key = o.arg === undefined ? o.name : `${o.name}[${o.arg}]`;
        fields[key] = vals === null ? null : LIST_FIELDS.has(o.name) ? vals : vals[0];
      } else for (const a of o.args) if (a.kind === 'field' || a.kind === 'transformer') addPlain(a);
    };
    for (const part of rule.output.parts) {
      if (part.kind !== 'token') continue;
      const vals = this.operand(part.operand, ev);
      addPlain(part.operand);
      if (vals === null) tokens.push(null);
      else if (this.isList(part.operand)) tokens.push(cutBytes(`(${vals.join(',')})`, 1023));
      else tokens.push(String(vals[0]));
    }
    return { tokens, fields };
  }
}

function cutBytes(s: string, max: number): string {
  const b = Buffer.from(s);
  return b.length <= max ? s : b.subarray(0, max).toString('utf8');
}

function numeric(op: string, v: bigint, r: Value): boolean {
  const n = typeof r === 'bigint' ? r : parseDecimal(r);
  if (n === null) return false;
  switch (op) {
    case '=': case '==': return v === n;
    case '!=': return v !== n;
    case '<': return v < n;
    case '<=': return v <= n;
    case '>': return v > n;
    case '>=': return v >= n;
    default: throw new Error(`operator ${op} on a number`);
  }
}

function stringOp(op: string, v: string, r: string): boolean {
  switch (op) {
    case '=': case '==': return v === r;
    case '!=': return v !== r;
    case '<': return compareBytes(v, r) < 0;
    case '<=': return compareBytes(v, r) <= 0;
    case '>': return compareBytes(v, r) > 0;
    case '>=': return compareBytes(v, r) >= 0;
    case 'contains': return v.includes(r);
    case 'icontains': return icontains(v, r);
    case 'startswith': return v.startsWith(r);
    case 'endswith': return v.endsWith(r);
    case 'glob': return fnmatch(r, v);
    case 'iglob': return fnmatch(r, v, true);
    case 'regex': return regexMatch(r, v);
    default: throw new Error(`reference evaluator: operator ${op} on a string`);
  }
}
