// Each fault knob as the real SDK sees it: throttles retried (request log shows the attempts), quota
// buckets, 5xx / HTML / empty bodies retried, the moto-style 400 ServiceUnavailable not retried, hangs
// hitting the client's timeout, connection resets, latency, time windows, seeded probabilities, and the
// bounded-memory cap.
import { afterEach, describe, expect, test } from 'vitest';
import { CloudWatchLogsClient, FilterLogEventsCommand, PutLogEventsCommand } from '@aws-sdk/client-cloudwatch-logs';
import { client, emulator } from './helpers.js';
import type { FaultRule, RunningEmulator, StartOptions } from '../../src/emulator/index.js';

let emu: RunningEmulator | undefined;
const clients: CloudWatchLogsClient[] = [];
afterEach(async () => {
  for (const c of clients.splice(0)) c.destroy();
  await emu?.close();
  emu = undefined;
});

/** Starts an emulator holding one event in /f (inserted directly, so no fault touches the setup), then adds the rules. */
async function start(options: StartOptions = {}, faults: FaultRule[] = []): Promise<RunningEmulator> {
  emu = await emulator(options);
  emu.control.insert({ group: '/f', events: [{ stream: 's', timestamp: Date.now() - 1000, message: 'hello' }] });
  emu.control.addFaults(faults);
  return emu;
}

function sdk(opts: Parameters<typeof client>[1] = {}): CloudWatchLogsClient {
  const c = client(emu!.url, opts);
  clients.push(c);
  return c;
}

const filter = (c: CloudWatchLogsClient) => c.send(new FilterLogEventsCommand({ logGroupName: '/f' }));
const outcome = (p: Promise<unknown>) => p.then(() => 'ok', (e: Error & { $metadata?: { httpStatusCode?: number } }) => `${e.name}${e.$metadata?.httpStatusCode ? `/${e.$metadata.httpStatusCode}` : ''}`);
const filterLog = () => emu!.control.requests().filter((r) => r.op === 'FilterLogEvents');

describe('throttling', () => {
  test('a burst of ThrottlingException is retried by the SDK; the request log shows each attempt', async () => {
    await start({ config: { faults: [{ kind: 'throttle', ops: ['FilterLogEvents'], count: 2, retryAfterMs: 5 }] } });
    const out = await filter(sdk());
    expect(out.events!.map((e) => e.message)).toEqual(['hello']);
    const log = filterLog();
    expect(log.map((r) => [r.status, r.error ?? '', r.attempt])).toEqual([[400, 'ThrottlingException', 1], [400, 'ThrottlingException', 2], [200, '', 3]]);
    expect(new Set(log.map((r) => r.invocationId)).size).toBe(1);
    const stats = emu!.control.stats().operations.FilterLogEvents!;
    expect(stats).toMatchObject({ requests: 3, throttled: 2, faults: { throttle: 2 } });
  });

  test('LimitExceededException and HTTP 429 are throttling too; past the attempts the error surfaces', async () => {
    await start({}, [{ kind: 'limitExceeded', count: 1 }, { kind: 'tooManyRequests', count: 1 }]);
    // two attempts: LimitExceeded is retried, the 429 that follows is the error the caller sees
    expect(await outcome(filter(sdk({ attempts: 2 })))).toBe('TooManyRequestsException/429');
    expect(filterLog().map((r) => `${r.status} ${r.error}`)).toEqual(['400 LimitExceededException', '429 TooManyRequestsException']);
    expect(await outcome(filter(sdk({ attempts: 2 })))).toBe('ok');
  });

  test('a 5 TPS quota per (account, region, op) throttles the excess of a burst', async () => {
    await start({ config: { quota: { FilterLogEvents: 5 } } });
    const c = sdk({ attempts: 1 });
    const results = await Promise.all(Array.from({ length: 10 }, () => outcome(filter(c))));
    expect(results.filter((r) => r === 'ok').length).toBeGreaterThanOrEqual(5);
    expect(results.filter((r) => r === 'ThrottlingException/400').length).toBeGreaterThanOrEqual(4);
    expect(emu!.control.stats().operations.FilterLogEvents!.maxRequestsPerSecond).toBe(10);
  });

  test('seeded probabilistic throttling replays identically', async () => {
    const pattern = async (seed: number) => {
      await start({ config: { seed } }, [{ kind: 'throttle', probability: 0.4 }]);
      const c = sdk({ attempts: 1 });
      const seq: string[] = [];
      for (let i = 0; i < 20; i++) seq.push(await outcome(filter(c)));
      await emu!.close();
      return seq.join(',');
    };
    const a = await pattern(7);
    expect(await pattern(7)).toBe(a);
    expect(a).toContain('ThrottlingException');
    expect(a).toContain('ok');
  });

  test('a throttling window on the server clock', async () => {
    const e = await start({ config: { clock: { virtual: true } } });
    const now = e.control.now();
    e.control.addFaults([{ kind: 'throttle', fromMs: now, toMs: now + 10_000 }]);
    const c = sdk({ attempts: 1 });
    expect(await outcome(filter(c))).toBe('ThrottlingException/400');
    e.control.advanceClock(10_000);
    expect(await outcome(filter(c))).toBe('ok');
  });
});

