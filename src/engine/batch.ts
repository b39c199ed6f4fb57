// Reads the result records the VM wrote for one batch (layout: src/compile/bytecode.ts) into matches and
// rejections, rendering output values the way Falco prints them (rules-language.md 5.1).
import * as B from '../compile/bytecode.js';
import type { Program } from '../compile/compiler.js';
import { renderParts } from '../rules/output-render.js';
import type { LoadedRule } from '../rules/types.js';
import type { AlertLines } from './alert-lines.js';

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
  /** Present (true) when what was rejected is one item of a list of events, not the payload itself. */
  listItem?: boolean;
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
  /** The matches' alert lines, when the engine writes them (Engine.setLineRendering). */
  lines?: AlertLines;
}


const REASONS: Record<number, RejectionReason> = {
  [B.REJECT_UNRECOGNIZED]: 'unrecognized',
  [B.REJECT_PARSE]: 'parse',
  [B.REJECT_NO_TIMESTAMP]: 'no_timestamp',
  [B.REJECT_TOO_LARGE]: 'too_large',
};

const utf8 = new TextDecoder();
/** The values of a match whose line was written: none (shared, frozen). */
export const NO_TOKENS: (string | null)[] = Object.freeze([]) as unknown as (string | null)[];
export const NO_FIELDS: Record<string, string | string[] | null> = Object.freeze({});

/** Falco cuts the rendering of a list field to LIST_RENDER_MAX bytes. */
function renderList(values: string[]): string {
  const text = `(${values.join(',')})`;
  const bytes = Buffer.from(text, 'utf8');
  return bytes.length <= B.LIST_RENDER_MAX ? text : utf8.decode(bytes.subarray(0, B.LIST_RENDER_MAX));
}

/**
 * Decodes `len` bytes of records at `ptr` in `memory`. `lineEnds` (AlertLines.ends): the engine wrote the
 * lines of the matches whose entry is not LINE_NONE, so their values are not decoded.
 */
export function readResults(
  memory: ArrayBuffer, ptr: number, len: number, program: Program, events: number, truncated: number, withoutAuditId: number,
  lineEnds?: Uint32Array,
): BatchResult {
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
      const flags = view.getUint32(at + 16, true);
      if (flags & B.FLAG_TRUNCATED) rejection.cut = true;
      if (flags & B.FLAG_LIST_ITEM) rejection.listItem = true;
      rejections.push(rejection);
      at += 20;
      continue;
    }
    const compiled = program.rules[view.getUint32(at + 12, true)];
    const flags = view.getUint32(at + 16, true);
    const timeNs = view.getBigInt64(at + 20, true);
    const outs = view.getUint32(at + 28, true);
    at += 32;
    const match: Match = {
      payload, item, rule: compiled.rule, timeNs, truncated: (flags & B.FLAG_TRUNCATED) !== 0,
      timeSubstituted: (flags & B.FLAG_TIME_SUBSTITUTED) !== 0, tokens: NO_TOKENS, fields: NO_FIELDS,
    };
    matches.push(match);
    if (lineEnds && lineEnds[matches.length - 1] !== B.LINE_NONE) {
      // its line is written: the values are passed over, not decoded
      for (let k = 0; k < outs; k++) {
        const n = view.getUint32(at, true);
        at += 4;
        for (let i = 0; i < n; i++) at += 4 + ((view.getUint32(at, true) + 3) & ~3);
      }
      continue;
    }
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
    match.tokens = tokenPlan.map(render);
    const fields: Record<string, string | string[] | null> = {};
    for (const { key, out, list } of fieldPlan) {
      const v = values[out];
      fields[key] = v.length === 0 ? null : list ? v : v[0];
    }
    for (const x of formatted) fields[x.key] = renderParts(x.parts, x.tokens.map(render));
    match.fields = fields;
  }
  return { events, matches, rejections, truncated, withoutAuditId };
}
