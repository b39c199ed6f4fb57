// The eight operations through the real SDK: setup, writes, reads, describe, delete, validation errors,
// authentication and per-(access key, region) namespaces.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import {
  CloudWatchLogsClient, CreateLogGroupCommand, CreateLogStreamCommand, DeleteLogGroupCommand, DescribeLogGroupsCommand,
  DescribeLogStreamsCommand, FilterLogEventsCommand, GetLogEventsCommand, PutLogEventsCommand,
} from '@aws-sdk/client-cloudwatch-logs';
import { client, CREDENTIALS, emulator, REGION } from './helpers.js';
import type { RunningEmulator } from '../../src/emulator/index.js';

let emu: RunningEmulator;
let cwl: CloudWatchLogsClient;
beforeAll(async () => {
  emu = await emulator();
  cwl = client(emu.url, { attempts: 1 });
});
afterAll(async () => {
  cwl.destroy();
  await emu.close();
});

async function setup(group: string, streams: string[]): Promise<void> {
  await cwl.send(new CreateLogGroupCommand({ logGroupName: group }));
  for (const s of streams) await cwl.send(new CreateLogStreamCommand({ logGroupName: group, logStreamName: s }));
}

async function rejection(p: Promise<unknown>): Promise<{ name: string; message: string; status?: number }> {
  try {
    await p;
  } catch (e) {
    const err = e as Error & { $metadata?: { httpStatusCode?: number } };
    return { name: err.name, message: err.message, status: err.$metadata?.httpStatusCode };
  }
  throw new Error('expected the call to fail');
}

describe('setup and writes', () => {
  test('duplicates and missing parents are AWS errors', async () => {
    await setup('/ops/dup', ['a']);
    expect(await rejection(cwl.send(new CreateLogGroupCommand({ logGroupName: '/ops/dup' })))).toMatchObject({ name: 'ResourceAlreadyExistsException', status: 400 });
    expect(await rejection(cwl.send(new CreateLogStreamCommand({ logGroupName: '/ops/dup', logStreamName: 'a' })))).toMatchObject({ name: 'ResourceAlreadyExistsException' });
    expect(await rejection(cwl.send(new CreateLogStreamCommand({ logGroupName: '/ops/none', logStreamName: 'a' })))).toMatchObject({
      name: 'ResourceNotFoundException', message: 'The specified log group does not exist.',
    });
    expect(await rejection(cwl.send(new PutLogEventsCommand({ logGroupName: '/ops/dup', logStreamName: 'zz', logEvents: [{ timestamp: Date.now(), message: 'x' }] })))).toMatchObject({
      name: 'ResourceNotFoundException', message: 'The specified log stream does not exist.',
    });
  });

  test('PutLogEvents batch rules: order, span, sizes, too old / too new', async () => {
    await setup('/ops/put', ['s']);
    const put = (logEvents: { timestamp: number; message: string }[]) => cwl.send(new PutLogEventsCommand({ logGroupName: '/ops/put', logStreamName: 's', logEvents }));
    const now = Date.now();
    expect(await rejection(put([{ timestamp: now, message: 'b' }, { timestamp: now - 1, message: 'a' }]))).toMatchObject({
      name: 'InvalidParameterException', message: 'Log events in a single PutLogEvents request must be in chronological order.',
    });
    expect((await rejection(put([{ timestamp: now - 25 * 3600_000, message: 'a' }, { timestamp: now, message: 'b' }]))).message).toMatch(/cannot span more than 24 hours/);
    expect((await rejection(put([{ timestamp: now, message: 'x'.repeat(1_048_576) }]))).message).toBe('Log event too large: 1048602 bytes exceeds limit of 1048576');
    const half = 'y'.repeat(600_000);
    expect((await rejection(put([{ timestamp: now, message: half }, { timestamp: now, message: half }]))).message).toBe('Upload too large: 1200052 bytes exceeds limit of 1048576');
    expect((await rejection(put(Array.from({ length: 10_001 }, () => ({ timestamp: now, message: 'm' })))))).toMatchObject({
      name: 'InvalidParameterException', message: expect.stringMatching(/^1 validation error detected: .* at 'logEvents' failed to satisfy constraint: Member must have length less than or equal to 10000$/),
    });
    const day = 24 * 3600_000;
    const old = await put([{ timestamp: now - 14 * day - 3600_000, message: 'too old' }, { timestamp: now - 14 * day + 3600_000, message: 'kept 1' }]);
    expect(old.rejectedLogEventsInfo).toEqual({ tooOldLogEventEndIndex: 0 });
    const future = await put([{ timestamp: now + 3600_000, message: 'kept 2' }, { timestamp: now + 3 * 3600_000, message: 'too new' }]);
    expect(future.rejectedLogEventsInfo).toEqual({ tooNewLogEventStartIndex: 1 });
    const read = await cwl.send(new FilterLogEventsCommand({ logGroupName: '/ops/put' }));
    expect(read.events!.map((e) => e.message)).toEqual(['kept 1', 'kept 2']);
  });
});

