// The extraction entry points the ingestion and the VM use directly, through the test build: event status,
// stageTimestamp, payload classification (fields.md §9.2).
import { describe, expect, test } from 'vitest';
import { instantiateTestEngine } from '../test-wasm.js';

interface Api {
  memory: WebAssembly.Memory;
  inputReserve(n: number): number;
  beginEvent(p: number, n: number): number;
  eventTruncated(): number;
  eventHasTimestamp(): number;
  eventTimestampNs(): bigint;
  ingestPayload(p: number, n: number): number;
  candidatePtr(i: number): number;
  candidateLen(i: number): number;
  candidateCompactLen(i: number): number;
}
const w = instantiateTestEngine() as unknown as Api;
const enc = new TextEncoder();
const dec = new TextDecoder();

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

function ingest(text: string): number | string[] {
  const n = w.ingestPayload(...put(text));
  if (n < 0) return n;
  const mem = new Uint8Array(w.memory.buffer);
  const out: string[] = [];
  for (let i = 0; i < n; i++) {
    const p = w.candidatePtr(i) >>> 0;
    out.push(dec.decode(mem.subarray(p, p + w.candidateLen(i))));
  }
  return out;
}

describe('ingestPayload', () => {
  test('an Event', () => expect(ingest('{"kind":"Event","a":1}')).toEqual(['{"kind":"Event","a":1}']));
  test('an EventList gives its items, whatever their kind', () =>
    expect(ingest('{"kind":"EventList","items":[{"a":1}, {"kind":"Other"}]}')).toEqual(['{"a":1}', '{"kind":"Other"}']));
  test('an escaped kind is unescaped', () => expect(ingest('{"kind":"Ev\\u0065nt"}')).toHaveLength(1));
  test('an array of events and lists', () =>
    expect(ingest('[{"kind":"Event","n":1},{"kind":"EventList","items":[{"n":2}]}]')).toEqual(['{"kind":"Event","n":1}', '{"n":2}']));
  test('one unrecognised element drops the whole array', () => expect(ingest('[{"kind":"Event"},{"kind":"Pod"}]')).toBe(-3));
  test('EventList without items', () => expect(ingest('{"kind":"EventList"}')).toBe(-3));
  test('empty items', () => expect(ingest('{"kind":"EventList","items":[]}')).toEqual([]));
  test('not JSON', () => expect(ingest('{"kind":"Event"} {"kind":"Event"}')).toBe(-1));
  test('compact length', () => {
    w.ingestPayload(...put('{ "kind" : "Event",\n  "a" : [ 1 , 2 ] }'));
    expect(w.candidateCompactLen(0)).toBe('{"kind":"Event","a":[1,2]}'.length);
  });
  test('a truncated EventList: the cut item keeps the marker, so beginEvent salvages it', () => {
    const got = ingest('{"kind":"EventList","items":[{"n":1},{"n":2,"m":"abc[Truncated...]');
    expect(got).toEqual(['{"n":1}', '{"n":2,"m":"abc[Truncated...]']);
    begin((got as string[])[1]!);
    expect(w.eventTruncated()).toBe(1);
  });
});
