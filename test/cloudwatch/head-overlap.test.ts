// The head's overlap (cluster-reader.ts adaptOverlap): the head reads the last skew_ms again every poll for
// late-visible events; while its reads span pages and wait for the request quota, the overlap halves, so
// a busy cluster's head keeps up instead of re-reading itself behind, and it grows back to skew_ms when
// the traffic calms. Every event is still alerted exactly once: what the head no longer re-reads, the
// first re-check tier finds.
import { afterEach, describe, expect, it } from 'vitest';
import { MetricsRegistry } from '../../src/core/metrics.js';
import { RateLimiter } from '../../src/sources/cloudwatch/rate-limiter.js';
import { harness, insert, sleep, type Harness } from './harness.js';

let h: Harness | undefined;
afterEach(async () => {
  await h?.stop();
  h = undefined;
});

async function overlapSeconds(metrics: MetricsRegistry): Promise<number> {
  const m = /kawa_cloudwatch_head_overlap_seconds\{[^}]*\} ([0-9.e-]+)/.exec(await metrics.text());
  return m ? Number(m[1]) : NaN;
}

describe('CloudWatch source: the head overlap under a short quota', () => {
  it('shrinks while the head waits for the quota over several pages, grows back after, and loses nothing', { timeout: 60_000 }, async () => {
    const metrics = new MetricsRegistry();
    // 10 requests/s of real time, pages of 20 events, 100 events/s, the virtual clock at real speed: a head
    // read of 1 s of overlap takes 6 pages, 0.6 s of waiting for the quota
    h = await harness({
      emulator: { pagination: { maxEventsPerPage: 20 } },
      config: { maxTps: 10, pollingIntervalMs: 100, skewMs: 1000 },
      source: { metrics, limiter: new RateLimiter(10) },
    });
    let inserted = 0;
    let lowest = Infinity;
    for (let step = 0; step < 40; step++) {
      const now = h.emu.control.now();
      insert(h.emu, Array.from({ length: 10 }, (_, i) => ({ stream: `kube-apiserver-audit-${'abc'[i % 3]}`, timestamp: now - 90 + i * 10 })), inserted);
      inserted += 10;
      await h.advance(100, 100, 100);
      lowest = Math.min(lowest, await overlapSeconds(metrics));
    }
    expect(lowest).toBeLessThan(1);
    // calm: single-page reads let it grow back to skew_ms
    for (let i = 0; i < 200 && (await overlapSeconds(metrics)) < 1; i++) await h.advance(100, 100, 30);
    expect(await overlapSeconds(metrics)).toBe(1);
    await h.advance(70_000, 1000, 20);
    await h.settle();
    h.expectExactlyOnce();
    expect(h.sink.ids).toHaveLength(inserted);
  });
});