describe('server and transport errors', () => {
  test('500, 503, HTML 502/504 and an empty 500 are all retried (transient class)', async () => {
    const faults: FaultRule[] = ['internalFailure', 'serviceUnavailable', 'badGatewayHtml', 'gatewayTimeoutHtml', 'emptyBody500'].map((kind) => ({ kind, count: 1 }) as FaultRule);
    await start({}, faults);
    expect(await outcome(filter(sdk({ attempts: 6 })))).toBe('ok');
    expect(filterLog().map((r) => r.status)).toEqual([500, 503, 502, 504, 500, 200]);
  });

  test('without retries each fault reaches the caller as AWS would report it', async () => {
    await start({}, ['internalFailure', 'serviceUnavailable', 'badGatewayHtml'].map((kind) => ({ kind, count: 1 }) as FaultRule));
    const c = sdk({ attempts: 1 });
    expect(await outcome(filter(c))).toBe('InternalFailure/500');
    expect(await outcome(filter(c))).toBe('ServiceUnavailableException/503');
    expect(await outcome(filter(c))).toMatch(/\/502$/);
  });

  test('the moto-style 400 ServiceUnavailableException, AccessDenied and ExpiredToken are not retried', async () => {
    await start({}, [{ kind: 'serviceUnavailable400', count: 1 }, { kind: 'accessDenied', count: 1 }, { kind: 'expiredToken', count: 1 }]);
    const c = sdk({ attempts: 5 });
    expect(await outcome(filter(c))).toBe('ServiceUnavailableException/400');
    expect(await outcome(filter(c))).toBe('AccessDeniedException/400');
    expect(await outcome(filter(c))).toBe('ExpiredTokenException/400');
    expect(filterLog().length).toBe(3);
  });

  test('a hang hits the client requestTimeout, and the retry succeeds', async () => {
    await start({ config: { faults: [{ kind: 'hang', ops: ['FilterLogEvents'], count: 1 }] } });
    expect(await outcome(filter(sdk({ attempts: 1, requestTimeout: 300 })))).toMatch(/Timeout/);
    emu!.control.addFaults([{ kind: 'hang', ops: ['FilterLogEvents'], count: 1 }]);
    expect(await outcome(filter(sdk({ attempts: 2, requestTimeout: 300 })))).toBe('ok');
  });

  test('connection reset before headers and mid-body are retried', async () => {
    await start({}, [{ kind: 'resetBeforeHeaders', count: 1 }, { kind: 'partialBodyReset', ops: ['FilterLogEvents'], count: 1 }]);
    expect(await outcome(filter(sdk({ attempts: 3 })))).toBe('ok');
    expect(filterLog().map((r) => r.fault ?? 'none')).toEqual(['resetBeforeHeaders', 'partialBodyReset', 'none']);
  });

  test('latency rules delay the real answer', async () => {
    await start({}, [{ kind: 'latency', latencyMs: 150, count: 1 }]);
    const t0 = performance.now();
    expect(await outcome(filter(sdk({ attempts: 1 })))).toBe('ok');
    expect(performance.now() - t0).toBeGreaterThanOrEqual(140);
    expect(filterLog()[0]!.latencyMs).toBeGreaterThanOrEqual(140);
  });
});

describe('bounded memory', () => {
  test('a group holding maxEventsPerGroup events refuses more with a clear, non-retried error', async () => {
    await start({ config: { maxEventsPerGroup: 50 } });
    const c = sdk({ attempts: 5 });
    const put = (n: number) => c.send(new PutLogEventsCommand({ logGroupName: '/f', logStreamName: 's', logEvents: Array.from({ length: n }, () => ({ timestamp: Date.now(), message: 'm' })) }));
    await put(49);
    const err = await put(2).then(() => undefined, (e: Error) => e);
    expect(err?.name).toBe('EmulatorLimitExceededException');
    expect(err?.message).toMatch(/holds 50 events and this call adds 2, above maxEventsPerGroup=50/);
    expect(emu!.control.requests().filter((r) => r.op === 'PutLogEvents').length).toBe(2);
    expect(emu!.control.truth({ group: '/f' }).length).toBe(50);
  });
});
