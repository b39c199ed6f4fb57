// FilterLogEvents paging through the real SDK: fresh input per page, same-millisecond floods across
// streams and page boundaries, the 1 MB cap, inclusive bounds, empty pages with a token, scan budget,
// token validity, and the visibility / lag knobs that make late events hard to fetch.
import { afterEach, describe, expect, test } from 'vitest';
import {
  CloudWatchLogsClient, CreateLogGroupCommand, CreateLogStreamCommand, FilterLogEventsCommand, PutLogEventsCommand,
  paginateFilterLogEvents, type FilterLogEventsCommandInput, type FilteredLogEvent,
} from '@aws-sdk/client-cloudwatch-logs';
import { client, emulator } from './helpers.js';
import type { RunningEmulator, StartOptions } from '../../src/emulator/index.js';

let emu: RunningEmulator | undefined;
let cwl: CloudWatchLogsClient | undefined;
afterEach(async () => {
  cwl?.destroy();
  await emu?.close();
  emu = undefined;
});

async function start(options: StartOptions = {}): Promise<CloudWatchLogsClient> {
  emu = await emulator(options);
  cwl = client(emu.url, { attempts: 1 });
  return cwl;
}

async function seed(c: CloudWatchLogsClient, group: string, streams: Record<string, { timestamp: number; message: string }[]>): Promise<void> {
  await c.send(new CreateLogGroupCommand({ logGroupName: group }));
  for (const [stream, events] of Object.entries(streams)) {
    await c.send(new CreateLogStreamCommand({ logGroupName: group, logStreamName: stream }));
    if (events.length) await c.send(new PutLogEventsCommand({ logGroupName: group, logStreamName: stream, logEvents: events }));
  }
}

/** Follows nextToken with a fresh input object per page (never reusing one the SDK could mutate). */
async function readAll(c: CloudWatchLogsClient, input: () => FilterLogEventsCommandInput): Promise<FilteredLogEvent[][]> {
  const pages: FilteredLogEvent[][] = [];
  let nextToken: string | undefined;
  do {
    const out = await c.send(new FilterLogEventsCommand({ ...input(), ...(nextToken ? { nextToken } : {}) }));
    pages.push(out.events ?? []);
    nextToken = out.nextToken;
    expect(nextToken).not.toBe('');
  } while (nextToken);
  return pages;
}

const bytesOf = (page: FilteredLogEvent[]) => page.reduce((n, e) => n + Buffer.byteLength(e.message!, 'utf8') + 26, 0);

describe('same-millisecond floods', () => {
  test('1,000 events in one millisecond across three streams, pages of 100: each exactly once, in key order', async () => {
    const c = await start();
    const t = Date.now() - 5_000;
    const streams: Record<string, { timestamp: number; message: string }[]> = {};
    for (let s = 0; s < 3; s++) streams[`kube-apiserver-audit-${s}`] = Array.from({ length: s === 0 ? 334 : 333 }, (_, i) => ({ timestamp: t, message: `s${s}-${i}` }));
    await seed(c, '/flood', streams);
    const pages = await readAll(c, () => ({ logGroupName: '/flood', logStreamNamePrefix: 'kube-apiserver-audit-', startTime: t, endTime: t, limit: 100 }));
    expect(pages.map((p) => p.length)).toEqual(Array(10).fill(100));
    const events = pages.flat();
    const ids = events.map((e) => e.eventId!);
    expect(new Set(ids).size).toBe(1000);
    expect(new Set(ids)).toEqual(new Set(emu!.control.truth({ group: '/flood' }).map((e) => e.eventId)));
    // same timestamp: ingestion time, then put request, then position in the batch
    const order = events.map((e) => `${e.ingestionTime}`.padStart(15, '0') + e.message!.replace(/\d+$/, (d) => d.padStart(4, '0')));
    expect([...order].sort()).toEqual(order);
    expect(emu!.control.stats().reReadFactor).toBe(1);
  });

  test('pages stop at 1,048,576 bytes (message bytes + 26 per event) and always carry at least one event', async () => {
    const c = await start();
    const t = Date.now() - 5_000;
    const big = 'x'.repeat(2_000);
    await seed(c, '/bytes', {
      a: Array.from({ length: 500 }, () => ({ timestamp: t, message: big })),
      b: Array.from({ length: 500 }, () => ({ timestamp: t, message: big })),
    });
    const pages = await readAll(c, () => ({ logGroupName: '/bytes' }));
    expect(pages.map((p) => p.length)).toEqual([517, 483]);
    for (const p of pages) expect(bytesOf(p)).toBeLessThanOrEqual(1_048_576);

    const huge = 'h'.repeat(1_048_000);
    await seed(c, '/one', { a: [{ timestamp: t, message: huge }], b: [{ timestamp: t, message: huge }] });
    expect((await readAll(c, () => ({ logGroupName: '/one' }))).map((p) => p.length)).toEqual([1, 1]);
  });
});

