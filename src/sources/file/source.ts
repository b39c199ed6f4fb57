// Reads audit events from files, directories or stdin ('-') as raw bytes, in batches for the engine.
// Each input is JSON lines or pretty-printed JSON documents (framer.ts), optionally gzip-compressed (detected
// by its magic bytes, so `.gz` files and gzipped stdin both work). A directory contributes its regular files
// in name order (not recursive). Nothing is decoded or parsed here and a file is streamed, never read whole.
//
// The reader runs ahead of the consumer by at most `queueBatches` batches (backpressure): reading pauses
// while the queue is full. A batch is handed over when it is full, or `flushMs` after its first payload when
// the input is slow (stdin fed at a steady rate), so an event never waits for a batch to fill.
//
// A damaged input does not end the run: a gzip that is corrupt, cut short or followed by bytes that are not
// gzip gives what can be read of it (gunzip.ts), a file that fails to open or to read gives what was read,
// and either is reported with its code and place (onDamaged) before the next input is read.
//
// With `rangeBytes`, a JSON-lines file is not read here at all: it becomes batches that each name a byte
// range, and the evaluator reads its ranges itself (range-reader.ts), in a worker or not. Such a batch
// learns its payloads' line numbers when its result comes back (settle(), in order). JSON lines from a
// gzip file (inflated here) are handed on the same way, as pieces of whole lines (pieces.ts), and so are
// those from stdin or a pipe when workers evaluate them (streamPieces). The rest is framed here.
import { closeSync, openSync, readSync } from 'node:fs';
import { open, readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { AsyncQueue } from '../../core/async-queue.js';
import { KawaError, type KawaErrorCode } from '../../core/errors.js';
import type { ByteRange, Evaluation, RangeOutcome, Source, SourceBatch, SourceProgress } from '../../pipeline/types.js';
import { BatchBuilder } from './batch.js';
import { Framer } from './framer.js';
import { isFifo, wakeFifo } from './fifo-wake.js';
import { gunzip, type GzipDamage, type ReadAgain } from './gunzip.js';
import { LineSplitter } from './lines.js';
import { PieceCutter, type Piece } from './pieces.js';
import { pumpPipe, stdinIsPipe } from './pipe-pump.js';
import { readRange } from './range-reader.js';
import { startsAtLine, STDIN_PATH, stdinFile } from './stdin-file.js';

export type { EventBatch } from './batch.js';

/** What a range of a file that could not be read gives. */
const NOTHING_READ: RangeOutcome = { payloads: 0, lines: 0, payloadLines: new Uint32Array(0), tooLarge: [], bytes: 0 };

export interface SourceOptions {
  /** Longest line kept (default 1 MiB); longer lines are reported and skipped. */
  maxLineBytes?: number;
  /** Largest payload spanning several lines (default 64 MiB). */
  maxDocumentBytes?: number;
  /** Payloads per batch (default 256). */
  batchEvents?: number;
  /** A batch is also closed once it holds this many bytes (default 4 MiB). */
  batchBytes?: number;
  /** Batches read ahead of the consumer (default 4). */
  queueBatches?: number;
  /** A batch with payloads is handed over at the latest this many ms after its first one (default 10). */
  flushMs?: number;
  /** The inputs' total size when known (a progress bar's total; 0: unknown, stdin or gzip). */
  totalBytes?: number;
  /** Split JSON-lines files into byte ranges of this size that the evaluator reads itself (default: off, read here). */
  rangeBytes?: number;
  /**
   * With rangeBytes, JSON lines from stdin or a pipe go in pieces too, as a gzip file's do (default: framed
   * here). Worth it when workers evaluate: the main thread alone frames a pipe's lines for less (200k events
   * through a pipe: 1.27 s framed against 1.36 s in pieces without workers; 1.49 against 1.20 s with two).
   */
  streamPieces?: boolean;
  /**
   * stdin as a pipe is read by a thread of its own (pipe-pump.ts; Linux). Worth it when the main thread
   * evaluates, so that the writer never waits for it (200k events through a pipe: 1.22 s against 1.43 s);
   * with workers the main thread is free to read, and a thread more only competes for the cores (1.18
   * against 1.09 s with two). Default: off.
   */
  pipeThread?: boolean;
  /** Called for every skipped line or document (file, line, message); default: nothing. */
  onTooLarge?: (file: string, line: number, length: number) => void;
  /**
   * Called when an input could not be read to its end (what was read before is evaluated, and the next
   * input is read): KAWA_ERR_INPUT_DAMAGED for gzip data that is corrupt, cut short or followed by other
   * bytes, KAWA_ERR_INPUT_READ for a file that failed to open or to read. `line` is the line being read when
   * it happened (0: none was).
   */
  onDamaged?: (file: string, line: number, code: KawaErrorCode, message: string) => void;
  /** Replaces process.stdin for '-' (tests). */
  stdin?: Readable;
}

/** What the reader saw, for the end-of-run summary. */
export interface SourceStats {
  files: number;
  bytes: number;
  payloads: number;
  tooLarge: number;
  /** Inputs not read to their end. */
  damaged: number;
}

export const DEFAULT_MAX_LINE_BYTES = 1 << 20;

/**
 * A gzip file's pieces are at least this large (at most rangeBytes), a quarter of zlib's output chunk, so
 * that on the main thread alone inflating the next chunk overlaps evaluating this one (200k events from a
 * .gz: 0.98 s with 1 MiB pieces, 1.12 s with 4 MiB). A plain stream's pieces are copies, and are as large
 * as a file's ranges: fewer cost less (200k events through a pipe, 4 MiB against 1 MiB pieces: 0.99 against
 * 1.12 s with two workers, 1.20 against 1.28 s without).
 */
const GZIP_PIECE_BYTES = 1 << 20;

const GZIP_MAGIC = [0x1f, 0x8b];

/** Expands directories into their files (name order) and checks every input exists. */
export async function listInputs(inputs: string[]): Promise<string[]> {
  const files: string[] = [];
  for (const input of inputs) {
    if (input === '-') {
      files.push(input);
      continue;
    }
    let info;
    try {
      info = await stat(input);
    } catch (e) {
      throw new KawaError('KAWA_ERR_INPUT_READ', `cannot read ${input}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
    }
    if (!info.isDirectory()) {
      files.push(input);
      continue;
    }
    const entries = await readdir(input, { withFileTypes: true });
    const names = entries.filter((e) => e.isFile()).map((e) => e.name).sort();
    for (const name of names) files.push(join(input, name));
  }
  return files;
}

/** The files a run over these inputs reads (directories expanded, each input checked) and their total size;
 *  `sized` is false when stdin or a gzip file is among them, whose size says little about their events. */
export async function planInputs(inputs: string[]): Promise<{ files: string[]; bytes: number; sized: boolean }> {
  const files = await listInputs(inputs);
  let bytes = 0;
  let sized = true;
  for (const f of files) {
    if (f === '-') {
      // a regular file behind stdin counts as the file would; a stream's size is unknown
      const file = stdinFile();
      if (file) bytes += file.end - file.start;
      else sized = false;
    } else {
      bytes += (await stat(f)).size;
      if (f.endsWith('.gz')) sized = false;
    }
  }
  return { files, bytes, sized };
}

export class FileSource implements Source {
  readonly name = 'file';
  readonly stats: SourceStats = { files: 0, bytes: 0, payloads: 0, tooLarge: 0, damaged: 0 };
  /** The named FIFO being opened or read: a stop wakes its wait (fifo-wake.ts). */
  private fifo: string | undefined;
  private queue: AsyncQueue<SourceBatch> | undefined;
  private readonly opts: Required<Omit<SourceOptions, 'onTooLarge' | 'onDamaged' | 'stdin' | 'totalBytes'>> & Pick<SourceOptions, 'onTooLarge' | 'onDamaged' | 'stdin'>;
  private readonly totalBytes: number;

  constructor(private readonly inputs: string[], options: SourceOptions = {}) {
    this.totalBytes = options.totalBytes ?? 0;
    this.opts = {
      maxLineBytes: options.maxLineBytes ?? DEFAULT_MAX_LINE_BYTES,
      maxDocumentBytes: options.maxDocumentBytes ?? 64 << 20,
      batchEvents: options.batchEvents ?? 256,
      batchBytes: options.batchBytes ?? 4 << 20,
      queueBatches: options.queueBatches ?? 4,
      flushMs: options.flushMs ?? 10,
      rangeBytes: options.rangeBytes ?? 0,
      streamPieces: options.streamPieces ?? false,
      pipeThread: options.pipeThread ?? false,
      onTooLarge: options.onTooLarge,
      onDamaged: options.onDamaged,
      stdin: options.stdin,
    };
  }

  get read(): { bytes: number; payloads: number; incomplete: number } {
    return { bytes: this.stats.bytes, payloads: this.stats.payloads + this.stats.tooLarge, incomplete: this.stats.damaged };
  }

  progress(): SourceProgress {
    return { done: this.stats.bytes, total: this.totalBytes, unit: 'bytes' };
  }

  /** Batches in input order: EventBatch, or a byte-range batch when `rangeBytes` splits a file. */
  [Symbol.asyncIterator](): AsyncIterator<SourceBatch> {
    const queue = new AsyncQueue<SourceBatch>({ maxItems: this.opts.queueBatches });
    this.queue = queue;
    this.produce(queue).then(() => queue.close(), (e) => queue.fail(e));
    const it = queue[Symbol.asyncIterator]();
    return {
      next: () => it.next(),
      return: async () => {
        queue.abandon();
        return { value: undefined, done: true };
      },
    };
  }

  /** Stops reading; the iteration ends after the batches already queued. */
  async close(): Promise<void> {
    this.queue?.abandon();
    if (this.fifo) wakeFifo(this.fifo);
  }

  private async produce(queue: AsyncQueue<SourceBatch>): Promise<void> {
    const files = await listInputs(this.inputs);
    for (const file of files) {
      if (queue.ended) return;
      const span = this.opts.rangeBytes > 0 ? await this.jsonLinesSpan(file) : undefined;
      if (span) await this.splitOne(file, span, queue);
      else await this.readOne(file, queue);
    }
  }

  /** Where an input's JSON lines are when they can be read in byte ranges: a regular file of JSON lines
   *  whole, or the regular file behind stdin from its offset on (stdin-file.ts). */
  private async jsonLinesSpan(file: string): Promise<Span | undefined> {
    if (file !== '-') {
      const size = await jsonLinesSize(file);
      return size > 0 ? { start: 0, end: size } : undefined;
    }
    const stdin = this.opts.stdin ? undefined : stdinFile();
    // a line cut in two by whoever read before is framed as a stream frames it, not skipped as a range's
    // first partial line is
    if (!stdin || !startsAtLine(stdin)) return undefined;
    try {
      const head = new Uint8Array(Math.min(stdin.end - stdin.start, DEFAULT_MAX_LINE_BYTES));
      const n = readSync(stdin.fd, head, 0, head.length, stdin.start);
      return holdsJsonLines(head.subarray(0, n), stdin.start + n === stdin.end) ? stdin : undefined;
    } catch {
      // unreadable: the stream reader reports it
      return undefined;
    }
  }

  /**
   * Hands out the span of the file as byte ranges. They are read through one descriptor, closed when the
   * last of them settled (or at exit, for a run stopped before): a file deleted or renamed meanwhile is
   * still read whole. stdin's descriptor (span.fd) is not ours to close.
   */
  private async splitOne(file: string, span: Span, queue: AsyncQueue<SourceBatch>): Promise<void> {
    let fd: number;
    try {
      fd = span.fd ?? openSync(file, 'r');
    } catch {
      // gone since it was looked at: read the usual way, which reports it
      return this.readOne(file, queue);
    }
    this.stats.files++;
    const series = this.rangeSeries(file, () => {
      if (span.fd !== undefined) return;
      try {
        closeSync(fd);
      } catch {
        // closed already: nothing is left to release
      }
    });
    for (let start = span.start; start < span.end && !queue.ended && !series.unreadable; start += this.opts.rangeBytes) {
      await queue.put(series.batch({ file, start, end: Math.min(span.end, start + this.opts.rangeBytes), fd }));
    }
    series.finish();
  }

  /**
   * The byte-range batches of one file, in order: each learns its payloads' line numbers when its result
   * comes back (settle(), in order), from the lines of those before it. `settled` runs once every batch was
   * made (finish()) and settled, with the file's lines.
   */
  private rangeSeries(file: string, settled: (lines: number) => void): { batch(range: ByteRange, ack?: () => void): SourceBatch; finish(): void; readonly unreadable: boolean } {
    let linesBefore = 0;
    /** Batches made and not settled yet, and whether every batch was made. */
    let pending = 0;
    let finished = false;
    /** The file could not be read (reported once); its ranges after that count nothing. */
    let unreadable = false;
    const check = () => {
      if (!finished || pending > 0) return;
      finished = false;
      settled(linesBefore);
    };
    const batch = (range: ByteRange, ack?: () => void): SourceBatch => {
      let base = 0;
      let lines: Uint32Array = new Uint32Array(0);
      const b: SourceBatch = {
        data: new Uint8Array(0),
        offsets: new Uint32Array(1),
        count: 0,
        range,
        ...(ack ? { ack } : {}),
        origin: (k) => `${file}:${base + lines[k]}`,
        settle: (result: Evaluation | undefined) => {
          pending--;
          // a range the evaluator gave up on is counted here, so the ranges after it keep their line numbers
          let outcome: RangeOutcome;
          try {
            outcome = result?.range ?? (unreadable ? NOTHING_READ : readRange(range, { maxLineBytes: this.opts.maxLineBytes, batchEvents: Infinity }));
          } catch (e) {
            if (!(e instanceof KawaError) || e.code !== 'KAWA_ERR_INPUT_READ') throw e;
            unreadable = true;
            this.stats.damaged++;
            this.opts.onDamaged?.(file, linesBefore, e.code, `${e.message}: read up to line ${linesBefore}, the rest of the file is skipped`);
            outcome = NOTHING_READ;
          }
          base = linesBefore;
          linesBefore += outcome.lines;
          lines = outcome.payloadLines;
          b.count = outcome.payloads;
          // with the bytes of a too-long line dropped before a gzip piece
          this.stats.bytes += range.end - range.start + (range.overflowBytes ?? 0);
          this.stats.payloads += outcome.payloads;
          for (const t of outcome.tooLarge) {
            this.stats.tooLarge++;
            this.opts.onTooLarge?.(file, base + t.line, t.length);
          }
          check();
        },
      };
      pending++;
      return b;
    };
    return {
      batch,
      finish: () => {
        finished = true;
        check();
      },
      get unreadable() {
        return unreadable;
      },
    };
  }

  /** Reads an input here: JSON lines from a gzip file (or, with streamPieces, stdin or a pipe) as pieces
   *  (readPieces), anything else framed (frame). */
  private async readOne(file: string, queue: AsyncQueue<SourceBatch>): Promise<void> {
    this.stats.files++;
    const fifo = file !== '-' && isFifo(file) ? file : undefined;
    this.fifo = fifo;
    try {
      await this.readInput(file, queue);
    } finally {
      this.fifo = undefined;
      // the stream closed at a stop may have begun its next read: it would hold the exit (fifo-wake.ts)
      if (fifo && queue.ended) wakeFifo(fifo);
    }
  }

  private async readInput(file: string, queue: AsyncQueue<SourceBatch>): Promise<void> {
    let input: Input;
    try {
      input = await openInput(file, this.opts);
    } catch (e) {
      this.damaged(file, 0, 'KAWA_ERR_INPUT_READ', `cannot read ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
      return;
    }
    // damage met while inflating is held here until the way the input is read tells the line it reached
    const found: Found = [];
    let damaged: Damaged = (code, message) => found.push([code, message]);
    const stream = input.gzip ? gunzip(input.bytes, (d) => damaged('KAWA_ERR_INPUT_DAMAGED', describe(d)), input.again) : input.bytes;
    const chunks = stream[Symbol.asyncIterator]() as AsyncIterator<Uint8Array>;
    try {
      const first = chunks.next();
      // pieces hold on to the chunks they are cut from: zlib's output, or a stream's, is a new buffer each
      if (this.opts.rangeBytes > 0 && (input.gzip || (input.fresh && this.opts.streamPieces))) {
        // a first chunk that failed is the framing path's to report
        const head = await first.then((step) => (step.done ? undefined : step.value), () => undefined);
        const pieceBytes = Math.min(this.opts.rangeBytes, input.gzip ? GZIP_PIECE_BYTES : this.opts.rangeBytes);
        if (head && startsWithJsonLine(head)) return await this.readPieces(file, head, chunks, pieceBytes, found, queue);
      }
      await this.frame(file, chunks, first, (report) => {
        damaged = report;
        for (const [code, message] of found.splice(0)) report(code, message);
      }, queue);
    } finally {
      input.close();
      // a gzip reader stopped early lets go of its zlib stream
      chunks.return?.(undefined).catch(() => undefined);
    }
  }

  /**
   * JSON lines from a gzip file, stdin or a pipe, handed on as pieces of whole lines (pieces.ts), which the
   * evaluator reads as it reads a plain file's ranges. A piece is handed over when it is large enough, or
   * `flushMs` after its first line ended when the input is slow, as a batch is. The damage `found` while
   * inflating is reported once the pieces before it settled, with the line read up to, as framing reports it.
   */
  private async readPieces(file: string, first: Uint8Array, chunks: AsyncIterator<Uint8Array>, pieceBytes: number, found: Found, queue: AsyncQueue<SourceBatch>): Promise<void> {
    const series = this.rangeSeries(file, (lines) => {
      for (const [code, message] of found.splice(0)) this.damaged(file, lines, code, message);
    });
    const cutter = new PieceCutter(pieceBytes, this.opts.maxLineBytes);
    const put = async (pieces: (Piece | undefined)[]) => {
      // evaluated, so its buffer can take a later piece
      for (const piece of pieces) if (piece) await queue.put(series.batch({ file, ...piece }, () => cutter.recycle(piece)));
    };
    /** When the cutter first held a whole line not yet in a piece (0: it holds none). */
    let lineAt = 0;
    const cut = async (pieces: (Piece | undefined)[]) => {
      const made = pieces.some((p) => p !== undefined);
      await put(pieces);
      lineAt = !cutter.holdsLine ? 0 : made || !lineAt ? performance.now() : lineAt;
    };
    let next: Promise<IteratorResult<Uint8Array>> | undefined;
    try {
      await cut(cutter.push(first));
      while (!queue.ended) {
        next ??= chunks.next();
        const step = lineAt && this.opts.flushMs > 0 ? await within(next, lineAt + this.opts.flushMs - performance.now()) : await next;
        if (step === undefined) {
          // the input is slow: hand over the lines there are
          await cut([cutter.flush()]);
          continue;
        }
        next = undefined;
        if (step.done) break;
        await cut(cutter.push(step.value));
      }
    } catch (e) {
      if (e instanceof KawaError) throw e;
      // what was read before stays
      found.push(['KAWA_ERR_INPUT_READ', `cannot read ${file} to its end: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`]);
    }
    if (!queue.ended) await put([cutter.end()]);
    series.finish();
  }

  /**
   * Frames an input into batches here (framer.ts): JSON lines or pretty-printed documents, from a file, a
   * pipe or stdin. `first` is the first step of `chunks`, asked for already; `onDamage` is given the way
   * damage is reported from now on.
   */
  private async frame(file: string, chunks: AsyncIterator<Uint8Array>, first: Promise<IteratorResult<Uint8Array>>, onDamage: (report: Damaged) => void, queue: AsyncQueue<SourceBatch>): Promise<void> {
    const builder = new BatchBuilder(file);
    const ready: SourceBatch[] = [];
    /** When the batch being built got its first payload (0: it has none). */
    let firstAt = 0;
    const cut = (all: boolean) => {
      if (builder.count > 0 && firstAt === 0) firstAt = performance.now();
      if (!all && builder.count < this.opts.batchEvents && builder.bytes < this.opts.batchBytes) return;
      const batch = builder.take();
      if (!batch) return;
      firstAt = 0;
      this.stats.payloads += batch.count;
      // acknowledged: evaluated (a retry included) and its alerts delivered, so its buffer can be reused
      ready.push({ ...batch, ack: () => builder.recycle(batch) });
    };
    const tooLarge = (line: number, length: number) => {
      this.stats.tooLarge++;
      this.opts.onTooLarge?.(file, line, length);
    };
    const unclosedArray = (openedAt: number) => this.damaged(file, lines.reading, 'KAWA_ERR_INPUT_DAMAGED',
      `the JSON array opened at line ${openedAt} has no closing ']': the input ends inside it (cut short?)`);
    const framer = new Framer(() => builder, { tooLarge, unclosedArray }, this.opts.maxDocumentBytes);
    const lines = new LineSplitter({
      line: (b, n) => { framer.line(b, n); cut(false); },
      tooLong: tooLarge,
    }, this.opts.maxLineBytes);
    const damaged: Damaged = (code, message) => this.damaged(file, lines.reading, code, message);
    onDamage(damaged);
    let next: Promise<IteratorResult<Uint8Array>> | undefined = first;
    try {
      for (;;) {
        next ??= chunks.next();
        const step = firstAt && this.opts.flushMs > 0 ? await within(next, firstAt + this.opts.flushMs - performance.now()) : await next;
        if (step === undefined) {
          // the input is slow: hand over what is there
          cut(true);
          for (const batch of ready.splice(0)) await queue.put(batch);
          if (queue.ended) return;
          continue;
        }
        next = undefined;
        if (step.done) break;
        const bytes = step.value;
        this.stats.bytes += bytes.length;
        lines.push(bytes);
        for (const batch of ready.splice(0)) await queue.put(batch);
        if (queue.ended) return;
      }
    } catch (e) {
      if (e instanceof KawaError) throw e;
      // what was read before stays: it is framed and evaluated below
      damaged('KAWA_ERR_INPUT_READ', `cannot read ${file} to its end: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
    }
    lines.end();
    framer.end();
    cut(true);
    for (const batch of ready.splice(0)) await queue.put(batch);
  }

  private damaged(file: string, line: number, code: KawaErrorCode, message: string): void {
    this.stats.damaged++;
    this.opts.onDamaged?.(file, line, code, message);
  }
}

/** Bytes [start, end) of a regular file to read in ranges; through `fd` when it is open already (stdin's). */
interface Span {
  start: number;
  end: number;
  fd?: number;
}

/** How damage to an input is reported, and damage held until it can be. */
type Damaged = (code: KawaErrorCode, message: string) => void;
type Found = [KawaErrorCode, string][];

function describe(d: GzipDamage): string {
  const found = `found at compressed byte ${d.approximate ? 'about ' : ''}${d.at}: ${d.message}`;
  if (d.kind === 'trailing') return `gzip data followed by bytes that are not gzip (${found}): they are ignored`;
  if (d.kind === 'cut') return `gzip data cut short (${found}): read up to there`;
  return `damaged gzip data (${found}): read up to there, the rest of the input is skipped`;
}

/**
 * The size of a file the evaluator can read by byte ranges: a regular, uncompressed file of JSON lines
 * (startsWithJsonLine); else 0.
 */
async function jsonLinesSize(file: string): Promise<number> {
  try {
    // looked at before it is opened: a FIFO's open waits for a writer, and closing it again would take the
    // bytes it holds from the reader that comes next (the writer gets EPIPE, or the second open waits for ever)
    const info = await stat(file);
    if (!info.isFile() || info.size === 0) return 0;
    const fh = await open(file, 'r');
    try {
      const head = new Uint8Array(Math.min(info.size, DEFAULT_MAX_LINE_BYTES));
      const { bytesRead } = await fh.read(head, 0, head.length, 0);
      return holdsJsonLines(head.subarray(0, bytesRead), bytesRead === info.size) ? info.size : 0;
    } finally {
      await fh.close();
    }
  } catch {
    // unreadable: the stream reader reports it
    return 0;
  }
}

/** Whether an input whose first bytes are `head` (all of it if `whole`) is JSON lines, not gzip. */
function holdsJsonLines(head: Uint8Array, whole: boolean): boolean {
  return !isGzip(head) && startsWithJsonLine(head, whole);
}

/**
 * Whether the first non-blank line of an input's first bytes is a whole JSON value, so that the framer
 * would read the input as JSON lines, ended by '\n' (by nothing if `whole`: the bytes are all the input).
 */
function startsWithJsonLine(head: Uint8Array, whole = false): boolean {
  let at = 0;
  for (;;) {
    const nl = head.indexOf(0x0a, at);
    // a first line longer than the head is not worth splitting for
    if (nl < 0 && !whole) return false;
    const line = head.subarray(at, nl < 0 ? head.length : nl);
    // lines ended by a lone '\r': ranges are cut at '\n', so one range would hold the whole file
    const cr = line.indexOf(0x0d);
    if (cr >= 0 && cr < line.length - 1) return false;
    let last = line.length - 1;
    while (last >= 0 && (line[last] === 0x20 || line[last] === 0x09 || line[last] === 0x0d)) last--;
    if (last >= 0) return line[last] === 0x7d || line[last] === 0x5d;
    if (nl < 0) return false;
    at = nl + 1;
  }
}

/** The promise's result, or undefined when it did not settle within `ms`. */
async function within<T>(promise: Promise<T>, ms: number): Promise<T | undefined> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<undefined>((r) => (timer = setTimeout(r, Math.max(0, ms), undefined)));
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

interface Input {
  /** The input's bytes as they are. */
  bytes: AsyncIterable<Uint8Array>;
  /** They start with the gzip magic. */
  gzip: boolean;
  /** Each chunk is a buffer of its own, still valid once the next is read (a stream's; not a regular file's). */
  fresh: boolean;
  /** Where the bytes can be read again (a regular file; gunzip places damage with it). */
  again?: ReadAgain;
  close(): void;
}

/** Bytes read at a time from a regular file. */
const READ_BYTES = 1 << 20;

/** Opens an input and looks at its first bytes. Throws when it cannot be opened or read at all. */
async function openInput(file: string, { stdin, pipeThread }: Pick<SourceOptions, 'stdin' | 'pipeThread'>): Promise<Input> {
  if (file === '-') {
    // stdin stays open: it is not ours to end
    const regular = stdin ? undefined : stdinFile();
    if (regular) return readRegular(regular.fd, () => undefined, { path: STDIN_PATH, base: regular.start });
    if (!stdin && pipeThread && stdinIsPipe()) {
      const pipe = pumpPipe();
      const input = await openStream(pipe, () => void pipe.close());
      if (input.gzip) return input;
      // framed here, a chunk is copied from before the next is read: its buffer can be filled again (zlib
      // may still hold on to a chunk when the next is read)
      pipe.recycle();
      return { ...input, fresh: false };
    }
    return openStream(stdin ?? process.stdin, () => undefined);
  }
  const fh = await open(file, 'r');
  try {
    if (!(await fh.stat()).isFile()) {
      const stream = fh.createReadStream({ highWaterMark: READ_BYTES });
      return await openStream(stream, () => stream.destroy());
    }
    return readRegular(fh.fd, () => void fh.close().catch(() => undefined), { path: file, base: 0 });
  } catch (e) {
    await fh.close().catch(() => undefined);
    throw e;
  }
}

/**
 * A regular file (named, or behind stdin from its offset on), read synchronously from where `fd` stands into
 * one reused buffer: each chunk is valid until the next is asked for
 * (the line splitter copies what it keeps, the framer copies payloads into their batch). Read through a
 * stream, each 1 MiB chunk was a new buffer and a round trip through the thread pool that the main thread
 * mostly waited for: 7% of a whole run in the read call and 11% idle (issue 17). A regular file does not
 * block the way a pipe can, so reading it here holds nothing up. gzip data gets a new buffer per chunk, as
 * zlib may still hold a piece when the next is read.
 */
function readRegular(fd: number, close: () => void, again: ReadAgain): Input {
  let buffer = new Uint8Array(READ_BYTES);
  let n = readSync(fd, buffer, 0, buffer.length, null);
  const gzip = isGzip(buffer.subarray(0, n));
  const bytes = (async function* () {
    while (n > 0) {
      yield buffer.subarray(0, n);
      if (gzip) buffer = new Uint8Array(READ_BYTES);
      // a turn of the event loop per chunk: V8 finishes its incremental marking in tasks the loop runs, and
      // a run that only ever resolved promises let the old space grow to 150 MB between collections (peak
      // RSS 254 MB instead of 151 MB over 1,000,000 events)
      await new Promise((resolve) => setImmediate(resolve));
      n = readSync(fd, buffer, 0, buffer.length, null);
    }
  })();
  return { bytes, gzip, fresh: false, again, close };
}

/** Stdin or another stream (a FIFO, a device): its first chunk (two bytes at least, for the magic), then
 *  put back in front of the rest. `close` releases it. */
async function openStream(stream: AsyncIterable<Uint8Array>, close: () => void): Promise<Input> {
  try {
    const chunks = stream[Symbol.asyncIterator]();
    const head: Uint8Array[] = [];
    let headBytes = 0;
    let ended = false;
    while (headBytes < 2 && !ended) {
      const c = await chunks.next();
      if (c.done) ended = true;
      else {
        head.push(c.value as Uint8Array);
        headBytes += (c.value as Uint8Array).length;
      }
    }
    const first = Buffer.concat(head, headBytes);
    const bytes = (async function* () {
      if (headBytes) yield new Uint8Array(first.buffer, first.byteOffset, first.length);
      if (ended) return;
      for (let c = await chunks.next(); !c.done; c = await chunks.next()) yield c.value as Uint8Array;
    })();
    return { bytes, gzip: isGzip(first), fresh: true, close };
  } catch (e) {
    close();
    throw e;
  }
}

function isGzip(b: Uint8Array): boolean {
  return b.length >= 2 && b[0] === GZIP_MAGIC[0] && b[1] === GZIP_MAGIC[1];
}
