// Splits a stream of byte chunks into lines without decoding them. A line ends at '\n', '\r\n' or a lone
// '\r' (old Mac files, some exporters); the terminator is not part of it. The last line needs none. A line
// longer than `maxLineBytes` is not kept: its bytes are dropped as they arrive and it is reported once,
// with its number and length, when its end is reached.
//
// Lines holding only blanks (space, tab) are counted but not passed on: nothing reads them, and a run of
// millions of them (a gzip of line breaks inflates a thousandfold) then costs one pass over its bytes
// instead of a call per line.

export type LineSink = {
  /** A line with something other than blanks. `bytes` is only valid during the call (it may be a view of a
   *  reused buffer). */
  line(bytes: Uint8Array, lineNo: number): void;
  /**
   * When given, called instead of line() for a line that lies whole in the chunk being pushed: its place
   * there, [start, end), and no view made of it (a sink that keeps spans, not bytes, saves an object a line).
   */
  lineAt?(start: number, end: number, lineNo: number): void;
  tooLong(lineNo: number, length: number): void;
};

const LF = 0x0a, CR = 0x0d;

const isBlankLine = (b: Uint8Array) => {
  for (let i = 0; i < b.length; i++) if (b[i] !== 0x20 && b[i] !== 0x09) return false;
  return true;
};

export class LineSplitter {
  private lineNo = 1;
  /** Parts of the current line that arrived in earlier chunks. */
  private parts: Uint8Array[] = [];
  private partsLength = 0;
  /** Set while dropping a line that outgrew the limit; counts its bytes. */
  private overflow = -1;
  /** The last chunk ended with '\r': a '\n' starting the next one belongs to it. */
  private afterCr = false;
  // where the next '\n' and '\r' are in the chunk being split (-1: none after the last search)
  private nextLf = 0;
  private nextCr = 0;
  /** The chunk being split, as a Buffer (no copy): Buffer#indexOf is a memchr, a Uint8Array's indexOf a
   *  loop over elements, ten times slower and a tenth of a whole run when chunks came as Uint8Arrays. */
  private search: Buffer = Buffer.alloc(0);

  constructor(private readonly sink: LineSink, private readonly maxLineBytes: number) {}

  /** Lines ended so far. */
  get lines(): number {
    return this.lineNo - 1;
  }

  /** The line being read (part of it arrived), else the last line ended (0: none). */
  get reading(): number {
    return this.partsLength > 0 || this.overflow >= 0 ? this.lineNo : this.lineNo - 1;
  }

  push(chunk: Uint8Array): void {
    let start = 0;
    if (this.afterCr && chunk.length > 0) {
      this.afterCr = false;
      if (chunk[0] === LF) start = 1;
    }
    this.nextLf = this.nextCr = -2;
    this.search = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.length);
    for (;;) {
      if (this.partsLength === 0 && this.overflow < 0) start = this.skipBlankLines(chunk, start);
      if (start >= chunk.length) return;
      const end = this.lineEnd(start);
      if (end < 0) {
        this.keep(chunk.subarray(start));
        return;
      }
      if (this.partsLength === 0 && this.overflow < 0 && this.sink.lineAt && end - start <= this.maxLineBytes) this.sink.lineAt(start, end, this.lineNo++);
      else this.endLine(chunk.subarray(start, end));
      start = this.afterTerminator(chunk, end);
    }
  }

  /**
   * Before the first push: the first line continues one whose first `length` bytes came before this
   * splitter's input and already outgrew the limit (a piece of a stream cut after them).
   */
  continueLongLine(length: number): void {
    this.overflow = length;
  }

  /** Ends the input: a last line without a terminator is still a line. */
  end(): void {
    this.afterCr = false;
    if (this.partsLength > 0 || this.overflow >= 0) this.endLine(new Uint8Array(0));
  }

  /** Where the line starting at `from` ends in the chunk ('\n' or '\r'), or -1. */
  private lineEnd(from: number): number {
    // each search starts past the previous find, so a chunk is searched once for each byte value
    if (this.nextLf !== -1 && this.nextLf < from) this.nextLf = this.search.indexOf(LF, from);
    if (this.nextCr !== -1 && this.nextCr < from) this.nextCr = this.search.indexOf(CR, from);
    if (this.nextLf < 0) return this.nextCr;
    if (this.nextCr < 0) return this.nextLf;
    return Math.min(this.nextLf, this.nextCr);
  }

  /** The index after the terminator at `at` ('\r\n' is one). */
  private afterTerminator(chunk: Uint8Array, at: number): number {
    if (chunk[at] !== CR) return at + 1;
    if (at + 1 === chunk.length) {
      this.afterCr = true;
      return at + 1;
    }
    return chunk[at + 1] === LF ? at + 2 : at + 1;
  }

  /** Counts the blank lines starting at `from` and returns where the next line with content starts (or a
   *  blank one that the chunk cuts, which then goes the usual way). */
  private skipBlankLines(chunk: Uint8Array, from: number): number {
    let start = from;
    for (;;) {
      let i = start;
      while (i < chunk.length && (chunk[i] === 0x20 || chunk[i] === 0x09)) i++;
      if (i === chunk.length) return start;
      const b = chunk[i];
      if (b !== LF && b !== CR) return start;
      this.lineNo++;
      start = this.afterTerminator(chunk, i);
    }
  }

  private keep(tail: Uint8Array): void {
    if (tail.length === 0) return;
    if (this.overflow >= 0) {
      this.overflow += tail.length;
      return;
    }
    if (this.partsLength + tail.length > this.maxLineBytes) {
      this.overflow = this.partsLength + tail.length;
      this.parts = [];
      this.partsLength = 0;
      return;
    }
    // the chunk may be reused by the producer, so the tail is copied (a Buffer's slice() would be a view)
    this.parts.push(new Uint8Array(tail));
    this.partsLength += tail.length;
  }

  private endLine(last: Uint8Array): void {
    const lineNo = this.lineNo++;
    if (this.overflow >= 0) {
      const length = this.overflow + last.length;
      this.overflow = -1;
      this.sink.tooLong(lineNo, length);
      return;
    }
    if (this.partsLength === 0) {
      if (last.length > this.maxLineBytes) this.sink.tooLong(lineNo, last.length);
      else this.sink.line(last, lineNo);
      return;
    }
    const length = this.partsLength + last.length;
    if (length > this.maxLineBytes) {
      this.parts = [];
      this.partsLength = 0;
      this.sink.tooLong(lineNo, length);
      return;
    }
    const whole = new Uint8Array(length);
    let at = 0;
    for (const p of this.parts) {
      whole.set(p, at);
      at += p.length;
    }
    whole.set(last, at);
    this.parts = [];
    this.partsLength = 0;
    // a blank line the chunks cut in two
    if (!isBlankLine(whole)) this.sink.line(whole, lineNo);
  }
}
