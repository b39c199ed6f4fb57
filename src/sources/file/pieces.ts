// Cuts a stream of JSON lines (a gzip file as it inflates, stdin, a pipe) into pieces of whole lines, each a
// byte range the evaluator reads where it lies (ByteRange.bytes), in a worker or not. The main thread then
// only reads (and inflates) and finds where each piece's last line ends; framing the lines and copying them
// into an engine's memory happen where a plain file's ranges are read (range-reader.ts), instead of the main
// thread framing every line into a batch that is copied again on its way to a worker.
//
// A piece that lies within one chunk (zlib's output comes in chunks of megabytes) is a view of it, not a
// copy: the main thread alone then reads it straight into its engine, and the worker pool copies it into
// shared memory of its own. A piece across chunks (a stream's, of 64 KiB) is copied once, into shared
// memory reused once the piece's batch is acknowledged.
//
// A piece ends after the last line end of the chunks it took: a '\n', or a '\r' that is not the last byte of
// its chunk (that one may be the first half of a '\r\n', which must stay whole). The rest of the chunk
// starts the next piece. A line that outgrows the line limit before its end arrives is not held: it is
// dropped as it comes, and the piece that ends it carries its length so far (Piece.overflowBytes), so it is
// reported once with its whole length, as a line splitter over the whole file would report it.

import { SharedBuffers } from '../../core/shared-buffers.js';

const LF = 0x0a, CR = 0x0d;

/** Whole lines of the stream, [start, end) counted in its bytes (inflated ones, for gzip). */
export interface Piece {
  bytes: Uint8Array;
  start: number;
  end: number;
  /** The first line continues one already longer than the limit: its bytes before this piece. */
  overflowBytes?: number;
}

export class PieceCutter {
  /** Chunks (views, not copies: zlib and a stream hand out a new buffer per chunk) since the last piece. */
  private held: Buffer[] = [];
  private heldBytes = 0;
  /** The input's bytes before the first held one. */
  private offset = 0;
  /** The held bytes up to the last line end in them (0: none ended there). */
  private cut = 0;
  /** A line is being dropped: its end has not arrived and it already outgrew the limit. */
  private dropping = false;
  /** Bytes dropped of the line the next piece starts with (0: none). */
  private lead = 0;
  /** Chunks are taken this much at a time, so that a piece never grows past its buffers' size. */
  private readonly step: number;
  /** Buffers of pieces copied and evaluated, for the next copies. */
  private readonly buffers: SharedBuffers;

  /** `pieceBytes`: a piece is made once this many bytes are held and a line ended in them. */
  constructor(private readonly pieceBytes: number, private readonly maxLineBytes: number) {
    this.step = Math.max(1, pieceBytes >> 2);
    // the most a piece holds: pieceBytes of lines, a step, and a line of the limit's length left before them
    this.buffers = new SharedBuffers(pieceBytes + this.step + maxLineBytes, MAX_FREE);
  }

  /** Takes the stream's next chunk; returns the pieces it completed. */
  push(chunk: Uint8Array): Piece[] {
    const bytes = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.length);
    const pieces: Piece[] = [];
    for (let at = 0; at < bytes.length; at += this.step) {
      const piece = this.take(bytes.subarray(at, at + this.step));
      if (piece) pieces.push(piece);
    }
    return pieces;
  }

  /** Some line ended in the bytes held: flush() would make a piece. */
  get holdsLine(): boolean {
    return this.cut > 0;
  }

  /** The lines held, as a piece now (the input is slow), whatever their size (undefined: none ended). */
  flush(): Piece | undefined {
    return this.cut > 0 ? this.piece(this.cut) : undefined;
  }

  /** The input ended: the last piece, whose last line needs no end (undefined: nothing is left). */
  end(): Piece | undefined {
    if (this.heldBytes === 0 && this.lead === 0) return undefined;
    return this.piece(this.heldBytes);
  }

  /** A piece's buffer, once its evaluation is over, for a later piece (a copy's; a view's is the chunk's). */
  recycle(piece: Piece): void {
    this.buffers.give(piece.bytes);
  }

  private take(bytes: Buffer): Piece | undefined {
    const end = lastLineEnd(bytes);
    if (this.dropping) {
      if (end === 0) {
        this.drop(bytes.length);
        return undefined;
      }
      this.dropping = false;
    }
    this.held.push(bytes);
    this.heldBytes += bytes.length;
    if (end > 0) this.cut = this.heldBytes - bytes.length + end;
    if (this.cut === 0) {
      // no line ended since the last piece: the first one is longer than the limit, or may yet be
      this.dropLongLine();
      return undefined;
    }
    return this.heldBytes >= this.pieceBytes ? this.piece(this.cut) : undefined;
  }

  /** No line ends in the bytes held (cut is 0): when they are more than the limit, they go, and the rest of
   *  their line after them. */
  private dropLongLine(): void {
    if (this.heldBytes <= this.maxLineBytes) return;
    this.held = [];
    this.drop(this.heldBytes);
    this.heldBytes = 0;
    this.dropping = true;
  }

  private drop(n: number): void {
    this.lead += n;
    this.offset += n;
  }

  /** The first `n` held bytes as a piece; the rest stays held (or is dropped, when it is already too long). */
  private piece(n: number): Piece {
    const bytes = this.view(n) ?? this.copy(n);
    let at = 0;
    const rest: Buffer[] = [];
    for (const c of this.held) {
      const take = Math.min(c.length, n - at);
      at += take;
      if (take < c.length) rest.push(c.subarray(take));
    }
    const piece: Piece = { bytes, start: this.offset, end: this.offset + n, ...(this.lead > 0 ? { overflowBytes: this.lead } : {}) };
    this.offset += n;
    this.lead = 0;
    this.held = rest;
    this.heldBytes -= n;
    this.cut = 0;
    // the next piece's first line may be too long already
    this.dropLongLine();
    return piece;
  }

  /** The first `n` held bytes as one view, when they lie side by side in one buffer (steps of one chunk). */
  private view(n: number): Uint8Array | undefined {
    const first = this.held[0];
    if (!first) return n === 0 ? new Uint8Array(0) : undefined;
    let end = first.byteOffset;
    for (const c of this.held) {
      if (c.buffer !== first.buffer || c.byteOffset !== end) return undefined;
      end += c.length;
      if (end - first.byteOffset >= n) return new Uint8Array(first.buffer, first.byteOffset, n);
    }
    return undefined;
  }

  /** The first `n` held bytes copied into shared memory. */
  private copy(n: number): Uint8Array {
    const bytes = this.buffers.take(n);
    let at = 0;
    for (const c of this.held) {
      if (at === n) break;
      const take = Math.min(c.length, n - at);
      bytes.set(take === c.length ? c : c.subarray(0, take), at);
      at += take;
    }
    return bytes;
  }
}

/** Buffers kept for reuse at most (pieces in flight are bounded by the source's queue and the evaluator's window). */
const MAX_FREE = 16;

/** The index after the last line end in `chunk` (0: none). */
function lastLineEnd(chunk: Buffer): number {
  const lf = chunk.lastIndexOf(LF);
  // only after the last '\n', and not the chunk's last byte: a '\r' there may be half of a '\r\n'
  const cr = chunk.subarray(lf + 1, chunk.length - 1).lastIndexOf(CR);
  return cr >= 0 ? lf + 1 + cr + 1 : lf + 1;
}
