// The shared primitives of src/core: the ack window (in-order acknowledgement for checkpoints), the bounded
// async queue every source uses, and the idempotent metrics registry.
import { describe, expect, it } from 'vitest';
import { AckWindow } from '../../src/core/ack-window.js';
import { AsyncQueue } from '../../src/core/async-queue.js';
import { MetricsRegistry } from '../../src/core/metrics.js';

describe('AckWindow', () => {
  it('releases only a prefix of acknowledged tickets, whatever the order of the acks', () => {
    const w = new AckWindow<string>();
    const [a, b, c] = ['10', '20', '30'].map((s) => w.push(s));
    expect(w.ack(b!)).toEqual([]);
    expect(w.released).toBe(0);
    expect(w.ack(a!)).toEqual(['10', '20']);
    expect(w.released).toBe(2);
    expect(w.pending).toBe(1);
    // acknowledging twice changes nothing
    expect(w.ack(a!)).toEqual([]);
    const d = w.push('40');
    expect(w.ack(d)).toEqual([]);
    expect(w.count((_, acked) => !acked)).toBe(1);
    // a ticket that will never be acknowledged stops holding back those after it once forgotten
    expect(w.forget(c!)).toEqual(['40']);
    expect(w.released).toBe(4);
    expect(w.pending).toBe(0);
  });

  it('forgetWhere drops the unacknowledged tickets it selects', () => {
    const w = new AckWindow<{ n: number; handed: boolean }>();
    const t = [1, 2, 3].map((n) => w.push({ n, handed: n === 1 }));
    w.ack(t[0]!);
    expect(w.forgetWhere((v) => !v.handed)).toEqual([]);
    expect(w.pending).toBe(0);
    expect(w.released).toBe(3);
  });
});

describe('AsyncQueue', () => {
  it('bounds items and bytes, always admits one item into an empty queue, and drains before ending', async () => {
    const q = new AsyncQueue<string>({ maxItems: 3, maxBytes: 10, size: (s) => s.length });
    expect(q.tryPut('aaaaaaaaaaaaaaa')).toBe(true); // larger than maxBytes, but alone
    expect(q.tryPut('b')).toBe(false);
    expect(await q.take()).toBe('aaaaaaaaaaaaaaa');
    expect(q.tryPut('12345')).toBe(true);
    expect(q.tryPut('123456')).toBe(false); // 11 bytes
    const waiting = q.put('123456');
    let placed = false;
    void waiting.then(() => (placed = true));
    await new Promise((r) => setImmediate(r));
    expect(placed).toBe(false);
    expect(await q.take()).toBe('12345');
    expect(await waiting).toBe(true);
    q.close();
    expect(await q.put('late')).toBe(false);
    expect(await q.take()).toBe('123456');
    expect(await q.take()).toBeUndefined();
  });

  it('fail() ends the iteration with the error after the queued items; abandon() drops them', async () => {
    const q = new AsyncQueue<number>({ maxItems: 10 });
    q.tryPut(1);
    q.fail(new Error('boom'));
    const got: number[] = [];
    await expect((async () => { for await (const n of q) got.push(n); })()).rejects.toThrow('boom');
    expect(got).toEqual([1]);
    const r = new AsyncQueue<number>({ maxItems: 10 });
    r.tryPut(1);
    r.tryPut(2);
    expect(r.abandon()).toEqual([1, 2]);
    expect(await r.take()).toBeUndefined();
  });

  it('a consumer waiting on an empty queue wakes for the next item', async () => {
    const q = new AsyncQueue<number>({ maxItems: 1 });
    const next = q.take();
    q.tryPut(7);
    expect(await next).toBe(7);
  });
});

describe('MetricsRegistry', () => {
  it('registers a name once: a second registration returns the first metric', async () => {
    const m = new MetricsRegistry();
    const a = m.counter('things_total', 'Things', ['kind']);
    const b = m.counter('things_total', 'Things', ['kind']);
    expect(b).toBe(a);
    a.inc({ kind: 'x' });
    b.inc({ kind: 'x' });
    expect(await m.text()).toMatch(/^kawa_things_total\{kind="x"\} 2$/m);
  });

  it("has Node's process metrics from the first scrape when asked for them, and none otherwise", async () => {
    const withThem = new MetricsRegistry({ processMetrics: true });
    const text = await withThem.text();
    expect(text).toMatch(/^kawa_process_cpu_user_seconds_total \d/m);
    expect(text).toMatch(/^kawa_nodejs_heap_size_used_bytes \d/m);
    expect(await new MetricsRegistry().text()).not.toContain('kawa_process_');
  });
});
