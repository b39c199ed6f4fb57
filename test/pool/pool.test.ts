// The worker pool: the same matches as the Engine in this thread, a worker that really dies (replaced, its
// batch retried once, then given up with its positions), and rules reload between batches.
// Workers run dist/pool/worker.js: build first (`npx tsc -p tsconfig.json`).
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { AlertFormatter } from '../../src/alerts/format.js';
import { lineViews } from '../../src/engine/alert-lines.js';
import type { Match } from '../../src/engine/engine.js';
import { EngineEvaluator } from '../../src/pool/engine-evaluator.js';
import { BatchFailedError } from '../../src/pipeline/pipeline.js';
import type { Evaluation } from '../../src/pipeline/types.js';
import { WORKER_FILE, WorkerPool } from '../../src/pool/pool.js';
import { batchOf, event, rules } from './helpers.js';

const CRASHING = join(process.cwd(), 'test/pool/fixtures/crashing-worker.mjs');
const summary = (r: Evaluation) => ({
  events: r.events,
  matches: r.matches.map((m) => `${m.payload}/${m.rule.name}/${m.tokens.join(',')}`),
  rejections: r.rejections.map((x) => `${x.payload}:${x.reason}`),
});

let pool: WorkerPool | undefined;
afterEach(async () => {
  await pool?.close();
  pool = undefined;
});

beforeAll(() => {
  if (!existsSync(WORKER_FILE)) throw new Error(`${WORKER_FILE} is missing: run npx tsc -p tsconfig.json`);
});

