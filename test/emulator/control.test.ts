// The control API over HTTP (/_emu/...), the EKS audit generator with stream rotation, and the
// `kawa emulator` command run in-process.
import { afterEach, describe, expect, test, vi } from 'vitest';
import { writeFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CloudWatchLogsClient, DescribeLogStreamsCommand, FilterLogEventsCommand, type FilteredLogEvent } from '@aws-sdk/client-cloudwatch-logs';
import { client, CREDENTIALS, emulator, REGION } from './helpers.js';
import type { RunningEmulator } from '../../src/emulator/index.js';
import { main } from '../../src/cli/main.js';

let emu: RunningEmulator | undefined;
let cwl: CloudWatchLogsClient | undefined;
afterEach(async () => {
  cwl?.destroy();
  cwl = undefined;
  await emu?.close();
  emu = undefined;
});

const call = async (method: string, path: string, body?: unknown, headers: Record<string, string> = {}) => {
  const res = await fetch(`${emu!.url}/_emu/${path}`, { method, headers, ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) }) });
  const text = await res.text();
  return { status: res.status, text, json: () => JSON.parse(text) as any };
};

async function readAll(c: CloudWatchLogsClient, group: string, prefix?: string): Promise<FilteredLogEvent[]> {
  const out: FilteredLogEvent[] = [];
  let nextToken: string | undefined;
  do {
    const page = await c.send(new FilterLogEventsCommand({ logGroupName: group, ...(prefix ? { logStreamNamePrefix: prefix } : {}), ...(nextToken ? { nextToken } : {}) }));
    out.push(...page.events!);
    nextToken = page.nextToken;
  } while (nextToken);
  return out;
}

describe('control API over HTTP', () => {
  test('config, inserts (JSON and NDJSON), truth, stats, request log, faults, clock, reset', async () => {
    emu = await emulator({ config: { clock: { virtual: true } } });
    cwl = client(emu.url, { attempts: 1 });
    expect((await call('GET', 'health')).json()).toMatchObject({ ok: true });

    const bad = await call('POST', 'config', { pagination: { emptyPagesBeforDate: 1 } });
    expect(bad.status).toBe(400);
    expect(bad.json()).toEqual({ error: 'KAWA_ERR_CONFIG', message: 'emulator config pagination.emptyPagesBeforDate: unknown key' });
    // a generator faster than the emulator's one thread can write would stall every request
    expect((await call('POST', 'config', { generators: [{ group: '/fast', ratePerSec: 1e12 }] })).json()).toEqual({ error: 'KAWA_ERR_CONFIG', message: 'emulator config generators[0].ratePerSec: must be > 0 and at most 50000' });
    expect((await call('POST', 'config', { visibility: { delay: { uniform: [0, 0] } } })).json().visibility.delay).toEqual({ uniform: [0, 0] });

    const now = (await call('GET', 'clock')).json().serverTime as number;
    const inserted = await call('POST', 'events', { group: '/c', events: [{ stream: 'a', timestamp: now - 10, message: 'json' }, { stream: 'b', timestamp: now - 5, message: 'late', visibleAfterMs: 1000, eventId: '42' }] });
    expect(inserted.json()).toMatchObject({ inserted: 2 });
    const lines = [JSON.stringify({ logStreamName: 'c', timestamp: now - 7, message: 'cw-shaped', ingestionTime: now - 6, eventId: '7' }), '{"kind":"Event","stageTimestamp":"2026-11-01T12:00:00.000000Z"}'].join('\n');
    expect((await call('POST', 'events?group=/c&stream=raw', lines, { 'content-type': 'application/x-ndjson' })).json()).toMatchObject({ inserted: 2 });

    const truth = (await call('GET', 'truth?group=/c')).text.trim().split('\n').map((l) => JSON.parse(l));
    expect(truth.map((e) => [e.stream, e.eventId])).toEqual([
      ['raw', expect.stringMatching(/^\d{56}$/)], ['a', expect.any(String)], ['c', '0'.repeat(55) + '7'], ['b', '0'.repeat(54) + '42'],
    ]);
    expect(truth[0].timestamp).toBe(Date.UTC(2026, 10, 1, 12));

    expect((await readAll(cwl, '/c')).map((e) => e.message)).toEqual(['{"kind":"Event","stageTimestamp":"2026-11-01T12:00:00.000000Z"}', 'json', 'cw-shaped']);
    expect((await call('POST', 'clock', { advanceMs: 1000 })).json().serverTime).toBe(now + 1000);
    expect((await readAll(cwl, '/c')).length).toBe(4);

    expect((await call('POST', 'faults', [{ kind: 'throttle', count: 1 }])).json()).toEqual([{ kind: 'throttle', count: 1, remaining: 1 }]);
    expect((await call('POST', 'faults', [{ kind: 'explode' }])).status).toBe(400);
    await expect(readAll(cwl, '/c')).rejects.toThrow('Rate exceeded');
    const stats = (await call('GET', 'stats')).json();
    expect(stats).toMatchObject({ eventsServed: 7, uniqueEventsServed: 4, storedEvents: 4, faultsInjected: 1 });
    expect(stats.reReadFactor).toBeCloseTo(1.75);
    const requests = (await call('GET', 'requests')).json();
    expect(requests.map((r: any) => r.status)).toEqual([200, 200, 400]);
    expect((await call('GET', `requests?since=${requests[1].id}`)).json().length).toBe(1);
    expect((await call('GET', 'nothing-here')).status).toBe(404);

    await call('POST', 'reset');
    expect((await call('GET', 'truth')).text).toBe('');
    expect((await call('GET', 'requests')).json()).toEqual([]);
    expect((await call('GET', 'config')).json().visibility.delay).toBe(0);
  });
});

