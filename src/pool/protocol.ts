// What travels between the main thread and the workers. Inbound: a batch of payloads packed into one
// transferable buffer, or a byte range of a file the worker reads itself; both carry the rules snapshot the
// batch must be evaluated with. Outbound: packed matches (a rule by its index, rendered output values) and
// rejections; never the events.
import { serialize } from 'node:v8';
import type { AlertLines, EventContext, Rejection } from '../engine/engine.js';
import type { Program } from '../compile/compiler.js';
import type { LoadResult } from '../rules/types.js';
import type { RangeOutcome } from '../pipeline/types.js';

/**
 * The rules of one generation, serialized once into shared memory: every task carries a reference (no copy),
 * and a worker that sees a newer generation than its own makes its engine before the task, so a reload
 * reaches every worker, including one started later to replace a dead one.
 */
export interface RulesSnapshot {
  generation: number;
  /** v8-serialized RulesPayload. */
  bytes: SharedArrayBuffer;
}

export interface RulesPayload {
  rules: LoadResult;
  /** The rules compiled, once for every worker (serialized with them, so the two share their rule objects). */
  program: Program;
  ruleMatching: 'first' | 'all';
  maxEventSize?: number;
  /**
   * Set when the outputs need nothing but each alert's line (PoolOptions.render): the templates the workers'
   * engines write the lines from, built once for all of them (AlertLineTemplates over the program's rules).
   */
  lineTemplates?: Uint8Array;
}

export function snapshotRules(generation: number, payload: RulesPayload): RulesSnapshot {
  const bytes = serialize(payload);
  const shared = new SharedArrayBuffer(bytes.length);
  new Uint8Array(shared).set(bytes);
  return { generation, bytes: shared };
}

/** Payloads packed into `buffer` by packBatch. */
export interface BatchTask {
  kind: 'batch';
  rules: RulesSnapshot;
  buffer: ArrayBuffer;
  count: number;
  /** The buffer holds the payloads' arrival times (SourceBatch.arrivalNs). */
  arrivals: boolean;
  /** The cluster the payloads came from (SourceBatch.context). */
  context?: EventContext;
  /** The payloads have no source ids, so their alerts' lines may be rendered here (a JSON line would carry them). */
  mayRender: boolean;
}

/** The payloads of a JSON-lines file whose lines start in [start, end): the worker reads them itself. */
export interface RangeTask {
  kind: 'range';
  rules: RulesSnapshot;
  file: string;
  start: number;
  end: number;
  maxLineBytes: number;
  batchEvents: number;
}

/** Nothing to do: answered once the worker has loaded (WorkerPool.close waits for that). */
export interface PingTask {
  kind: 'ping';
}

export type Task = BatchTask | RangeTask | PingTask;

/** A match's output values, sent only for a match whose line the worker's engine did not write. */
export interface MatchValues {
  tokens: (string | null)[];
  fields: Record<string, string | string[] | null>;
}

/** TaskMatches.flags bits. */
export const MATCH_TRUNCATED = 1;
export const MATCH_TIME_SUBSTITUTED = 2;

/**
 * A task's matches, packed: match k is payload[k], item[k], the rule of LoadedRule.index rule[k], flags[k]
 * and timeNs[k], with values[k] (null when its line was written). Typed arrays cost a message a copy each;
 * an object per match cost 0.3 µs to send and 0.6 µs to receive on the main thread (200 per 4 MiB range).
 */
export interface TaskMatches {
  count: number;
  payload: Uint32Array;
  item: Uint32Array;
  rule: Uint32Array;
  flags: Uint8Array;
  timeNs: BigInt64Array;
  values: (MatchValues | null)[];
}

/** Collects a task's matches into TaskMatches. */
export class MatchPacker {
  private m = MatchPacker.empty(64);

  /** Forgets the matches added (a task that failed left them); the arrays are kept. */
  clear(): void {
    this.m = { ...this.m, count: 0, values: [] };
  }

  private static empty(cap: number): TaskMatches {
    return {
      count: 0, payload: new Uint32Array(cap), item: new Uint32Array(cap), rule: new Uint32Array(cap), flags: new Uint8Array(cap),
      timeNs: new BigInt64Array(cap), values: [],
    };
  }

  add(payload: number, item: number, rule: number, flags: number, timeNs: bigint, values: MatchValues | null): void {
    let m = this.m;
    if (m.count === m.payload.length) {
      const grown = MatchPacker.empty(m.count * 2);
      grown.payload.set(m.payload);
      grown.item.set(m.item);
      grown.rule.set(m.rule);
      grown.flags.set(m.flags);
      grown.timeNs.set(m.timeNs);
      grown.values = m.values;
      grown.count = m.count;
      this.m = m = grown;
    }
    const k = m.count++;
    m.payload[k] = payload;
    m.item[k] = item;
    m.rule[k] = rule;
    m.flags[k] = flags;
    m.timeNs[k] = timeNs;
    m.values.push(values);
  }

  /** The matches added since the last take, trimmed to their count. */
  take(): TaskMatches {
    const m = this.m;
    const n = m.count;
    this.clear();
    return {
      count: n, payload: m.payload.slice(0, n), item: m.item.slice(0, n), rule: m.rule.slice(0, n), flags: m.flags.slice(0, n),
      timeNs: m.timeNs.slice(0, n), values: m.values,
    };
  }
}

export interface TaskResult {
  events: number;
  matches: TaskMatches;
  rejections: Rejection[];
  truncated: number;
  withoutAuditId: number;
  range?: RangeOutcome;
  /**
   * The alerts' lines as the outputs write them, when the worker's engine wrote them (a match with its line
   * comes without values). One buffer, copied once by the message, instead of a string per alert that the
   * main thread would only encode again.
   */
  lines?: AlertLines;
}

// A packed batch: count arrival times (i64, when given), count + 1 u32 offsets, then the payload bytes.
const arrivalBytes = (count: number, arrivals: boolean) => (arrivals ? count * 8 : 0);

/**
 * Copies a batch into one new buffer the task can transfer (the caller keeps its own bytes for a retry).
 * unpackBatch needs `count` and whether arrivalNs was given (BatchTask.arrivals).
 */
export function packBatch(data: Uint8Array, offsets: Uint32Array, count: number, arrivalNs?: BigInt64Array): ArrayBuffer {
  const times = arrivalBytes(count, arrivalNs !== undefined);
  const head = times + (count + 1) * 4;
  const end = offsets[count];
  const buffer = new ArrayBuffer(head + end);
  if (arrivalNs) new BigInt64Array(buffer, 0, count).set(arrivalNs.subarray(0, count));
  new Uint32Array(buffer, times, count + 1).set(offsets.subarray(0, count + 1));
  new Uint8Array(buffer, head, end).set(data.subarray(0, end));
  return buffer;
}

export function unpackBatch(buffer: ArrayBuffer, count: number, arrivals: boolean): { data: Uint8Array; offsets: Uint32Array; arrivalNs?: BigInt64Array } {
  const times = arrivalBytes(count, arrivals);
  const head = times + (count + 1) * 4;
  return {
    offsets: new Uint32Array(buffer, times, count + 1),
    data: new Uint8Array(buffer, head),
    ...(arrivals ? { arrivalNs: new BigInt64Array(buffer, 0, count) } : {}),
  };
}
