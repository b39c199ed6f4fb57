// The worker pool: an Evaluator that spreads batches over piscina worker threads. The WebAssembly module is
// compiled once here and cloned to every worker (a Module is cloneable, not transferable); the rules travel
// as a shared snapshot (protocol.ts). A batch's bytes go out as one transferable buffer, a copy, and a piece
// of a stream in shared memory (copied there first if it is a view of the stream's own chunk), so the
// batch can be sent again: a worker that dies (out of memory, a bug) is replaced by piscina, its batch is
// retried once, and on a second failure the batch is given up with its event positions named
// (BatchFailedError: the pipeline reports it and the run goes on).
import { availableParallelism } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Piscina } from 'piscina';
import { AlertLineTemplates } from '../alerts/line-templates.js';
import type { OutputOptions } from '../alerts/output-options.js';
import { programOf } from '../compile/compiler.js';
import { SharedBuffers } from '../core/shared-buffers.js';
import { engineModule } from '../engine/wasm-module.js';
import { NO_FIELDS, NO_TOKENS } from '../engine/batch.js';
import type { Match } from '../engine/engine.js';
import { BatchFailedError } from '../pipeline/pipeline.js';
import type { Evaluation, Evaluator, SourceBatch } from '../pipeline/types.js';
import type { LoadedRule, LoadResult } from '../rules/types.js';
import { DEFAULT_MAX_LINE_BYTES } from '../sources/file/source.js';
import {
  MATCH_TIME_SUBSTITUTED, MATCH_TRUNCATED, packBatch, snapshotRules, type BatchTask, type RulesSnapshot, type Task, type TaskMatches, type TaskResult,
} from './protocol.js';
import type { WorkerData } from './worker.js';

/**
 * The worker entry. Workers load JavaScript, so when this module runs from src/ (the tests, through vitest)
 * the workers load the compiled dist/pool/worker.js (`npx tsc -p tsconfig.json` first).
 */
const here = fileURLToPath(import.meta.url);
// beside this module: in dist/pool/, and in the command line's bundle, which has its own (scripts/gen-cli-bundle.mjs)
export const WORKER_FILE = here.endsWith('.ts') ? join(dirname(here), '../../dist/pool/worker.js') : join(dirname(here), 'worker.js');

export interface PoolOptions {
  /** Worker threads (default: the number of cores). */
  threads?: number;
  ruleMatching?: 'first' | 'all';
  /** Events whose compact JSON is longer than this many bytes are rejected (default 262144). */
  maxEventSize?: number;
  /**
   * The alert format, given when the outputs need nothing but each alert's line (json_output, or no
   * http_output, which always posts JSON): workers then render the lines of events without source ids and
   * send those instead of the output values (Evaluation.lines).
   */
  render?: OutputOptions;
  /** Payloads per evaluation inside a worker reading a byte range (default 256). */
  batchEvents?: number;
  maxLineBytes?: number;
  /** Another worker entry (tests: a worker that crashes on purpose). */
  workerFile?: string;
  /** A worker failed a task, which is sent again (piscina replaces the worker). */
  onRestart?(): void;
}

export interface PoolStats {
  /** Tasks that failed once and were sent again. */
  retried: number;
  /** Batches given up after their retry failed too. */
  failed: number;
}

interface Generation {
  snapshot: RulesSnapshot;
  byIndex: Map<number, LoadedRule>;
}

export class WorkerPool implements Evaluator {
  readonly threads: number;
  readonly stats: PoolStats = { retried: 0, failed: 0 };
  private readonly piscina: Piscina<Task, TaskResult>;
  private current: Generation;
  /** Shared copies of pieces that are views of a stream's chunk, one kept per task in flight. */
  private readonly copies: SharedBuffers;

  constructor(rules: LoadResult, private readonly opts: PoolOptions = {}) {
    this.threads = Math.max(1, opts.threads ?? availableParallelism());
    const workerData: WorkerData = { module: engineModule() };
    // the threads start first: they get ready while this thread compiles the rules, which their first task brings
    this.piscina = new Piscina({
      filename: opts.workerFile ?? WORKER_FILE,
      minThreads: this.threads,
      maxThreads: this.threads,
      idleTimeout: Infinity,
      workerData,
    });
    this.current = this.generation(0, rules);
    this.copies = new SharedBuffers(MIN_COPY_BYTES, this.window + 2);
  }

  /** Batches to keep in flight so that no worker waits for the main thread: two per worker. */
  get window(): number {
    return this.threads * 2;
  }

