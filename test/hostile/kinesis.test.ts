// A Kinesis gzip bomb (issue 15, item 8): a record of just under 1 MiB that inflates to 1 GiB is refused at
// the 16 MiB cap, off the event loop, and counted as a poison record with its cause; the shard goes on.
import { createServer, request as httpRequest } from 'node:http';
import type { AddressInfo } from 'node:net';
import { PassThrough } from 'node:stream';
import { gzipSync } from 'node:zlib';
import { KinesisClient } from '@aws-sdk/client-kinesis';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger, type Logger } from '../../src/core/logger.js';
import { MetricsRegistry } from '../../src/core/metrics.js';
import { Engine } from '../../src/engine/engine.js';
import { Pipeline } from '../../src/pipeline/pipeline.js';
import type { Alert, AlertSink, Evaluation, Evaluator, SourceBatch } from '../../src/pipeline/types.js';
import { loadRules } from '../../src/rules/load.js';
import { defaultKinesisConfig } from '../../src/sources/kinesis/config.js';
import { decodeRecord, MAX_INFLATED_BYTES } from '../../src/sources/kinesis/decode.js';
import { KinesisSource } from '../../src/sources/kinesis/source.js';
import { createStream, GROUP, makeEvents, putRecords, recordsOf, RULES, sleep, startLocalAws, type LocalAws } from '../kinesis/harness.js';

/** 16 gzip members of 64 MiB of zeros each: under 1 MiB that inflates to 1 GiB (gzip -d reads every member). */
function bomb(): Buffer {
  const member = gzipSync(new Uint8Array(64 << 20), { level: 9 });
  return Buffer.concat(Array.from({ length: 16 }, () => member));
}

const accept = { logGroups: [GROUP], logStreamPrefix: 'kube-apiserver-audit-' };

/**
 * Reads stream `name` from its first record with a KinesisSource (through another endpoint and client when
 * given) and the real engine, until `expected` alerts or 20 s; then a moment more, for anything extra.
 */
async function readStream(aws: LocalAws, name: string, o: { expected: number; kinesis?: KinesisClient; kinesisUrl?: string; logger?: Logger }) {
  const c = defaultKinesisConfig(name);
  c.endpoint = o.kinesisUrl ?? aws.kinesisUrl;
  c.leases.endpoint = aws.dynamoUrl;
  c.leases.table = `${name}-leases`;
  Object.assign(c.leases, { leaseDurationMs: 2000, renewIntervalMs: 500, scanIntervalMs: 500, checkpointIntervalMs: 200 });
  c.pollIdleMs = 100;
  const metrics = new MetricsRegistry();
  const source = await KinesisSource.open(c, { kinesis: o.kinesis ?? aws.kinesis, dynamo: aws.dynamo, metrics, ...(o.logger ? { logger: o.logger } : {}) });
  const engine = Engine.create({ rules: loadRules([{ name: 'r.yaml', content: RULES }], { sources: ['k8s_audit'] }) });
  const evaluator: Evaluator = { window: 4, evaluate: async (b: SourceBatch): Promise<Evaluation> => engine.evaluate(b.data, b.offsets, b.count, b.arrivalNs), reload: async () => {}, close: async () => {} };
  const alerts: Alert[] = [];
  const sink: AlertSink = { emit: async (a) => void alerts.push(...a), flush: async () => {}, close: async () => {} };
  const pipeline = new Pipeline(source, evaluator, sink);
  const run = pipeline.run();
  for (const until = performance.now() + 20_000; alerts.length < o.expected && performance.now() < until;) await sleep(50);
  await sleep(300);
  await pipeline.stop();
  await run;
  return { alerts, source, metrics };
}

