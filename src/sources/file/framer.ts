// Turns lines into payloads. The input is JSON lines, or JSON documents pretty-printed over several lines,
// or a mix. Bytes are never decoded or parsed here; the engine parses each payload.
//
//   input     := { line-payload | document }              (blank lines are skipped by the line splitter)
//   line-payload: a line whose last non-blank byte is '}' or ']', or that ends in "[Truncated...]"
//             (CloudWatch cut it), or that does not leave an object or array open: the whole line, as is.
//             A broken line is still a payload; the engine reports it.
//   document  := a line that leaves an object or array open, continued by the following lines until it
//             closes. Only while the input's first payload is still undecided, or was a document, is a line
//             read this way: once a line was a whole value the input is JSON lines, so one broken line (cut
//             without the CloudWatch marker) stays one bad payload. An object is one payload (up to
//             maxDocumentBytes). A top-level array is split: each element is its own payload, so an array of
//             any size streams in bounded memory. Whatever follows the closing bracket on its line is read
//             as a line of its own.
//
// A broken document (a cut first line, a bracket missing or too many) must not swallow the lines after it.
// The scanner (json-scan.ts) follows JSON's grammar, so a document breaks at the first byte that cannot
// continue it, usually on the very next line. Its payload then ends where reading can start afresh:
//   - at the first line after its start that begins in column 0 with '{' or '[' (a "fresh" line: a JSON
//     line, or a document of its own; a pretty-printer indents every line inside a document), when there is
//     one: the lines from there on are read again, so the valid event right after a cut line (which may
//     itself be a valid value inside the broken one, e.g. after a cut at "key":) is not lost. A line is
//     read again at most once, so the cost stays linear;
//   - otherwise at the next fresh line after the break; the lines up to it belong to the broken payload.
// Either way the broken document is exactly one bad payload, which the engine reports. A well-formed
// document never breaks, so it stays one payload however it is indented. A broken element of a top-level
// array recovers the same way, and the elements after it are read as elements.
import type { BatchBuilder } from './batch.js';
import { BROKEN, JsonScanner, OPEN } from './json-scan.js';
import { TRUNCATION_MARK } from '../../core/truncation.js';

const OPEN_OBJ = 0x7b, CLOSE_OBJ = 0x7d, OPEN_ARR = 0x5b, CLOSE_ARR = 0x5d, COMMA = 0x2c, NL = 0x0a;
const TRUNCATED = new TextEncoder().encode(TRUNCATION_MARK);
const NEWLINES = new Uint8Array(1 << 16).fill(NL);

const isBlank = (b: number) => b === 0x20 || b === 0x09 || b === 0x0d || b === 0x0a;
/** A line that could start a payload afresh: '{' or '[' in column 0. */
const isFresh = (line: Uint8Array) => line.length > 0 && (line[0] === OPEN_OBJ || line[0] === OPEN_ARR);

export interface FramerSink {
  /** A payload grew past maxDocumentBytes; its bytes were dropped. */
  tooLarge(lineNo: number, length: number): void;
  /** The input ended inside the top-level array opened at `openedAt`: every element read was framed, but
   *  the input may have been cut short, which nothing else would say. */
  unclosedArray(openedAt: number): void;
}

/**
 * lines: between payloads. document: inside an object spanning lines. array: inside a top-level array being
 * split (inElement: inside one of its elements). broken: inside a broken payload, up to the next fresh line.
 */
type Mode = 'lines' | 'document' | 'array' | 'broken';

export class Framer {
  private mode: Mode = 'lines';
  private readonly scanner = new JsonScanner();
  /** Decided by the first payload: may a line open a multi-line document? */
  private documents: boolean | undefined;
  /** The open document decided `documents`: if it breaks, the input's kind is undecided again. */
  private tentative = false;
  /** array mode: an element is open */
  private inElement = false;
  /** array mode: the line of the array's '[' */
  private arrayOpenedAt = 0;
  /** broken mode: go on splitting the top-level array at the next fresh line */
  private brokenInArray = false;
  // the open payload (a document, an element, or a broken run of lines)
  private payloadLine = 0;
  /** The last line written into it: blank lines after it are written as line breaks when the next comes. */
  private lastLine = 0;
  /** It outgrew maxDocumentBytes: its bytes are being counted, not kept. */
  private skipping = false;
  private skippedBytes = 0;
  /** Where in it the first fresh line after its start begins (-1: none yet), and that line's number. */
  private restartAt = -1;
  private restartLine = 0;
  /** Lines up to this one were read again after a broken document: none of them is a restart point again. */
  private rereadThrough = 0;
  /** The last line given. */
  private seen = 0;

