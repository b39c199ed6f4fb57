// The contracts of kawa's data path: sources produce batches of raw payloads, an evaluator (the in-thread
// Engine or the worker pool) turns them into matches, the pipeline formats alerts and hands them to the
// outputs, and acknowledges each batch back to its source once its alerts were accepted (so a source can
// checkpoint only what was delivered). Everything between these stages is bounded.
import type { BatchResult, EventContext, Match } from '../engine/engine.js';
import type { LoadResult } from '../rules/types.js';
import type { OutputOptions } from '../alerts/output-options.js';

/** A batch of raw payloads from one source, in source order. */
export interface SourceBatch {
  /** Payloads back to back: payload k is data[offsets[k], offsets[k+1]). */
  data: Uint8Array;
  offsets: Uint32Array;
  count: number;
  /**
   * When each payload arrived, in Unix ns (count entries, 0n = unknown): the source's own time of it where
   * it has one (a CloudWatch or Kinesis event timestamp), else when it was received. A truncated event whose
   * timestamps were cut gets this time (Engine.evaluate). Files have none.
   */
  arrivalNs?: BigInt64Array;
  /** The cluster the batch's events come from, when the source knows (kawa.cluster, kawa.account,
   *  kawa.region). A batch holds the events of one cluster. */
  context?: BatchContext;
  /** Where payload k came from, for messages (`file:line`, `stream/eventId`). */
  origin(payload: number): string;
  /** A stable id of payload k that alerts carry (CloudWatch eventId, Kinesis sequence), when there is one. */
  eventId?(payload: number): string | undefined;
  /** Called once, after every alert of this batch was accepted by the outputs. */
  ack?(): void;
  /**
   * Set when the evaluator reads the payloads itself (a worker reads a byte range of a JSON-lines file):
   * `data` is then empty and `count` 0, and origin() works once settle() gave it the result.
   */
  range?: ByteRange;
  /**
   * Called with the batch's result, in source order, before anything asks for origin(); with undefined when
   * the evaluator gave up on the batch.
   */
  settle?(result: Evaluation | undefined): void;
}

/** Where a batch's events come from (a fleet's cluster); absent parts are unknown. */
export type BatchContext = EventContext;

/** The lines of `file` that start at a byte offset in [start, end). */
export interface ByteRange {
  file: string;
  start: number;
  end: number;
  /**
   * An open descriptor of `file`, read instead of opening the file again (the file source's, open until its
   * ranges settle; valid in worker threads too): a file deleted or renamed meanwhile is still read whole, as
   * it was when the run began.
   */
  fd?: number;
  /**
   * The range's bytes themselves, read instead of the file: a piece of a stream of JSON lines (a gzip file
   * as it inflates, stdin), [start, end) counted in the stream's bytes. They are whole lines (the range owns
   * its first line and ends with its last one): a view of the stream's chunk, or a copy in shared memory
   * (the worker pool copies a view there before a worker reads it).
   */
  bytes?: Uint8Array;
  /**
   * With `bytes`: the first line continues one that began in an earlier piece and already outgrew the line
   * limit; these are its bytes before this piece (dropped: only its length is reported).
   */
  overflowBytes?: number;
}

/** What reading a byte range found, relative to the range. */
export interface RangeOutcome {
  payloads: number;
  /** Lines that start in the range (blank ones included). */
  lines: number;
  /** Line (1-based, counted from the range's first line) where each payload starts. */
  payloadLines: Uint32Array;
  /** Lines skipped for being longer than the limit: line (relative, 1-based) and length. */
  tooLarge: { line: number; length: number }[];
  /** Bytes read. */
  bytes: number;
}

/** A source of batches. Iteration ends when the source is exhausted or closed. */
export interface Source extends AsyncIterable<SourceBatch> {
  readonly name: string;
  /** Why the source cannot read now (refused credentials, a missing log group), or undefined when it can:
   *  the service's readiness. Such a source keeps trying; the process stays alive. */
  unhealthy?(): string | undefined;
  /** The state of its parts for /readyz (a fleet: each cluster's), whether or not it is ready. */
  detail?(): Record<string, unknown>;
  /** Stops producing; batches already handed out are still acknowledged through their ack(). */
  close(): Promise<void>;
  /** What it read so far: bytes, payloads framed (those skipped before evaluation included), and inputs
   *  it could not read to their end (damaged or unreadable: what came before was read). */
  readonly read?: { bytes: number; payloads: number; incomplete?: number };
  /** How far a source that ends has come (a progress bar). */
  progress?(): SourceProgress;
  /** Calls `listener` each time the source wrote its checkpoint (what a restart resumes from): the
   *  stateful rules' state is saved with it. A source without checkpoints has no such method. */
  onCheckpoint?(listener: () => void): void;
}

/** Bytes read of the input's total, or event time (ms) covered of a range; total 0: unknown. */
export interface SourceProgress {
  done: number;
  total: number;
  unit: 'bytes' | 'time';
}

/**
 * The engine's result for a batch (truncation included: the engine tells it per event and per batch). Its
 * `lines` are the matches' alert lines when the evaluator wrote them (AlertSink.lineFormat): bytes, not
 * strings, which the main thread writes as they are and decodes only for an output that asks for a string.
 */
export interface Evaluation extends BatchResult {
  /** For a batch that was a byte range: what the range held. */
  range?: RangeOutcome;
}

/** Evaluates batches: the Engine in this thread, or the worker pool. Results come back in batch order. */
export interface Evaluator {
  /** Batches to keep in flight so that the evaluator never waits for the pipeline (the pipeline's window). */
  readonly window: number;
  evaluate(batch: SourceBatch): Promise<Evaluation>;
  /** Swaps the rules between batches: no batch is evaluated by a half-loaded rule set. */
  reload(rules: LoadResult): Promise<void>;
  close(): Promise<void>;
}

/** One alert on its way to the outputs. */
export interface Alert {
  match: Match;
  /** The source's id of the event (CloudWatch eventId), so a sink can drop repeats after a crash. */
  eventId?: string;
  /** The cluster the event came from (SourceBatch.context). */
  context?: EventContext;
  /** The line the outputs write, already written by the evaluator, in UTF-8 (Evaluation.lines). */
  line?: Uint8Array;
}

/** The outputs behind one interface. emit() resolves when every output accepted the alerts (queued within
 *  its bound, or dropped and counted by an output that is failing); it never rejects. */
export interface AlertSink {
  /** The format in which alert lines may be rendered ahead, by the evaluator (Alert.line), when every
   *  output writes that line; undefined (or absent) when some output needs the values. */
  readonly lineFormat?: OutputOptions;
  emit(alerts: Alert[]): Promise<void>;
  /** Resolves when everything emitted so far was delivered or given up on. */
  flush(): Promise<void>;
  close(): Promise<void>;
  /** SIGHUP: reopen output files (log rotation). */
  reopen?(): void;
}