  async evaluate(batch: SourceBatch): Promise<Evaluation> {
    // the generation at submission: a reload affects only the batches submitted after it
    const gen = this.current;
    // a piece of a stream in memory of its own goes to the worker in shared memory, kept for a retry
    const bytes = batch.range?.bytes;
    const shared = bytes && !(bytes.buffer instanceof SharedArrayBuffer) ? this.copies.copy(bytes) : undefined;
    const task = shared ? { ...batch, range: { ...batch.range!, bytes: shared } } : batch;
    let result: TaskResult;
    try {
      result = await this.send(task, gen.snapshot);
    } catch {
      this.stats.retried++;
      this.opts.onRestart?.();
      try {
        result = await this.send(task, gen.snapshot);
      } catch (second) {
        this.stats.failed++;
        throw new BatchFailedError(`${describe(batch)}: the worker failed twice (${(second as Error).message ?? second}); skipped`);
      }
    } finally {
      if (shared) this.copies.give(shared);
    }
    const { lines } = result;
    return {
      events: result.events,
      rejections: result.rejections,
      truncated: result.truncated,
      withoutAuditId: result.withoutAuditId,
      range: result.range,
      matches: unpackMatches(result.matches, gen.byIndex),
      ...(lines ? { lines } : {}),
    };
  }

  /** Batches submitted from now on are evaluated with these rules (each worker compiles them once). */
  async reload(rules: LoadResult): Promise<void> {
    this.current = this.generation(this.current.snapshot.generation + 1, rules);
  }

  async close(): Promise<void> {
    // a thread stopped while it still loads its module can abort the whole process (Node 20: "FATAL ERROR:
    // v8::Module::IsGraphAsync ... must be used on an instantiated module", seen in CI after a short run): a
    // task for each thread first, which each answers once loaded. The threads are all idle here, so piscina
    // gives each one of them.
    await Promise.allSettled(Array.from({ length: this.threads }, () => this.piscina.run({ kind: 'ping' } satisfies Task)));
    await this.piscina.close();
  }

  private generation(n: number, rules: LoadResult): Generation {
    const program = programOf(rules);
    const { render } = this.opts;
    return {
      snapshot: snapshotRules(n, {
        rules, program, ruleMatching: this.opts.ruleMatching ?? 'first', maxEventSize: this.opts.maxEventSize,
        ...(render ? { lineTemplates: new AlertLineTemplates(render).build(program.rules) } : {}),
      }),
      byIndex: new Map(rules.rules.map((r) => [r.index, r])),
    };
  }

  private send(batch: SourceBatch, rules: RulesSnapshot): Promise<TaskResult> {
    if (batch.range) {
      return this.piscina.run({
        kind: 'range', rules, ...batch.range,
        maxLineBytes: this.opts.maxLineBytes ?? DEFAULT_MAX_LINE_BYTES, batchEvents: this.opts.batchEvents ?? 256,
      });
    }
    const buffer = packBatch(batch.data, batch.offsets, batch.count, batch.arrivalNs);
    const task: BatchTask = { kind: 'batch', rules, buffer, count: batch.count, arrivals: batch.arrivalNs !== undefined, mayRender: !batch.eventId && !batch.context,
      ...(batch.context ? { context: batch.context } : {}) };
    return this.piscina.run(task, { transferList: [buffer] });
  }
}

/** A shared copy holds at least this much, so that most later pieces fit it (they are about 1 MiB). */
const MIN_COPY_BYTES = 2 << 20;

/** A worker's packed matches as Match objects, their rules the loaded rules of their generation. */
function unpackMatches(m: TaskMatches, byIndex: Map<number, LoadedRule>): Match[] {
  const out = new Array<Match>(m.count);
  for (let k = 0; k < m.count; k++) {
    const rule = byIndex.get(m.rule[k]);
    if (!rule) throw new Error(`a worker matched rule index ${m.rule[k]}, not in its rules`);
    const values = m.values[k];
    out[k] = {
      payload: m.payload[k], item: m.item[k], rule, timeNs: m.timeNs[k], truncated: (m.flags[k] & MATCH_TRUNCATED) !== 0,
      timeSubstituted: (m.flags[k] & MATCH_TIME_SUBSTITUTED) !== 0, tokens: values?.tokens ?? NO_TOKENS, fields: values?.fields ?? NO_FIELDS,
    };
  }
  return out;
}

/** Where a batch's events are, for the report of a batch given up. */
function describe(batch: SourceBatch): string {
  if (batch.range) return `${batch.range.file} bytes ${batch.range.start}-${batch.range.end}`;
  if (batch.count === 0) return 'an empty batch';
  const first = batch.origin(0);
  return batch.count === 1 ? first : `${first} to ${batch.origin(batch.count - 1)} (${batch.count} payloads)`;
}
