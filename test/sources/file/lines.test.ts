// The line splitter gives the same lines whether its sink takes views (line) or places (lineAt): every
// line, numbered, once, however the input is cut into chunks, with the lines that span chunks, the blank
// ones and the too-long ones treated alike.
import { describe, expect, it } from 'vitest';
import { LineSplitter, type LineSink } from '../../../src/sources/file/lines.js';

const TEXT = [
  '{"a":1}', '', '  \t', '{"b":"two"}\r', '{"c":3}\r\n', 'x'.repeat(40), '{"d":4}\r', '\r\n', 'y'.repeat(41),
  '{"e":"five"}', 'z', '\t{"f":6}',
].join('\n');
const MAX = 40;

type Seen = { lines: [number, string][]; tooLong: [number, number][] };

function split(chunks: Uint8Array[], withPlaces: boolean): Seen {
  const seen: Seen = { lines: [], tooLong: [] };
  let chunk = new Uint8Array(0);
  const sink: LineSink = {
    line: (bytes, n) => seen.lines.push([n, Buffer.from(bytes).toString()]),
    tooLong: (n, length) => seen.tooLong.push([n, length]),
    ...(withPlaces ? { lineAt: (from: number, to: number, n: number) => seen.lines.push([n, Buffer.from(chunk.subarray(from, to)).toString()]) } : {}),
  };
  const splitter = new LineSplitter(sink, MAX);
  for (const c of chunks) {
    chunk = c;
    splitter.push(c);
  }
  splitter.end();
  return seen;
}

/** The text cut every `size` bytes (Uint8Arrays, as a source that is not a file gives them). */
const cut = (size: number) => {
  const bytes = Buffer.from(TEXT);
  const chunks: Uint8Array[] = [];
  for (let i = 0; i < bytes.length; i += size) chunks.push(new Uint8Array(bytes.subarray(i, i + size)));
  return chunks;
};

describe('LineSplitter', () => {
  const whole = split([Buffer.from(TEXT)], false);

  it('numbers the lines with content and reports the long ones', () => {
    expect(whole.lines).toEqual([
      [1, '{"a":1}'], [4, '{"b":"two"}'], [5, '{"c":3}'], [7, 'x'.repeat(40)], [8, '{"d":4}'], [12, '{"e":"five"}'], [13, 'z'], [14, '\t{"f":6}'],
    ]);
    expect(whole.tooLong).toEqual([[11, 41]]);
  });

  it.each([1, 2, 3, 7, 16, 1000])('gives the same lines through lineAt, in chunks of %i bytes', (size) => {
    expect(split(cut(size), true)).toEqual(whole);
    expect(split(cut(size), false)).toEqual(whole);
  });
});
