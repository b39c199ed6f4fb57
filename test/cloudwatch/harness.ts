// Test harness: the emulator (usually on a virtual clock), a CloudWatchSource reading it through the real
// SDK, the real pipeline and engine with a catch-all rule, and a sink recording the eventId of every alert —
// so "every injected event alerted exactly once" is a comparison of the alert ids with the emulator's truth.
import { CloudWatchLogsClient } from '@aws-sdk/client-cloudwatch-logs';
import { expect } from 'vitest';
import { startEmulator, type DeepPartial, type EmulatorConfig, type RunningEmulator } from '../../src/emulator/index.js';
import { Engine } from '../../src/engine/engine.js';
import { Pipeline } from '../../src/pipeline/pipeline.js';
import type { Alert, AlertSink, Evaluation, Evaluator, SourceBatch } from '../../src/pipeline/types.js';
import { loadRules } from '../../src/rules/load.js';
import type { LoadResult } from '../../src/rules/types.js';
import { defaultCloudWatchConfig, type CloudWatchConfig } from '../../src/sources/cloudwatch/config.js';
import { RateLimiter } from '../../src/sources/cloudwatch/rate-limiter.js';
import { CloudWatchSource, type CloudWatchSourceOptions } from '../../src/sources/cloudwatch/source.js';

export const T0 = Date.UTC(2026, 10, 1, 12, 0, 0);
export const CLUSTER = 'c';
export const GROUP = '/aws/eks/c/cluster';
export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export const CATCH_ALL = `
- rule: Any audit event
  desc: every event, so that delivery can be counted through alerts
  condition: ka.auditid exists or kawa.truncated = true
  output: seen %ka.auditid %ka.stage
  priority: INFO
  source: k8s_audit
`;

export function rules(text = CATCH_ALL): LoadResult {
  const r = loadRules([{ name: 'rules.yaml', content: text }], { sources: ['k8s_audit'] });
  expect(r.ok).toBe(true);
  return r;
}

/** The engine with a chosen maximum event size (1 MB events). */
export class TestEvaluator implements Evaluator {
  readonly window = 4;
  private readonly engine: Engine;
  constructor(r: LoadResult, maxEventSize = 262_144) {
    this.engine = Engine.create({ rules: r, ruleMatching: 'first', maxEventSize });
  }
  async evaluate(b: SourceBatch): Promise<Evaluation> {
    return this.engine.evaluate(b.data, b.offsets, b.count, b.arrivalNs);
  }
  async reload() {}
  async close() {}
}

/** Records alerts by eventId; can be held to stall the outputs. */
export class CaptureSink implements AlertSink {
  readonly ids: string[] = [];
  readonly alerts: Alert[] = [];
  hold: Promise<void> | undefined;
  async emit(alerts: Alert[]) {
    await this.hold;
    for (const a of alerts) {
      this.ids.push(a.eventId!);
      this.alerts.push(a);
    }
  }
  async flush() {}
  async close() {}
}

export function auditMessage(i: number, ts: number, extra: Record<string, unknown> = {}): string {
  const t = new Date(ts).toISOString().replace('Z', '000Z');
  return JSON.stringify({
    kind: 'Event', apiVersion: 'audit.k8s.io/v1', level: 'Metadata', auditID: `a-${i}`, stage: 'ResponseComplete',
    requestURI: `/api/v1/namespaces/default/pods/p${i}`, verb: 'get', user: { username: 'alice' }, sourceIPs: ['10.0.0.1'],
    objectRef: { resource: 'pods', namespace: 'default', name: `p${i}`, apiVersion: 'v1' }, ...extra,
    requestReceivedTimestamp: t, stageTimestamp: t,
  });
}

export interface Harness {
  emu: RunningEmulator;
  source: CloudWatchSource;
  sink: CaptureSink;
  evaluator: TestEvaluator;
  pipeline: Pipeline;
  done: Promise<unknown>;
  /** Advances the virtual clock by totalMs in steps, letting the source work between steps. */
  advance(totalMs: number, stepMs?: number, realMs?: number): Promise<void>;
  /** Alert ids compared with the truth of the log group (optionally only events matching `which`). */
  expectExactlyOnce(which?: (e: { eventId: string; stream: string; timestamp: number }) => boolean): void;
  /** Waits (real time, advancing virtual time) until every truth event was alerted. */
  settle(opts?: { maxMs?: number; stepMs?: number }): Promise<void>;
  stop(): Promise<void>;
}

