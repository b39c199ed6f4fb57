// Unit level (design.md §15): decoder, ack-ordered checkpoints, expiry by observation with a fake clock,
// target/hand-off computation, the recent-id set, alert ids; lease and alert tables against dynalite.
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { alertId } from '../../src/alerts/alert-id.js';
import { DynamoDBClient, PutItemCommand } from '@aws-sdk/client-dynamodb';
import type { Alert } from '../../src/pipeline/types.js';
import { AlertTable } from '../../src/sources/kinesis/dedup/alert-table.js';
import { DedupSink } from '../../src/sources/kinesis/dedup/dedup-sink.js';
import { RecentIds } from '../../src/sources/kinesis/dedup/recent-ids.js';
import { ExpiryTracker, plan } from '../../src/sources/kinesis/leases/balance.js';
import { leasesToCreate, leasesToDelete } from '../../src/sources/kinesis/leases/shard-sync.js';
import { LeaseTable, SHARD_END, type LeaseItem } from '../../src/sources/kinesis/leases/table.js';
import { decodeRecord } from '../../src/sources/kinesis/decode.js';
import { startSwitchProxy } from './throttle-proxy.js';
import { controlRecord, dataRecord, GROUP, makeEvents, startLocalAws, type LocalAws } from './harness.js';

const accept = { logGroups: [GROUP], logStreamPrefix: 'kube-apiserver-audit-' };

describe('decodeRecord', () => {
  it('data, control, filtered, poison, unknown fields', async () => {
    const d = await decodeRecord(dataRecord(makeEvents(0, 3)), accept);
    expect(d.kind).toBe('data');
    if (d.kind === 'data') expect(d.events.map((e) => e.id)).toEqual(makeEvents(0, 3).map((e) => e.id));
    expect((await decodeRecord(controlRecord(), accept)).kind).toBe('control');
    expect((await decodeRecord(dataRecord(makeEvents(0, 1), 'kube-scheduler-1'), accept)).kind).toBe('filtered');
    expect((await decodeRecord(dataRecord(makeEvents(0, 1), 'kube-apiserver-audit-1', '/aws/eks/other/cluster'), accept)).kind).toBe('filtered');
    expect((await decodeRecord(new Uint8Array([0x1f, 0x8b, 1]), accept)).kind).toBe('poison');
    expect((await decodeRecord(gzipSync('{"messageType":"DATA_MESSAGE"'), accept)).kind).toBe('poison');
    expect((await decodeRecord(gzipSync('{"messageType":"DATA_MESSAGE","logGroup":"g","logStream":"s","logEvents":[{"id":1}]}'), { logGroups: [], logStreamPrefix: '' })).kind).toBe('poison');
    const extra = gzipSync(JSON.stringify({ messageType: 'DATA_MESSAGE', logGroup: GROUP, logStream: 'kube-apiserver-audit-x', logEvents: [{ id: '1', timestamp: 1, message: 'm', new: true }], policyLevel: 'x' }));
    expect(await decodeRecord(extra, accept)).toMatchObject({ kind: 'data', events: [{ id: '1', message: 'm' }] });
  });
});

const lease = (key: string, owner: string | undefined, counter: number, extra: Partial<LeaseItem> = {}): LeaseItem =>
  ({ leaseKey: key, leaseOwner: owner, leaseCounter: counter, checkpoint: 'TRIM_HORIZON', ownerSwitchesSinceCheckpoint: 0, parentShardIds: [], ...extra });