describe('reads', () => {
  test('FilterLogEvents interleaves streams in (timestamp, ingestion, put order) with full event fields', async () => {
    await setup('/ops/filter', ['kube-apiserver-audit-a', 'kube-apiserver-audit-b', 'kube-apiserver-x']);
    const t = Date.now() - 60_000;
    const put = (s: string, ts: number[], tag: string) => cwl.send(new PutLogEventsCommand({ logGroupName: '/ops/filter', logStreamName: s, logEvents: ts.map((x, i) => ({ timestamp: x, message: `${tag}${i} ERROR` })) }));
    await put('kube-apiserver-audit-a', [t, t + 2], 'a');
    await put('kube-apiserver-audit-b', [t + 1, t + 2], 'b');
    await put('kube-apiserver-x', [t], 'x');
    const all = await cwl.send(new FilterLogEventsCommand({ logGroupName: '/ops/filter', logStreamNamePrefix: 'kube-apiserver-audit-' }));
    expect(all.events!.map((e) => e.message)).toEqual(['a0 ERROR', 'b0 ERROR', 'a1 ERROR', 'b1 ERROR']);
    expect(all.nextToken).toBeUndefined();
    expect(all.searchedLogStreams).toEqual([]);
    const e = all.events![0]!;
    expect(e.logStreamName).toBe('kube-apiserver-audit-a');
    expect(e.timestamp).toBe(t);
    expect(e.ingestionTime).toBeGreaterThanOrEqual(t);
    expect(e.eventId).toMatch(/^\d{56}$/);
    expect(BigInt(e.eventId!) >> 144n).toBe(BigInt(t));
    const named = await cwl.send(new FilterLogEventsCommand({ logGroupName: '/ops/filter', logStreamNames: ['kube-apiserver-x', 'kube-apiserver-audit-b'], filterPattern: '"0 ERROR"' }));
    expect(named.events!.map((x) => x.message)).toEqual(['x0 ERROR', 'b0 ERROR']);
    const arn = `arn:aws:logs:${REGION}:123456789012:log-group:/ops/filter:*`;
    const byArn = await cwl.send(new FilterLogEventsCommand({ logGroupIdentifier: arn, filterPattern: '?a1 ?x0' }));
    expect(byArn.events!.map((x) => x.message)).toEqual(['x0 ERROR', 'a1 ERROR']);
    const newest = await cwl.send(new FilterLogEventsCommand({ logGroupName: '/ops/filter', startTime: t, startFromHead: false, limit: 2 }));
    expect(newest.events!.map((x) => x.message)).toEqual(['b1 ERROR', 'a1 ERROR']);
  });

  test('FilterLogEvents validation errors', async () => {
    const cases: [Record<string, unknown>, RegExp][] = [
      [{}, /Should provide either logGroupName or logGroupIdentifier/],
      [{ logGroupName: '/ops/filter', logGroupIdentifier: '/ops/filter' }, /Should provide either/],
      [{ logGroupName: '/ops/filter', logStreamNames: ['a'], logStreamNamePrefix: 'a' }, /mutually exclusive/],
      [{ logGroupName: '/ops/filter', limit: 0 }, /^1 validation error detected: Value '0' at 'limit' failed to satisfy constraint: Member must have value greater than or equal to 1$/],
      [{ logGroupName: '/ops/filter', limit: 10_001 }, /Member must have value less than or equal to 10000/],
      [{ logGroupName: 'bad name!' }, /Member must satisfy regular expression pattern/],
      [{ logGroupName: '/ops/filter', filterPattern: 'x'.repeat(1025) }, /at 'filterPattern'/],
      [{ logGroupName: '/ops/filter', startTime: Date.UTC(2023, 5, 1), startFromHead: false }, /startFromHead=false is only supported/],
      [{ logGroupName: '/ops/filter', nextToken: 'garbage' }, /^The specified nextToken is invalid\.$/],
      [{ logGroupName: '/ops/filter', filterPattern: '{ $.verb = "create" }' }, /Invalid filter pattern/],
    ];
    for (const [input, message] of cases) {
      const r = await rejection(cwl.send(new FilterLogEventsCommand(input)));
      expect(r, JSON.stringify(input)).toMatchObject({ name: 'InvalidParameterException', status: 400, message: expect.stringMatching(message) });
    }
    expect(await rejection(cwl.send(new FilterLogEventsCommand({ logGroupName: '/ops/missing' })))).toMatchObject({
      name: 'ResourceNotFoundException', message: 'The specified log group does not exist.',
    });
  });

  test('GetLogEvents: newest page first, exclusive endTime, f/b tokens echoed at the end', async () => {
    await setup('/ops/get', ['s']);
    const t = Date.now() - 10_000;
    await cwl.send(new PutLogEventsCommand({ logGroupName: '/ops/get', logStreamName: 's', logEvents: Array.from({ length: 5 }, (_, i) => ({ timestamp: t + i, message: `m${i}` })) }));
    const newest = await cwl.send(new GetLogEventsCommand({ logGroupName: '/ops/get', logStreamName: 's', limit: 2 }));
    expect(newest.events!.map((e) => e.message)).toEqual(['m3', 'm4']);
    expect(newest.events![0]).not.toHaveProperty('eventId');
    const older = await cwl.send(new GetLogEventsCommand({ logGroupName: '/ops/get', logStreamName: 's', limit: 2, nextToken: newest.nextBackwardToken }));
    expect(older.events!.map((e) => e.message)).toEqual(['m1', 'm2']);
    const head = await cwl.send(new GetLogEventsCommand({ logGroupName: '/ops/get', logStreamName: 's', startFromHead: true, startTime: t + 1, endTime: t + 3 }));
    expect(head.events!.map((e) => e.message)).toEqual(['m1', 'm2']);
    const forward = await cwl.send(new GetLogEventsCommand({ logGroupName: '/ops/get', logStreamName: 's', startFromHead: true, nextToken: newest.nextForwardToken }));
    expect(forward.events).toEqual([]);
    expect(forward.nextForwardToken).toBe(newest.nextForwardToken);
    expect(newest.nextForwardToken).toMatch(/^f\/\d{56}$/);
  });

  test('DescribeLogGroups / DescribeLogStreams: prefix, order, paging, eventual lastEventTimestamp', async () => {
    for (const g of ['/desc/a', '/desc/b', '/desc/c']) await cwl.send(new CreateLogGroupCommand({ logGroupName: g }));
    const p1 = await cwl.send(new DescribeLogGroupsCommand({ logGroupNamePrefix: '/desc/', limit: 2 }));
    expect(p1.logGroups!.map((g) => g.logGroupName)).toEqual(['/desc/a', '/desc/b']);
    const p2 = await cwl.send(new DescribeLogGroupsCommand({ logGroupNamePrefix: '/desc/', limit: 2, nextToken: p1.nextToken }));
    expect(p2.logGroups!.map((g) => g.logGroupName)).toEqual(['/desc/c']);
    expect(p2.nextToken).toBeUndefined();
    expect(p1.logGroups![0]!.arn).toBe(`arn:aws:logs:${REGION}:123456789012:log-group:/desc/a:*`);

    for (const s of ['s1', 's2', 'other']) await cwl.send(new CreateLogStreamCommand({ logGroupName: '/desc/a', logStreamName: s }));
    const t = Date.now();
    await cwl.send(new PutLogEventsCommand({ logGroupName: '/desc/a', logStreamName: 's2', logEvents: [{ timestamp: t - 5, message: 'x' }] }));
    await cwl.send(new PutLogEventsCommand({ logGroupName: '/desc/a', logStreamName: 's1', logEvents: [{ timestamp: t, message: 'y' }] }));
    const byTime = await cwl.send(new DescribeLogStreamsCommand({ logGroupName: '/desc/a', orderBy: 'LastEventTime', descending: true }));
    expect(byTime.logStreams!.map((s) => s.logStreamName)).toEqual(['s1', 's2', 'other']);
    expect(byTime.logStreams![0]).toMatchObject({ lastEventTimestamp: t, firstEventTimestamp: t, storedBytes: 0 });
    const prefixed = await cwl.send(new DescribeLogStreamsCommand({ logGroupName: '/desc/a', logStreamNamePrefix: 's', limit: 1 }));
    expect(prefixed.logStreams!.map((s) => s.logStreamName)).toEqual(['s1']);
    expect(prefixed.nextToken).toBeDefined();
    expect(await rejection(cwl.send(new DescribeLogStreamsCommand({ logGroupName: '/desc/a', logStreamNamePrefix: 's', orderBy: 'LastEventTime' })))).toMatchObject({ name: 'InvalidParameterException' });

    emu.control.configure({ describeLagMs: 60_000 });
    try {
      const lagging = await cwl.send(new DescribeLogStreamsCommand({ logGroupName: '/desc/a', logStreamNamePrefix: 's1' }));
      expect(lagging.logStreams![0]!.lastEventTimestamp).toBeUndefined();
    } finally {
      emu.control.configure({ describeLagMs: 0 });
    }
  });

  test('DeleteLogGroup: later reads fail with ResourceNotFoundException', async () => {
    await setup('/ops/delete', ['s']);
    await cwl.send(new DeleteLogGroupCommand({ logGroupName: '/ops/delete' }));
    expect(await rejection(cwl.send(new FilterLogEventsCommand({ logGroupName: '/ops/delete' })))).toMatchObject({ name: 'ResourceNotFoundException' });
    expect(await rejection(cwl.send(new DeleteLogGroupCommand({ logGroupName: '/ops/delete' })))).toMatchObject({ name: 'ResourceNotFoundException' });
  });
});