describe('time bounds', () => {
  test('startTime and endTime are inclusive; endTimeInclusive:false makes endTime exclusive', async () => {
    const c = await start();
    const t = Date.now() - 5_000;
    await seed(c, '/bounds', { s: [t - 1, t, t + 1, t + 2].map((ts) => ({ timestamp: ts, message: String(ts - t) })) });
    const read = async () => (await readAll(c, () => ({ logGroupName: '/bounds', startTime: t, endTime: t + 1 }))).flat().map((e) => e.message);
    expect(await read()).toEqual(['0', '1']);
    emu!.control.configure({ endTimeInclusive: false });
    expect(await read()).toEqual(['0']);
  });
});

describe('page shapes', () => {
  test('the SDK paginator walks empty pages that carry a nextToken', async () => {
    const c = await start({ config: { pagination: { emptyPagesBeforeData: 3 } } });
    const t = Date.now() - 5_000;
    await seed(c, '/empty', { s: Array.from({ length: 5 }, (_, i) => ({ timestamp: t + i, message: `m${i}` })) });
    const sizes: number[] = [];
    for await (const page of paginateFilterLogEvents({ client: c, pageSize: 2 }, { logGroupName: '/empty' })) sizes.push(page.events!.length);
    expect(sizes).toEqual([0, 0, 0, 2, 2, 1]);
  });

  test('a scan budget yields partial pages with nextToken; maxEventsPerPage caps pages below the limit', async () => {
    const c = await start({ config: { pagination: { scanBudget: 7 } } });
    const t = Date.now() - 5_000;
    await seed(c, '/budget', { a: Array.from({ length: 20 }, (_, i) => ({ timestamp: t + i, message: `a${i}` })), b: Array.from({ length: 10 }, (_, i) => ({ timestamp: t + i, message: `b${i}` })) });
    const pages = await readAll(c, () => ({ logGroupName: '/budget', logStreamNames: ['a'] }));
    expect(pages.flat().map((e) => e.message)).toEqual(Array.from({ length: 20 }, (_, i) => `a${i}`));
    expect(pages.some((p) => p.length < 7)).toBe(true);
    expect(pages.every((p) => p.length <= 7)).toBe(true);

    emu!.control.configure({ pagination: { scanBudget: null, maxEventsPerPage: 8 } });
    const capped = await readAll(c, () => ({ logGroupName: '/budget', limit: 100 }));
    expect(capped.map((p) => p.length)).toEqual([8, 8, 8, 6]);
  });

  test('randomPartialPages is deterministic for a seed', async () => {
    const sizes = async () => {
      const c = await start({ config: { seed: 42, pagination: { randomPartialPages: true } } });
      const t = Date.now() - 5_000;
      await seed(c, '/random', { s: Array.from({ length: 60 }, (_, i) => ({ timestamp: t + i, message: `m${i}` })) });
      const pages = await readAll(c, () => ({ logGroupName: '/random', limit: 20 }));
      expect(pages.flat().length).toBe(60);
      c.destroy();
      await emu!.close();
      return pages.map((p) => p.length);
    };
    const first = await sizes();
    expect(await sizes()).toEqual(first);
    expect(new Set(first).size).toBeGreaterThan(1);
  });

  test('duplicateAcrossPages repeats the previous page\'s last event (dedup by eventId needed)', async () => {
    const c = await start({ config: { duplicateAcrossPages: 1 } });
    const t = Date.now() - 5_000;
    await seed(c, '/dup', { s: Array.from({ length: 6 }, (_, i) => ({ timestamp: t + i, message: `m${i}` })) });
    const pages = await readAll(c, () => ({ logGroupName: '/dup', limit: 3 }));
    expect(pages[1]![0]!.eventId).toBe(pages[0]![2]!.eventId);
    expect(new Set(pages.flat().map((e) => e.eventId)).size).toBe(6);
  });
});

