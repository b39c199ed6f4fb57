// Splits a stream of byte chunks into lines without decoding them. A line is the bytes before a '\n' (the
// '\n' is not part of it; a '\r' before it stays and counts as trailing blank space for JSON). The last line
// needs no '\n'. A line longer than `maxLineBytes` is not kept: its bytes are dropped as they arrive and it
// is reported once, with its number and length, when its end is reached.

export type LineSink = {
  /** `bytes` is only valid during the call (it may be a view of a reused buffer). */
  line(bytes: Uint8Array, lineNo: number): void;
  tooLong(lineNo: number, length: number): void;
};

export class LineSplitter {
  private lineNo = 1;
  /** Parts of the current line that arrived in earlier chunks. */
  private parts: Uint8Array[] = [];
  private partsLength = 0;
  /** Set while dropping a line that outgrew the limit; counts its bytes. */
  private overflow = -1;

  constructor(private readonly sink: LineSink, private readonly maxLineBytes: number) {}

  push(chunk: Uint8Array): void {
    let start = 0;
    for (;;) {
      const nl = chunk.indexOf(10, start);
      if (nl < 0) {
        this.keep(chunk.subarray(start));
        return;
      }
      this.endLine(chunk.subarray(start, nl));
      start = nl + 1;
    }
  }

  /** Ends the input: a last line without '\n' is still a line. */
  end(): void {
    if (this.partsLength > 0 || this.overflow >= 0) this.endLine(new Uint8Array(0));
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
    // the chunk may be reused by the producer, so the tail is copied
    this.parts.push(tail.slice());
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
    this.sink.line(whole, lineNo);
  }
}
