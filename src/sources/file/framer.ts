// Turns lines into payloads. The input is JSON lines, or JSON documents pretty-printed over several lines,
// or a mix. Bytes are never decoded or parsed here; the engine parses each payload.
//
//   input     := { blank-line | line-payload | document }
//   line-payload: a line whose last non-blank byte is '}' or ']', or that ends in "[Truncated...]"
//             (CloudWatch cut it), or that does not leave an object or array open: the whole line, as is.
//             A broken line is still a payload; the engine reports it.
//   document  := a line that leaves an object or array open, continued by the following lines until it
//             closes. Only an input whose first non-blank line opens a document is read this way: once the
//             first line was a whole value the input is JSON lines, so one broken line (cut without the
//             CloudWatch marker) stays one bad payload instead of swallowing the lines after it. An object is one payload (up to maxDocumentBytes). A top-level array is split: each
//             element is its own payload, so an array of any size streams in bounded memory. Whatever
//             follows the closing bracket on its line is read as a line of its own.
//
// Framing only tracks strings ('"' with '\' escapes) and bracket depth, which is enough to find where a
// well-formed value ends; a malformed one ends wherever its brackets balance and then fails to parse.
import type { BatchBuilder } from './batch.js';
import { TRUNCATION_MARK } from '../../core/truncation.js';

const QUOTE = 0x22, BACKSLASH = 0x5c, OPEN_OBJ = 0x7b, CLOSE_OBJ = 0x7d, OPEN_ARR = 0x5b, CLOSE_ARR = 0x5d, COMMA = 0x2c;
const TRUNCATED = new TextEncoder().encode(TRUNCATION_MARK);

const isBlank = (b: number) => b === 0x20 || b === 0x09 || b === 0x0d || b === 0x0a;

export interface FramerSink {
  /** A payload grew past maxDocumentBytes; its bytes were dropped. */
  tooLarge(lineNo: number, length: number): void;
}

type Mode = 'lines' | 'object' | 'array';

export class Framer {
  private mode: Mode = 'lines';
  // scanner state, kept across lines while inside a document
  private depth = 0;
  private inString = false;
  private escaped = false;
  /** array mode: an element is being written into the builder */
  private inElement = false;
  /** array mode: depth of the open element's own brackets (0 for a scalar element) */
  private elementDepth = 0;
  /** a document payload that outgrew the limit is being skipped */
  private skipping = false;
  private skippedBytes = 0;
  private docLine = 0;
  /** Decided by the first non-blank line: may a line open a multi-line document? */
  private documents: boolean | undefined;

  constructor(
    private readonly out: () => BatchBuilder,
    private readonly sink: FramerSink,
    private readonly maxDocumentBytes: number,
  ) {}

  line(bytes: Uint8Array, lineNo: number): void {
    if (this.mode === 'lines') this.plainLine(bytes, lineNo);
    else if (this.mode === 'object') this.objectLine(bytes, lineNo);
    else this.arrayLine(bytes, lineNo);
  }

  /** End of input: a document left open is still a payload (it will fail to parse). */
  end(): void {
    if (this.mode === 'lines') return;
    if (this.mode === 'object' || this.inElement) this.closePayload();
    this.mode = 'lines';
  }

  private plainLine(bytes: Uint8Array, lineNo: number): void {
    let first = 0;
    while (first < bytes.length && isBlank(bytes[first])) first++;
    if (first === bytes.length) return;
    let last = bytes.length - 1;
    while (isBlank(bytes[last])) last--;
    const lastByte = bytes[last];
    if (this.documents === false || lastByte === CLOSE_OBJ || lastByte === CLOSE_ARR || endsWithTruncated(bytes, last)) {
      this.documents ??= false;
      this.out().add(bytes, lineNo);
      return;
    }
    // Does the line leave a value open? Only a line that starts one can.
    const opener = bytes[first];
    if (opener !== OPEN_OBJ && opener !== OPEN_ARR) {
      this.documents ??= false;
      this.out().add(bytes, lineNo);
      return;
    }
    this.resetScan();
    const closedAt = this.scan(bytes, first);
    if (closedAt >= 0) {
      this.documents ??= false;
      this.out().add(bytes, lineNo);
      return;
    }
    this.documents = true;
    this.docLine = lineNo;
    if (opener === OPEN_OBJ) {
      this.mode = 'object';
      this.out().begin(lineNo);
      this.writeDocument(bytes);
    } else {
      // re-read the line element by element
      this.mode = 'array';
      this.resetScan();
      this.inElement = false;
      this.depth = 1;
      this.arrayBytes(bytes, first + 1, lineNo);
    }
  }

