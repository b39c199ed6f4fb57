// Reads the payloads of a JSON-lines file whose lines start in a byte range [start, end), in a worker or
// not. Ranges cut anywhere split a file between workers without anyone reading it first: a range owns
// every line that starts inside it, so it skips a partial first line (the previous range owns it) and reads
// past `end` to finish its last line. Lines are counted from the range's first owned line; the caller,
// which sees the ranges in order, adds the lines of the ranges before. Every non-blank line is one payload
// (JSON lines: the file source only splits files whose first line is a whole value).
//
// The bytes are read straight into memory the caller gives (a worker's engine's WebAssembly memory) and
// framed there: a payload is handed on as where its line lies, not as a copy, so each byte is copied once,
// by the read itself. Only a line that one read cut in two is joined, into the area's spill zone.
//
// A piece of a stream (a gzip file as it inflates, stdin) is read the same way from the shared memory the
// source holds it in (ByteRange.bytes): the source cut the piece after a line's end, so it owns all its lines.
import { closeSync, openSync, readSync } from 'node:fs';
import { KawaError } from '../../core/errors.js';
import type { ByteRange, RangeOutcome } from '../../pipeline/types.js';
import { LineSplitter } from './lines.js';

const CHUNK_BYTES = 1 << 20;
const NL = 0x0a;

export interface RangeReadOptions {
  maxLineBytes: number;
  /** Payloads per payloads() call at most. */
  batchEvents: number;
}

/** Where a range is read to and what gets its payloads. */
export interface RangeTarget {
  /**
   * The memory the range is read into, at least `bytes` long. Asked again after each payloads() call, and
   * must then be the same bytes: a WebAssembly memory that grew meanwhile has a new buffer, and the old
   * view is empty.
   */
  memory(bytes: number): Uint8Array;
  /** The range's payloads, in order: payload k is memory[starts[k], ends[k]). Valid only during the call. */
  payloads(starts: Uint32Array, ends: Uint32Array, count: number): void;
}

/** A target that only counts: the lines and payloads of a range no worker read (RangeOutcome). */
function counting(): RangeTarget {
  let mem: Uint8Array | undefined;
  return { memory: (bytes) => (mem ??= new Uint8Array(bytes)), payloads: () => undefined };
}

/**
 * Reads the range's payloads into `target` (line numbers relative to the range): from `range.bytes` when
 * given, else from the file, through `range.fd` when given. A file that cannot be opened or read is
 * KAWA_ERR_INPUT_READ.
 */
export function readRange(range: ByteRange, opts: RangeReadOptions, target: RangeTarget = counting()): RangeOutcome {
  if (range.bytes) return readFrom(inMemory(range.bytes, range.start), range, opts, target);
  if (range.fd !== undefined) return readFrom(fromFile(range.fd, range.file), range, opts, target);
  let fd: number;
  try {
    fd = openSync(range.file, 'r');
  } catch (e) {
    throw unreadable(range.file, e);
  }
  try {
    return readFrom(fromFile(fd, range.file), range, opts, target);
  } finally {
    closeSync(fd);
  }
}

/** Reads at most `max` bytes at file offset `at` into the start of `into`; returns how many (0: the end). */
type Read = (into: Uint8Array, at: number, max: number) => number;

function fromFile(fd: number, file: string): Read {
  return (into, at, max) => {
    try {
      return readSync(fd, into, 0, max, at);
    } catch (e) {
      throw unreadable(file, e);
    }
  };
}

/** `bytes` as if they lay at offset `base` of a file that ends with them. */
function inMemory(bytes: Uint8Array, base: number): Read {
  return (into, at, max) => {
    const from = Math.min(bytes.length, at - base);
    const n = Math.min(max, bytes.length - from);
    into.set(bytes.subarray(from, from + n));
    return n;
  };
}