describe('a gzip bomb in a Kinesis record', () => {
  const record = bomb();

  it('is a poison record refused at the cap, and the event loop turns meanwhile', async () => {
    expect(record.length).toBeLessThan(1 << 20);
    let turns = 0;
    const timer = setInterval(() => turns++, 1);
    const rss = process.memoryUsage().rss;
    const d = await decodeRecord(record, accept);
    clearInterval(timer);
    expect(d).toEqual({ kind: 'poison', cause: 'too_large', reason: `inflates to more than ${MAX_INFLATED_BYTES} bytes (${record.length} bytes of gzip)` });
    // inflated on zlib's threads: timers ran while it did
    expect(turns).toBeGreaterThan(0);
    // never anywhere near the gigabyte
    expect(process.memoryUsage().rss - rss).toBeLessThan(256 << 20);
  });

  it('a record that inflates to less than the cap is read; a broken one is poison with its cause', async () => {
    const big = gzipSync(JSON.stringify({ messageType: 'DATA_MESSAGE', logGroup: GROUP, logStream: 'kube-apiserver-audit-0', logEvents: [{ id: '1', timestamp: 1, message: 'x'.repeat(8 << 20) }] }));
    expect(await decodeRecord(big, accept)).toMatchObject({ kind: 'data', events: [{ id: '1' }] });
    expect(await decodeRecord(big, accept, 4 << 20)).toMatchObject({ kind: 'poison', cause: 'too_large' });
    expect(await decodeRecord(new Uint8Array([0x1f, 0x8b, 8, 0, 0]), accept)).toMatchObject({ kind: 'poison', cause: 'gzip' });
    expect(await decodeRecord(gzipSync('{"messageType":'), accept)).toMatchObject({ kind: 'poison', cause: 'json' });
    expect(await decodeRecord(gzipSync('{"messageType":"OTHER"}'), accept)).toMatchObject({ kind: 'poison', cause: 'shape' });
  });

  describe('on a stream', () => {
    let aws: LocalAws;
    beforeAll(async () => {
      aws = await startLocalAws();
    });
    afterAll(async () => {
      await aws?.close();
    });

    it('the shard goes on past it: every event delivered, the bomb counted by cause', async () => {
      await createStream(aws.kinesis, 'bombs', 1);
      const events = makeEvents(0, 300);
      const records = recordsOf(events, 20);
      await putRecords(aws.kinesis, 'bombs', [...records.slice(0, 5), record, ...records.slice(5)]);
      const { alerts, source, metrics } = await readStream(aws, 'bombs', { expected: 300 });
      expect(new Set(alerts.map((a) => a.eventId)).size).toBe(300);
      expect(source.stats.poison).toBe(1);
      const text = await metrics.text();
      expect(text).toContain('kawa_kinesis_poison_records_total{cause="too_large"} 1');
      expect(text).toContain('kawa_kinesis_records_skipped_total{kind="poison"} 1');
    }, 20_000);
  });
});

/**
 * A loopback proxy in front of kinesalite that rewrites GetRecords answers: each call takes the next function
 * of `rewrites` (none left: the answer as it came).
 */
async function rewritingProxy(target: string, rewrites: ((answer: Record<string, unknown>) => unknown)[]): Promise<{ url: string; close(): Promise<void> }> {
  const to = new URL(target);
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const rewrite = String(req.headers['x-amz-target'] ?? '').endsWith('.GetRecords') ? rewrites.shift() : undefined;
      const up = httpRequest({ host: to.hostname, port: to.port, method: req.method, path: req.url, headers: req.headers }, (r) => {
        const back: Buffer[] = [];
        r.on('data', (c: Buffer) => back.push(c));
        r.on('end', () => {
          let body = Buffer.concat(back);
          if (rewrite && r.statusCode === 200) body = Buffer.from(JSON.stringify(rewrite(JSON.parse(body.toString()) as Record<string, unknown>)));
          res.writeHead(r.statusCode ?? 500, { ...r.headers, 'content-length': String(body.length) });
          res.end(body);
        });
      });
      up.on('error', () => res.destroy());
      up.end(Buffer.concat(chunks));
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, close: () => new Promise((r) => server.close(() => r())) };
}

describe('a GetRecords answer that is not one', () => {
  let aws: LocalAws;
  beforeAll(async () => {
    aws = await startLocalAws();
  });
  afterAll(async () => {
    await aws?.close();
  });

  it('is a failed request, retried; a record without a sequence number is a poison record; every other event is read', async () => {
    await createStream(aws.kinesis, 'odd', 1);
    const events = makeEvents(0, 300);
    await putRecords(aws.kinesis, 'odd', recordsOf(events, 20));
    const proxy = await rewritingProxy(aws.kinesisUrl, [
      () => ({ Records: 'x', NextShardIterator: 'it' }),
      (a) => ({ ...a, NextShardIterator: 7 }),
      // the first record loses its sequence number: its 20 events cannot be checkpointed past, and are skipped
      (a) => ({ ...a, Records: (a.Records as Record<string, unknown>[]).map((r, i) => (i === 0 ? { ...r, SequenceNumber: undefined } : r)) }),
    ]);
    const logs = new PassThrough();
    let logged = '';
    logs.on('data', (d: Buffer) => (logged += d.toString()));
    const kinesis = new KinesisClient({ endpoint: proxy.url, region: 'us-east-1', credentials: { accessKeyId: 'x', secretAccessKey: 'y' }, requestHandler: new NodeHttpHandler() });
    const { alerts, source, metrics } = await readStream(aws, 'odd', { expected: 280, kinesis, kinesisUrl: proxy.url, logger: createLogger({ level: 'info', destination: logs }) });
    kinesis.destroy();
    await proxy.close();
    const ids = alerts.map((a) => a.eventId);
    expect(new Set(ids).size).toBe(280);
    expect(ids.length).toBe(280);
    expect(source.stats.poison).toBe(1);
    expect(await metrics.text()).toContain('kawa_kinesis_poison_records_total{cause="shape"} 1');
    expect(logged).toContain('"err":"Records is not a list"');
    expect(logged).toContain('"err":"NextShardIterator is not a string"');
    expect(logged).toMatch(/"code":"KAWA_ERR_SOURCE_MALFORMED","cause":"shape","reason":"a record without a sequence number"/);
  }, 30_000);
});