describe('expiry and balancing', () => {
  it('a lease expires when its counter stays the same for longer than the duration on our clock', () => {
    const t = new ExpiryTracker(1000);
    const l = lease('s0', 'x', 5);
    t.observe([l], 0);
    expect(t.expired(l, 900)).toBe(false);
    expect(t.expired(l, 1001)).toBe(true);
    const renewed = lease('s0', 'x', 6);
    t.observe([renewed], 1001);
    expect(t.expired(renewed, 1500)).toBe(false);
    // free leases are available at once
    const free = lease('s1', undefined, 3);
    t.observe([renewed, free], 1500);
    expect(t.expired(free, 1500)).toBe(true);
  });

  it('takes up to ceil(leases / workers), children only after their parents ended, and asks the most loaded worker', () => {
    const t = new ExpiryTracker(1000);
    const leases = [lease('s0', 'a', 1), lease('s1', 'a', 1), lease('s2', 'a', 1), lease('s3', undefined, 1), lease('s4', undefined, 0, { parentShardIds: ['s0'] })];
    t.observe(leases, 0);
    const p = plan({ leases, me: 'b', held: new Set(), tracker: t, now: 10, maxLeases: 0, random: () => 0.5 });
    expect(p.workers).toBe(2);
    expect(p.target).toBe(3);
    expect(p.take.map((l) => l.leaseKey)).toEqual(['s3']);
    leases[0] = lease('s0', 'a', 2, { checkpoint: SHARD_END });
    t.observe(leases, 20);
    const p2 = plan({ leases, me: 'b', held: new Set(), tracker: t, now: 30, maxLeases: 0, random: () => 0.5 });
    expect(p2.take.map((l) => l.leaseKey)).toEqual(['s4', 's3']);
    // nothing free: ask a's lease (a holds 3 > target 2)
    const busy = [lease('s0', 'a', 1), lease('s1', 'a', 1), lease('s2', 'a', 1), lease('s3', 'b', 1)];
    t.observe(busy, 40);
    const p3 = plan({ leases: busy, me: 'b', held: new Set(['s3']), tracker: t, now: 50, maxLeases: 0, random: () => 0 });
    expect(p3.take).toEqual([]);
    expect(p3.ask?.leaseOwner).toBe('a');
    // balanced: no ask
    const even = [lease('s0', 'a', 1), lease('s1', 'a', 1), lease('s2', 'b', 1), lease('s3', 'b', 1)];
    t.observe(even, 60);
    expect(plan({ leases: even, me: 'b', held: new Set(['s2', 's3']), tracker: t, now: 70, maxLeases: 0 }).ask).toBeUndefined();
  });

  it('shard sync: open shards get the initial position, children TRIM_HORIZON, closed shards only when reachable', () => {
    const shard = (id: string, closed: boolean, parent?: string) => ({ ShardId: id, ParentShardId: parent, SequenceNumberRange: { StartingSequenceNumber: '1', EndingSequenceNumber: closed ? '9' : undefined } });
    const shards = [shard('s0', true), shard('s1', false), shard('s2', false, 's0'), shard('s3', false, 's0')];
    expect(leasesToCreate(shards, [], 'LATEST').map((l) => [l.shardId, l.checkpoint])).toEqual([['s1', 'LATEST'], ['s2', 'TRIM_HORIZON'], ['s3', 'TRIM_HORIZON']]);
    expect(leasesToCreate(shards, [], 'TRIM_HORIZON').map((l) => l.shardId)).toEqual(['s0', 's1', 's2', 's3']);
    expect(leasesToCreate(shards, [lease('s1', undefined, 0)], 'TRIM_HORIZON').map((l) => l.shardId)).toEqual(['s2', 's3']);
  });

  it('finished leases are deleted once their shard expired from the stream and every child started', () => {
    const ended = lease('p', undefined, 9, { checkpoint: SHARD_END });
    const child = (cp: string) => lease('c', undefined, 1, { checkpoint: cp, parentShardIds: ['p'] });
    const open = [{ ShardId: 'c' }];
    expect(leasesToDelete([{ ShardId: 'p' }, ...open], [ended, child('123')])).toEqual([]);
    expect(leasesToDelete(open, [ended, child('TRIM_HORIZON')])).toEqual([]);
    expect(leasesToDelete(open, [ended, child('123')]).map((l) => l.leaseKey)).toEqual(['p']);
  });
});

