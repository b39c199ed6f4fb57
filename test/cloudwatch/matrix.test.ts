// fetcher-design.md §5, the test matrix: each row drives the emulator (virtual clock unless said otherwise)
// and asserts, per eventId, that every event CloudWatch holds was alerted exactly once. Row 9 (kill -9 and
// restart from the checkpoint) is in crash.test.ts, with a real child process.
import { afterEach, describe, expect, it } from 'vitest';
import { harness, insert, sleep, T0, type Harness } from './harness.js';

let h: Harness | undefined;
afterEach(async () => {
  await h?.stop();
  h = undefined;
});

const STREAMS = ['kube-apiserver-audit-a', 'kube-apiserver-audit-b', 'kube-apiserver-audit-c'];

describe('CloudWatch source: the test matrix', () => {
  it('1: 50 and then 1,000 events in one millisecond across 3 streams, split over page boundaries', async () => {
    h = await harness({ emulator: { pagination: { maxEventsPerPage: 7 } } });
    const ts = T0 - 5000;
    insert(h.emu, Array.from({ length: 50 }, (_, i) => ({ stream: STREAMS[i % 3], timestamp: ts })));
    await h.advance(3000);
    await h.settle();
    h.expectExactlyOnce();
    expect(h.sink.ids).toHaveLength(50);
    h.emu.control.configure({ pagination: { maxEventsPerPage: 333 } });
    insert(h.emu, Array.from({ length: 1000 }, (_, i) => ({ stream: STREAMS[i % 3], timestamp: T0 + 2000 })), 50);
    await h.advance(20_000);
    await h.settle();
    h.expectExactlyOnce();
    expect(h.sink.ids).toHaveLength(1050);
  });

  it('2: an event of a millisecond made visible 1.5 s after its siblings is found by the first re-check, once', async () => {
    h = await harness();
    await h.advance(1000);
    const ts = h.emu.control.now() - 100;
    insert(h.emu, Array.from({ length: 20 }, (_, i) => ({ stream: STREAMS[i % 2], timestamp: ts })));
    const [late] = insert(h.emu, [{ stream: STREAMS[2], timestamp: ts, visibleAfterMs: 1500 }], 20);
    await h.advance(20_000, 250);
    await h.settle();
    h.expectExactlyOnce();
    expect(h.sink.ids).toContain(late);
    expect(h.source.stats.foundByTier[1]).toBe(1);
    expect(h.source.stats.foundByTier[0]).toBe(20);
  });

  it('3: stream B lagging stream A by 40 s: all of B found (by the 60 s re-check), none twice', async () => {
    h = await harness();
    await h.advance(1000);
    const start = h.emu.control.now();
    const ev: Parameters<typeof insert>[1] = [];
    for (let i = 0; i < 200; i++) {
      const ts = start + i * 50;
      ev.push({ stream: STREAMS[0], timestamp: ts, visibleAt: ts + 300 });
      ev.push({ stream: STREAMS[1], timestamp: ts, visibleAt: ts + 40_000 });
    }
    insert(h.emu, ev);
    await h.advance(130_000, 1000);
    await h.settle();
    h.expectExactlyOnce();
    expect(h.sink.ids).toHaveLength(400);
    expect(h.source.stats.foundByTier[3]).toBe(200);
  });

  it('4: an event searchable later than the last tier age is not found (the documented bound); one near it is, and said so', async () => {
    h = await harness();
    await h.advance(1000);
    const ts = h.emu.control.now();
    const [nearBound] = insert(h.emu, [{ timestamp: ts, visibleAt: ts + 50_000 }]);
    const [beyond] = insert(h.emu, [{ timestamp: ts + 1, visibleAt: ts + 200_000 }], 1);
    await h.advance(260_000, 2000);
    await sleep(100);
    expect(h.sink.ids).toContain(nearBound);
    expect(h.source.stats.foundByTier[3]).toBe(1);
    // reconciliation against CloudWatch's truth: exactly the event beyond the bound is missing
    const missing = h.emu.control.truth({ group: '/aws/eks/c/cluster' }).map((e) => e.eventId).filter((id) => !h!.sink.ids.includes(id));
    expect(missing).toEqual([beyond]);
  });

  it('5: a burst of throttling: no crash, no loss, the request rate stays under max_tps', async () => {
    h = await harness({ config: { maxTps: 8 }, virtual: false, emulator: { faults: [{ kind: 'throttle', ops: ['FilterLogEvents'], count: 6 }] } });
    const now = Date.now();
    insert(h.emu, Array.from({ length: 300 }, (_, i) => ({ stream: STREAMS[i % 3], timestamp: now - 3000 + i })));
    await h.settle({ maxMs: 15_000 });
    h.expectExactlyOnce();
    const op = h.emu.control.stats().operations.FilterLogEvents!;
    expect(op.throttled).toBe(6);
    expect(h.source.stats.throttles).toBe(6);
    expect(op.maxRequestsPerSecond).toBeLessThanOrEqual(9);
  });

  it('6: 5xx, connection resets, cut bodies and hangs mid-pagination: the same page is asked again', async () => {
    h = await harness({
      emulator: {
        pagination: { maxEventsPerPage: 10 },
        faults: ['internalFailure', 'serviceUnavailable', 'serviceUnavailable400', 'badGatewayHtml', 'emptyBody500', 'resetBeforeHeaders', 'partialBodyReset', 'hang']
          .map((kind) => ({ kind: kind as 'hang', ops: ['FilterLogEvents' as const], probability: 0.04 })),
      },
    });
    insert(h.emu, Array.from({ length: 400 }, (_, i) => ({ stream: STREAMS[i % 3], timestamp: T0 - 10_000 + i * 10 })));
    await h.advance(70_000, 1000, 20);
    await h.settle({ maxMs: 30_000 });
    h.expectExactlyOnce();
    expect(h.source.stats.retries).toBeGreaterThan(3);
    expect(h.source.stats.tokenRestarts).toBe(0);
  }, 60_000);

  it('7: empty pages carrying a nextToken before the data: followed to the end', async () => {
    h = await harness({ emulator: { pagination: { emptyPagesBeforeData: 6, maxEventsPerPage: 25 } } });
    insert(h.emu, Array.from({ length: 100 }, (_, i) => ({ stream: STREAMS[i % 3], timestamp: T0 - 2000 + i })));
    await h.advance(5000);
    await h.settle();
    h.expectExactlyOnce();
    expect(h.source.stats.foundByTier[0]).toBe(100);
  });

  it('8: expired or invalid tokens: the window is read again, nothing lost or repeated', async () => {
    h = await harness({ emulator: { pagination: { maxEventsPerPage: 10 }, faults: [{ kind: 'latency', latencyMs: 15, ops: ['FilterLogEvents'] }] } });
    insert(h.emu, Array.from({ length: 300 }, (_, i) => ({ stream: STREAMS[i % 3], timestamp: T0 - 3000 + i })));
    const timer = setInterval(() => h?.emu.control.invalidateTokens(), 100);
    try {
      await h.advance(3000, 500, 150);
    } finally {
      clearInterval(timer);
    }
    await h.settle();
    h.expectExactlyOnce();
    expect(h.source.stats.tokenRestarts).toBeGreaterThan(0);
  });

  it('beyond the matrix: a head read paging for seconds at the quota does not read its catch-up again', async () => {
    // 300 events of the last 3 s in pages of 10 at 10 requests/s: the first head read takes about 3 s. The next
    // read starts one overlap before the first page that could have missed an event (the last one, asked for
    // about 3 s after the newest event), not one overlap before the first read began: nothing is read twice.
    h = await harness({ virtual: false, config: { maxTps: 10, skewMs: 200, skewAuto: false, tiersMs: [60_000] }, emulator: { pagination: { maxEventsPerPage: 10 } } });
    const now = Date.now();
    insert(h.emu, Array.from({ length: 300 }, (_, i) => ({ stream: STREAMS[i % 3], timestamp: now - 3000 + i * 10 })));
    await h.settle({ maxMs: 15_000 });
    await sleep(1000);
    h.expectExactlyOnce();
    expect(h.source.stats.pages).toBeGreaterThanOrEqual(30);
    expect(h.source.stats.repeats).toBe(0);
  });

  it('10: outputs stalled for 60 s: memory stays within buffer_size, lag rises, then everything arrives once', async () => {
    h = await harness({
      config: { bufferSize: 2000 },
      emulator: { generators: [{ group: '/aws/eks/c/cluster', ratePerSec: 200, streams: 3, ingestDelayMs: 300 }] },
    });
    let release!: () => void;
    h.sink.hold = new Promise<void>((r) => (release = r));
    let maxHeld = 0;
    for (let t = 0; t < 60_000; t += 1000) {
      h.emu.control.advanceClock(1000);
      await sleep(10);
      maxHeld = Math.max(maxHeld, h.source.held);
    }
    expect(maxHeld).toBeLessThanOrEqual(2000);
    expect(h.source.lagMs).toBeGreaterThan(50_000);
    expect(h.emu.control.stats().storedEvents).toBeGreaterThan(10_000);
    h.emu.control.configure({ generators: [] });
    release();
    await h.settle({ maxMs: 60_000, stepMs: 2000 });
    await h.advance(80_000, 2000, 15);
    h.expectExactlyOnce();
    // the head catches up with the (now still) virtual clock: on a loaded machine its last polls may still
    // be on their way when the advancing stops, so wait for them (real time, bounded)
    for (const end = Date.now() + 15_000; h.source.lagMs >= 5000 && Date.now() < end;) await sleep(100);
    expect(h.source.lagMs).toBeLessThan(5000);
  }, 120_000);

  it('11: a truncated message goes to the salvage path at its CloudWatch time; a 1 MB message arrives intact', async () => {
    h = await harness({ emulator: { truncateAt: 262_144 }, maxEventSize: 1_100_000 });
    const ts = T0 - 1000;
    const big = (i: number, size: number) => auditFill(i, ts, size);
    const [cut] = insert(h.emu, [{ timestamp: ts, message: big(1, 400_000) }]);
    h.emu.control.configure({ truncateAt: null });
    const [whole] = insert(h.emu, [{ timestamp: ts + 1, message: big(2, 1_000_000) }], 1);
    await h.advance(5000);
    await h.settle();
    h.expectExactlyOnce();
    expect(h.source.stats.truncated).toBe(1);
    const cutAlert = h.sink.alerts.find((a) => a.eventId === cut)!;
    expect(cutAlert.match.truncated).toBe(true);
    expect(cutAlert.match.timeNs).toBe(BigInt(ts) * 1_000_000n);
    expect(cutAlert.match.timeSubstituted).toBe(true);
    const wholeAlert = h.sink.alerts.find((a) => a.eventId === whole)!;
    expect(wholeAlert.match.truncated).toBeFalsy();
  });

  it('12: stream rotation: new kube-apiserver-audit-<id> streams are read as they appear', async () => {
    h = await harness({ emulator: { generators: [{ group: '/aws/eks/c/cluster', ratePerSec: 50, streams: 2, rotateEveryMs: 5000, ingestDelayMs: 200 }] } });
    await h.advance(30_000, 500);
    h.emu.control.configure({ generators: [] });
    await h.settle();
    await h.advance(70_000, 2000);
    const streams = new Set(h.emu.control.truth({ group: '/aws/eks/c/cluster' }).map((e) => e.stream));
    expect(streams.size).toBeGreaterThanOrEqual(10);
    h.expectExactlyOnce();
  });

  for (const skew of [5000, -5000]) {
    it(`13: clock skew of ${skew / 1000} s between kawa and CloudWatch: nothing lost`, async () => {
      h = await harness({
        clockSkewMs: skew,
        emulator: { generators: [{ group: '/aws/eks/c/cluster', ratePerSec: 100, streams: 3, ingestDelayMs: 500 }], visibility: { delay: { uniform: [0, 3000] } } },
      });
      await h.advance(20_000, 250);
      h.emu.control.configure({ generators: [] });
      await h.advance(80_000, 2000);
      await h.settle();
      h.expectExactlyOnce();
      expect(h.sink.ids.length).toBeGreaterThan(1500);
    });
  }
});

/** A valid audit event of about `size` bytes (a large requestObject, as RequestResponse events carry). */
function auditFill(i: number, ts: number, size: number): string {
  const t = new Date(ts).toISOString().replace('Z', '000Z');
  const head = { kind: 'Event', apiVersion: 'audit.k8s.io/v1', level: 'RequestResponse', auditID: `big-${i}`, stage: 'ResponseComplete', requestURI: '/api/v1/namespaces/kube-system/configmaps/aws-auth', verb: 'update', user: { username: 'bob' }, objectRef: { resource: 'configmaps', namespace: 'kube-system', name: 'aws-auth', apiVersion: 'v1' } };
  const text = JSON.stringify({ ...head, requestObject: { data: { blob: 'x'.repeat(size) } }, requestReceivedTimestamp: t, stageTimestamp: t });
  return text;
}