  constructor(
    private readonly out: () => BatchBuilder,
    private readonly sink: FramerSink,
    private readonly maxDocumentBytes: number,
  ) {}

  line(bytes: Uint8Array, lineNo: number): void {
    if (lineNo > this.seen) this.seen = lineNo;
    if (this.mode === 'lines') this.plainLine(bytes, lineNo);
    else if (this.mode === 'document') this.documentLine(bytes, lineNo);
    else if (this.mode === 'array') this.arrayLine(bytes, lineNo, 0);
    else this.brokenLine(bytes, lineNo);
  }

  /** End of input: a payload left open is broken. */
  end(): void {
    if (this.mode === 'document' || (this.mode === 'array' && this.inElement)) {
      if (this.restartAt >= 0) {
        this.restart(this.seen);
        this.end();
        return;
      }
      this.closePayload();
    } else if (this.mode === 'broken') {
      this.closePayload();
    }
    // (a broken element runs to the end when no fresh line follows it, the ']' included: nothing to say then)
    if (this.mode === 'array') this.sink.unclosedArray(this.arrayOpenedAt);
    this.mode = 'lines';
  }

  private plainLine(bytes: Uint8Array, lineNo: number): void {
    let first = 0;
    while (first < bytes.length && isBlank(bytes[first]!)) first++;
    if (first === bytes.length) return;
    let last = bytes.length - 1;
    while (isBlank(bytes[last]!)) last--;
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
    this.scanner.reset();
    const end = this.scanner.scan(bytes, first);
    if (end !== OPEN) {
      // a whole value (with whatever follows it), or broken on the line itself: one payload either way
      if (end !== BROKEN) this.documents ??= false;
      this.out().add(bytes, lineNo);
      return;
    }
    this.tentative = this.documents === undefined;
    this.documents = true;
    if (opener === OPEN_OBJ) {
      this.mode = 'document';
      this.beginPayload(lineNo);
      this.writeLine(bytes, lineNo);
    } else {
      // read the line again element by element
      this.mode = 'array';
      this.arrayOpenedAt = lineNo;
      this.inElement = false;
      this.arrayLine(bytes, lineNo, first + 1);
    }
  }

  private documentLine(bytes: Uint8Array, lineNo: number): void {
    this.noteRestart(bytes, lineNo);
    const end = this.scanner.scan(bytes, 0);
    if (end === OPEN) {
      this.writeLine(bytes, lineNo);
      return;
    }
    if (end === BROKEN) {
      this.broke(bytes, lineNo);
      return;
    }
    this.writeLine(bytes.subarray(0, end), lineNo);
    this.closePayload();
    this.tentative = false;
    this.mode = 'lines';
    this.plainLine(bytes.subarray(end), lineNo);
  }

  /** Array mode from `from`: between elements, commas and blanks are skipped and ']' ends the array. */
  private arrayLine(bytes: Uint8Array, lineNo: number, from: number): void {
    let i = from;
    if (this.inElement) this.noteRestart(bytes, lineNo);
    for (;;) {
      let start = i;
      if (!this.inElement) {
        while (i < bytes.length && (isBlank(bytes[i]!) || bytes[i] === COMMA)) i++;
        if (i === bytes.length) return;
        if (bytes[i] === CLOSE_ARR) {
          this.tentative = false;
          this.mode = 'lines';
          this.plainLine(bytes.subarray(i + 1), lineNo);
          return;
        }
        this.inElement = true;
        this.beginPayload(lineNo);
        this.scanner.reset();
        start = i;
      }
      const end = this.scanner.scan(bytes, start);
      if (end === OPEN) {
        this.writeLine(bytes.subarray(start), lineNo);
        return;
      }
      if (end === BROKEN) {
        this.broke(bytes.subarray(start), lineNo);
        return;
      }
      this.writeLine(bytes.subarray(start, end), lineNo);
      this.closePayload();
      this.tentative = false;
      i = end;
    }
  }

