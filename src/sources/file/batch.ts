// Packs payloads back to back into one buffer, the shape the engine evaluates: payload k is
// data[offsets[k], offsets[k + 1]). A payload can be written in several pieces (a document spanning lines).
//
// A batch handed over keeps its buffer; the builder goes on in another one. A batch whose bytes are no
// longer needed is given back (recycle()) and its buffer serves a later batch: on the steady path no buffer
// is allocated (let alone zero-filled) per batch, which cost a tenth of a whole run's time (issue 17).

/** A batch of raw payloads from one input file, in input order. */
export interface EventBatch {
  data: Uint8Array;
  /** count + 1 entries. */
  offsets: Uint32Array;
  count: number;
  /** The file the payloads come from ('-' for stdin). */
  file: string;
  /** Line (1-based) where the first payload starts. */
  firstLine: number;
  /** Line where each payload starts (count entries). */
  lines: Uint32Array;
  /** `file:line` of payload k. */
  origin(payload: number): string;
}

/** Buffers given back and kept for later batches: the batches a reader has in flight (its queue and the
 *  pipeline's window) come back in turn, so a few cover the steady state. */
const MAX_SPARE = 8;

/** A buffer of `size` bytes, not zero-filled (every byte read is written first). A plain Uint8Array, not a
 *  Buffer: the framer copies parts of it with slice(), which on a Buffer would be a view. */
const uninitialized = (size: number) => new Uint8Array(Buffer.allocUnsafeSlow(size).buffer, 0, size);

export class BatchBuilder {
  private data: Uint8Array;
  private readonly spare: ArrayBuffer[] = [];
  private offsets: number[] = [0];
  private lines: number[] = [];
  private end = 0;
  /** Start of the payload being written, or -1. */
  private open = -1;
  private openLine = 0;

  constructor(private readonly file: string, initialBytes = 1 << 20) {
    this.data = uninitialized(initialBytes);
  }

  get count(): number {
    return this.lines.length;
  }

  get bytes(): number {
    return this.end;
  }

  /** Starts a payload (only one can be open). */
  begin(lineNo: number): void {
    this.open = this.end;
    this.openLine = lineNo;
  }

  get openBytes(): number {
    return this.open < 0 ? 0 : this.end - this.open;
  }

  write(bytes: Uint8Array): void {
    const need = this.end + bytes.length;
    if (need > this.data.length) {
      const grown = uninitialized(Math.max(need, this.data.length * 2));
      grown.set(this.data.subarray(0, this.end));
      this.data = grown;
    }
    this.data.set(bytes, this.end);
    this.end = need;
  }

  /** Closes the open payload. */
  commit(): void {
    this.offsets.push(this.end);
    this.lines.push(this.openLine);
    this.open = -1;
  }

  /** The open payload's bytes so far (valid until the next write). */
  openView(): Uint8Array {
    return this.data.subarray(this.open < 0 ? this.end : this.open, this.end);
  }

  /** Keeps the first `length` bytes of the open payload. */
  truncateOpen(length: number): void {
    if (this.open >= 0) this.end = Math.min(this.end, this.open + length);
  }

  /** Forgets the open payload's bytes. */
  discard(): void {
    if (this.open >= 0) this.end = this.open;
    this.open = -1;
  }

  /** Adds a whole payload. */
  add(bytes: Uint8Array, lineNo: number): void {
    this.begin(lineNo);
    this.write(bytes);
    this.commit();
  }

  /**
   * Hands over the committed payloads and keeps the open one (if any) for the next batch.
   * Returns undefined when nothing is committed.
   */
  take(): EventBatch | undefined {
    const count = this.lines.length;
    if (count === 0) return undefined;
    const committedEnd = this.offsets[count];
    const file = this.file;
    const lines = Uint32Array.from(this.lines);
    const batch: EventBatch = {
      data: this.data.subarray(0, committedEnd),
      offsets: Uint32Array.from(this.offsets),
      count,
      file,
      firstLine: lines[0],
      lines,
      origin: (k) => `${file}:${lines[k]}`,
    };
    const carried = this.open >= 0 ? this.end - this.open : 0;
    const size = Math.max(this.data.length, 1 << 16);
    const reused = this.spare.pop();
    const next = reused && reused.byteLength >= size ? new Uint8Array(reused) : uninitialized(size);
    if (carried > 0) next.set(this.data.subarray(this.open, this.end));
    this.data = next;
    this.end = carried;
    if (this.open >= 0) this.open = 0;
    this.offsets = [0];
    this.lines = [];
    return batch;
  }

  /**
   * Gives back a batch this builder handed over, once nothing reads its bytes any more (evaluated, and no
   * retry can come): its buffer serves a later batch. Call it once per batch; a batch never given back is
   * simply collected.
   */
  recycle(batch: EventBatch): void {
    const buffer = batch.data.buffer as ArrayBuffer;
    // a buffer smaller than the one in use now (the batches grew since) would only be grown again
    if (this.spare.length < MAX_SPARE && buffer.byteLength >= this.data.length) this.spare.push(buffer);
  }
}
