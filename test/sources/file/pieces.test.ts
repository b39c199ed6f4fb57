// A gzip file's inflated bytes cut into pieces of whole lines (pieces.ts), each read by the range reader as
// a worker reads it, give exactly the lines a line splitter gives over the whole input: the same numbers,
// the same too-long lines with their whole lengths, however the input arrives in chunks and however small
// the pieces are: '\r\n' split between chunks stays one line end, a lone '\r' ends a line, a too-long line
// spanning several chunks is dropped as it comes and reported once, and a last line needs no end.
import { describe, expect, it } from 'vitest';
import { LineSplitter } from '../../../src/sources/file/lines.js';
import { PieceCutter, type Piece } from '../../../src/sources/file/pieces.js';
import { readRange } from '../../../src/sources/file/range-reader.js';

const MAX = 40;
const TEXT = [
  '{"a":1}', '', '  \t', '{"b":"two"}\r', '{"c":3}\r\n', 'x'.repeat(40), '{"d":4}\r', '\r\n', 'y'.repeat(41),
  '{"e":"five"}', 'z'.repeat(200), '\t{"f":6}', '{"g":7}\r\r', 'w'.repeat(95), '', '{"h":8}',
].join('\n');

type Seen = { lines: [number, string][]; tooLong: [number, number][]; count: number };

/** What a line splitter gives over the whole input. */
function whole(text: string): Seen {
  const seen: Seen = { lines: [], tooLong: [], count: 0 };
  const splitter = new LineSplitter({
    line: (bytes, n) => seen.lines.push([n, Buffer.from(bytes).toString()]),
    tooLong: (n, length) => seen.tooLong.push([n, length]),
  }, MAX);
  splitter.push(Buffer.from(text));
  splitter.end();
  seen.count = splitter.lines;
  return seen;
}

/** The text in chunks of `size` bytes, cut into pieces of at least `pieceBytes`, each read as a range. */
function throughPieces(text: string, size: number, pieceBytes: number): Seen & { pieces: Piece[] } {
  const input = Buffer.from(text);
  const cutter = new PieceCutter(pieceBytes, MAX);
  const pieces: Piece[] = [];
  for (let i = 0; i < input.length; i += size) {
    // a copy each: the cutter must not rely on the chunks being one buffer
    pieces.push(...cutter.push(Buffer.from(input.subarray(i, i + size))));
  }
  const last = cutter.end();
  if (last) pieces.push(last);
  const seen: Seen & { pieces: Piece[] } = { lines: [], tooLong: [], count: 0, pieces };
  for (const piece of pieces) {
    let mem = new Uint8Array(0);
    const outcome = readRange({ file: 'x.gz', ...piece }, { maxLineBytes: MAX, batchEvents: 3 }, {
      memory: (bytes) => (mem.length >= bytes ? mem : (mem = new Uint8Array(bytes))),
      payloads: () => undefined,
    });
    // the lines' text from their numbers: the pieces are whole lines, so the k-th payload is the k-th line with content
    const texts: string[] = [];
    readRange({ file: 'x.gz', ...piece }, { maxLineBytes: MAX, batchEvents: 1 }, {
      memory: (bytes) => (mem.length >= bytes ? mem : (mem = new Uint8Array(bytes))),
      payloads: (starts, ends, count) => {
        for (let k = 0; k < count; k++) texts.push(Buffer.from(mem.subarray(starts[k], ends[k])).toString());
      },
    });
    outcome.payloadLines.forEach((line, k) => seen.lines.push([seen.count + line, texts[k]]));
    for (const t of outcome.tooLarge) seen.tooLong.push([seen.count + t.line, t.length]);
    seen.count += outcome.lines;
  }
  return seen;
}