describe('worker pool', () => {
  it('finds what the in-thread engine finds, rules mapped back to the loaded rules', async () => {
    const payloads = [...Array.from({ length: 300 }, (_, n) => event(n)), 'not json', '{"kind":"Other"}'];
    const loaded = rules();
    pool = new WorkerPool(loaded, { threads: 2 });
    const inThread = await new EngineEvaluator(loaded).evaluate(batchOf(payloads));
    const [a, b] = await Promise.all([pool.evaluate(batchOf(payloads)), pool.evaluate(batchOf(payloads.slice(0, 10)))]);
    expect(summary(a)).toEqual(summary(inThread));
    expect(a.matches[0].rule).toBe(loaded.rules[0]);
    expect(b.matches.length).toBe(7);
  });

  it('a worker that dies on every try: its batch is given up, naming its positions; the others go on', async () => {
    pool = new WorkerPool(rules(), { threads: 2, workerFile: CRASHING });
    const good = pool.evaluate(batchOf([event(0), event(1)], 0));
    const bad = pool.evaluate(batchOf([event(3), event(4, 'CRASH_ALWAYS'), event(5)], 2));
    const after = pool.evaluate(batchOf([event(6)], 5));
    expect((await good).matches.length).toBe(2);
    const error = await bad.then(() => undefined, (e) => e);
    expect(error).toBeInstanceOf(BatchFailedError);
    expect(error.code).toBe('KAWA_ERR_WORKER');
    expect(error.message).toMatch(/^t:2 to t:4 \(3 payloads\): the worker failed twice \(.*\); skipped$/);
    expect((await after).matches.length).toBe(1);
    // the dead workers were replaced: the pool still has two threads to work with
    const again = await Promise.all([pool.evaluate(batchOf([event(9)])), pool.evaluate(batchOf([event(12)]))]);
    expect(again.map((r) => r.matches.length)).toEqual([1, 1]);
    expect(pool.stats).toEqual({ retried: 1, failed: 1 });
  });

  it('a worker that dies once: the batch is retried on a new worker and nothing is lost', async () => {
    process.env.KAWA_TEST_CRASH_FLAG = join(mkdtempSync(join(tmpdir(), 'kawa-crash-')), 'flag');
    try {
      pool = new WorkerPool(rules(), { threads: 1, workerFile: CRASHING });
      const r = await pool.evaluate(batchOf([event(0), event(1, 'CRASH_ONCE'), event(2)]));
      expect(summary(r).matches).toEqual(['0/exec/u0,o0', '1/delete/u1,o1']);
      expect(pool.stats).toEqual({ retried: 1, failed: 0 });
      expect(existsSync(process.env.KAWA_TEST_CRASH_FLAG)).toBe(true);
    } finally {
      delete process.env.KAWA_TEST_CRASH_FLAG;
    }
  });

  it('reload: batches submitted before it use the old rules, after it the new ones, in every worker', async () => {
    const before = rules();
    const after = rules(`
- rule: get
  desc: d
  condition: ka.verb = get
  output: "get %ka.target.name"
  priority: INFO
  source: k8s_audit
`);
    pool = new WorkerPool(before, { threads: 2 });
    const payloads = Array.from({ length: 30 }, (_, n) => event(n));
    const old = Array.from({ length: 4 }, () => pool!.evaluate(batchOf(payloads)));
    await pool.reload(after);
    const fresh = Array.from({ length: 4 }, () => pool!.evaluate(batchOf(payloads)));
    for (const r of await Promise.all(old)) expect(new Set(r.matches.map((m) => m.rule.name))).toEqual(new Set(['exec', 'delete']));
    for (const r of await Promise.all(fresh)) {
      expect(r.matches.map((m) => m.rule.name)).toEqual(Array(10).fill('get'));
      expect(r.matches[0].rule).toBe(after.rules[0]);
    }
  });

  it('maxEventSize: a longer event is rejected as too_large, in the workers as on the main thread', async () => {
    const payloads = [event(0), event(3, 'x'.repeat(400)), event(6)];
    const limit = payloads[0].length + 10;
    pool = new WorkerPool(rules(), { threads: 1, maxEventSize: limit });
    const inThread = await new EngineEvaluator(rules(), { maxEventSize: limit }).evaluate(batchOf(payloads));
    const pooled = await pool.evaluate(batchOf(payloads));
    for (const r of [inThread, pooled]) expect(summary(r)).toMatchObject({ matches: [expect.stringMatching(/^0\/exec/), expect.stringMatching(/^2\/exec/)], rejections: ['1:too_large'] });
  });

  it('truncation and arrival times: the workers report them as the main thread does', async () => {
    const whole = event(0);
    // an exec whose stageTimestamp, written last, the cut took
    const cut = (n: number) => {
      const { stageTimestamp, ...head } = JSON.parse(event(n, 'y'.repeat(100))) as Record<string, unknown>;
      const text = JSON.stringify({ ...head, stageTimestamp });
      return `${text.slice(0, text.indexOf('yyyy'))}[Truncated...]`;
    };
    const payloads = [cut(3), whole, cut(6), cut(9), '{"kind":"Ev[Truncated...]'];
    const arrivals = BigInt64Array.of(11n, 12n, 13n, 0n, 14n);
    const loaded = rules();
    pool = new WorkerPool(loaded, { threads: 1 });
    const inThread = await new EngineEvaluator(loaded).evaluate({ ...batchOf(payloads), arrivalNs: arrivals });
    const pooled = await pool.evaluate({ ...batchOf(payloads), arrivalNs: arrivals });
    const stageNs = 1704067200000001000n;
    for (const r of [inThread, pooled]) {
      expect(r.truncated).toBe(4);
      expect(r.matches.map((m) => [m.payload, m.truncated, m.timeNs, m.timeSubstituted])).toEqual([
        [0, true, 11n, true], [1, false, stageNs, false], [2, true, 13n, true], [3, true, stageNs, true],
      ]);
      expect(r.rejections).toEqual([{ payload: 4, item: 0, reason: 'unrecognized', cut: true }]);
    }
  });

  it('render: workers send each alert\'s line, as the main thread formats it, for payloads without source ids only', async () => {
    // names beyond ASCII travel as UTF-8; a name whose bytes are no UTF-8 (0xff) is left to the main thread's
    // formatter, with its values
    const payloads = Array.from({ length: 30 }, (_, n) => {
      const [head, tail] = event(n).split(`"u${n}"`);
      const name = n % 3 === 1 ? Buffer.from([0x22, 0x62, 0xff, 0x22]) : Buffer.from(n % 2 ? `"ü${n} ✓ 𝒳"` : `"u${n}"`);
      return Buffer.concat([Buffer.from(head), name, Buffer.from(tail)]);
    });
    const loaded = rules();
    const inThread = await new EngineEvaluator(loaded).evaluate(batchOf(payloads));
    for (const format of [{ timeZone: 'UTC' as const }, { jsonOutput: true, hostname: 'h' }]) {
      await pool?.close();
      pool = new WorkerPool(loaded, { threads: 1, render: format });
      const formatter = new AlertFormatter(format);
      const line = (m: Match) => (format.jsonOutput ? formatter.json(m) : formatter.text(m));
      const expected = inThread.matches.map(line);
      const rendered = await pool.evaluate(batchOf(payloads));
      const views = lineViews(rendered.lines!);
      expect(rendered.matches.map((m, k) => (views[k] ? Buffer.from(views[k]).toString('utf8') : line(m)))).toEqual(expected);
      expect(views.filter((v) => v && Buffer.from(v).toString('utf8').includes('✓ 𝒳')).length).toBeGreaterThan(3);
      expect(views.filter((v) => v === undefined).length).toBe(expected.filter((l) => l.includes('b\ufffd')).length);
      expect(views.filter((v) => v === undefined).length).toBeGreaterThan(3);
      expect(rendered.matches.map((m) => m.rule.name)).toEqual(inThread.matches.map((m) => m.rule.name));
      // a source with ids (CloudWatch, Kinesis): its JSON lines would carry them, so values come back instead
      const withIds = await pool.evaluate({ ...batchOf(payloads), eventId: (k) => `id${k}` });
      expect(withIds.lines).toBeUndefined();
      expect(summary(withIds)).toEqual(summary(inThread));
    }
  });
});
