// The range reader frames lines where a read put them, in memory it is given (a worker's WebAssembly
// memory): every non-blank line of the range comes out once, in order, with its number, whether it lies
// inside one read, crosses from one read to the next (joined into the spill zone), or is too long; the
// memory may grow (a new buffer) each time payloads are handed on.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readRange, type RangeTarget } from '../../src/sources/file/range-reader.js';

const dir = mkdtempSync(join(tmpdir(), 'kawa-range-'));
const MIB = 1 << 20;

/** Lines of every shape, several MiB in all: short, blank, CR, CRLF, and some longer than a read. */
function corpus(): { text: string; maxLineBytes: number } {
  const parts: string[] = [];
  let n = 0;
  const term = () => (n % 11 === 0 ? '\r\n' : n % 13 === 0 ? '\r' : '\n');
  while (parts.join('').length < 5 * MIB) {
    n++;
    if (n % 17 === 0) parts.push(`  \t${term()}`);
    else if (n % 997 === 0) parts.push(`{"big":"${'b'.repeat(1_200_000 + n)}"}${term()}`);
    else if (n % 1499 === 0) parts.push(`{"huge":"${'h'.repeat(2_100_000)}"}${term()}`);
    else parts.push(`{"n":${n},"pad":"${'p'.repeat((n * 7919) % 3000)}"}${term()}`);
  }
  return { text: parts.join(''), maxLineBytes: 2 * MIB };
}

/** What the reader must give: the non-blank lines of the whole text, numbered, minus the too-long ones. */
function expected(text: string, maxLineBytes: number) {
  const lines = text.split(/\r\n|\n|\r/);
  if (lines.at(-1) === '') lines.pop();
  const payloads: { line: number; text: string }[] = [];
  const tooLarge: { line: number; length: number }[] = [];
  lines.forEach((l, i) => {
    if (/^[ \t]*$/.test(l)) return;
    if (Buffer.byteLength(l) > maxLineBytes) tooLarge.push({ line: i + 1, length: Buffer.byteLength(l) });
    else payloads.push({ line: i + 1, text: l });
  });
  return { payloads, tooLarge, lines: lines.length };
}

/** A target in a real WebAssembly memory that grows by a page every time payloads are handed on, so a
 *  view taken before is emptied, as a worker's engine memory can be. */
function growingWasmTarget(into: string[]): RangeTarget & { grew: number } {
  const memory = new WebAssembly.Memory({ initial: 1 });
  const t = {
    grew: 0,
    memory(bytes: number) {
      const need = Math.ceil((bytes + 4096) / 65536) - memory.buffer.byteLength / 65536;
      if (need > 0) memory.grow(need);
      return new Uint8Array(memory.buffer, 4096, bytes);
    },
    payloads(starts: Uint32Array, ends: Uint32Array, count: number) {
      const view = new Uint8Array(memory.buffer, 4096);
      for (let k = 0; k < count; k++) into.push(Buffer.from(view.subarray(starts[k], ends[k])).toString());
      memory.grow(1);
      t.grew++;
    },
  };
  return t;
}

describe('readRange', () => {
  const { text, maxLineBytes } = corpus();
  const file = join(dir, 'shapes.jsonl');
  writeFileSync(file, text);
  const size = Buffer.byteLength(text);
  const want = expected(text, maxLineBytes);

  it('gives every line of a whole file once, in order, across reads and memory growth', () => {
    const got: string[] = [];
    const target = growingWasmTarget(got);
    const outcome = readRange({ file, start: 0, end: size }, { maxLineBytes, batchEvents: 100 }, target);
    expect(want.payloads.length).toBeGreaterThan(1000);
    expect(want.tooLarge.length).toBeGreaterThan(0);
    expect(got).toEqual(want.payloads.map((p) => p.text));
    expect([...outcome.payloadLines]).toEqual(want.payloads.map((p) => p.line));
    expect(outcome.tooLarge).toEqual(want.tooLarge);
    expect(outcome.lines).toBe(want.lines);
    expect(outcome.payloads).toBe(want.payloads.length);
    // handed on at least once per read
    expect(target.grew).toBeGreaterThanOrEqual(Math.floor(size / MIB));
  });

  it('ranges cut anywhere add up to the whole file, each line owned by the range it starts in', () => {
    for (const step of [MIB - 1, 1_500_001, 3 * MIB + 5]) {
      const got: string[] = [];
      const lines: number[] = [];
      let before = 0;
      for (let start = 0; start < size; start += step) {
        const outcome = readRange({ file, start, end: Math.min(size, start + step) }, { maxLineBytes, batchEvents: 64 }, growingWasmTarget(got));
        for (const l of outcome.payloadLines) lines.push(before + l);
        before += outcome.lines;
      }
      expect(got).toEqual(want.payloads.map((p) => p.text));
      expect(lines).toEqual(want.payloads.map((p) => p.line));
      expect(before).toBe(want.lines);
    }
  });

  it('counts without a target (a range no worker read)', () => {
    const outcome = readRange({ file, start: 0, end: size }, { maxLineBytes, batchEvents: Infinity });
    expect(outcome.payloads).toBe(want.payloads.length);
    expect(outcome.lines).toBe(want.lines);
    expect(outcome.tooLarge).toEqual(want.tooLarge);
  });
});