describe('EKS audit generator', () => {
  test('writes audit events at the configured rate over rotating kube-apiserver-audit-<32hex> streams', async () => {
    emu = await emulator({ config: { seed: 3, clock: { virtual: true }, generators: [{ group: '/aws/eks/demo/cluster', ratePerSec: 200, streams: 2, rotateEveryMs: 1_000, ingestDelayMs: 500 }] } });
    cwl = client(emu.url, { attempts: 1 });
    emu.control.advanceClock(3_000);
    const status = emu.control.generators()[0]!;
    expect(status.rotations).toBe(3);
    const streams = (await cwl.send(new DescribeLogStreamsCommand({ logGroupName: '/aws/eks/demo/cluster' }))).logStreams!;
    expect(streams.length).toBe(8);
    for (const s of streams) expect(s.logStreamName).toMatch(/^kube-apiserver-audit-[0-9a-f]{32}$/);

    emu.control.advanceClock(1_000); // everything before t=3000 is ingested (500 ms delay) and visible
    const truth = emu.control.truth({ group: '/aws/eks/demo/cluster' }).filter((e) => e.visibleAt <= emu!.control.now());
    const read = await readAll(cwl, '/aws/eks/demo/cluster', 'kube-apiserver-audit-');
    expect(read.length).toBe(truth.length);
    expect(read.length).toBeGreaterThan(600);
    expect(new Set(read.map((e) => e.eventId)).size).toBe(read.length);
    const audits = read.map((e) => JSON.parse(e.message!));
    expect(audits.every((a) => a.kind === 'Event' && a.apiVersion === 'audit.k8s.io/v1')).toBe(true);
    const stages = new Map<string, string[]>();
    for (const a of audits) stages.set(a.auditID, [...(stages.get(a.auditID) ?? []), a.stage]);
    expect([...stages.values()].filter((s) => s.join() === 'RequestReceived,ResponseComplete').length).toBeGreaterThan(250);
    expect(read.every((e) => e.ingestionTime! - e.timestamp! === 500)).toBe(true);

    const rotated = emu.control.rotateStreams('/aws/eks/demo/cluster');
    expect(rotated[0]!.streams.every((s) => !status.streams.includes(s))).toBe(true);
  });
});