  private objectLine(bytes: Uint8Array, lineNo: number): void {
    const closedAt = this.scan(bytes, 0);
    if (closedAt < 0) {
      this.writeDocument(bytes);
      return;
    }
    this.writeDocument(bytes.subarray(0, closedAt + 1));
    this.closePayload();
    this.mode = 'lines';
    this.plainLine(bytes.subarray(closedAt + 1), lineNo);
  }

  private arrayLine(bytes: Uint8Array, lineNo: number): void {
    this.arrayBytes(bytes, 0, lineNo);
  }

  /** Array mode: depth 1 is between elements of the top-level array. */
  private arrayBytes(bytes: Uint8Array, from: number, lineNo: number): void {
    let start = this.inElement ? from : -1;
    for (let i = from; i < bytes.length; i++) {
      const b = bytes[i];
      if (this.inString) {
        if (this.escaped) this.escaped = false;
        else if (b === BACKSLASH) this.escaped = true;
        else if (b === QUOTE) this.inString = false;
        continue;
      }
      if (!this.inElement) {
        if (isBlank(b) || b === COMMA) continue;
        if (b === CLOSE_ARR) {
          this.mode = 'lines';
          this.plainLine(bytes.subarray(i + 1), lineNo);
          return;
        }
        this.inElement = true;
        this.elementDepth = 0;
        this.out().begin(lineNo);
        this.skipping = false;
        start = i;
      }
      if (b === QUOTE) this.inString = true;
      else if (b === OPEN_OBJ || b === OPEN_ARR) this.elementDepth++;
      else if (b === CLOSE_OBJ || b === CLOSE_ARR) {
        if (this.elementDepth === 0) {
          // the top-level array closes right after a scalar element
          this.writeDocument(bytes.subarray(start, i));
          this.closePayload();
          this.mode = 'lines';
          this.plainLine(bytes.subarray(i + 1), lineNo);
          return;
        }
        this.elementDepth--;
        if (this.elementDepth === 0) {
          this.writeDocument(bytes.subarray(start, i + 1));
          this.closePayload();
          start = -1;
        }
      } else if (b === COMMA && this.elementDepth === 0) {
        this.writeDocument(bytes.subarray(start, i));
        this.closePayload();
        start = -1;
      }
    }
    if (this.inElement && start >= 0) this.writeDocument(bytes.subarray(start));
  }

  private writeDocument(bytes: Uint8Array): void {
    if (this.skipping) {
      this.skippedBytes += bytes.length;
      return;
    }
    const out = this.out();
    if (out.openBytes + bytes.length > this.maxDocumentBytes) {
      this.skippedBytes = out.openBytes + bytes.length;
      out.discard();
      this.skipping = true;
      return;
    }
    out.write(bytes);
    // a line break inside a document is blank space; keeping it keeps string escapes intact
    out.write(NEWLINE);
  }

  private closePayload(): void {
    if (this.skipping) {
      this.sink.tooLarge(this.docLine, this.skippedBytes);
      this.skipping = false;
    } else {
      this.out().commit();
    }
    this.inElement = false;
  }

  private resetScan(): void {
    this.depth = 0;
    this.inString = false;
    this.escaped = false;
    this.skipping = false;
    this.skippedBytes = 0;
  }

  /** Scans bytes from `from`, continuing the depth/string state; returns where depth returns to 0, or -1. */
  private scan(bytes: Uint8Array, from: number): number {
    for (let i = from; i < bytes.length; i++) {
      const b = bytes[i];
      if (this.inString) {
        if (this.escaped) this.escaped = false;
        else if (b === BACKSLASH) this.escaped = true;
        else if (b === QUOTE) this.inString = false;
      } else if (b === QUOTE) this.inString = true;
      else if (b === OPEN_OBJ || b === OPEN_ARR) this.depth++;
      else if (b === CLOSE_OBJ || b === CLOSE_ARR) {
        this.depth--;
        if (this.depth <= 0) return i;
      }
    }
    return -1;
  }
}

const NEWLINE = new Uint8Array([10]);

function endsWithTruncated(bytes: Uint8Array, last: number): boolean {
  const start = last + 1 - TRUNCATED.length;
  if (start < 0) return false;
  for (let i = 0; i < TRUNCATED.length; i++) if (bytes[start + i] !== TRUNCATED[i]) return false;
  return true;
}
