// The Kinesis source in this process against kinesalite + dynalite: one or two sources on one stream, the real
// engine and pipeline, a sink recording every alert's event id; checkpoints and lease table checked after.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Engine } from '../../src/engine/engine.js';
import { LeaseTable, SHARD_END } from '../../src/sources/kinesis/leases/table.js';
import { Pipeline } from '../../src/pipeline/pipeline.js';
import { createLogger } from '../../src/core/logger.js';
import type { Alert, AlertSink, Evaluation, Evaluator, SourceBatch } from '../../src/pipeline/types.js';
import { loadRules } from '../../src/rules/load.js';
import { defaultKinesisConfig, type KinesisConfig } from '../../src/sources/kinesis/config.js';
import { KinesisSource } from '../../src/sources/kinesis/source.js';
import { DeleteTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { PassThrough } from 'node:stream';
import { MetricsRegistry } from '../../src/core/metrics.js';
import { AlertTable } from '../../src/sources/kinesis/dedup/alert-table.js';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import type { Source } from '../../src/pipeline/types.js';
import { startSwitchProxy } from './throttle-proxy.js';
import { controlRecord, createStream, makeEvents, produce, putRecords, recordsOf, RULES, sleep, startLocalAws, type LocalAws } from './harness.js';

class TestEvaluator implements Evaluator {
  readonly window = 4;
  private readonly engine = Engine.create({ rules: loadRules([{ name: 'r.yaml', content: RULES }], { sources: ['k8s_audit'] }), ruleMatching: 'first' });
  async evaluate(b: SourceBatch): Promise<Evaluation> {
    return this.engine.evaluate(b.data, b.offsets, b.count, b.arrivalNs);
  }
  async reload() {}
  async close() {}
}

class CaptureSink implements AlertSink {
  readonly alerts: Alert[] = [];
  async emit(a: Alert[]) {
    this.alerts.push(...a);
  }
  async flush() {}
  async close() {}
}

let aws: LocalAws;
beforeAll(async () => {
  aws = await startLocalAws();
});
afterAll(async () => {
  await aws?.close();
});

function config(stream: string, worker: string): KinesisConfig {
  const c = defaultKinesisConfig(stream);
  c.endpoint = aws.kinesisUrl;
  c.leases.endpoint = aws.dynamoUrl;
  c.leases.table = `${stream}-leases`;
  c.leases.workerId = worker;
  Object.assign(c.leases, { leaseDurationMs: 2000, renewIntervalMs: 500, scanIntervalMs: 500, checkpointIntervalMs: 200 });
  c.pollIdleMs = 200;
  c.pollBusyMs = 50;
  return c;
}

async function runUntil(sources: KinesisSource[], sink: CaptureSink, done: () => boolean, timeoutMs = 20_000) {
  const pipelines = sources.map((s) => new Pipeline(s, new TestEvaluator(), sink));
  const runs = pipelines.map((p) => p.run());
  const until = performance.now() + timeoutMs;
  while (!done() && performance.now() < until) await sleep(50);
  await Promise.all(pipelines.map((p) => p.stop()));
  await Promise.all(runs);
}

describe('Kinesis source (in process)', () => {
  it('one process, 4 shards: every event once, control and poison records skipped, checkpoints at the last record', async () => {
    await createStream(aws.kinesis, 's1', 4);
    const events = makeEvents(0, 2000);
    await putRecords(aws.kinesis, 's1', [controlRecord(), new Uint8Array([1, 2, 3]), ...recordsOf(events, 20)]);
    const source = await KinesisSource.open(config('s1', 'w1'), { kinesis: aws.kinesis, dynamo: aws.dynamo, logger: process.env.KDEBUG ? createLogger({ level: 'debug' }) : undefined });
    const sink = new CaptureSink();
    await runUntil([source], sink, () => sink.alerts.length >= 2000);
    const ids = sink.alerts.map((a) => a.eventId);
    expect(new Set(ids).size).toBe(2000);
    expect(ids.length).toBe(2000);
    expect(sink.alerts.filter((a) => a.match.rule.name === 'Mallory acts').length).toBe(200);
    expect(source.stats.control).toBe(1);
    expect(source.stats.poison).toBe(1);
    const leases = await new LeaseTable(aws.dynamo, 's1-leases').scan();
    expect(leases.length).toBe(4);
    for (const l of leases) {
      expect(l.leaseOwner).toBeUndefined();
      expect(l.checkpoint).toMatch(/^\d{56}$/);
    }
  });

  it('a large GetRecords response goes downstream in batches of at most 1000 events, acknowledged as a whole', async () => {
    await createStream(aws.kinesis, 'sbig', 1);
    await putRecords(aws.kinesis, 'sbig', recordsOf(makeEvents(0, 3500), 50));
    const source = await KinesisSource.open(config('sbig', 'w'), { kinesis: aws.kinesis, dynamo: aws.dynamo });
    const sizes: number[] = [];
    const arrivals: bigint[] = [];
    const evaluator = new TestEvaluator();
    const counting: Evaluator = {
      window: 4,
      evaluate: (b) => (sizes.push(b.count), arrivals.push(...(b.arrivalNs ?? [])), evaluator.evaluate(b)), reload: async () => {}, close: async () => {},
    };
    const sink = new CaptureSink();
    const pipeline = new Pipeline(source, counting, sink);
    const run = pipeline.run();
    for (const until = performance.now() + 10_000; sink.alerts.length < 3500 && performance.now() < until;) await sleep(50);
    await sleep(500);
    await pipeline.stop();
    await run;
    expect(sizes).toEqual([1000, 1000, 1000, 500]);
    // each payload arrives with its log event's timestamp (makeEvents stamps event i at t0 + i ms)
    const t0 = Date.UTC(2026, 10, 1, 12);
    expect(arrivals).toEqual(Array.from({ length: 3500 }, (_, i) => BigInt(t0 + i) * 1_000_000n));
    expect(new Set(sink.alerts.map((x) => x.eventId)).size).toBe(3500);
    const [lease] = await new LeaseTable(aws.dynamo, 'sbig-leases').scan();
    expect(lease!.checkpoint).toMatch(/^\d+$/);
  });

  it('two processes share 4 shards 2 and 2, no event twice', async () => {
    await createStream(aws.kinesis, 's2', 4);
    const sources = [await KinesisSource.open(config('s2', 'a'), { kinesis: aws.kinesis, dynamo: aws.dynamo, logger: process.env.KDEBUG ? createLogger({ level: 'debug' }) : undefined })];
    const sink = new CaptureSink();
    const first = runUntil(sources, sink, () => sink.alerts.length >= 3000);
    const producing = produce(aws.kinesis, 's2', makeEvents(0, 3000), 10, 5000);
    await sleep(1000);
    const b = await KinesisSource.open(config('s2', 'b'), { kinesis: aws.kinesis, dynamo: aws.dynamo, logger: process.env.KDEBUG ? createLogger({ level: 'debug' }) : undefined });
    const second = runUntil([b], sink, () => sink.alerts.length >= 3000);
    await Promise.all([first, second, producing]);
    const ids = sink.alerts.map((a) => a.eventId);
    expect(new Set(ids).size).toBe(3000);
    expect(ids.length).toBe(3000);
    expect(sources[0]!.manager.counters.handoffsOut + b.manager.counters.handoffsOut).toBeGreaterThanOrEqual(1);
  });
});

describe('row 9: a CloudWatch retry (the same events in a second record, in another shard)', () => {
  it('is suppressed in-process, and across processes by the alert table', async () => {
    await createStream(aws.kinesis, 's9', 4);
    const events = makeEvents(0, 1000);
    const records = recordsOf(events, 10);
    // every record twice, each copy with its own partition key: most copies land in another shard
    await putRecords(aws.kinesis, 's9', [...records, ...records]);
    const cfg = (w: string) => {
      const c = config('s9', w);
      // two shards each, so that a copy in another shard is often read by the other process
      c.leases.maxLeasesPerWorker = 2;
      c.dedup = { alertTable: 's9-alerts', createTable: true, alertTtlHours: 1, recentEventIds: 100_000 };
      return c;
    };
    const a = await KinesisSource.open(cfg('a'), { kinesis: aws.kinesis, dynamo: aws.dynamo });
    const b = await KinesisSource.open(cfg('b'), { kinesis: aws.kinesis, dynamo: aws.dynamo });
    const sink = new CaptureSink();
    const pipelines = [a, b].map((s) => new Pipeline(s, new TestEvaluator(), s.wrapSink(sink)));
    const runs = pipelines.map((p) => p.run());
    const until = performance.now() + 20_000;
    while (a.stats.events + b.stats.events + a.stats.duplicateEvents + b.stats.duplicateEvents < 2000 && performance.now() < until) await sleep(50);
    await Promise.all(pipelines.map((p) => p.stop()));
    await Promise.all(runs);
    const ids = sink.alerts.map((x) => x.eventId);
    expect(ids.length).toBe(1000);
    expect(new Set(ids).size).toBe(1000);
    const inProcess = a.stats.duplicateEvents + b.stats.duplicateEvents;
    const byTable = a.stats.duplicateAlerts + b.stats.duplicateAlerts;
    expect(inProcess + byTable).toBe(1000);
    expect(byTable).toBeGreaterThan(0);
    expect((sink.alerts[0] as { alertId?: string }).alertId).toMatch(/^[0-9a-f]{32}$/);
  });
});

describe('an alert table that cannot be used', () => {
  it('holds the alerts, and says so: readiness, a counter by call, one warning; when it is back, each alert once', async () => {
    await createStream(aws.kinesis, 'sat', 1);
    await putRecords(aws.kinesis, 'sat', recordsOf(makeEvents(0, 200), 10));
    const lines: Record<string, unknown>[] = [];
    const log = new PassThrough();
    log.on('data', (d: Buffer) => { for (const l of d.toString().split('\n')) if (l) lines.push(JSON.parse(l) as Record<string, unknown>); });
    const metrics = new MetricsRegistry();
    const c = { ...config('sat', 'w'), dedup: { alertTable: 'sat-alerts', createTable: true, alertTtlHours: 1, recentEventIds: 100_000 } };
    const source = await KinesisSource.open(c, { kinesis: aws.kinesis, dynamo: aws.dynamo, metrics, logger: createLogger({ level: 'info', format: 'json', destination: log }) });
    // the table goes away (deleted, or the role lost its rights) before the first alert
    await aws.dynamo.send(new DeleteTableCommand({ TableName: 'sat-alerts' }));
    const sink = new CaptureSink();
    const pipeline = new Pipeline(source, new TestEvaluator(), source.wrapSink(sink));
    const run = pipeline.run();
    for (const until = performance.now() + 10_000; source.unhealthy() === undefined && performance.now() < until;) await sleep(50);
    await sleep(1000);
    expect(source.unhealthy()).toMatch(/^the alert table cannot be used: ResourceNotFoundException/);
    expect(sink.alerts).toEqual([]);
    expect(await metrics.text()).toMatch(/^kawa_kinesis_alert_table_errors_total\{call="claim"\} [1-9]\d*$/m);
    expect(lines.filter((l) => l.msg === 'alert table call failed: alerts wait, and reading stops once the pipeline is full')).toHaveLength(1);
    await new AlertTable(aws.dynamo, 'sat-alerts', 'test', { ttlHours: 1, staleMs: 1000 }).ensure(true);
    for (const until = performance.now() + 15_000; sink.alerts.length < 200 && performance.now() < until;) await sleep(50);
    await sleep(300);
    await pipeline.stop();
    await run;
    expect(new Set(sink.alerts.map((a) => a.eventId)).size).toBe(200);
    expect(sink.alerts.length).toBe(200);
    expect(source.unhealthy()).toBeUndefined();
    expect(lines.some((l) => l.msg === 'alert table reachable again')).toBe(true);
  });
});

describe('rows 12 and 14: a stalled output, an unreachable DynamoDB', () => {
  it('row 12: outputs stalled longer than the lease: no lease lost, at most max_inflight batches per shard held, then everything once', async () => {
    await createStream(aws.kinesis, 's12', 2);
    await putRecords(aws.kinesis, 's12', recordsOf(makeEvents(0, 1000), 10));
    const source = await KinesisSource.open({ ...config('s12', 'w'), maxRecordsPerCall: 10 }, { kinesis: aws.kinesis, dynamo: aws.dynamo });
    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    const sink = new CaptureSink();
    const stalled: AlertSink = { emit: async (a) => { await held; await sink.emit(a); }, flush: async () => {}, close: async () => {} };
    const pipeline = new Pipeline(source, new TestEvaluator(), stalled, { inFlight: 2 });
    const run = pipeline.run();
    await sleep(5000);
    // 2 shards x 2 batches of 10 records x 10 events fetched at most; the pipeline window holds 2 of them
    expect(source.stats.events).toBeLessThanOrEqual(2 * 2 * 100);
    expect(source.manager.counters.lost).toBe(0);
    expect(source.manager.counters.renewFailures).toBe(0);
    release();
    const until = performance.now() + 20_000;
    while (sink.alerts.length < 1000 && performance.now() < until) await sleep(50);
    await pipeline.stop();
    await run;
    expect(new Set(sink.alerts.map((a) => a.eventId)).size).toBe(1000);
    expect(sink.alerts.length).toBe(1000);
    expect(source.manager.counters.lost).toBe(0);
  });

  it('row 14: DynamoDB unreachable for one process: it stops handing out records before the other takes its shards over, and finds them lost afterwards', async () => {
    await createStream(aws.kinesis, 's14', 4);
    const proxy = await startSwitchProxy(aws.dynamoUrl);
    const cutDynamo = new DynamoDBClient({ endpoint: proxy.url, region: 'us-east-1', credentials: { accessKeyId: 'l', secretAccessKey: 'l' }, requestHandler: new NodeHttpHandler({ connectionTimeout: 300, requestTimeout: 500, throwOnRequestTimeout: true }), maxAttempts: 1 });
    const withTable = (w: string) => ({ ...config('s14', w), dedup: { alertTable: 's14-alerts', createTable: true, alertTtlHours: 1, recentEventIds: 100_000 } });
    const a = await KinesisSource.open({ ...withTable('a'), leases: { ...withTable('a').leases, maxLeasesPerWorker: 2 } }, { kinesis: aws.kinesis, dynamo: cutDynamo, logger: process.env.KDEBUG ? createLogger({ level: 'debug' }) : undefined });
    const b = await KinesisSource.open(withTable('b'), { kinesis: aws.kinesis, dynamo: aws.dynamo, logger: process.env.KDEBUG ? createLogger({ level: 'debug', name: 'B' } as never) : undefined });
    // when a handed out a batch of each shard, and the batch's events
    const handed: { shard: string; at: number; ids: string[] }[] = [];
    const recorded: Source = {
      name: a.name,
      close: () => a.close(),
      async *[Symbol.asyncIterator]() {
        for await (const batch of a) {
          handed.push({ shard: batch.origin(0).split('/')[0]!, at: performance.now(), ids: Array.from({ length: batch.count }, (_, k) => batch.eventId?.(k) ?? '') });
          yield batch;
        }
      },
    };
    const sink = new CaptureSink();
    const pa = new Pipeline(recorded, new TestEvaluator(), a.wrapSink(sink));
    const pb = new Pipeline(b, new TestEvaluator(), b.wrapSink(sink));
    const runs = [pa.run(), pb.run()];
    const producing = produce(aws.kinesis, 's14', makeEvents(0, 3000), 10, 8000);
    while (a.shards.length !== 2 || b.shards.length !== 2) await sleep(50);
    await sleep(1000);
    const aShards = a.shards;
    proxy.down = true;
    const cutAt = performance.now();
    const takenAt = new Map<string, number>();
    while (takenAt.size < 2 && performance.now() < cutAt + 15_000) {
      for (const s of aShards) if (!takenAt.has(s) && b.shards.includes(s)) takenAt.set(s, performance.now());
      await sleep(20);
    }
    await sleep(1000);
    // not ready while its lease table is out of reach; the other process is
    const cutProblem = a.unhealthy();
    expect(b.unhealthy()).toBeUndefined();
    proxy.down = false;
    const restoredAt = performance.now();
    // its first renewal after the outage tells a that the leases are gone
    for (const until = performance.now() + 5000; a.manager.counters.lost < 2 && performance.now() < until;) await sleep(50);
    for (const until = performance.now() + 5000; a.unhealthy() !== undefined && performance.now() < until;) await sleep(50);
    expect(cutProblem).toMatch(/^the lease table cannot be read: /);
    expect(a.unhealthy()).toBeUndefined();
    await producing;
    const until = performance.now() + 35_000;
    while (new Set(sink.alerts.map((x) => x.eventId)).size < 3000 && performance.now() < until) await sleep(100);
    if (process.env.KDEBUG) process.stderr.write(`STATE a=${a.shards} b=${b.shards} alerts=${new Set(sink.alerts.map((x) => x.eventId)).size} a=${JSON.stringify(a.stats)} b=${JSON.stringify(b.stats)} leases=${JSON.stringify(await new LeaseTable(aws.dynamo, 's14-leases').scan())}\n`);
    await Promise.all([pa.stop(), pb.stop()]);
    await Promise.all(runs);
    await proxy.close();
    const ids = sink.alerts.map((x) => x.eventId!);
    const seen = new Map<string, number>();
    for (const id of ids) seen.set(id, (seen.get(id) ?? 0) + 1);
    const repeated = [...seen].filter(([, n]) => n > 1).map(([id]) => id);
    // A repeat can only be an alert a's outputs took just before the cut and a could not mark sent
    // (dedup/alert-table.ts): b sends it again once the marker stayed `sending` for staleMs. Such an alert
    // is one of a batch a still had in flight at the cut, at most maxInflightBatchesPerShard per shard.
    const inFlight = new Set(aShards.flatMap((s) => handed.filter((h) => h.shard === s && h.at < cutAt).slice(-config('s14', 'a').maxInflightBatchesPerShard).flatMap((h) => h.ids)));
    expect({
      // between b's takeover and the end of the outage a handed out nothing of those shards (afterwards it may
      // legitimately get a shard back by hand-off)
      taken: takenAt.size, handedAfterTakeover: handed.filter((h) => takenAt.has(h.shard) && h.at >= takenAt.get(h.shard)! && h.at < restoredAt),
      lost: a.manager.counters.lost >= 2, distinct: new Set(ids).size, repeatedOutsideTheCut: repeated.filter((id) => !inFlight.has(id)),
    }).toEqual({ taken: 2, handedAfterTakeover: [], lost: true, distinct: 3000, repeatedOutsideTheCut: [] });
    process.stderr.write(`row 14: DynamoDB cut for a: its shards taken by b ${[...takenAt.values()].map((t) => Math.round(t - cutAt)).join(', ')} ms later; a last handed out ${aShards.map((s) => Math.round(Math.max(...handed.filter((h) => h.shard === s && h.at < restoredAt).map((h) => h.at)) - cutAt)).join(', ')} ms after the cut; ${repeated.length} alerts sent twice, of batches in flight at the cut\n`);
  });
});