describe('PieceCutter', () => {
  const expected = whole(TEXT);

  it('the reference: the text has too-long lines, blank ones, CR, CRLF and a last line without an end', () => {
    expect(expected.tooLong).toEqual([[11, 41], [13, 200], [17, 95]]);
    expect(expected.lines.map(([n]) => n)).toEqual([1, 4, 5, 7, 8, 12, 14, 15, 19]);
    expect(expected.count).toBe(19);
  });

  for (const pieceBytes of [1, 16, 64, 1 << 20]) {
    it(`pieces of ${pieceBytes} bytes or more, the input in chunks of every size: the lines of the whole`, () => {
      for (let size = 1; size <= Buffer.byteLength(TEXT) + 1; size++) {
        const { pieces, ...seen } = throughPieces(TEXT, size, pieceBytes);
        expect(seen, `chunks of ${size}`).toEqual(expected);
        // each piece is the input's bytes at its place, and ends after a line end (but the last)
        const bytes = Buffer.from(TEXT);
        for (const [k, p] of pieces.entries()) {
          expect(Buffer.from(p.bytes).equals(bytes.subarray(p.start, p.end))).toBe(true);
          if (k < pieces.length - 1) expect([0x0a, 0x0d]).toContain(p.bytes[p.bytes.length - 1]);
        }
      }
    });
  }

  it('holds at most a piece, a chunk and a line: a long line is dropped as it arrives, not kept', () => {
    const text = `{"a":1}\n${'q'.repeat(10_000)}\n{"b":2}`;
    const cutter = new PieceCutter(16, MAX);
    const input = Buffer.from(text);
    const pieces: Piece[] = [];
    let most = 0;
    for (let i = 0; i < input.length; i += 7) {
      for (const p of cutter.push(input.subarray(i, i + 7))) {
        pieces.push(p);
        most = Math.max(most, p.bytes.length);
      }
    }
    pieces.push(cutter.end()!);
    // a piece of at least 16 bytes, its chunks taken 4 bytes at a time, after a line of up to 40 bytes
    expect(most).toBeLessThanOrEqual(16 + 4 + MAX);
    expect(pieces.at(-1)).toMatchObject({ overflowBytes: expect.any(Number) });
    expect(throughPieces(text, 7, 16)).toMatchObject({ tooLong: [[2, 10_000]], lines: [[1, '{"a":1}'], [3, '{"b":2}']], count: 3 });
  });

  it('a piece within one chunk is a view of it; one across chunks a copy in shared memory, reused once recycled', () => {
    const input = Buffer.from('{"a":1}\n{"b":2}\n{"c":3}\n{"d":4}\n{"e":5}\n{"f":6}\n{"g":7}\n{"h":8}\n');
    const cutter = new PieceCutter(16, MAX);
    // 16 bytes a piece: the first lies in the first chunk, the second across the first two, ...
    // each chunk but the first in a buffer of its own (Buffer.from would put small ones side by side in its pool)
    const chunks = [input.subarray(0, 20), new Uint8Array(input.subarray(20, 36)), new Uint8Array(input.subarray(36, 52)), new Uint8Array(input.subarray(52))];
    const [first] = cutter.push(chunks[0]);
    expect(first.bytes.buffer).toBe(input.buffer);
    expect(Buffer.from(first.bytes).toString()).toBe('{"a":1}\n{"b":2}\n');
    const [second] = cutter.push(chunks[1]);
    expect(second.bytes.buffer).toBeInstanceOf(SharedArrayBuffer);
    expect(Buffer.from(second.bytes).toString()).toBe('{"c":3}\n{"d":4}\n');
    cutter.recycle(first);
    cutter.recycle(second);
    // the third, across chunks again, takes the second one's buffer (the first's is the input's, not taken)
    const [third] = cutter.push(chunks[2]);
    expect(third.bytes.buffer).toBe(second.bytes.buffer);
    expect(Buffer.from(third.bytes).toString()).toBe('{"e":5}\n{"f":6}\n');
    const [fourth] = cutter.push(chunks[3]);
    expect(fourth.bytes.buffer).not.toBe(third.bytes.buffer);
    expect(Buffer.from(fourth.bytes).equals(input.subarray(fourth.start, fourth.end))).toBe(true);
  });

  it('a last line too long and without an end is reported from a piece of no bytes', () => {
    const text = `{"a":1}\n${'q'.repeat(100)}`;
    const seen = throughPieces(text, 10, 8);
    expect(seen.pieces.at(-1)).toMatchObject({ bytes: new Uint8Array(0), overflowBytes: 100 });
    expect(seen).toMatchObject({ tooLong: [[2, 100]], lines: [[1, '{"a":1}']], count: 2 });
  });
});
