// The pipeline between a source, an evaluator and a sink: order, acknowledgement, bounds and failures,
// with stand-ins whose timing the tests control.
import { describe, expect, it } from 'vitest';
import type { Match } from '../../src/engine/engine.js';
import { BatchFailedError, Pipeline } from '../../src/pipeline/pipeline.js';
import type { Alert, AlertSink, Evaluation, Evaluator, Source, SourceBatch } from '../../src/pipeline/types.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Batch k holds one payload; `log` records reads and acks. */
function source(n: number, log: string[]): Source & { read: number } {
  const src = {
    name: 'test',
    read: 0,
    closed: false,
    async close() { src.closed = true; },
    async *[Symbol.asyncIterator](): AsyncIterator<SourceBatch> {
      for (let k = 0; k < n && !src.closed; k++) {
        src.read++;
        log.push(`read ${k}`);
        yield {
          data: new Uint8Array([k]), offsets: Uint32Array.of(0, 1), count: 1,
          origin: () => `batch ${k}`, eventId: () => `id${k}`, ack: () => log.push(`ack ${k}`),
        };
      }
    },
  };
  return src;
}

const match = (k: number) => ({ payload: 0, item: 0, rule: { name: `r${k}` }, tokens: [], fields: {} }) as unknown as Match;

/** Batch k takes delay(k) ms; it matches when k is even; fails when fail(k). */
function evaluator(delay: (k: number) => number, fail: (k: number) => boolean = () => false): Evaluator {
  return {
    window: 4,
    async evaluate(b) {
      const k = b.data[0];
      await sleep(delay(k));
      if (fail(k)) throw new BatchFailedError(`batch ${k} failed`);
      return { events: 1, matches: k % 2 === 0 ? [match(k)] : [], rejections: [], truncated: 0 } satisfies Evaluation;
    },
    async reload() {},
    async close() {},
  };
}

function sink(log: string[], delayMs = 0): AlertSink & { alerts: Alert[] } {
  const alerts: Alert[] = [];
  return {
    alerts,
    async emit(a) {
      await sleep(delayMs);
      alerts.push(...a);
      log.push(`emit ${a.map((x) => x.eventId).join(',')}`);
    },
    async flush() {},
    async close() {},
  };
}

describe('pipeline', () => {
  it('delivers alerts in source order whatever order the evaluator finishes in, acking each after its emit', async () => {
    const log: string[] = [];
    const out = sink(log);
    const stats = await new Pipeline(source(8, log), evaluator((k) => (8 - k) * 3), out, { inFlight: 4 }).run();
    expect(out.alerts.map((a) => a.eventId)).toEqual(['id0', 'id2', 'id4', 'id6']);
    const acks = log.filter((l) => l.startsWith('ack'));
    expect(acks).toEqual([0, 1, 2, 3, 4, 5, 6, 7].map((k) => `ack ${k}`));
    expect(log.indexOf('ack 2')).toBeGreaterThan(log.indexOf('emit id2'));
    expect(stats).toMatchObject({ batches: 8, events: 8, alerts: 4, failedBatches: 0 });
  });

  it('delivers a batch without waiting for the window to fill (a slow source is not held back)', async () => {
    const log: string[] = [];
    const slow: Source = {
      name: 'slow',
      async close() {},
      async *[Symbol.asyncIterator]() {
        const s = source(1, log);
        for await (const b of s) yield b;
        await sleep(200);
      },
    };
    const started = performance.now();
    let emittedAt = 0;
    const out = sink(log);
    const emit = out.emit.bind(out);
    out.emit = async (a) => { emittedAt = performance.now(); await emit(a); };
    await new Pipeline(slow, evaluator(() => 0), out, { inFlight: 8 }).run();
    expect(emittedAt - started).toBeLessThan(100);
  });

  it('a slow sink stops the reader: never more than the window read ahead of the sink', async () => {
    const log: string[] = [];
    const src = source(30, log);
    const out = sink(log, 5);
    let maxAhead = 0;
    const emit = out.emit.bind(out);
    out.emit = async (a) => { maxAhead = Math.max(maxAhead, src.read - out.alerts.length * 2); await emit(a); };
    await new Pipeline(src, evaluator(() => 0), out, { inFlight: 3 }).run();
    expect(out.alerts.length).toBe(15);
    // the window (3) plus the batch the reader holds while waiting for a slot, plus the one being emitted
    expect(maxAhead).toBeLessThanOrEqual(5);
  });

  it('reports a batch the evaluator gave up on, acks it, and goes on', async () => {
    const log: string[] = [];
    const failed: string[] = [];
    const out = sink(log);
    const stats = await new Pipeline(source(6, log), evaluator(() => 1, (k) => k === 2), out, {
      onFailure: (b, e) => failed.push(`${b.origin(0)}: ${e.code}: ${e.message}`),
    }).run();
    expect(failed).toEqual(['batch 2: KAWA_ERR_WORKER: batch 2 failed']);
    expect(out.alerts.map((a) => a.eventId)).toEqual(['id0', 'id4']);
    expect(log).toContain('ack 2');
    expect(stats.failedBatches).toBe(1);
  });

  it('stop() ends reading; batches already read are still delivered', async () => {
    const log: string[] = [];
    const src = source(1000, log);
    const out = sink(log);
    const p = new Pipeline(src, evaluator(() => 1), out, { inFlight: 2 });
    const done = p.run();
    await sleep(20);
    await p.stop();
    const stats = await done;
    expect(src.read).toBeLessThan(1000);
    expect(stats.batches).toBe(src.read);
  });

  it('a sink that throws fails the run (after stopping the reader)', async () => {
    const log: string[] = [];
    const src = source(1000, log);
    const out = sink(log);
    out.emit = async () => { throw new Error('disk full'); };
    await expect(new Pipeline(src, evaluator(() => 0), out).run()).rejects.toThrow('disk full');
    expect(src.read).toBeLessThan(20);
  });
});