describe('kawa emulator command', () => {
  test('starts from a config file and flags, prints the URL, serves the SDK, exits 0 on SIGTERM', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kawa-emu-'));
    const configFile = join(dir, 'emu.json');
    writeFileSync(configFile, JSON.stringify({ defaultAccessKeyId: CREDENTIALS.accessKeyId, defaultRegion: REGION, pagination: { maxEventsPerPage: 1 } }));
    const eventsFile = join(dir, 'events.jsonl');
    writeFileSync(eventsFile, [1, 2, 3].map((i) => JSON.stringify({ logStreamName: 'kube-apiserver-audit-x', timestamp: Date.now() - 1000 + i, message: `m${i}` })).join('\n'));
    const out: string[] = [];
    const write = vi.spyOn(process.stdout, 'write').mockImplementation((s) => (out.push(String(s)), true));
    const errWrite = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    try {
      const exit = main(['emulator', '--port', '0', '--config', configFile, '--load', eventsFile, '--group', '/cli', '--quota', 'FilterLogEvents=100']);
      await vi.waitFor(() => expect(out.join('')).toMatch(/^listening on http:\/\/127\.0\.0\.1:\d+\n$/), { timeout: 5_000 });
      const url = /listening on (\S+)/.exec(out.join(''))![1]!;
      cwl = client(url, { attempts: 1 });
      const page = await cwl.send(new FilterLogEventsCommand({ logGroupName: '/cli' }));
      expect(page.events!.map((e) => e.message)).toEqual(['m1']);
      expect(page.nextToken).toBeDefined();
      process.emit('SIGTERM');
      expect(await exit).toBe(0);
    } finally {
      write.mockRestore();
      errWrite.mockRestore();
    }
  });

  test('a bad flag or config is a coded usage/config error', async () => {
    const err: string[] = [];
    const errWrite = vi.spyOn(process.stderr, 'write').mockImplementation((s) => (err.push(String(s)), true));
    try {
      expect(await main(['emulator', '--port', '0', '--quota', 'FilterLogEvents'])).toBe(2);
      expect(err.join('')).toContain('kawa: KAWA_ERR_USAGE: --quota expects <Operation>=<requests per second>');
      expect(await main(['emulator', '--port', '0', '--fault', '{"kind":"nope"}'])).toBe(1);
      expect(err.join('')).toContain('KAWA_ERR_CONFIG: emulator config faults[0].kind: must be one of');
    } finally {
      errWrite.mockRestore();
    }
  });
});

describe('clock and capacity', () => {
  test('clock.offsetMs skews server time; config patches keep virtual time; a generator stops cleanly at the group cap', async () => {
    emu = await emulator({ config: { clock: { virtual: true, startMs: 1_000_000, offsetMs: -5_000 }, maxEventsPerGroup: 101, generators: [{ group: '/cap', ratePerSec: 100, streams: 1 }] } });
    expect(emu.control.now()).toBe(995_000);
    emu.control.advanceClock(10_000);
    emu.control.configure({ describeLagMs: 1 });
    expect(emu.control.now()).toBe(1_005_000);
    const [status] = emu.control.generators();
    expect(status!.error).toMatch(/is full \(maxEventsPerGroup=101\)/);
    expect(emu.control.truth({ group: '/cap' }).length).toBeLessThanOrEqual(101);
    expect(emu.control.truth({ group: '/cap' }).length).toBeGreaterThan(95);
  });

  test('a generator stops rotating, and says so, before its group holds more than 100,000 streams', async () => {
    // a year of a virtual clock with a rotation every second would make 31 million streams per stream slot
    emu = await emulator({ config: { clock: { virtual: true }, generators: [{ group: '/rot', ratePerSec: 0.01, streams: 1_000, rotateEveryMs: 1_000 }] } });
    emu.control.advanceClock(365 * 86_400_000);
    const [status] = emu.control.generators();
    expect(status!.error).toMatch(/log group '\/rot' holds 100000 streams, the most rotation makes \(100000\)/);
    expect(status!.rotations).toBe(99);
    // and one generator writes at most 1,000 streams at once
    expect(() => emu!.control.configure({ generators: [{ group: '/many', streams: 1_001 }] })).toThrow('emulator config generators[0].streams: must be an integer from 1 to 1000');
  });
});
