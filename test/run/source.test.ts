// The file source: how bytes on disk (or stdin) become payloads, with their line numbers.
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { FileSource, type SourceOptions } from '../../src/sources/file/source.js';

const dir = mkdtempSync(join(tmpdir(), 'kawa-source-'));
let n = 0;
function file(content: string | Uint8Array, name = `in${n++}.json`): string {
  const p = join(dir, name);
  writeFileSync(p, content);
  return p;
}

interface Read { payloads: { text: string; line: number; file: string }[]; tooLarge: [string, number, number][]; batches: number }

async function read(inputs: string[], opts: SourceOptions = {}): Promise<Read> {
  const tooLarge: [string, number, number][] = [];
  const src = new FileSource(inputs, { ...opts, onTooLarge: (f, l, len) => tooLarge.push([f, l, len]) });
  const payloads: Read['payloads'] = [];
  let batches = 0;
  const dec = new TextDecoder();
  for await (const b of src) {
    batches++;
    expect(b.offsets.length).toBe(b.count + 1);
    expect(b.firstLine).toBe(b.lines[0]);
    for (let i = 0; i < b.count; i++) {
      payloads.push({ text: dec.decode(b.data.subarray(b.offsets[i], b.offsets[i + 1])), line: b.lines[i], file: b.file });
    }
  }
  return { payloads, tooLarge, batches };
}

const texts = (r: Read) => r.payloads.map((p) => p.text.trim());
const lines = (r: Read) => r.payloads.map((p) => p.line);

describe('file source', () => {
  it('reads JSON lines, skipping blank lines, keeping line numbers and the last line without newline', async () => {
    const r = await read([file('{"a":1}\n\n  \r\n{"b":2}\r\n{"c":3}')]);
    expect(texts(r)).toEqual(['{"a":1}', '{"b":2}', '{"c":3}']);
    expect(lines(r)).toEqual([1, 4, 5]);
  });

  it('keeps broken lines as payloads of their own (the engine reports them)', async () => {
    const r = await read([file('{"kind": 0}\nnot json\n{"a":"x"} trailing\n{"a":1}{"b":2}\n{"cut":"ab\n{"z":1}\n')]);
    expect(texts(r)).toEqual(['{"kind": 0}', 'not json', '{"a":"x"} trailing', '{"a":1}{"b":2}', '{"cut":"ab', '{"z":1}']);
  });

  it('passes CloudWatch-truncated lines through', async () => {
    const r = await read([file('{"kind":"Event","requestObject":{"x":"ab[Truncated...]\n{"a":1}\n')]);
    expect(r.payloads.length).toBe(2);
    expect(r.payloads[0].text.endsWith('[Truncated...]')).toBe(true);
  });

  it('reads a pretty-printed object as one payload', async () => {
    const doc = JSON.stringify({ kind: 'EventList', items: [{ kind: 'Event', s: 'a}]"b' }, { kind: 'Event' }] }, null, 2);
    const r = await read([file(`${doc}\n${doc}\n`)]);
    expect(r.payloads.length).toBe(2);
    expect(JSON.parse(r.payloads[0].text)).toEqual(JSON.parse(doc));
    expect(lines(r)).toEqual([1, doc.split('\n').length + 1]);
  });

  it('splits a pretty-printed top-level array into its elements', async () => {
    const items = [{ kind: 'Event', n: 1, s: '[,]' }, { kind: 'Event', n: 2, nested: [[1], { a: [] }] }, 7, 'x'];
    const doc = JSON.stringify(items, null, 2);
    const r = await read([file(doc)]);
    expect(r.payloads.map((p) => JSON.parse(p.text))).toEqual(items);
    expect(lines(r)[0]).toBe(2);
  });

  it('reads a one-line array as one payload', async () => {
    const r = await read([file('[{"a":1},{"b":2}]\n')]);
    expect(texts(r)).toEqual(['[{"a":1},{"b":2}]']);
  });

  it('reads gzip (by magic bytes) and directories in name order', async () => {
    const d = join(dir, 'dir');
    mkdirSync(d);
    file(gzipSync('{"f":2}\n{"f":3}\n'), 'dir/b.jsonl.gz');
    file('{"f":1}\n', 'dir/a.jsonl');
    mkdirSync(join(d, 'sub'));
    const r = await read([d]);
    expect(texts(r)).toEqual(['{"f":1}', '{"f":2}', '{"f":3}']);
    expect(r.payloads[1].file).toBe(join(d, 'b.jsonl.gz'));
  });

  it('reports and skips lines over the limit, counting them, and goes on', async () => {
    const big = `{"k":"${'x'.repeat(1100_000)}"}`;
    const r = await read([file(`{"a":1}\n${big}\n{"b":2}\n`)]);
    expect(texts(r)).toEqual(['{"a":1}', '{"b":2}']);
    expect(lines(r)).toEqual([1, 3]);
    expect(r.tooLarge.length).toBe(1);
    expect(r.tooLarge[0][1]).toBe(2);
    expect(r.tooLarge[0][2]).toBe(big.length);
  });

  it('accepts a line just under 1 MiB', async () => {
    const big = `{"k":"${'y'.repeat((1 << 20) - 20)}"}`;
    const r = await read([file(`${big}\n`)]);
    expect(r.payloads.length).toBe(1);
    expect(r.payloads[0].text.length).toBe(big.length);
  });

  it('cuts batches of bounded size, across small read chunks', async () => {
    // no time-based flush: on a loaded machine a slow read would hand over a partial batch early
    const body = Array.from({ length: 1000 }, (_, i) => `{"i":${i}}`).join('\n');
    const r = await read([file(body)], { batchEvents: 100, flushMs: 0 });
    expect(r.payloads.length).toBe(1000);
    expect(r.batches).toBe(10);
    expect(r.payloads[999].text).toBe('{"i":999}');
  });

  it('reads stdin, plain or gzipped', async () => {
    const plain = await read(['-'], { stdin: Readable.from([Buffer.from('{"s":1}\n{"s":'), Buffer.from('2}\n')]) });
    expect(texts(plain)).toEqual(['{"s":1}', '{"s":2}']);
    const gz = await read(['-'], { stdin: Readable.from([gzipSync('{"g":1}\n')]) });
    expect(texts(gz)).toEqual(['{"g":1}']);
  });

  it('does not read ahead of the consumer by more than the queue allows', async () => {
    const body = Array.from({ length: 5000 }, (_, i) => `{"i":${i}}`).join('\n');
    const src = new FileSource([file(body)], { batchEvents: 10, queueBatches: 2 });
    const it = src[Symbol.asyncIterator]();
    await it.next();
    await new Promise((r) => setTimeout(r, 50));
    // one batch taken, at most 2 queued plus the ones cut from the chunk being processed
    expect(src.stats.payloads).toBeLessThan(5000);
    await it.return?.();
  });

  it('fails with a coded error on a missing input', async () => {
    await expect(read([join(dir, 'nope.json')])).rejects.toMatchObject({ code: 'KAWA_ERR_INPUT_READ' });
  });
});
