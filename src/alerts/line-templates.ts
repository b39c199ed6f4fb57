// The templates from which the engine writes alert lines itself (assembly/render.ts; layout and ops in
// src/compile/bytecode.ts, "alert line templates"): per rule, the line AlertFormatter would make (format.ts),
// as the JSON text it shares with every alert of the rule, made once, and the places of the values and
// times. The JSON alert of json_output, or the text line. A rule whose output has a token width or an
// append_output format gets no template: the formatter renders its alerts, as it does any alert the engine
// leaves without a line (a value that is not ASCII, an event CloudWatch cut).
import * as B from '../compile/bytecode.js';
import type { CompiledRule } from '../compile/compiler.js';
import type { LineTemplates } from '../engine/engine.js';
import { fieldKeyOrder, jsonTail, resolveFormatOptions, timeFieldOf, type FormatOptions } from './format.js';
import type { OutputOptions } from './output-options.js';

/** JSON string encoding without the quotes, in UTF-8 (what jsonEscapeLine does to a line's text). */
const escaped = (text: string): string => JSON.stringify(text).slice(1, -1);

/** A template's ops as u32 words and literal bytes; adjacent literals become one. */
class TemplateWriter {
  private words: number[] = [];
  private literal = '';

  lit(text: string): this {
    this.literal += text;
    return this;
  }

  op(op: number, ...operands: number[]): this {
    this.flush();
    this.words.push(op, ...operands);
    return this;
  }

  /** The template's bytes, L_END included. */
  bytes(): Uint8Array {
    this.op(B.L_END);
    return new Uint8Array(Uint32Array.from(this.words).buffer);
  }

  private flush(): void {
    if (!this.literal) return;
    const text = Buffer.from(this.literal, 'utf8');
    const padded = new Uint8Array((text.length + 3) & ~3);
    padded.set(text);
    this.words.push(B.L_LIT, text.length, ...new Uint32Array(padded.buffer));
    this.literal = '';
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
    const templates = rules.map((r) => this.template(r));
    const header = 4 + 4 * rules.length;
    const size = templates.reduce((sum, t) => sum + (t?.length ?? 0), header);
    const out = new Uint8Array(size);
    const words = new DataView(out.buffer);
    words.setUint32(0, rules.length, true);
    let at = header;
    templates.forEach((t, i) => {
      if (!t) return; // offset 0: no template
      words.setUint32(4 + 4 * i, at, true);
      out.set(t, at);
      at += t.length;
    });
    return out;
  }

  /** The rule's template, or undefined when the formatter must render its alerts. */
  private template({ rule, output }: CompiledRule): Uint8Array | undefined {
    if (output.formatted.length > 0) return undefined;
    if (rule.output.parts.some((p) => p.kind === 'token' && p.width !== undefined)) return undefined;
    const t = new TemplateWriter();
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
      return t.bytes();
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
    return t.bytes();
  }
}