describe('dedup', () => {
  it('recent ids keep the newest `capacity` ids', () => {
    const r = new RecentIds(2);
    r.add('a');
    r.add('b');
    r.add('c');
    expect([r.has('a'), r.has('b'), r.has('c'), r.size]).toEqual([false, true, true, 2]);
  });

  it('alert ids are deterministic per (rule, event id) and absent without an event id', () => {
    expect(alertId('r', '1')).toBe(alertId('r', '1'));
    expect(alertId('r', '1')).not.toBe(alertId('r', '2'));
    expect(alertId('r2', '1')).not.toBe(alertId('r', '1'));
    expect(alertId('r', undefined)).toBeUndefined();
  });
});

describe('tables against dynalite', () => {
  let aws: LocalAws;
  beforeAll(async () => {
    aws = await startLocalAws();
  });
  afterAll(async () => {
    await aws?.close();
  });

  it('lease writes are conditional: one of many takers wins, an impostor cannot renew, a stale counter cannot checkpoint', async () => {
    const table = new LeaseTable(aws.dynamo, 'units-leases');
    await table.ensure(true);
    expect(await table.create({ shardId: 's0', checkpoint: 'TRIM_HORIZON', parentShardIds: [] })).toBe(true);
    expect(await table.create({ shardId: 's0', checkpoint: 'TRIM_HORIZON', parentShardIds: [] })).toBe(false);
    const wins = await Promise.all(['a', 'b', 'c', 'd', 'e'].map((w) => table.take('s0', w, 0)));
    expect(wins.filter(Boolean).length).toBe(1);
    const owner = (await table.get('s0'))!;
    const other = ['a', 'b', 'c', 'd', 'e'].find((w) => w !== owner.leaseOwner)!;
    expect(await table.renew('s0', other, owner.leaseCounter)).toBeUndefined();
    const renewed = await table.renew('s0', owner.leaseOwner!, owner.leaseCounter);
    expect(renewed?.leaseCounter).toBe(owner.leaseCounter + 1);
    expect(await table.checkpoint('s0', owner.leaseOwner!, owner.leaseCounter, '123')).toBe(false);
    expect(await table.checkpoint('s0', owner.leaseOwner!, owner.leaseCounter + 1, '123')).toBe(true);
    expect(await table.requestHandoff('s0', owner.leaseOwner!, other)).toBe(true);
    expect(await table.requestHandoff('s0', owner.leaseOwner!, 'z')).toBe(false);
    expect(await table.release('s0', owner.leaseOwner!, owner.leaseCounter + 2, other)).toBe(true);
    expect(await table.get('s0')).toMatchObject({ leaseOwner: other, checkpoint: '123', handoffTo: undefined });
    expect(await table.deleteEnded('s0')).toBe(false);
    await table.create({ shardId: 'e', checkpoint: SHARD_END, parentShardIds: [] });
    expect(await table.deleteEnded('e')).toBe(true);
    expect(await table.get('e')).toBeUndefined();
  });

  it('alert table: one of concurrent claimers sends; a stale `sending` marker is taken over, a `sent` one never', async () => {
    let now = 0;
    const tables = ['p', 'q', 'r'].map((w) => new AlertTable(aws.dynamo, 'units-alerts', w, { ttlHours: 1, staleMs: 1000, pollMs: 5, clock: () => now }));
    /** A claim left waiting on another claim's marker, let through once staleMs passed on the tables' clock. */
    const whenStale = async (claim: Promise<string>) => {
      await new Promise((r) => setTimeout(r, 50));
      now = 1500;
      return claim;
    };
    await tables[0]!.ensure(true);
    // concurrent claimers: one wins, the others wait until it marked the alert sent, then drop it
    const results: string[] = [];
    const pending = tables.map((t, i) => t.claim('x', `x-${i}`).then((c) => (results[i] = c)));
    while (!results.includes('claimed')) await new Promise((r) => setTimeout(r, 5));
    await new Promise((r) => setTimeout(r, 30));
    expect(results.filter(Boolean)).toEqual(['claimed']);
    // only the winning claim's token marks it sent
    await tables[results.indexOf('claimed')]!.markSent('x', 'x-not-mine');
    await new Promise((r) => setTimeout(r, 30));
    expect(results.filter(Boolean)).toEqual(['claimed']);
    await tables[results.indexOf('claimed')]!.markSent('x', `x-${results.indexOf('claimed')}`);
    await Promise.all(pending);
    expect(results.filter((c) => c === 'duplicate').length).toBe(2);
    expect(await Promise.all(tables.map((t, i) => t.claim('x', `x2-${i}`)))).toEqual(['duplicate', 'duplicate', 'duplicate']);
    // p claims y and dies before marking it sent: q waits for staleMs on its own clock, then takes it over
    expect(await tables[0]!.claim('y', 'y-p')).toBe('claimed');
    expect(await whenStale(tables[1]!.claim('y', 'y-q'))).toBe('claimed');
    expect(await tables[0]!.stillMine('y', 'y-p')).toBe(false);
    expect(await tables[1]!.stillMine('y', 'y-q')).toBe(true);
    // a retry of one claim (same token) is that claim; another claim of the same process is not: p's own
    // abandoned marker on z is taken over after staleMs, not taken for a sent alert
    now = 0;
    expect(await tables[0]!.claim('z', 'z-1')).toBe('claimed');
    expect(await tables[0]!.claim('z', 'z-1')).toBe('claimed');
    expect(await whenStale(tables[0]!.claim('z', 'z-2'))).toBe('claimed');
    expect(await tables[0]!.stillMine('z', 'z-1')).toBe(false);
    // a marker an earlier kawa wrote (no claim token) is told apart by its writer and taken over the same way
    now = 0;
    await aws.dynamo.send(new PutItemCommand({ TableName: 'units-alerts', Item: { alertId: { S: 'old' }, writer: { S: 'p' }, state: { S: 'sending' }, expiresAt: { N: '9999999999' } } }));
    expect(await whenStale(tables[1]!.claim('old', 'old-q'))).toBe('claimed');
    expect(await tables[1]!.stillMine('old', 'old-q')).toBe(true);
    await tables[1]!.markSent('old', 'old-q');
    expect(await tables[2]!.claim('old', 'old-r')).toBe('duplicate');
  });

  it('dedup sink: a claim whose answer is lost after DynamoDB wrote it is still sent, once', async () => {
    const proxy = await startSwitchProxy(aws.dynamoUrl);
    try {
      // the SDK's own retry (3 attempts) meets the marker the lost attempt wrote
      const client = new DynamoDBClient({ endpoint: proxy.url, region: 'us-east-1', credentials: { accessKeyId: 'l', secretAccessKey: 'l' } });
      const table = new AlertTable(client, 'units-alerts', 'p', { ttlHours: 1, staleMs: 60_000, pollMs: 5 });
      await table.ensure(true);
      const sent: Alert[] = [];
      const sink = new DedupSink({ emit: async (a) => void sent.push(...a), flush: async () => {}, close: async () => {} }, table);
      const alert = { eventId: 'lost-answer-1', match: { rule: { name: 'r' } } } as unknown as Alert;
      proxy.loseAnswers = 1;
      await sink.emit([alert]);
      expect(proxy.loseAnswers).toBe(0);
      expect(sent.map((a) => a.eventId)).toEqual(['lost-answer-1']);
      // marked sent: a second read of the same event, by this process or another, is a repeat
      await sink.emit([alert]);
      expect(sent.length).toBe(1);
      expect(sink.stats).toEqual({ claimed: 1, duplicates: 1 });
    } finally {
      await proxy.close();
    }
  });
});

