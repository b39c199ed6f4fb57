// Replay through the pool: files split into byte ranges the workers read, and gzip files cut into pieces of
// whole lines, give the same alerts, in the same order, with the same line numbers and reports as reading
// them on the main thread (line by line, or by the same ranges); a slow output bounds what is read ahead;
// `kawa run --workers N` prints what `--workers 0` prints. Workers run dist/: build first.
import { spawnSync } from 'node:child_process';
import { closeSync, existsSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import { gunzipSync, gzipSync } from 'node:zlib';
import { afterEach, describe, expect, it } from 'vitest';
import { AlertFormatter } from '../../src/alerts/format.js';
import { EngineEvaluator } from '../../src/pool/engine-evaluator.js';
import { Pipeline } from '../../src/pipeline/pipeline.js';
import type { Alert, AlertSink, Evaluator } from '../../src/pipeline/types.js';
import { WorkerPool } from '../../src/pool/pool.js';
import { FileSource, type SourceOptions } from '../../src/sources/file/source.js';
import { event, rules } from '../pool/helpers.js';
import { describeShared, shared } from '../shared-data.js';

const dir = mkdtempSync(join(tmpdir(), 'kawa-replay-'));
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

class Collect implements AlertSink {
  readonly alerts: Alert[] = [];
  constructor(private readonly delayMs = 0, private readonly onEmit?: () => void) {}
  async emit(a: Alert[]) {
    this.onEmit?.();
    if (this.delayMs) await sleep(this.delayMs);
    this.alerts.push(...a);
  }
  async flush() {}
  async close() {}
}

async function replay(file: string, evaluator: Evaluator, opts: SourceOptions) {
  const reports: string[] = [];
  const source = new FileSource([file], { ...opts, onTooLarge: (f, l, n) => reports.push(`${f}:${l}: too large ${n}`) });
  const sink = new Collect();
  let truncated = 0;
  const stats = await new Pipeline(source, evaluator, sink, {
    inFlight: 4,
    onResult: (b, r) => {
      truncated += r.truncated ?? 0;
      for (const x of r.rejections) reports.push(`${b.origin(x.payload)}: ${x.reason}${x.cut ? ' cut' : ''}`); },
  }).run();
  await evaluator.close();
  return {
    alerts: sink.alerts.map((a) => `${a.match.rule.name} ${a.match.tokens.join(',')}`),
    reports: reports.sort(),
    stats: { ...stats, batches: 0 },
    source: { ...source.stats },
    truncated,
  };
}

let pool: WorkerPool | undefined;
afterEach(async () => {
  await pool?.close();
  pool = undefined;
});

describe('replay through the pool', () => {
  it('byte ranges cut anywhere: same alerts, same order, same line numbers as the main thread', async () => {
    const lines: string[] = [];
    for (let n = 0; n < 400; n++) {
      if (n % 50 === 7) lines.push('');
      if (n % 97 === 5) lines.push('not json at all');
      if (n % 113 === 9) lines.push('x'.repeat(3000));
      if (n % 89 === 3) lines.push(`${event(n).slice(0, 60)}[Truncated...]`);
      lines.push(n % 7 === 0 ? `${event(n)}\r` : event(n, 'y'.repeat(n % 40)));
    }
    const file = join(dir, 'mixed.jsonl');
    writeFileSync(file, lines.join('\n'));
    const loaded = rules();
    const main = await replay(file, new EngineEvaluator(loaded), { maxLineBytes: 2000 });
    pool = new WorkerPool(loaded, { threads: 2, maxLineBytes: 2000, batchEvents: 16 });
    // 700-byte ranges: most lines cross a range boundary, some ranges hold no line start at all
    const split = await replay(file, pool, { maxLineBytes: 2000, rangeBytes: 700 });
    expect(main.alerts.length).toBe(268);
    expect(split.alerts).toEqual(main.alerts);
    expect(split.reports).toEqual(main.reports);
    expect(main.truncated).toBe(5);
    expect(split.truncated).toBe(5);
    expect(main.reports.some((r) => r.includes('too large 3000'))).toBe(true);
    expect(split.stats).toEqual(main.stats);
    expect(split.source).toEqual(main.source);
    // the main thread reading the ranges itself (kawa run --workers 0 over a JSON-lines file)
    const here = await replay(file, new EngineEvaluator(loaded, { maxLineBytes: 2000 }), { maxLineBytes: 2000, rangeBytes: 700 });
    expect(here).toEqual(main);
    // the same lines gzipped: inflated here, cut into pieces of whole lines that the workers, or the main
    // thread, read as they read ranges (source.ts, readPieces)
    const gz = join(dir, 'mixed.jsonl.gz');
    writeFileSync(gz, gzipSync(lines.join('\n')));
    const asPlain = (r: typeof main) => ({ ...r, reports: r.reports.map((x) => x.replace('mixed.jsonl.gz:', 'mixed.jsonl:')) });
    pool = new WorkerPool(loaded, { threads: 2, maxLineBytes: 2000, batchEvents: 16 });
    expect(asPlain(await replay(gz, pool, { maxLineBytes: 2000, rangeBytes: 700 }))).toEqual(main);
    expect(asPlain(await replay(gz, new EngineEvaluator(loaded, { maxLineBytes: 2000 }), { maxLineBytes: 2000, rangeBytes: 700 }))).toEqual(main);
  });

  it('alert lines the engine writes: the formatter\'s lines, with workers and without, over ranges of many batches', async () => {
    const lines: Buffer[] = [];
    for (let n = 0; n < 1200; n++) {
      if (n % 89 === 3) lines.push(Buffer.from(`${event(n).slice(0, 60)}[Truncated...]`));
      // names beyond ASCII, quotes, and bytes that are no UTF-8: some lines escaped by the engine, some left to
      // the formatter
      const [head, tail] = event(n, 'y'.repeat(n % 40)).split(`"u${n}"`);
      const name = n % 5 === 1 ? Buffer.from([0x22, 0x75, 0xff, 0x22]) : Buffer.from(n % 5 === 2 ? `"q\\"${n}\\\\ ü"` : `"u${n}"`);
      lines.push(Buffer.concat([Buffer.from(head), name, Buffer.from(tail)]));
    }
    const file = join(dir, 'lines.jsonl');
    writeFileSync(file, Buffer.concat(lines.flatMap((l) => [l, Buffer.from('\n')])));
    const loaded = rules();
    for (const format of [{ jsonOutput: true, hostname: 'h' }, { timeZone: 'UTC' as const }]) {
      const formatter = new AlertFormatter(format);
      const text = (a: Alert) => (a.line ? Buffer.from(a.line).toString('utf8') : format.jsonOutput ? formatter.json(a.match) : formatter.text(a.match));
      const run = async (evaluator: Evaluator) => {
        const sink = new Collect();
        await new Pipeline(new FileSource([file], { rangeBytes: 100_000 }), evaluator, sink, { inFlight: 4 }).run();
        await evaluator.close();
        return sink.alerts;
      };
      const expected = (await run(new EngineEvaluator(loaded))).map(text);
      const here = await run(new EngineEvaluator(loaded, { render: format }));
      pool = new WorkerPool(loaded, { threads: 2, batchEvents: 16, render: format });
      const workers = await run(pool);
      for (const alerts of [here, workers]) {
        expect(alerts.map(text)).toEqual(expected);
        const written = alerts.filter((a) => a.line).length;
        expect(written).toBeGreaterThan(alerts.length / 2);
        expect(written).toBeLessThan(alerts.length);
      }
    }
  });

  it('a gzip of many pieces through two workers: the alerts of the plain file, though the pieces\' buffers are reused', async () => {
    const events = Array.from({ length: 6000 }, (_, n) => event(n, 'g'.repeat(n % 200)));
    const file = join(dir, 'many.jsonl');
    writeFileSync(file, events.join('\n'));
    writeFileSync(`${file}.gz`, gzipSync(events.join('\n')));
    const plain = await replay(file, new EngineEvaluator(rules()), {});
    pool = new WorkerPool(rules(), { threads: 2 });
    // 64 KiB pieces: about 25, more than the queue and the window hold, so later pieces take earlier ones' buffers
    const gz = await replay(`${file}.gz`, pool, { rangeBytes: 64 << 10 });
    expect(gz.alerts.length).toBeGreaterThan(1000);
    expect(gz.alerts).toEqual(plain.alerts);
    expect(gz.source).toEqual(plain.source);
  });

  it('a piece copied across a stream\'s chunks keeps its bytes until its batch is acknowledged; a gzip\'s lie in its chunks', async () => {
    const text = Array.from({ length: 6000 }, (_, n) => event(n, 'a'.repeat(n % 200))).join('\n');
    const bytes = Buffer.from(text);
    const gz = join(dir, 'acked.jsonl.gz');
    writeFileSync(gz, gzipSync(text));
    // stdin in 4 KiB chunks, each a buffer of its own: every 64 KiB piece is a copy in shared memory
    const stdin = () => Readable.from(Array.from({ length: Math.ceil(bytes.length / 4096) }, (_, k) => new Uint8Array(bytes.subarray(k * 4096, (k + 1) * 4096))));
    for (const [input, ack] of [['-', false], ['-', true], [gz, false]] as const) {
      const pieces: Uint8Array[] = [];
      const copies: Buffer[] = [];
      for await (const b of new FileSource([input], { rangeBytes: 64 << 10, streamPieces: true, stdin: stdin() })) {
        pieces.push(b.range!.bytes!);
        copies.push(Buffer.from(b.range!.bytes!));
        if (ack) b.ack!();
      }
      expect(pieces.length).toBeGreaterThan(10);
      expect(Buffer.concat(copies).toString()).toBe(text);
      const buffers = new Set(pieces.map((p) => p.buffer));
      if (input === gz) {
        // views of zlib's chunks, not copies
        expect(pieces.every((p) => !(p.buffer instanceof SharedArrayBuffer))).toBe(true);
        expect(buffers.size).toBeLessThan(pieces.length);
      } else if (ack) {
        expect(buffers.size).toBeLessThan(pieces.length);
      } else {
        // nothing acknowledged: no buffer taken twice, and every piece still holds its bytes
        expect(pieces.every((p) => p.buffer instanceof SharedArrayBuffer)).toBe(true);
        expect(buffers.size).toBe(pieces.length);
        expect(Buffer.concat(pieces).toString()).toBe(text);
      }
    }
  });

  it('stdin of JSON lines goes in pieces (streamPieces), a slow writer\'s lines without waiting for a piece to fill; documents are framed', async () => {
    const stdin = new PassThrough();
    const lines = new FileSource(['-'], { rangeBytes: 64 << 10, streamPieces: true, flushMs: 10, stdin })[Symbol.asyncIterator]();
    stdin.write(`${event(1)}\n`);
    // handed over though stdin stays open and the piece is far from full
    const first = (await lines.next()).value!;
    expect(Buffer.from(first.range!.bytes!).toString()).toBe(`${event(1)}\n`);
    stdin.write(`${event(2)}\n${event(3)}\n`);
    const second = (await lines.next()).value!;
    expect(Buffer.from(second.range!.bytes!).toString()).toBe(`${event(2)}\n${event(3)}\n`);
    expect(second.range!.start).toBe(first.range!.end);
    stdin.end();
    expect((await lines.next()).done).toBe(true);

    const pretty = new PassThrough();
    const documents = new FileSource(['-'], { rangeBytes: 64 << 10, streamPieces: true, flushMs: 10, stdin: pretty })[Symbol.asyncIterator]();
    pretty.end(`${JSON.stringify(JSON.parse(event(4)), null, 2)}\n`);
    const batch = (await documents.next()).value!;
    expect(batch.range).toBeUndefined();
    expect(batch.count).toBe(1);

    // without streamPieces (no workers), stdin's lines are framed here
    const framed = new FileSource(['-'], { rangeBytes: 64 << 10, stdin: Readable.from([Buffer.from(`${event(5)}\n`)]) })[Symbol.asyncIterator]();
    const line = (await framed.next()).value!;
    expect(line.range).toBeUndefined();
    expect(line.count).toBe(1);
  });

  it('a damaged gzip read in pieces: what zlib gives, and the damage reported at the line framing reports it', async () => {
    const text = `${Array.from({ length: 3000 }, (_, n) => event(n, 'd'.repeat(n % 300))).join('\n')}\n`;
    const whole = gzipSync(text);
    for (const [name, bytes] of [['cut', whole.subarray(0, whole.length >> 1)], ['trailing', Buffer.concat([whole, Buffer.from('not gzip')])]] as const) {
      const gz = join(dir, `${name}.jsonl.gz`);
      writeFileSync(gz, bytes);
      const run = async (rangeBytes: number) => {
        const damaged: string[] = [];
        const inner = new EngineEvaluator(rules(), { maxLineBytes: 2000 });
        let pieces = 0;
        const evaluator: Evaluator = {
          window: inner.window,
          evaluate: (b) => ((pieces += b.range?.bytes ? 1 : 0), inner.evaluate(b)),
          reload: (r) => inner.reload(r),
          close: () => inner.close(),
        };
        const result = await replay(gz, evaluator, { maxLineBytes: 2000, rangeBytes, onDamaged: (f, line, code, message) => damaged.push(`${f}:${line} ${code} ${message}`) });
        return { result: { ...result, damaged }, pieces };
      };
      const framed = await run(0);
      const inPieces = await run(64 << 10);
      expect(framed.pieces).toBe(0);
      expect(inPieces.pieces, name).toBeGreaterThan(0);
      expect(framed.result.damaged, name).toHaveLength(1);
      expect(inPieces.result, name).toEqual(framed.result);
    }
  });

  it('a file deleted while its ranges are read is still read whole, with workers and without', async () => {
    const file = join(dir, 'deleted.jsonl');
    const events = Array.from({ length: 6000 }, (_, n) => event(n, 'p'.repeat(n % 200)));
    writeFileSync(file, events.join('\n'));
    const whole = await replay(file, new EngineEvaluator(rules()), { rangeBytes: 64 << 10 });
    for (const evaluator of [() => new EngineEvaluator(rules()), () => (pool = new WorkerPool(rules(), { threads: 2 }))]) {
      writeFileSync(file, events.join('\n'));
      const source = new FileSource([file], { rangeBytes: 64 << 10 });
      const sink = new Collect(0, () => rmSync(file, { force: true }));
      const stats = await new Pipeline(source, evaluator(), sink, { inFlight: 4 }).run();
      expect(existsSync(file)).toBe(false);
      expect(stats.events).toBe(events.length);
      expect(sink.alerts.length).toBe(whole.alerts.length);
    }
  });

  it('a range that cannot be read: the batch is given up with KAWA_ERR_INPUT_READ, the file reported once, its lines after it skipped', async () => {
    const file = join(dir, 'unreadable.jsonl');
    writeFileSync(file, Array.from({ length: 3000 }, (_, n) => event(n)).join('\n'));
    const damaged: string[] = [];
    const source = new FileSource([file], { rangeBytes: 64 << 10, onDamaged: (f, line, code, message) => damaged.push(`${f}:${line} ${code} ${message}`) });
    const failures: string[] = [];
    const sink = new Collect();
    // the first range reads well; the ranges after it read through a descriptor of a directory (EISDIR)
    const directory = openSync(dir, 'r');
    const inner = new EngineEvaluator(rules());
    let seen = 0;
    const evaluator: Evaluator = {
      window: inner.window,
      evaluate: (b) => {
        if (seen++ > 0) b.range!.fd = directory;
        return inner.evaluate(b);
      },
      reload: (r) => inner.reload(r),
      close: () => inner.close(),
    };
    const stats = await new Pipeline(source, evaluator, sink, { inFlight: 1, onFailure: (_b, e) => failures.push(`${e.code} ${e.message}`) }).run();
    closeSync(directory);
    expect(stats.failedBatches).toBeGreaterThan(0);
    expect(failures[0]).toMatch(/^KAWA_ERR_INPUT_READ .*unreadable\.jsonl bytes 65536-131072: cannot read .*: EISDIR; skipped$/);
    expect(damaged).toHaveLength(1);
    expect(damaged[0]).toMatch(/unreadable\.jsonl:\d+ KAWA_ERR_INPUT_READ cannot read .*: EISDIR: read up to line \d+, the rest of the file is skipped$/);
    expect(source.stats.damaged).toBe(1);
    expect(sink.alerts.length).toBeGreaterThan(0);
  });

  it('a slow output: reading stays within the window, whatever the size of the input', async () => {
    const file = join(dir, 'many.jsonl');
    const events = Array.from({ length: 40000 }, (_, n) => event(n));
    writeFileSync(file, events.join('\n'));
    const perChunk = Math.ceil((1 << 20) / events[0].length);
    pool = new WorkerPool(rules(), { threads: 2 });
    const source = new FileSource([file], { batchEvents: 50, queueBatches: 2 });
    let delivered = 0;
    let maxAhead = 0;
    const sink = new Collect(15, () => { maxAhead = Math.max(maxAhead, source.stats.payloads - delivered); });
    const pipeline = new Pipeline(source, pool, sink, { inFlight: 4, onResult: (b) => { delivered += b.count; } });
    const done = pipeline.run();
    await sleep(400);
    await pipeline.stop();
    await done;
    // queue (2) + window (4) + the batch held while waiting + the one being cut, of 50 payloads each, plus
    // the batches cut from the one 1 MiB chunk being read
    expect(maxAhead).toBeLessThanOrEqual(8 * 50 + perChunk);
    expect(source.stats.payloads).toBeLessThan(events.length / 2);
  });
});

describeShared('kawa run --workers', () => {
  const R = shared('conformance/k8saudit/rules/k8s_audit_rules.yaml');
  const kawa = (args: string[], input?: string | Buffer) => spawnSync(process.execPath, ['bin/kawa.js', 'run', '-r', R, ...args], { input, encoding: 'utf8', env: { ...process.env, TZ: 'UTC' } });
  const trace = shared('conformance/k8saudit/traces');

  it('prints the same alerts, summary and reports with 2 workers as on the main thread (plain, .gz, stdin, JSON)', () => {
    const body = `${spawnSync('cat', [join(trace, 'exec_pod.json'), join(trace, 'create_nginx_pod_privileged.json')], { encoding: 'utf8' }).stdout}\nnot json\n{"kind":"EventList","apiVersion":"audit.k8s.io/v1","items":["x"]}\n`;
    const plain = join(dir, 'run.jsonl');
    writeFileSync(plain, body);
    writeFileSync(join(dir, 'run.jsonl.gz'), gzipSync(body));
    const cases = [[plain, []], [join(dir, 'run.jsonl.gz'), []], [plain, ['--json']], ['-', [], body], ['-', [], gzipSync(body)]] as const;
    for (const [input, json, stdin] of cases) {
      const a = kawa(['-e', input, '--workers', '0', ...json], stdin);
      const b = kawa(['-e', input, '--workers', '2', ...json], stdin);
      expect(a.status).toBe(0);
      expect(b.status).toBe(0);
      expect(b.stdout).toBe(a.stdout);
      expect(b.stderr).toBe(a.stderr);
      // the summary: on stdout, or on stderr with --json (Falco's places)
      expect(json.length ? a.stderr : a.stdout).toContain('Events detected: 2');
      expect(a.stderr).toContain(`kawa: ${input}:4: KAWA_ERR_EVENT_PARSE`);
      // an item of a list is named by its index
      expect(a.stderr).toContain(`kawa: ${input}:5 items[0]: KAWA_ERR_EVENT_PARSE`);
    }
  });

  it('reads a CloudWatch Logs export to S3 (timestamped lines, gzipped) as the JSON lines it holds', () => {
    const lines = gunzipSync(readFileSync('samples/eks-audit.jsonl.gz')).toString().split('\n').filter((l) => l.trim()).slice(0, 400);
    const plain = join(dir, 'export-plain.jsonl');
    writeFileSync(plain, `${lines.join('\n')}\n`);
    const exported = join(dir, 'export-000000.gz');
    const start = Date.parse('2026-11-26T19:00:00Z');
    writeFileSync(exported, gzipSync(lines.map((l, i) => `${new Date(start + i * 7).toISOString()} ${l}\n`).join('')));
    const want = kawa(['-e', plain, '--workers', '0', '--json']);
    expect(want.stdout.split('\n').length).toBeGreaterThan(2);
    for (const workers of ['0', '2']) {
      const got = kawa(['-e', exported, '--workers', workers, '--json']);
      expect(got.stdout).toBe(want.stdout);
      expect(got.stderr).toBe(want.stderr.replaceAll(plain, exported));
    }
  });

  it('--summary ends with events/s and alerts on stderr; a bad --workers is a usage error', () => {
    const r = kawa(['-e', join(trace, 'exec_pod.json'), '--workers', '1', '--summary', '--json']);
    expect(r.stderr).toMatch(/kawa: 1 events, \d+ bytes in [\d.]+ s: \d+ events\/s, 1 alerts, 1 workers\n$/);
    expect(kawa(['-e', join(trace, 'exec_pod.json'), '--workers', 'x']).status).toBe(2);
  });
});
