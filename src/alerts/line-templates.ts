// The templates from which the engine writes alert lines itself (assembly/render.ts; layout and ops in
// src/compile/bytecode.ts, "alert line templates"): per rule, the line AlertFormatter would make (format.ts),
// as the JSON text it shares with every alert of the rule, made once, and the places of the values and
// times. The JSON alert of json_output, or the text line. A rule whose output has a token width or an
// append_output format gets no template: the formatter renders its alerts, as it does any alert the engine
// leaves without a line (a value whose bytes are no well-formed UTF-8, an event CloudWatch cut).
import * as B from '../compile/bytecode.js';
import type { CompiledRule } from '../compile/compiler.js';
import type { LineTemplates } from '../engine/engine.js';
import { fieldKeyOrder, jsonTail, resolveFormatOptions, timeFieldOf, type FormatOptions } from './format.js';
import type { OutputOptions } from './output-options.js';

/** JSON string encoding without the quotes, in UTF-8 (what jsonEscapeLine does to a line's text). */
const escaped = (text: string): string => JSON.stringify(text).slice(1, -1);

/** Templates' ops as u32 words and literal bytes, written straight into one buffer (this runs at start-up,
 *  before the first event, in every worker); adjacent literals become one. */
class TemplateWriter {
  private buf = Buffer.alloc(1 << 12);
  private literal = '';
  /** Where the next byte goes. */
  at = 0;

  lit(text: string): this {
    this.literal += text;
    return this;
  }

  op(op: number, ...operands: number[]): this {
    this.flush();
    this.u32(op);
    for (const x of operands) this.u32(x);
    return this;
  }

  /** Ends the template being written. */
  end(): void {
    this.op(B.L_END);
  }

  u32(v: number): void {
    this.room(4);
    this.buf.writeUInt32LE(v, this.at);
    this.at += 4;
  }

  /** Overwrites the word at `at` (a header entry). */
  setU32(at: number, v: number): void {
    this.buf.writeUInt32LE(v, at);
  }

  bytes(): Uint8Array {
    return this.buf.subarray(0, this.at);
  }

  private flush(): void {
    if (!this.literal) return;
    const n = Buffer.byteLength(this.literal);
    this.u32(B.L_LIT);
    this.u32(n);
    this.room(n + 3);
    this.buf.write(this.literal, this.at);
    this.at += (n + 3) & ~3; // the padding stays zero: the buffer is zero-filled
    this.literal = '';
  }

  private room(n: number): void {
    if (this.at + n <= this.buf.length) return;
    const grown = Buffer.alloc(Math.max(this.buf.length * 2, this.at + n));
    this.buf.copy(grown, 0, 0, this.at);
    this.buf = grown;
  }
}

/**
 * The alert lines of an output format (Falco's json_output and the json_include_* keys, the time format and
 * zone, the host name) as templates an engine writes lines from, given to Engine.setLineRendering.
 */
export class AlertLineTemplates implements LineTemplates {
  private readonly opts: Required<FormatOptions>;
  private readonly json: boolean;

  constructor(options: OutputOptions) {
    this.opts = resolveFormatOptions(options);
    this.json = options.jsonOutput ?? false;
  }

  /** The templates of these rules (an engine calls this once, with its program's rules). */
  build(rules: readonly CompiledRule[]): Uint8Array {
    const t = new TemplateWriter();
    t.u32(rules.length);
    // the offsets, 0 (no template) until written
    for (let i = 0; i < rules.length; i++) t.u32(0);
    rules.forEach((r, i) => {
      const at = t.at;
      if (this.template(t, r)) t.setU32(4 + 4 * i, at);
    });
    return t.bytes();
  }

  /** Writes the rule's template; false (nothing written) when the formatter must render its alerts. */
  private template(t: TemplateWriter, { rule, output }: CompiledRule): boolean {
    if (output.formatted.length > 0) return false;
    if (rule.output.parts.some((p) => p.kind === 'token' && p.width !== undefined)) return false;
    const message = () => {
      let token = 0;
      for (const part of rule.output.parts) {
        if (part.kind === 'text') t.lit(escaped(part.text));
        else {
          const { out, list } = output.tokens[token++]!;
          t.op(B.L_TOKEN, out, list ? 1 : 0);
        }
      }
    };
    // "<time>: <Priority> <message>": the text line, and the JSON alert's "output"
    const line = () => {
      if (this.opts.timeFormatIso8601) t.op(B.L_ISO);
      else t.op(B.L_CLOCK, this.opts.timeZone === 'UTC' ? 1 : 0);
      t.lit(`: ${escaped(rule.priority)} `);
      message();
    };
    if (!this.json) {
      line();
      t.end();
      return true;
    }
    t.lit(`{"hostname":${JSON.stringify(this.opts.hostname)}`);
    if (this.opts.jsonIncludeMessageProperty) {
      t.lit(',"message":"');
      message();
      t.lit('"');
    }
    if (this.opts.jsonIncludeOutputProperty) {
      t.lit(',"output":"');
      line();
      t.lit('"');
    }
    if (this.opts.jsonIncludeOutputFieldsProperty) {
      // the formatter's keys are those of match.fields: a key's value is its last plan entry's
      const byKey = new Map(output.fields.map((f) => [f.key, f]));
      const timeField = timeFieldOf(this.opts);
      t.lit(',"output_fields":{');
      fieldKeyOrder([...byKey.keys()], timeField).forEach((key, i) => {
        t.lit(`${i ? ',' : ''}${JSON.stringify(key)}:`);
        const f = byKey.get(key);
        if (key === timeField || !f) t.op(B.L_TIME_NS);
        else t.op(B.L_FIELD, f.out, f.list ? 1 : 0);
      });
      t.lit('}');
    }
    t.lit(`${jsonTail(rule, this.opts.jsonIncludeTagsProperty)},"time":"`);
    t.op(B.L_JSON_TIME);
    t.lit('"}');
    t.end();
    return true;
  }
}
