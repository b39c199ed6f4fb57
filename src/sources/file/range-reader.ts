// Reads the payloads of a JSON-lines file whose lines start in a byte range [start, end), in a worker. Ranges
// cut anywhere split a file between workers without anyone reading it first: a range owns every line that
// starts inside it, so it skips a partial first line (the previous range owns it) and reads past `end` to
// finish its last line. Lines are counted from the range's first owned line; the caller, which sees the
// ranges in order, adds the lines of the ranges before. Every non-blank line is one payload (JSON lines:
// the file source only splits files whose first line is a whole value).
import { closeSync, openSync, readSync } from 'node:fs';
import type { ByteRange, RangeOutcome } from '../../pipeline/types.js';
import { BatchBuilder, type EventBatch } from './batch.js';
import { LineSplitter } from './lines.js';

const CHUNK_BYTES = 1 << 20;
const NL = 0x0a;

export interface RangeReadOptions {
  maxLineBytes: number;
  /** Payloads per batch handed to `onBatch`. */
  batchEvents: number;
}

/** Calls onBatch with the range's payloads in batches (line numbers relative to the range), in order; a
 *  batch's bytes are valid only during its call. */
export function readRange(range: ByteRange, opts: RangeReadOptions, onBatch: (batch: EventBatch) => void): RangeOutcome {
  const fd = openSync(range.file, 'r');
  try {
    return readOpen(fd, range, opts, onBatch);
  } finally {
    closeSync(fd);
  }
}

function readOpen(fd: number, { file, start, end }: ByteRange, opts: RangeReadOptions, onBatch: (batch: EventBatch) => void): RangeOutcome {
  // reused for every read: LineSplitter copies the line tails it keeps
  const buf = new Uint8Array(CHUNK_BYTES);
  const outcome: RangeOutcome = { payloads: 0, lines: 0, payloadLines: new Uint32Array(0), tooLarge: [], bytes: 0 };
  const read = (at: number, max: number) => {
    const n = readSync(fd, buf, 0, Math.min(CHUNK_BYTES, max), at);
    outcome.bytes += n;
    return buf.subarray(0, n);
  };

  // the first owned line starts at `start` if a line ends right before it, else after the next '\n'
  let pos = start;
  if (start > 0 && read(start - 1, 1)[0] !== NL) {
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
  if (pos >= end) return outcome;

  const builder = new BatchBuilder(file, 1 << 18);
  const payloadLines: number[] = [];
  const cut = () => {
    const batch = builder.take();
    if (!batch) return;
    for (const l of batch.lines) payloadLines.push(l);
    onBatch(batch);
    // onBatch evaluated it before returning (its matches are copies): the buffer is free again
    builder.recycle(batch);
  };
  const splitter = new LineSplitter({
    line: (bytes, lineNo) => {
      builder.add(bytes, lineNo);
      if (builder.count >= opts.batchEvents) cut();
    },
    tooLong: (lineNo, length) => {
      outcome.tooLarge.push({ line: lineNo, length });
    },
  }, opts.maxLineBytes);

  let last = -1;
  while (pos < end) {
    const chunk = read(pos, end - pos);
    if (chunk.length === 0) break;
    last = chunk[chunk.length - 1];
    splitter.push(chunk);
    pos += chunk.length;
  }
  // the last owned line runs on past `end` unless a '\n' ended it right there
  while (last !== NL && pos >= end) {
    const chunk = read(pos, CHUNK_BYTES);
    if (chunk.length === 0) break;
    const nl = chunk.indexOf(NL);
    if (nl >= 0) {
      splitter.push(chunk.subarray(0, nl + 1));
      break;
    }
    splitter.push(chunk);
    pos += chunk.length;
  }
  splitter.end();
  cut();
  outcome.lines = splitter.lines;
  outcome.payloads = payloadLines.length;
  outcome.payloadLines = Uint32Array.from(payloadLines);
  return outcome;
}
