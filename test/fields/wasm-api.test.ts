// The extraction entry points the ingestion and the VM use directly, through the test build: event status
// and stageTimestamp (payload classification is the engine's: test/engine/ingest.test.ts).
import { readFileSync } from 'node:fs';
import { describe, expect, test } from 'vitest';
import { TRUNCATION_MARK } from '../../src/core/truncation.js';
import { instantiateTestEngine } from '../test-wasm.js';

interface Api {
  memory: WebAssembly.Memory;
  inputReserve(n: number): number;
  beginEvent(p: number, n: number): number;
  eventTruncated(): number;
  eventHasTimestamp(): number;
  eventTimestampNs(): bigint;
}
const w = instantiateTestEngine() as unknown as Api;
const enc = new TextEncoder();

function put(text: string): [number, number] {
  const b = enc.encode(text);
  const p = w.inputReserve(b.length) >>> 0;
  new Uint8Array(w.memory.buffer).set(b, p);
  return [p, b.length];
}

const begin = (text: string) => w.beginEvent(...put(text));
function timestamp(ts: unknown): bigint | null {
  begin(JSON.stringify({ stageTimestamp: ts }));
  return w.eventHasTimestamp() ? BigInt.asUintN(64, w.eventTimestampNs()) : null;
}

describe('beginEvent status', () => {
  test.each([
    ['{"a":1}', 0], ['{"a":', 1], ['[1,2]', 3], [' {"a":1}', 4], ['{"a":NaN,"b":-Inf}', 0], ['{"a":1} x', 1],
    ['['.repeat(299) + ']'.repeat(299), 3], ['['.repeat(300) + ']'.repeat(300), 3], ['['.repeat(300) + '1' + ']'.repeat(300), 2],
  ])('%s -> %i', (doc, status) => expect(begin(doc)).toBe(status));
});

describe('stageTimestamp (RFC 3339, Go time.Parse)', () => {
  test.each([
    ['2024-05-01T13:00:00Z', 1714568400000000000n],
    ['2024-05-01T13:00:00.000000001Z', 1714568400000000001n],
    ['2024-05-01T14:00:00+02:00', 1714564800000000000n],
    ['2024-05-01T10:30:00-02:30', 1714568400000000000n],
    ['2024-05-01T13:00:00.1234567891234Z', 1714568400123456789n],
    ['2024-05-01T13:00:00,5Z', 1714568400500000000n],
    ['2024-02-29T00:00:00Z', 1709164800000000000n],
    ['1969-12-31T23:59:59Z', BigInt.asUintN(64, -1000000000n)],
    ['0001-01-01T00:00:00Z', (1n << 64n) - 1n],
  ])('%s', (ts, ns) => expect(timestamp(ts)).toBe(ns));
  test.each([
    '2024-05-01t13:00:00Z', '2024-05-01T13:00:00z', '2024-05-01T13:00:60Z', '2023-02-29T00:00:00Z', '2024-13-01T00:00:00Z',
    '2024-05-01T13:00:00', '2024-05-01T13:00:00+0200', '2024-05-01 13:00:00Z', '', 'x', 1714568400,
  ])('%s is rejected', (ts) => expect(timestamp(ts)).toBeNull());
  test('missing', () => {
    begin('{"a":1}');
    expect(w.eventHasTimestamp()).toBe(0);
  });
});

describe('the truncation marker', () => {
  test('assembly/extract.ts spells the TypeScript definition', () => {
    const text = readFileSync('assembly/extract.ts', 'utf8');
    const bytes = /const TRUNCATED_MARK = memory\.data<u8>\(\[([^\]]*)\]\)/.exec(text)?.[1]?.split(',').map((b) => Number(b.trim()));
    expect(Buffer.from(bytes ?? []).toString('latin1')).toBe(TRUNCATION_MARK);
  });
  test.each([
    ['{"a":1,"b":"xy[Truncated...]', 0, 1],
    ['{"a":1,"b":"xy[Truncated...]\r\n', 0, 1],
    ['{"a":1,"b":[1,2[Truncated...] ', 0, 1],
    ['{"a":1}[Truncated...]', 0, 0],
    ['{"a":"[Truncated...]"}', 0, 0],
    ['{"a":1,"b":"xy[Truncated..]', 1, 0],
    ['{"a":1,"b":"xy[Truncated...]x', 1, 0],
  ])('%j: status %i, salvaged %i', (doc, status, salvaged) => {
    expect(begin(doc)).toBe(status);
    expect(w.eventTruncated()).toBe(salvaged);
  });
});
