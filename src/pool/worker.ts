// A pool worker: one instance of the main thread's compiled WebAssembly module, and the Engine for the
// newest rules generation it was given. A task is a packed batch or a byte range of a file it reads itself;
// it answers with compact matches (rules by index, output values rendered) and rejections. When the outputs
// need only each alert's line and the events have no source ids (files), the worker formats the line itself
// and sends it instead of the values: one string is cheaper to send, and the formatting leaves the main thread.
import { deserialize } from 'node:v8';
import { workerData } from 'node:worker_threads';
import { AlertFormatter } from '../alerts/format.js';
import { Engine, type BatchResult, type Match, type PrecompiledOptions } from '../engine/engine.js';
import { evaluateRange } from './range-evaluation.js';
import { unpackBatch, type BatchTask, type CompactMatch, type RangeTask, type RulesPayload, type RulesSnapshot, type Task, type TaskResult } from './protocol.js';

export interface WorkerData {
  module: WebAssembly.Module;
}

const { module } = workerData as WorkerData;
let generation = -1;
let engine: Engine;
/** The line of an alert as the outputs write it, when the main thread asked for it (RulesPayload.render). */
let renderLine: ((m: Match) => string) | undefined;

/** The engine of the task's rules (compiled on the main thread): made once per generation, before the task,
 *  never during one. */
function engineFor(rules: RulesSnapshot): Engine {
  if (rules.generation !== generation) {
    const payload = deserialize(new Uint8Array(rules.bytes)) as RulesPayload;
    const options: PrecompiledOptions = { rules: payload.rules, program: payload.program, ruleMatching: payload.ruleMatching, maxEventSize: payload.maxEventSize, module };
    engine = Engine.create(options);
    const render = payload.render;
    if (render) {
      const formatter = new AlertFormatter(render);
      renderLine = render.jsonOutput ? (m) => formatter.json(m) : (m) => formatter.text(m);
    } else {
      renderLine = undefined;
    }
    generation = rules.generation;
  }
  return engine;
}

/** Rendered lines of the task at hand, in UTF-8 (TaskResult.lines); the buffer serves every task. */
class RenderedLines {
  private buf = Buffer.allocUnsafe(1 << 16);
  private used = 0;
  private readonly ends: number[] = [];

  add(line: string): void {
    // at most 3 bytes of UTF-8 per UTF-16 unit
    if (this.used + line.length * 3 > this.buf.length) {
      const grown = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.used + line.length * 3));
      this.buf.copy(grown, 0, 0, this.used);
      this.buf = grown;
    }
    this.used += this.buf.write(line, this.used);
    this.ends.push(this.used);
  }

  /** The lines added since the last take (a copy the size of them), or undefined when none were. */
  take(): TaskResult['lines'] {
    if (this.ends.length === 0) return undefined;
    const out = { bytes: new Uint8Array(this.buf.subarray(0, this.used)), ends: Uint32Array.from(this.ends) };
    this.clear();
    return out;
  }

  /** Forgets the lines added (a task that failed left them). */
  clear(): void {
    this.used = 0;
    this.ends.length = 0;
  }
}
const rendered = new RenderedLines();

function compact(result: BatchResult, into: TaskResult, render?: (m: Match) => string): void {
  into.events += result.events;
  into.truncated += result.truncated;
  into.withoutAuditId += result.withoutAuditId;
  for (const m of result.matches) {
    const match: CompactMatch = {
      payload: m.payload, item: m.item, rule: m.rule.index, timeNs: m.timeNs, truncated: m.truncated, timeSubstituted: m.timeSubstituted,
    };
    if (render) rendered.add(render(m));
    else {
      match.tokens = m.tokens;
      match.fields = m.fields;
    }
    into.matches.push(match);
  }
  for (const r of result.rejections) into.rejections.push(r);
}

function evaluateBatch(task: BatchTask): TaskResult {
  const e = engineFor(task.rules);
  const { data, offsets, arrivalNs } = unpackBatch(task.buffer, task.count, task.arrivals);
  const out: TaskResult = { events: 0, matches: [], rejections: [], truncated: 0, withoutAuditId: 0 };
  compact(e.evaluate(data, offsets, task.count, arrivalNs, task.context), out, task.mayRender ? renderLine : undefined);
  return withLines(out);
}

function evaluateRangeTask(task: RangeTask): TaskResult {
  const out: TaskResult = { events: 0, matches: [], rejections: [], truncated: 0, withoutAuditId: 0 };
  out.range = evaluateRange(engineFor(task.rules), task, task, (result) => compact(result, out, renderLine));
  return withLines(out);
}

function withLines(out: TaskResult): TaskResult {
  const lines = rendered.take();
  if (lines) out.lines = lines;
  return out;
}

export default function evaluate(task: Task): TaskResult {
  rendered.clear();
  return task.kind === 'batch' ? evaluateBatch(task) : evaluateRangeTask(task);
}
