// The in-thread evaluator: the Engine on the main thread. Used for small inputs and tests (`--workers 0`),
// where starting worker threads costs more than it saves. A reload swaps the engine between two calls, and
// evaluation is synchronous, so no batch ever sees a half-loaded rule set. A byte-range batch is read here
// as a worker would read it (range-evaluation.ts): straight into the engine's memory, framed there.
import { AlertLineTemplates } from '../alerts/line-templates.js';
import type { OutputOptions } from '../alerts/output-options.js';
import { KawaError } from '../core/errors.js';
import { AlertLinesBuilder } from '../engine/alert-lines.js';
import { Engine } from '../engine/engine.js';
import { BatchFailedError } from '../pipeline/pipeline.js';
import type { ByteRange, Evaluation, Evaluator, RangeOutcome, SourceBatch } from '../pipeline/types.js';
import type { LoadResult } from '../rules/types.js';
import { DEFAULT_MAX_LINE_BYTES } from '../sources/file/source.js';
import type { RangeReadOptions } from '../sources/file/range-reader.js';
import { evaluateRange } from './range-evaluation.js';

export interface EngineEvaluatorOptions {
  ruleMatching?: 'first' | 'all';
  module?: WebAssembly.Module;
  /** Events whose compact JSON is longer than this many bytes are rejected (the source's max_event_size; default 262144). */
  maxEventSize?: number;
  /** Longest line of a byte range kept (the file source's limit; default 1 MiB). */
  maxLineBytes?: number;
  /** The format in which the engine may write the alerts' lines (AlertSink.lineFormat), as a worker's does. */
  render?: OutputOptions;
}

/** Payloads of a byte range evaluated per call into the engine. */
const RANGE_BATCH_EVENTS = 256;

export class EngineEvaluator implements Evaluator {
  /** Evaluation is synchronous here: a few batches ahead only keep the source and the sink busy. */
  readonly window = 4;
  private engine: Engine;
  private readonly templates: AlertLineTemplates | undefined;
  /** A range's lines, from each of its evaluations. */
  private readonly lines = new AlertLinesBuilder();

  constructor(rules: LoadResult, private readonly opts: EngineEvaluatorOptions = {}) {
    this.engine = this.create(rules);
    this.templates = opts.render ? new AlertLineTemplates(opts.render) : undefined;
  }

  async evaluate(batch: SourceBatch): Promise<Evaluation> {
    // a range is milliseconds of work, and the next is ready at once (nothing is read before it): without a
    // turn of the event loop in between, one range after another would run in microtasks while the alerts'
    // writes wait for I/O and pile up (1,000,000 events: 255 MB instead of 108)
    if (batch.range) await new Promise(setImmediate);
    // synchronous from here: no other batch comes between setting the lines and evaluating. As in a worker,
    // events with source ids or a cluster keep their values (their JSON lines carry those).
    this.engine.setLineRendering(!batch.eventId && !batch.context ? this.templates : undefined);
    if (!batch.range) return this.engine.evaluate(batch.data, batch.offsets, batch.count, batch.arrivalNs, batch.context);
    const out: Evaluation = { events: 0, matches: [], rejections: [], truncated: 0, withoutAuditId: 0 };
    const opts = { maxLineBytes: this.opts.maxLineBytes ?? DEFAULT_MAX_LINE_BYTES, batchEvents: RANGE_BATCH_EVENTS };
    const { file, start, end } = batch.range;
    try {
      out.range = this.readRange(batch.range, opts, out);
    } catch (e) {
      // a file that cannot be read is given up like a batch a worker failed: the source reports the file
      if (e instanceof KawaError && e.code === 'KAWA_ERR_INPUT_READ') throw new BatchFailedError(`${file} bytes ${start}-${end}: ${e.message}; skipped`, e.code);
      throw e;
    } finally {
      const lines = this.lines.take();
      if (lines) out.lines = lines;
    }
    return out;
  }

  /** Evaluates the range's payloads into `out`. */
  private readRange(range: ByteRange, opts: RangeReadOptions, out: Evaluation): RangeOutcome {
    return evaluateRange(this.engine, range, opts, (result) => {
      out.events += result.events;
      out.truncated += result.truncated;
      out.withoutAuditId += result.withoutAuditId;
      for (const m of result.matches) out.matches.push(m);
      for (const r of result.rejections) out.rejections.push(r);
      this.lines.add(result.lines, result.matches.length);
    });
  }

  async reload(rules: LoadResult): Promise<void> {
    this.engine = this.create(rules);
  }

  private create(rules: LoadResult): Engine {
    const { ruleMatching, module, maxEventSize } = this.opts;
    return Engine.create({ rules, ruleMatching, module, maxEventSize });
  }

  async close(): Promise<void> {}
}