describe('tokens', () => {
  test('a token is bound to its query, expires, and can be invalidated', async () => {
    const c = await start({ config: { clock: { virtual: true }, pagination: { tokenTtlMs: 1_000 } } });
    const t = emu!.control.now() - 5_000;
    await seed(c, '/tok', { s: Array.from({ length: 4 }, (_, i) => ({ timestamp: t + i, message: `m${i}` })) });
    const first = await c.send(new FilterLogEventsCommand({ logGroupName: '/tok', limit: 1 }));
    const fail = (input: FilterLogEventsCommandInput) => c.send(new FilterLogEventsCommand(input)).then(() => 'ok', (e: Error) => `${e.name}: ${e.message}`);
    expect(await fail({ logGroupName: '/tok', limit: 1, startTime: t, nextToken: first.nextToken })).toBe('InvalidParameterException: The specified nextToken is invalid.');
    expect(await fail({ logGroupName: '/tok', limit: 5, nextToken: first.nextToken })).toBe('ok');
    emu!.control.advanceClock(1_500);
    expect(await fail({ logGroupName: '/tok', limit: 1, nextToken: first.nextToken })).toBe('InvalidParameterException: The specified nextToken has expired.');
    const fresh = await c.send(new FilterLogEventsCommand({ logGroupName: '/tok', limit: 1 }));
    emu!.control.invalidateTokens();
    expect(await fail({ logGroupName: '/tok', limit: 1, nextToken: fresh.nextToken })).toBe('InvalidParameterException: The specified nextToken is invalid.');
  });
});

describe('late visibility', () => {
  test('an event visible 1.5 s after its same-millisecond sibling is missed by the live query, found by a later one', async () => {
    const c = await start({ config: { clock: { virtual: true }, visibility: { streams: { 'slow-*': 1_500 } } } });
    const t = emu!.control.now() - 100;
    await seed(c, '/late', { 'slow-1': [{ timestamp: t, message: 'late sibling' }], fast: [{ timestamp: t, message: 'on time' }] });
    const query = () => ({ logGroupName: '/late', startTime: t, endTime: t });
    expect((await readAll(c, query)).flat().map((e) => e.message)).toEqual(['on time']);
    emu!.control.advanceClock(1_499);
    expect((await readAll(c, query)).flat().map((e) => e.message)).toEqual(['on time']);
    emu!.control.advanceClock(1);
    // the late event sorts first (same timestamp and ingestion time, earlier put): a fetcher that kept
    // paging past "on time" would never see it
    expect((await readAll(c, query)).flat().map((e) => e.message)).toEqual(['late sibling', 'on time']);
  });

  test('a lagging stream ingests 40 s behind: its events appear with ingestionTime = timestamp + lag', async () => {
    const c = await start({ config: { clock: { virtual: true }, visibility: { streamLagMs: { 'kube-apiserver-audit-b': 40_000 } } } });
    const t = emu!.control.now();
    await seed(c, '/lag', { 'kube-apiserver-audit-a': [{ timestamp: t, message: 'a' }], 'kube-apiserver-audit-b': [{ timestamp: t, message: 'b' }] });
    const read = async () => (await readAll(c, () => ({ logGroupName: '/lag' }))).flat();
    expect((await read()).map((e) => e.message)).toEqual(['a']);
    emu!.control.advanceClock(40_000);
    const events = await read();
    expect(events.map((e) => e.message)).toEqual(['a', 'b']);
    expect(events[1]!.ingestionTime).toBe(t + 40_000);
  });

  test('late inject: old events inserted into a millisecond that already has visible siblings', async () => {
    const c = await start({ config: { clock: { virtual: true } } });
    const t = emu!.control.now() - 3_600_000;
    await seed(c, '/inject', { s: [{ timestamp: t, message: 'original' }] });
    const before = (await readAll(c, () => ({ logGroupName: '/inject', startTime: t }))).flat();
    emu!.control.insert({ group: '/inject', events: [{ stream: 's2', timestamp: t, message: 'injected', visibleAfterMs: 500 }] });
    expect((await readAll(c, () => ({ logGroupName: '/inject', startTime: t }))).flat()).toEqual(before);
    emu!.control.advanceClock(500);
    expect((await readAll(c, () => ({ logGroupName: '/inject', startTime: t }))).flat().map((e) => e.message)).toEqual(['original', 'injected']);
  });
});