  /** The open document or element cannot go on with `bytes` (the rest of line `lineNo`). */
  private broke(bytes: Uint8Array, lineNo: number): void {
    if (this.restartAt >= 0) {
      this.restart(lineNo);
      this.line(bytes, lineNo);
      return;
    }
    // nowhere to start again before this line: the broken payload runs on to the next fresh line
    this.writeLine(bytes, lineNo);
    this.brokenInArray = this.mode === 'array';
    this.mode = 'broken';
  }

  private brokenLine(bytes: Uint8Array, lineNo: number): void {
    if (!isFresh(bytes)) {
      this.writeLine(bytes, lineNo);
      return;
    }
    this.closeBroken();
    this.line(bytes, lineNo);
  }

  /**
   * Ends the broken payload at its restart point and reads the lines from there again, up to the line
   * before `through` (that line is the caller's).
   */
  private restart(through: number): void {
    const out = this.out();
    const again = out.openView().slice(this.restartAt);
    const first = this.restartLine;
    out.truncateOpen(this.restartAt);
    this.closeBroken();
    this.rereadThrough = through;
    // the payload's bytes are its lines, each followed by a line break (blank lines too)
    let at = 0;
    for (let n = first; at < again.length; n++) {
      const nl = again.indexOf(NL, at);
      if (nl > at) this.line(again.subarray(at, nl), n);
      at = nl + 1;
    }
  }

  /** Commits the broken payload; reading goes on between payloads or between the array's elements. */
  private closeBroken(): void {
    this.closePayload();
    if (this.tentative) this.documents = undefined;
    this.tentative = false;
    const inArray = this.mode === 'array' || (this.mode === 'broken' && this.brokenInArray);
    this.mode = inArray ? 'array' : 'lines';
    this.inElement = false;
  }

  /** The first fresh line inside the open payload is where reading starts again if it breaks. */
  private noteRestart(bytes: Uint8Array, lineNo: number): void {
    if (this.restartAt >= 0 || this.skipping || lineNo <= this.rereadThrough || !isFresh(bytes)) return;
    this.restartAt = this.out().openBytes;
    this.restartLine = this.lastLine + 1;
  }

  private beginPayload(lineNo: number): void {
    this.out().begin(lineNo);
    this.payloadLine = lineNo;
    this.lastLine = lineNo - 1;
    this.skipping = false;
    this.skippedBytes = 0;
    this.restartAt = -1;
  }

  /** Writes a line of the open payload, after a line break for each blank line skipped before it. */
  private writeLine(bytes: Uint8Array, lineNo: number): void {
    for (let gap = lineNo - this.lastLine - 1; gap > 0; gap -= NEWLINES.length) this.write(NEWLINES.subarray(0, Math.min(gap, NEWLINES.length)));
    this.lastLine = lineNo;
    this.write(bytes);
    // a line break inside a document is blank space; keeping it keeps string escapes intact
    this.write(NEWLINES.subarray(0, 1));
  }

  private write(bytes: Uint8Array): void {
    if (this.skipping) {
      this.skippedBytes += bytes.length;
      return;
    }
    const out = this.out();
    if (out.openBytes + bytes.length > this.maxDocumentBytes) {
      this.skippedBytes = out.openBytes + bytes.length;
      out.discard();
      this.skipping = true;
      this.restartAt = -1;
      return;
    }
    out.write(bytes);
  }

  private closePayload(): void {
    if (this.skipping) {
      this.sink.tooLarge(this.payloadLine, this.skippedBytes);
      this.skipping = false;
    } else {
      this.out().commit();
    }
    this.inElement = false;
    this.restartAt = -1;
  }
}

function endsWithTruncated(bytes: Uint8Array, last: number): boolean {
  const start = last + 1 - TRUNCATED.length;
  if (start < 0) return false;
  for (let i = 0; i < TRUNCATED.length; i++) if (bytes[start + i] !== TRUNCATED[i]) return false;
  return true;
}
