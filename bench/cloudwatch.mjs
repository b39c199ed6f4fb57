#!/usr/bin/env node
// CloudWatch source benchmark: a sustained EKS audit stream through the emulator, read by kawa's CloudWatch
// source (real SDK, real engine) with polling_interval 1 s, every event alerted by a catch-all rule. Reports
// events lost and duplicated (against the emulator's ground truth, per eventId) and the latency from an
// event's ingestion into CloudWatch to its alert (p50/p99/max), plus the request count and re-read factor.
//
//   node bench/cloudwatch.mjs [--rate 2000] [--seconds 60] [--max-tps 20] [--quick]
//
// The emulator runs in its own process (`kawa emulator`), so it does not share kawa's event loop. Needs dist/
// (npx tsc -p tsconfig.json). The default tier list re-reads every event at 2 s, 15 s, 2 min and 10 min of age;
// at 2,000 events/s that needs more than the real account quota of 5 FilterLogEvents/s, hence --max-tps.
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { CloudWatchLogsClient } from '@aws-sdk/client-cloudwatch-logs';
import { EngineEvaluator } from '../dist/pool/engine-evaluator.js';
import { Pipeline } from '../dist/pipeline/pipeline.js';
import { loadRules } from '../dist/rules/load.js';
import { defaultCloudWatchConfig } from '../dist/sources/cloudwatch/config.js';
import { CloudWatchSource } from '../dist/sources/cloudwatch/source.js';

const args = process.argv.slice(2);
const arg = (name, fallback) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? Number(args[i + 1]) : fallback;
};
const quick = args.includes('--quick');
const RATE = arg('rate', 2000);
const SECONDS = arg('seconds', quick ? 15 : 60);
const MAX_TPS = arg('max-tps', 20);
const GROUP = '/aws/eks/bench/cluster';

const emulator = spawn(process.execPath, ['bin/kawa.js', 'emulator', '--port', '0', '--max-events-per-group', String(RATE * (SECONDS + 30) * 2)], { stdio: ['ignore', 'pipe', 'inherit'] });
const url = await new Promise((resolve, reject) => {
  createInterface({ input: emulator.stdout }).on('line', (l) => {
    const m = /listening on (\S+)/.exec(l);
    if (m) resolve(m[1]);
  });
  emulator.on('exit', (code) => reject(new Error(`emulator exited ${code}`)));
});
const control = async (method, path, body) => {
  const res = await fetch(`${url}/_emu/${path}`, { method, body: body && JSON.stringify(body), headers: { 'content-type': 'application/json' } });
  if (!res.ok) throw new Error(`${path}: ${res.status} ${await res.text()}`);
  return path === 'truth' || path.startsWith('truth?') ? res.text() : res.json();
};

const rules = loadRules([{ name: 'all.yaml', content: '- rule: Any\n  desc: every event\n  condition: ka.auditid exists or kawa.truncated = true\n  output: "%ka.auditid"\n  priority: INFO\n  source: k8s_audit\n' }], { sources: ['k8s_audit'] });
const alertedAt = new Map();
let duplicates = 0;
const sink = {
  async emit(alerts) {
    const now = Date.now();
    for (const a of alerts) {
      if (alertedAt.has(a.eventId)) duplicates++;
      else alertedAt.set(a.eventId, now);
    }
  },
  async flush() {},
  async close() {},
};

const config = { ...defaultCloudWatchConfig('bench'), endpoint: url, region: 'us-east-1', pollingIntervalMs: 1000, maxTps: MAX_TPS, shiftMs: 5000 };
const client = new CloudWatchLogsClient({ endpoint: url, region: 'us-east-1', credentials: { accessKeyId: 'test', secretAccessKey: 'test' }, maxAttempts: 3, requestHandler: { requestTimeout: 10_000, throwOnRequestTimeout: true } });
const source = await CloudWatchSource.open(config, { client });
const pipeline = new Pipeline(source, new EngineEvaluator(rules), sink);
const started = Date.now();
await control('POST', 'config', { generators: [{ group: GROUP, ratePerSec: RATE, streams: 3, ingestDelayMs: 800 }] });
const run = pipeline.run();
const cpu0 = process.cpuUsage();
const progress = setInterval(() => process.stderr.write(`  ${Math.round((Date.now() - started) / 1000)} s: ${alertedAt.size} alerted, lag ${(source.lagMs / 1000).toFixed(1)} s, held ${source.held}\n`), 10_000);
await new Promise((r) => setTimeout(r, SECONDS * 1000));
await control('POST', 'config', { generators: [] });
const endGen = Date.now();
// drain: every event ingested by now must be read by the head within a few polls
const truth = (await control('GET', `truth?group=${encodeURIComponent(GROUP)}`)).trim().split('\n').filter(Boolean).map((l) => JSON.parse(l));
for (let waited = 0; waited < 15_000 && truth.some((e) => !alertedAt.has(e.eventId)); waited += 200) await new Promise((r) => setTimeout(r, 200));
clearInterval(progress);
const cpu = process.cpuUsage(cpu0);
const stats = await control('GET', 'stats');
await pipeline.stop();
await run;
emulator.kill('SIGTERM');

const lost = truth.filter((e) => !alertedAt.has(e.eventId)).length;
const latencies = truth.filter((e) => alertedAt.has(e.eventId)).map((e) => alertedAt.get(e.eventId) - e.ingestionTime).sort((a, b) => a - b);
const q = (p) => latencies[Math.min(latencies.length - 1, Math.floor(p * latencies.length))];
const seconds = (endGen - started) / 1000;
const fl = stats.operations.FilterLogEvents;
const result = {
  rate: RATE, seconds: Math.round(seconds), events: truth.length, eventsPerSec: Math.round(truth.length / seconds), lost, duplicated: duplicates,
  latencyMs: { p50: q(0.5), p99: q(0.99), max: latencies[latencies.length - 1] },
  requests: fl?.requests, throttled: fl?.throttled, peakRequestsPerSec: fl?.maxRequestsPerSecond, reReadFactor: Number(stats.reReadFactor?.toFixed(2)),
  kawaCpuPercent: Math.round(((cpu.user + cpu.system) / 1000 / (Date.now() - started)) * 100), maxTps: MAX_TPS, tiersS: config.tiersMs.map((t) => t / 1000),
};
console.log(JSON.stringify(result, null, 2));
process.exitCode = lost || duplicates ? 1 : 0;
