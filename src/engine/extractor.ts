// Field extraction from TypeScript: one wasm instance, documents in, values out. Used by `kawa extract`,
// the tests, and anything that needs field values outside the rule VM.
//
// A field spec is the text a rule would use, `name` or `name[arg]` (fields.md §2): the argument is the
// text between the first '[' and the first ']' after it. Index arguments are decimal digits without a
// leading zero that fit in 64 bits unsigned (2^64-1 means "no index", as upstream); key arguments are
// any text and required for key fields.
import { KawaError } from '../core/errors.js';
import { checkFieldArg } from '../fields/field-arg.js';
import { findField } from '../fields/registry.js';
import type { FieldDef } from '../fields/types.js';
import { instantiateEngine, type RawExports } from './wasm-module.js';

/** A scalar field's value, a list field's values, or null for "no value". */
/** A field value as Falco would give it: a string, a list of strings, or null when the field is absent. */
export type FieldValue = string | string[] | null;

/** A field reference with its argument, parsed once for {@link FieldExtractor.extract}. */
export interface FieldSpec {
  /** The spec as written. */
  text: string;
  /** The field in the registry. */
  field: FieldDef;
  /** Key argument (key fields), null when absent. */
  key: string | null;
  /** Index argument as passed to the wasm: -1n when absent. */
  index: bigint;
}

/** beginEvent statuses (assembly/extract.ts). */
export const EVENT_STATUS = ['ok', 'parse_error', 'too_deep', 'not_object', 'bad_start'] as const;
/** How the last event handed to the extractor parsed. */
export type EventStatus = (typeof EVENT_STATUS)[number];

/** Parses `name`, `name[index]` or `name[key]` against the field registry; throws a KawaError (KAWA_ERR_FIELD) naming the problem. */
export function parseFieldSpec(text: string): FieldSpec {
  const token = text.split(' ')[0]!;
  const open = token.indexOf('[');
  const name = open < 0 ? token : token.slice(0, open);
  const field = findField(name);
  if (!field) throw new KawaError('KAWA_ERR_FIELD', `unknown field '${name}'`);
  // its argument names a list of a rules file, which the extractor does not load
  if (field.extract.op === 'ip_listed') {
    throw new KawaError('KAWA_ERR_FIELD', `'${text}': reads an IP list of the rules files; use it in a rule or in kawa eval --condition with -r`);
  }
  let arg: string | undefined;
  if (open >= 0) {
    const close = token.indexOf(']', open + 1);
    if (close < 0) throw new KawaError('KAWA_ERR_FIELD', `'${text}': missing ']' after the field argument`);
    if (close !== token.length - 1) throw new KawaError('KAWA_ERR_FIELD', `'${text}': unexpected text after the field argument`);
    arg = token.slice(open + 1, close);
  }
  const checked = checkFieldArg(field, arg);
  if ('problem' in checked) throw new KawaError('KAWA_ERR_FIELD', `'${text}': ${checked.problem}`);
  return { text, field, key: checked.key ?? null, index: checked.index };
}

interface ExtractorExports extends RawExports {
  inputReserve(size: number): number;
  beginLine(ptr: number, len: number): number;
  extractField(field: number, argPtr: number, argLen: number, argIndex: bigint): number;
  valuesMark(): number;
  valuePtr(i: number): number;
  valueLen(i: number): number;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** Extracts fields from single events in WebAssembly, exactly as conditions see them (`kawa extract`). */
export class FieldExtractor {
  private readonly wasm: ExtractorExports;
  private status: EventStatus = 'parse_error';

  constructor(exports: RawExports = instantiateEngine()) {
    this.wasm = exports as ExtractorExports;
  }

  /** How the last document parsed. */
  get lastStatus(): EventStatus {
    return this.status;
  }

  /** Extracts every field of `specs` from one document (a JSON text). */
  extract(doc: string | Uint8Array, specs: readonly FieldSpec[]): FieldValue[] {
    const bytes = typeof doc === 'string' ? encoder.encode(doc) : doc;
    const args = specs.map((s) => (s.key === null ? null : encoder.encode(s.key)));
    const total = bytes.length + args.reduce((n, a) => n + (a?.length ?? 0), 0);
    const w = this.wasm;
    const base = w.inputReserve(total) >>> 0;
    const mem = new Uint8Array(w.memory.buffer);
    mem.set(bytes, base);
    const argAt: number[] = [];
    let at = base + bytes.length;
    for (const a of args) {
      argAt.push(at);
      if (a) {
        mem.set(a, at);
        at += a.length;
      }
    }
    this.status = EVENT_STATUS[w.beginLine(base, bytes.length)] ?? 'parse_error';
    return specs.map((s, i) => {
      const mark = w.valuesMark();
      const n = w.extractField(s.field.id, argAt[i]!, args[i]?.length ?? 0, s.index);
      if (n === 0) return null;
      const view = new Uint8Array(w.memory.buffer);
      const values: string[] = [];
      for (let v = mark; v < mark + n; v++) {
        const p = w.valuePtr(v) >>> 0;
        // The value as the field extractor produces it (what the goldens record). Conditions and outputs
        // see it as libsinsp does, cut at a NUL: that is the VM's business, not the extractor's.
        values.push(decoder.decode(view.subarray(p, p + w.valueLen(v))));
      }
      return s.field.list ? values : values[0]!;
    });
  }
}
