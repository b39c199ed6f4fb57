// The CloudWatch emulator's subscription filter end to end: PutLogEvents → PutSubscriptionFilter's Kinesis
// stream (kinesalite) → two Kinesis sources sharing it → every event once, with its CloudWatch event id.
import { CloudWatchLogsClient, CreateLogGroupCommand, CreateLogStreamCommand, DescribeSubscriptionFiltersCommand, PutLogEventsCommand } from '@aws-sdk/client-cloudwatch-logs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmulator, type RunningEmulator } from '../../src/emulator/index.js';
import { startLocalKinesis, subscribeToKinesis, type LocalKinesis } from '../../src/emulator/subscription-demo.js';
import { Engine } from '../../src/engine/engine.js';
import { Pipeline } from '../../src/pipeline/pipeline.js';
import type { Alert, AlertSink, Evaluation, Evaluator, SourceBatch } from '../../src/pipeline/types.js';
import { loadRules } from '../../src/rules/load.js';
import { KinesisSource } from '../../src/sources/kinesis/source.js';
import { localKinesisConfig } from '../../src/cli/demo-kinesis.js';
import { auditMessage, RULES, sleep } from './harness.js';

const GROUP = '/aws/eks/demo/cluster';
let local: LocalKinesis;
let emu: RunningEmulator;

beforeAll(async () => {
  local = await startLocalKinesis({ streamName: 'sub', shards: 2 });
  emu = await startEmulator({ kinesis: { endpoint: local.kinesisEndpoint }, config: { defaultAccessKeyId: 'local' } });
});
afterAll(async () => {
  await emu?.close();
  await local?.close();
});

class Evaluate implements Evaluator {
  readonly window = 4;
  private readonly engine = Engine.create({ rules: loadRules([{ name: 'r.yaml', content: RULES }], { sources: ['k8s_audit'] }), ruleMatching: 'first' });
  async evaluate(b: SourceBatch): Promise<Evaluation> {
    return this.engine.evaluate(b.data, b.offsets, b.count);
  }
  async reload() {}
  async close() {}
}

describe('emulator subscription filter → Kinesis', () => {
  it('forwards every stored event with its id in the subscription format, read by two sharing processes', async () => {
    const logs = new CloudWatchLogsClient({ endpoint: emu.url, region: 'us-east-1', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });
    await logs.send(new CreateLogGroupCommand({ logGroupName: GROUP }));
    await logs.send(new CreateLogStreamCommand({ logGroupName: GROUP, logStreamName: 'kube-apiserver-audit-1' }));
    await subscribeToKinesis(emu.url, GROUP, local.streamArn);
    const filters = await logs.send(new DescribeSubscriptionFiltersCommand({ logGroupName: GROUP }));
    expect(filters.subscriptionFilters?.[0]).toMatchObject({ filterName: 'kawa', distribution: 'Random', destinationArn: local.streamArn });
    const now = Date.now();
    for (let b = 0; b < 10; b++) {
      const logEvents = Array.from({ length: 50 }, (_, k) => ({ timestamp: now + b * 50 + k, message: auditMessage(b * 50 + k, now + b * 50 + k) }));
      await logs.send(new PutLogEventsCommand({ logGroupName: GROUP, logStreamName: 'kube-apiserver-audit-1', logEvents }));
    }
    const truth = emu.control.truth({ group: GROUP }).map((e) => e.eventId);
    expect(truth.length).toBe(500);
    const alerts: Alert[] = [];
    const sink: AlertSink = { emit: async (a) => void alerts.push(...a), flush: async () => {}, close: async () => {} };
    const sources = await Promise.all(['w1', 'w2'].map((w) => KinesisSource.open(localKinesisConfig(local, w))));
    const pipelines = sources.map((s) => new Pipeline(s, new Evaluate(), s.wrapSink(sink)));
    const runs = pipelines.map((p) => p.run());
    const until = performance.now() + 20_000;
    while (alerts.length < 500 && performance.now() < until) await sleep(100);
    await Promise.all(pipelines.map((p) => p.stop()));
    await Promise.all(runs);
    logs.destroy();
    expect(alerts.map((a) => a.eventId).sort()).toEqual([...truth].sort());
    expect(sources[0]!.stats.control + sources[1]!.stats.control).toBe(1);
    expect(emu.subscriptions?.stats.failures).toBe(0);
  });
});
