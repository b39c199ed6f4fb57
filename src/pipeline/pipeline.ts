// The data path of a run: a Source's batches go to an Evaluator, their matches to an AlertSink, and each
// batch is acknowledged back to its source once the sink accepted its alerts.
//
// Two loops share a window of at most `inFlight` batches: the reader takes batches from the source and starts
// their evaluation; the writer waits for the oldest batch's result, hands its alerts to the sink, then
// acknowledges it. Results are consumed in source order whatever order the evaluator finishes them in, so
// alerts keep the order of their events. A slot frees only after the sink accepted a batch's alerts: a slow
// output stops the reader, and the source's own bounded queue then stops its reading. Memory is bounded by
// the window, not by the input.
import { KawaError, type KawaErrorCode } from '../core/errors.js';
import { Notifier } from '../core/notifier.js';
import { lineViews } from '../engine/alert-lines.js';
import type { Alert, AlertSink, Evaluation, Evaluator, Source, SourceBatch } from './types.js';

/** The evaluator gave up on a batch (its worker died twice): the run reports it and goes on. */
export class BatchFailedError extends KawaError {
  constructor(message: string, code: KawaErrorCode = 'KAWA_ERR_WORKER') {
    super(code, message);
  }
}

export interface PipelineOptions {
  /** Batches between the reader and the sink (evaluating or waiting for the sink); default: the evaluator's window. */
  inFlight?: number;
  /** Called in source order with each result, before its alerts go to the sink (counters, reports). */
  onResult?(batch: SourceBatch, result: Evaluation): void;
  /** Called in source order for a batch the evaluator gave up on; the batch is acknowledged and skipped. */
  onFailure?(batch: SourceBatch, error: BatchFailedError): void;
}

/** Counts of a pipeline's work, as its run ends. */
export interface PipelineStats {
  /** Batches evaluated. */
  batches: number;
  /** Payloads the source delivered (a payload may hold an EventList). */
  payloads: number;
  /** Events evaluated. */
  events: number;
  /** Alerts emitted. */
  alerts: number;
  /** Batches whose evaluation failed (their events were not evaluated; logged with the code). */
  failedBatches: number;
}

interface Pending {
  batch: SourceBatch;
  result: Promise<Evaluation>;
}

export class Pipeline {
  readonly stats: PipelineStats = { batches: 0, payloads: 0, events: 0, alerts: 0, failedBatches: 0 };
  private readonly inFlight: number;
  private readonly window: Pending[] = [];
  private stopped = false;
  private readerDone = false;
  /** A batch entered the window or the reader ended. */
  private readonly entered = new Notifier();
  /** A slot freed, or stop() was called. */
  private readonly freed = new Notifier();

  constructor(
    private readonly source: Source,
    private readonly evaluator: Evaluator,
    private readonly sink: AlertSink,
    private readonly opts: PipelineOptions = {},
  ) {
    this.inFlight = Math.max(1, opts.inFlight ?? evaluator.window);
  }

  /** Runs until the source is exhausted (or stop() was called) and the sink flushed everything. */
  async run(): Promise<PipelineStats> {
    // a failing writer (the sink threw, the evaluator broke) stops the reader too
    const writer = this.write().catch(async (e) => {
      await this.stop();
      throw e;
    });
    let readError: unknown;
    try {
      await this.read();
    } catch (e) {
      readError = e;
    }
    this.readerDone = true;
    this.entered.notify();
    // batches already read are delivered even when the source failed after them
    await writer;
    if (readError !== undefined) throw readError;
    await this.sink.flush();
    return this.stats;
  }

  /** Stops reading: the source is closed and batches already read are still evaluated and delivered. */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    this.freed.notify();
    await this.source.close();
  }

  private async read(): Promise<void> {
    for await (const batch of this.source) {
      if (this.stopped) break;
      while (this.window.length >= this.inFlight && !this.stopped) {
        await this.freed.wait();
      }
      const result = this.evaluator.evaluate(batch);
      // a rejection is handled by the writer, in order; this only keeps Node from calling it unhandled
      result.catch(() => undefined);
      this.window.push({ batch, result });
      this.entered.notify();
      if (this.stopped) break;
    }
  }

  private async write(): Promise<void> {
    for (;;) {
      const head = this.window[0];
      if (!head) {
        if (this.readerDone) return;
        await this.entered.wait();
        continue;
      }
      await this.deliver(head);
      this.window.shift();
      this.freed.notify();
    }
  }

  private async deliver({ batch, result: pending }: Pending): Promise<void> {
    this.stats.batches++;
    let result: Evaluation;
    try {
      result = await pending;
    } catch (e) {
      if (!(e instanceof BatchFailedError)) throw e;
      batch.settle?.(undefined);
      this.stats.failedBatches++;
      this.opts.onFailure?.(batch, e);
      batch.ack?.();
      return;
    }
    batch.settle?.(result);
    this.stats.payloads += batch.count;
    this.stats.events += result.events;
    this.opts.onResult?.(batch, result);
    if (result.matches.length) {
      const lines = result.lines && lineViews(result.lines);
      const alerts: Alert[] = result.matches.map((match, i) => ({ match, eventId: batch.eventId?.(match.payload), context: batch.context, line: lines?.[i] }));
      this.stats.alerts += alerts.length;
      await this.sink.emit(alerts);
    }
    batch.ack?.();
  }
}