export interface HarnessOptions {
  emulator?: DeepPartial<EmulatorConfig>;
  config?: Partial<CloudWatchConfig>;
  source?: CloudWatchSourceOptions;
  /** Fetcher clock = emulator clock - skewMs (the emulator is ahead when positive). */
  clockSkewMs?: number;
  maxAttempts?: number;
  maxEventSize?: number;
  rules?: string;
  virtual?: boolean;
}

export function client(url: string, maxAttempts = 1, requestTimeout = 1000): CloudWatchLogsClient {
  return new CloudWatchLogsClient({
    endpoint: url, region: 'us-east-1', credentials: { accessKeyId: 'test', secretAccessKey: 'test' }, maxAttempts,
    requestHandler: { connectionTimeout: 500, requestTimeout, throwOnRequestTimeout: true },
  });
}

export async function harness(o: HarnessOptions = {}): Promise<Harness> {
  const virtual = o.virtual ?? true;
  const emu = await startEmulator({ config: { ...(virtual ? { clock: { virtual: true, startMs: T0 } } : {}), ...o.emulator } });
  const skew = o.clockSkewMs ?? 0;
  const config: CloudWatchConfig = {
    ...defaultCloudWatchConfig(CLUSTER), pollingIntervalMs: 20, tiersMs: [2000, 15_000, 60_000], skewMs: 1000, maxTps: 500,
    shiftMs: 60_000, bufferSize: 20_000, ...o.config,
  };
  const source = await CloudWatchSource.open(config, {
    client: client(emu.url, o.maxAttempts ?? 1), clock: () => emu.control.now() - skew, backoffBaseMs: 5, backoffCapMs: 50, slowPollMs: 30,
    limiter: new RateLimiter(config.maxTps), ...o.source,
  });
  const sink = new CaptureSink();
  const evaluator = new TestEvaluator(rules(o.rules), o.maxEventSize);
  const pipeline = new Pipeline(source, evaluator, sink);
  const done = pipeline.run();
  done.catch(() => undefined);
  const advance = async (totalMs: number, stepMs = 500, realMs = 12) => {
    for (let t = 0; t < totalMs; t += stepMs) {
      emu.control.advanceClock(Math.min(stepMs, totalMs - t));
      await sleep(realMs);
    }
  };
  const truthIds = (which?: Parameters<Harness['expectExactlyOnce']>[0]) => emu.control.truth({ group: config.logGroup }).filter((e) => !which || which(e)).map((e) => e.eventId);
  const h: Harness = {
    emu, source, sink, evaluator, pipeline, done, advance,
    expectExactlyOnce(which) {
      const truth = truthIds(which);
      const wanted = new Set(truth);
      const counts = new Map<string, number>();
      for (const id of sink.ids) if (wanted.has(id)) counts.set(id, (counts.get(id) ?? 0) + 1);
      const missing = truth.filter((id) => !counts.has(id));
      const repeated = [...counts].filter(([, n]) => n > 1);
      expect({ missing: missing.length, repeated: repeated.length }).toEqual({ missing: 0, repeated: 0 });
      // and nothing alerted that CloudWatch does not hold
      const all = new Set(truthIds());
      expect(sink.ids.filter((id) => !all.has(id))).toEqual([]);
      expect(new Set(sink.ids).size).toBe(sink.ids.length);
    },
    async settle({ maxMs = 20_000, stepMs = 500 } = {}) {
      const started = Date.now();
      for (;;) {
        const truth = truthIds();
        const got = new Set(sink.ids);
        if (truth.every((id) => got.has(id))) return;
        if (Date.now() - started > maxMs) return;
        if (virtual) await advance(stepMs, stepMs, 15);
        else await sleep(50);
      }
    },
    async stop() {
      await pipeline.stop();
      await done.catch(() => undefined);
      await emu.close();
    },
  };
  return h;
}

export function insert(emu: RunningEmulator, events: { stream?: string; timestamp: number; message?: string; visibleAt?: number; visibleAfterMs?: number; ingestionTime?: number }[], from = 0): string[] {
  const out = emu.control.insert({
    group: GROUP,
    events: events.map((e, i) => ({ stream: e.stream ?? 'kube-apiserver-audit-a', message: e.message ?? auditMessage(from + i, e.timestamp), ...e })),
  });
  return out.eventIds;
}