function unreadable(file: string, e: unknown): KawaError {
  return new KawaError('KAWA_ERR_INPUT_READ', `cannot read ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
}

/** The spans of the lines framed in the chunk read last, handed on before the next read overwrites it. */
class Spans {
  starts = new Uint32Array(1024);
  ends = new Uint32Array(1024);
  count = 0;

  add(start: number, end: number): void {
    if (this.count === this.starts.length) {
      // at most a chunk's lines (a line takes two bytes at least): bounded by the chunk's size
      const grow = (a: Uint32Array) => {
        const b = new Uint32Array(a.length * 2);
        b.set(a);
        return b;
      };
      this.starts = grow(this.starts);
      this.ends = grow(this.ends);
    }
    this.starts[this.count] = start;
    this.ends[this.count++] = end;
  }
}

function readFrom(readInto: Read, { start, end, bytes, overflowBytes }: ByteRange, opts: RangeReadOptions, target: RangeTarget): RangeOutcome {
  // the chunk a read fills, then the spill zone: room for a line that began in an earlier read
  const areaBytes = CHUNK_BYTES + opts.maxLineBytes;
  let mem = target.memory(areaBytes);
  const outcome: RangeOutcome = { payloads: 0, lines: 0, payloadLines: new Uint32Array(0), tooLarge: [], bytes: 0 };
  const read = (at: number, max: number) => {
    const n = readInto(mem, at, Math.min(CHUNK_BYTES, max));
    outcome.bytes += n;
    return mem.subarray(0, n);
  };

  // the first owned line starts at `start` if a line ends right before it, else after the next '\n'; a
  // piece in memory begins with its first line
  let pos = start;
  if (!bytes && start > 0 && read(start - 1, 1)[0] !== NL) {
    for (;;) {
      const chunk = read(pos, CHUNK_BYTES);
      if (chunk.length === 0) return outcome;
      const nl = chunk.indexOf(NL);
      if (nl >= 0) {
        pos += nl + 1;
        break;
      }
      pos += chunk.length;
    }
  }
  if (pos >= end && !overflowBytes) return outcome;

  const spans = new Spans();
  const payloadLines: number[] = [];
  /** Where the chunk being split lies in `mem`. */
  let chunkAt = 0;
  const splitter = new LineSplitter({
    lineAt: (from, to, lineNo) => {
      spans.add(chunkAt + from, chunkAt + to);
      payloadLines.push(lineNo);
    },
    line: (bytes, lineNo) => {
      let at = bytes.byteOffset - mem.byteOffset;
      // a line joined from several reads is a copy of its own: it goes to the spill zone. Only the first
      // line a read ends can be one (or the last line, at the end), and every read's lines are handed on
      // before the next read, so the zone holds one line at a time.
      if (bytes.buffer !== mem.buffer || at < 0 || at >= CHUNK_BYTES) {
        mem.set(bytes, CHUNK_BYTES);
        at = CHUNK_BYTES;
      }
      spans.add(at, at + bytes.length);
      payloadLines.push(lineNo);
    },
    tooLong: (lineNo, length) => {
      outcome.tooLarge.push({ line: lineNo, length });
    },
  }, opts.maxLineBytes);
  if (overflowBytes) splitter.continueLongLine(overflowBytes);
  const handOn = () => {
    for (let i = 0; i < spans.count; i += opts.batchEvents) {
      const n = Math.min(opts.batchEvents, spans.count - i);
      target.payloads(spans.starts.subarray(i, i + n), spans.ends.subarray(i, i + n), n);
    }
    spans.count = 0;
    mem = target.memory(areaBytes);
  };
  // a chunk is not used after split(): handing on may grow the memory, which empties the views of it
  const split = (chunk: Uint8Array) => {
    chunkAt = chunk.byteOffset - mem.byteOffset;
    splitter.push(chunk);
    handOn();
  };

  let last = -1;
  while (pos < end) {
    const chunk = read(pos, end - pos);
    if (chunk.length === 0) break;
    last = chunk[chunk.length - 1];
    pos += chunk.length;
    split(chunk);
  }
  // the last owned line runs on past `end` unless a '\n' ended it right there
  while (last !== NL && pos >= end) {
    const chunk = read(pos, CHUNK_BYTES);
    if (chunk.length === 0) break;
    const nl = chunk.indexOf(NL);
    if (nl >= 0) {
      split(chunk.subarray(0, nl + 1));
      break;
    }
    pos += chunk.length;
    split(chunk);
  }
  splitter.end();
  handOn();
  outcome.lines = splitter.lines;
  outcome.payloads = payloadLines.length;
  outcome.payloadLines = Uint32Array.from(payloadLines);
  return outcome;
}