describe('protocol', () => {
  test('unsigned requests, unknown targets and bad JSON are rejected AWS-style', async () => {
    const post = (headers: Record<string, string>, body: string) => fetch(emu.url, { method: 'POST', headers: { 'content-type': 'application/x-amz-json-1.1', ...headers }, body });
    const unsigned = await post({ 'x-amz-target': 'Logs_20140328.DescribeLogGroups' }, '{}');
    expect(unsigned.status).toBe(403);
    expect(await unsigned.json()).toMatchObject({ __type: 'MissingAuthenticationTokenException' });
    const auth = { authorization: `AWS4-HMAC-SHA256 Credential=${CREDENTIALS.accessKeyId}/20260101/${REGION}/logs/aws4_request, SignedHeaders=host, Signature=00` };
    const unknown = await post({ ...auth, 'x-amz-target': 'Logs_20140328.StartQuery' }, '{}');
    expect(unknown.status).toBe(400);
    expect(await unknown.json()).toMatchObject({ __type: 'UnknownOperationException' });
    const badJson = await post({ ...auth, 'x-amz-target': 'Logs_20140328.DescribeLogGroups' }, '{nope');
    expect(await badJson.json()).toMatchObject({ __type: 'SerializationException' });
    const ok = await post({ ...auth, 'x-amz-target': 'Logs_20140328.DescribeLogGroups' }, '');
    expect(ok.status).toBe(200);
    expect(ok.headers.get('content-type')).toBe('application/x-amz-json-1.1');
    expect(ok.headers.get('x-amzn-requestid')).toMatch(/^[0-9a-f-]{36}$/);
  });

  test('state is namespaced by access key and region', async () => {
    const other = new CloudWatchLogsClient({ endpoint: emu.url, region: 'eu-west-1', credentials: CREDENTIALS, maxAttempts: 1 });
    const stranger = new CloudWatchLogsClient({ endpoint: emu.url, region: REGION, credentials: { accessKeyId: 'AKIDOTHER', secretAccessKey: 'x' }, maxAttempts: 1 });
    try {
      await setup('/ns/g', []);
      expect((await other.send(new DescribeLogGroupsCommand({ logGroupNamePrefix: '/ns/' }))).logGroups).toEqual([]);
      expect((await stranger.send(new DescribeLogGroupsCommand({ logGroupNamePrefix: '/ns/' }))).logGroups).toEqual([]);
      await other.send(new CreateLogGroupCommand({ logGroupName: '/ns/g' }));
      expect(emu.control.truth({ group: '/ns/g' })).toEqual([]);
      expect((await cwl.send(new DescribeLogGroupsCommand({ logGroupNamePrefix: '/ns/' }))).logGroups!.length).toBe(1);
    } finally {
      other.destroy();
      stranger.destroy();
    }
  });

  test('strict mode verifies SigV4 signatures with the configured secrets', async () => {
    const strict = await emulator({ config: { secretAccessKeys: { [CREDENTIALS.accessKeyId]: CREDENTIALS.secretAccessKey } } });
    const make = (credentials: { accessKeyId: string; secretAccessKey: string }) => new CloudWatchLogsClient({ endpoint: strict.url, region: REGION, credentials, maxAttempts: 1 });
    const good = make(CREDENTIALS), wrong = make({ ...CREDENTIALS, secretAccessKey: 'wrong' }), unknown = make({ accessKeyId: 'AKIDUNKNOWN', secretAccessKey: 'x' });
    try {
      await good.send(new CreateLogGroupCommand({ logGroupName: '/strict/g' }));
      expect((await good.send(new DescribeLogGroupsCommand({ logGroupNamePrefix: '/strict/' }))).logGroups!.length).toBe(1);
      expect(await rejection(wrong.send(new DescribeLogGroupsCommand({})))).toMatchObject({ name: 'InvalidSignatureException', status: 403 });
      expect(await rejection(unknown.send(new DescribeLogGroupsCommand({})))).toMatchObject({ name: 'UnrecognizedClientException', status: 400 });
    } finally {
      for (const c of [good, wrong, unknown]) c.destroy();
      await strict.close();
    }
  });
});
