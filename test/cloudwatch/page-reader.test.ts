// One page through the rate limiter, against the emulator with the real SDK: a read's page is admitted (its
// bytes taken from the source's budget) only when its request has its turn, so reads queued for their
// account's quota hold nothing that other clusters' reads wait for (budget.ts).
import { afterEach, describe, expect, it } from 'vitest';
import { startEmulator, type RunningEmulator } from '../../src/emulator/index.js';
import { ByteBudget, PAGE_BYTES } from '../../src/sources/cloudwatch/budget.js';
import { PageReader } from '../../src/sources/cloudwatch/page-reader.js';
import { RateLimiter } from '../../src/sources/cloudwatch/rate-limiter.js';
import { client, GROUP, sleep } from './harness.js';

let emu: RunningEmulator | undefined;
const abort = new AbortController();
afterEach(async () => {
  abort.abort();
  await emu?.close();
});

describe('PageReader', () => {
  it('admits a page only once its request has a token: reads queued at the limiter hold no bytes', async () => {
    emu = await startEmulator({ config: {} });
    emu.control.insert({ group: GROUP, events: [{ stream: 'kube-apiserver-audit-a', timestamp: Date.now(), message: '{}' }] });
    const budget = new ByteBudget(64 * PAGE_BYTES);
    // one token now, the next in 5 s: the other two reads wait for theirs
    const reader = new PageReader({
      client: client(emu.url), limiter: new RateLimiter(0.2), signal: abort.signal, backoffBaseMs: 5, backoffCapMs: 50, slowPollMs: 30,
      onOutcome: () => undefined, clock: Date.now,
    });
    const input = { logGroupName: GROUP, logStreamNamePrefix: 'kube-apiserver-audit-', startTime: 0 };
    const reads = [0, 1, 2].map(() => reader.read(input, 0, () => budget.reserve(PAGE_BYTES, abort.signal)));
    const first = await Promise.race(reads);
    expect(first.out.events).toHaveLength(1);
    expect(first.sentAt).toBeLessThanOrEqual(Date.now());
    await sleep(200);
    expect(budget.held).toBe(PAGE_BYTES);
    for (const r of reads) r.catch(() => undefined);
  });
});
