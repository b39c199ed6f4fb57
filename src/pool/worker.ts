// A pool worker: one instance of the main thread's compiled WebAssembly module, and the Engine for the
// newest rules generation it was given. A task is a packed batch or a byte range of a file it reads itself;
// it answers with packed matches (rules by index, output values rendered) and rejections. When the outputs
// need only each alert's line and the events have no source ids (files), the worker's engine writes the lines
// (from templates the main thread built once: alerts/line-templates.ts) and the worker sends them, in one
// buffer, instead of the values: cheaper to send, and the formatting leaves the main thread.
import { deserialize } from 'node:v8';
import { workerData } from 'node:worker_threads';
import { AlertLinesBuilder, hasLine } from '../engine/alert-lines.js';
import { Engine, type BatchResult, type LineTemplates, type PrecompiledOptions } from '../engine/engine.js';
import { evaluateRange } from './range-evaluation.js';
import {
  MATCH_TIME_SUBSTITUTED, MATCH_TRUNCATED, MatchPacker, unpackBatch, type BatchTask, type RangeTask, type RulesPayload, type RulesSnapshot, type Task,
  type TaskResult,
} from './protocol.js';

export interface WorkerData {
  module: WebAssembly.Module;
}

const { module } = workerData as WorkerData;
let generation = -1;
let engine: Engine;
/** The templates of the alerts' lines, when the main thread asked for lines (RulesPayload.lineTemplates). */
let templates: LineTemplates | undefined;
/** The task's matches and lines, from each evaluation of it. */
const matches = new MatchPacker();
const NO_MATCHES = new MatchPacker().take();
const lines = new AlertLinesBuilder();

/** The engine of the task's rules (compiled on the main thread): made once per generation, before the task,
 *  never during one. */
function engineFor(rules: RulesSnapshot): Engine {
  if (rules.generation !== generation) {
    const payload = deserialize(new Uint8Array(rules.bytes)) as RulesPayload;
    const options: PrecompiledOptions = { rules: payload.rules, program: payload.program, ruleMatching: payload.ruleMatching, maxEventSize: payload.maxEventSize, module };
    engine = Engine.create(options);
    const built = payload.lineTemplates;
    templates = built ? { build: () => built } : undefined;
    generation = rules.generation;
  }
  return engine;
}

function compact(result: BatchResult, into: TaskResult): void {
  into.events += result.events;
  into.truncated += result.truncated;
  into.withoutAuditId += result.withoutAuditId;
  result.matches.forEach((m, k) => {
    const flags = (m.truncated ? MATCH_TRUNCATED : 0) | (m.timeSubstituted ? MATCH_TIME_SUBSTITUTED : 0);
    // a match with its line has no values to send; one without is formatted from them on the main thread
    matches.add(m.payload, m.item, m.rule.index, flags, m.timeNs, hasLine(result.lines, k) ? null : { tokens: m.tokens, fields: m.fields });
  });
  lines.add(result.lines, result.matches.length);
  for (const r of result.rejections) into.rejections.push(r);
}

function evaluateBatch(task: BatchTask): TaskResult {
  const e = engineFor(task.rules);
  e.setLineRendering(task.mayRender ? templates : undefined);
  const { data, offsets, arrivalNs } = unpackBatch(task.buffer, task.count, task.arrivals);
  const out = emptyResult();
  compact(e.evaluate(data, offsets, task.count, arrivalNs, task.context), out);
  return withMatches(out);
}

function evaluateRangeTask(task: RangeTask): TaskResult {
  const out = emptyResult();
  const e = engineFor(task.rules);
  e.setLineRendering(templates);
  out.range = evaluateRange(e, task, task, (result) => compact(result, out));
  return withMatches(out);
}

/** A task's result before its evaluations; its matches and lines are taken at its end (withMatches). */
function emptyResult(): TaskResult {
  return { events: 0, matches: NO_MATCHES, rejections: [], truncated: 0, withoutAuditId: 0 };
}

function withMatches(out: TaskResult): TaskResult {
  out.matches = matches.take();
  const written = lines.take();
  if (written) out.lines = written;
  return out;
}

export default function evaluate(task: Task): TaskResult {
  matches.clear();
  lines.clear();
  if (task.kind === 'ping') return emptyResult();
  return task.kind === 'batch' ? evaluateBatch(task) : evaluateRangeTask(task);
}
