// Reads the result records the VM wrote for one batch (layout: src/compile/bytecode.ts) into matches and
// rejections, rendering output values the way Falco prints them (rules-language.md 5.1).
import * as B from '../compile/bytecode.js';
import type { Program } from '../compile/compiler.js';
import { renderParts } from '../rules/output-render.js';
import type { LoadedRule } from '../rules/types.js';

/** One rule matching one event, with the values its output needs. */
export interface Match {
  /** Index of the payload in the batch. */
  payload: number;
  /** Index inside an EventList/array payload, 0 for a single Event. */
  item: number;
  /** The rule that matched. */
  rule: LoadedRule;
  /**
   * The event's stageTimestamp in Unix ns; for a salvaged event without one, its requestReceivedTimestamp
   * or a substitute (timeSubstituted); 0 for a whole event without one evaluated as it is (kawa eval).
   */
  timeNs: bigint;
  /** Salvaged from a CloudWatch-truncated message. */
  truncated: boolean;
  /**
   * The cut took the event's own timestamps: timeNs is when its payload arrived, else the time of the
   * previous event evaluated, else the time of the evaluation (Engine.evaluate).
   */
  timeSubstituted: boolean;
  /** Rendered value of each output token of rule.output.parts, in order (list → "(a,b)", missing → null). */
  tokens: (string | null)[];
  /** JSON output_fields: canonical field text → value (list → array, missing → null). */
  fields: Record<string, string | string[] | null>;
}

/** Why an event was not evaluated: not an audit event, not JSON, no stageTimestamp, or larger than the maximum event size. */
export type RejectionReason = 'unrecognized' | 'parse' | 'no_timestamp' | 'too_large';

/** One payload (or item of one) that was not evaluated, with the reason. */
export interface Rejection {
  /** Index of the payload in the batch. */
  payload: number;
  /** Index inside an EventList/array payload, 0 for a single Event. */
  item: number;
  /** Why it was not evaluated. */
  reason: RejectionReason;
  /** Present (true) when CloudWatch cut what was rejected: the usual reason its stageTimestamp is missing. */
  cut?: boolean;
}

/** What evaluating one batch gave: how many events, the matches and the rejections. */
export interface BatchResult {
  /** Events evaluated. */
  events: number;
  /** Every rule match, in event order. */
  matches: Match[];
  /** Every payload that could not be evaluated. */
  rejections: Rejection[];
  /** Payloads that ended in CloudWatch's truncation marker (the VM counts them). */
  truncated: number;
  /** Events evaluated without an auditID: every ka.* field of theirs was empty (the plugin's behaviour). */
  withoutAuditId: number;
}

const REASONS: Record<number, RejectionReason> = {
  [B.REJECT_UNRECOGNIZED]: 'unrecognized',
  [B.REJECT_PARSE]: 'parse',
  [B.REJECT_NO_TIMESTAMP]: 'no_timestamp',
  [B.REJECT_TOO_LARGE]: 'too_large',
};

/** Falco truncates the rendering of a list field to 1023 bytes. */
const LIST_RENDER_MAX = 1023;
const utf8 = new TextDecoder();

function renderList(values: string[]): string {
  const text = `(${values.join(',')})`;
  const bytes = Buffer.from(text, 'utf8');
  return bytes.length <= LIST_RENDER_MAX ? text : utf8.decode(bytes.subarray(0, LIST_RENDER_MAX));
}

/** Decodes `len` bytes of records at `ptr` in `memory`. */
export function readResults(memory: ArrayBuffer, ptr: number, len: number, program: Program, events: number, truncated: number, withoutAuditId: number): BatchResult {
  const view = new DataView(memory, ptr, len);
  // a Buffer over the records (no copy): its utf8 slices are much cheaper than TextDecoder calls on short values
  const bytes = Buffer.from(memory, ptr, len);
  const matches: Match[] = [];
  const rejections: Rejection[] = [];
  let at = 0;
  while (at < len) {
    const type = view.getUint32(at, true);
    const payload = view.getUint32(at + 4, true);
    const item = view.getUint32(at + 8, true);
    if (type === B.REC_REJECT) {
      const rejection: Rejection = { payload, item, reason: REASONS[view.getUint32(at + 12, true)] ?? 'parse' };
      if (view.getUint32(at + 16, true) & B.FLAG_TRUNCATED) rejection.cut = true;
      rejections.push(rejection);
      at += 20;
      continue;
    }
    const compiled = program.rules[view.getUint32(at + 12, true)];
    const flags = view.getUint32(at + 16, true);
    const timeNs = view.getBigInt64(at + 20, true);
    const outs = view.getUint32(at + 28, true);
    at += 32;
    const values: string[][] = [];
    for (let k = 0; k < outs; k++) {
      const n = view.getUint32(at, true);
      at += 4;
      const list: string[] = [];
      for (let i = 0; i < n; i++) {
        const vl = view.getUint32(at, true);
        list.push(bytes.toString('utf8', at + 4, at + 4 + vl));
        at += 4 + ((vl + 3) & ~3);
      }
      values.push(list);
    }
    const { tokens: tokenPlan, fields: fieldPlan, formatted } = compiled.output;
    const render = ({ out, list }: { out: number; list: boolean }): string | null => {
      const v = values[out];
      if (v.length === 0) return null;
      return list ? renderList(v) : v[0];
    };
    const tokens = tokenPlan.map(render);
    const fields: Record<string, string | string[] | null> = {};
    for (const { key, out, list } of fieldPlan) {
      const v = values[out];
      fields[key] = v.length === 0 ? null : list ? v : v[0];
    }
    for (const x of formatted) fields[x.key] = renderParts(x.parts, x.tokens.map(render));
    matches.push({
      payload, item, rule: compiled.rule, timeNs, truncated: (flags & B.FLAG_TRUNCATED) !== 0,
      timeSubstituted: (flags & B.FLAG_TIME_SUBSTITUTED) !== 0, tokens, fields,
    });
  }
  return { events, matches, rejections, truncated, withoutAuditId };
}
