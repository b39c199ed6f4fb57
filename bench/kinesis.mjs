#!/usr/bin/env node
// Kinesis path benchmark: kawa processes (`node bin/kawa.js run -c ...`, source.type kinesis) sharing a 4-shard
// stream on kinesalite, leases in dynalite (both in their own processes, loopback).
//
//   1. throughput: a stream pre-filled with EVENTS EKS audit events (the sample, copied with fresh ids, 50 per
//      record, gzip subscription format), read by 1 process, then (a fresh stream) by 2 (2 shards each); the
//      project's rules. The leases are held by a placeholder until every process runs, then freed at once, so
//      the processes start together. events/s from each process's /metrics (kawa_events_parsed_total):
//      the sum of per-process rates, and all events over first-to-last event anywhere. Target: 2 processes
//      >= 1.6x one.
//   2. failover with the default lease settings (lease 10 s, renew 3 s, scan 5 s): 2 processes, a producer at
//      RATE events/s, kill -9 of one after 15 s; failover = time from the kill to the first take of one of
//      its leases by the survivor. Every event alerted by a catch-all rule through the alert table; duplicates
//      after dedup = alert lines beyond one per event (target 0), lost = events without an alert.
//
//   node bench/kinesis.mjs [--events 100000] [--rate 500] [--quick] [--write]
//
// --write replaces the "Kinesis" section of bench/RESULTS.md. Needs dist/ (npx tsc -p tsconfig.json).
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import { availableParallelism, cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import { CreateTableCommand, DynamoDBClient, PutItemCommand, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import { CreateStreamCommand, DescribeStreamSummaryCommand, KinesisClient, ListShardsCommand, PutRecordsCommand } from '@aws-sdk/client-kinesis';
import { NodeHttpHandler } from '@smithy/node-http-handler';

const args = process.argv.slice(2);
const arg = (name, fallback) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? Number(args[i + 1]) : fallback;
};
const quick = args.includes('--quick');
const EVENTS = arg('events', quick ? 100_000 : 300_000);
const RATE = arg('rate', 500);
const PER_RECORD = 50;
const GROUP = '/aws/eks/bench/cluster';
const dir = mkdtempSync(join(tmpdir(), 'kawa-bench-kinesis-'));
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const children = [];
process.on('exit', () => children.forEach((c) => c.kill('SIGKILL')));

/** kinesalite or dynalite in a child process on a loopback port; resolves with its URL. */
function emulator(name, opts) {
  const code = `const s = require(${JSON.stringify(name)})(${JSON.stringify(opts)}); s.listen(0, '127.0.0.1', () => console.log(s.address().port));`;
  const child = spawn(process.execPath, ['-e', code], { stdio: ['ignore', 'pipe', 'inherit'] });
  children.push(child);
  return new Promise((resolve) => child.stdout.once('data', (d) => resolve(`http://127.0.0.1:${String(d).trim()}`)));
}

const kinesisUrl = await emulator('kinesalite', { createStreamMs: 0, shardLimit: 100 });
const dynamoUrl = await emulator('dynalite', { createTableMs: 0 });
const kinesis = new KinesisClient({ endpoint: kinesisUrl, region: 'us-east-1', credentials: { accessKeyId: 'l', secretAccessKey: 'l' }, requestHandler: new NodeHttpHandler() });
const dynamo = new DynamoDBClient({ endpoint: dynamoUrl, region: 'us-east-1', credentials: { accessKeyId: 'l', secretAccessKey: 'l' }, requestHandler: new NodeHttpHandler() });

async function createStream(name) {
  await kinesis.send(new CreateStreamCommand({ StreamName: name, ShardCount: 4 }));
  while ((await kinesis.send(new DescribeStreamSummaryCommand({ StreamName: name }))).StreamDescriptionSummary.StreamStatus !== 'ACTIVE') await sleep(20);
}

const sample = gunzipSync(readFileSync('samples/eks-audit.jsonl.gz')).toString('utf8').split('\n').filter(Boolean);
const t0 = Date.now();
/** Event n: a sample line (or, for the failover phase, a catch-all-rule event carrying n) with a unique 56-digit id. */
const event = (n, catchAll) => ({
  id: `4${String(n).padStart(55, '0')}`,
  timestamp: t0 + n,
  message: catchAll ? JSON.stringify({ kind: 'Event', apiVersion: 'audit.k8s.io/v1', level: 'Metadata', auditID: `b-${n}`, stage: 'ResponseComplete', verb: 'get', requestURI: '/api/v1/pods', user: { username: 'bench' }, stageTimestamp: new Date(t0 + n).toISOString(), requestReceivedTimestamp: new Date(t0 + n).toISOString() }) : sample[n % sample.length],
});

async function put(stream, from, count, catchAll) {
  const records = [];
  for (let i = from; i < from + count; i += PER_RECORD) {
    const logEvents = [];
    for (let n = i; n < Math.min(i + PER_RECORD, from + count); n++) logEvents.push(event(n, catchAll));
    records.push({ Data: gzipSync(JSON.stringify({ messageType: 'DATA_MESSAGE', owner: '123456789012', logGroup: GROUP, logStream: `kube-apiserver-audit-${i % 3}`, subscriptionFilters: ['kawa'], logEvents })), PartitionKey: Math.random().toString(36) });
  }
  for (let i = 0; i < records.length; i += 200) {
    let pending = records.slice(i, i + 200);
    while (pending.length) {
      const out = await kinesis.send(new PutRecordsCommand({ StreamName: stream, Records: pending }));
      pending = pending.filter((_, k) => out.Records[k].ErrorCode);
    }
  }
}

let port = 19_000 + Math.floor(Math.random() * 1000);
function kawa(name, stream, o) {
  const metricsPort = port++;
  const alerts = join(dir, `${name}.alerts`);
  const config = join(dir, `${name}.yaml`);
  const rules = o.catchAll ? join(dir, 'catch-all.yaml') : 'rules/kawa-eks-rules.yaml';
  if (o.catchAll) writeFileSync(rules, '- rule: Any\n  desc: every event\n  condition: ka.auditid exists\n  output: seen %ka.auditid\n  priority: INFO\n  source: k8s_audit\n');
  writeFileSync(config, `rules_files: [${rules}]
json_output: true
stdout_output: {enabled: false}
file_output: {enabled: true, filename: ${alerts}, keep_alive: true}
webserver: {enabled: true, listen_address: 127.0.0.1, listen_port: ${metricsPort}}
watch_config_files: false
log_level: info
source:
  type: kinesis
  kinesis: {stream: ${stream}, endpoint: ${kinesisUrl}, log_groups: [${GROUP}], max_records_per_call: ${o.maxRecords ?? 100}, poll_busy_ms: 200}
  leases: {table: ${stream}-leases, endpoint: ${dynamoUrl}, worker_id: ${name}${o.maxLeases ? `, max_leases_per_worker: ${o.maxLeases}, scan_interval_ms: 200` : ''}}
  dedup: {${o.alertTable ? `alert_table: ${stream}-alerts` : ''}}
`);
  const child = spawn(process.execPath, ['bin/kawa.js', 'run', '-c', config], { stdio: ['ignore', 'ignore', 'pipe'] });
  children.push(child);
  const logs = [];
  let partial = '';
  child.stderr.setEncoding('utf8').on('data', (c) => {
    const lines = (partial + c).split('\n');
    partial = lines.pop();
    for (const l of lines) try { logs.push(JSON.parse(l)); } catch { process.stderr.write(`${name}: ${l}\n`); }
  });
  const exited = new Promise((r) => child.on('exit', r));
  return { name, child, logs, alerts, exited, metricsPort };
}

async function parsed(k) {
  try {
    const text = await (await fetch(`http://127.0.0.1:${k.metricsPort}/metrics`)).text();
    return Number(/^kawa_events_parsed_total (\d+)/m.exec(text)?.[1] ?? 0);
  } catch {
    return 0;
  }
}

/**
 * events/s of `procs` processes over a stream pre-filled with EVENTS events, each process limited to its
 * share of the 4 shards, scanning every 200 ms. Each process's rate is its events over the time from its
 * first to its last evaluated event; the aggregate is their sum, and `wall` is all events over the time from
 * the first event anywhere to the last.
 */
async function throughput(procs) {
  const stream = `tp${procs}`;
  await createStream(stream);
  await put(stream, 0, EVENTS, false);
  // every lease held by a placeholder owner until all processes run, then freed at once: the processes
  // start reading together and none takes everything before the others are up
  const table = `${stream}-leases`;
  await dynamo.send(new CreateTableCommand({ TableName: table, BillingMode: 'PAY_PER_REQUEST', AttributeDefinitions: [{ AttributeName: 'leaseKey', AttributeType: 'S' }], KeySchema: [{ AttributeName: 'leaseKey', KeyType: 'HASH' }] }));
  const shards = (await kinesis.send(new ListShardsCommand({ StreamName: stream }))).Shards.map((x) => x.ShardId);
  for (const id of shards) {
    await dynamo.send(new PutItemCommand({ TableName: table, Item: { leaseKey: { S: id }, leaseOwner: { S: 'gate' }, leaseCounter: { N: '1' }, checkpoint: { S: 'TRIM_HORIZON' }, checkpointSubSequenceNumber: { N: '0' }, ownerSwitchesSinceCheckpoint: { N: '0' } } }));
  }
  const ks = Array.from({ length: procs }, (_, i) => kawa(`${stream}-${i}`, stream, { maxRecords: 200, maxLeases: 4 / procs }));
  while (!ks.every((k) => k.logs.some((l) => l.msg === 'kawa running'))) await sleep(50);
  for (const id of shards) {
    await dynamo.send(new UpdateItemCommand({ TableName: table, Key: { leaseKey: { S: id } }, UpdateExpression: 'SET leaseCounter = :two REMOVE leaseOwner', ExpressionAttributeValues: { ':two': { N: '2' } } }));
  }
  const seen = ks.map(() => ({ count: 0, first: undefined, last: undefined }));
  const until = performance.now() + 300_000;
  for (;;) {
    const counts = await Promise.all(ks.map(parsed));
    const now = performance.now();
    counts.forEach((c, i) => {
      const s = seen[i];
      if (c > 0 && s.first === undefined) s.first = now;
      if (c !== s.count) [s.count, s.last] = [c, now];
    });
    const total = counts.reduce((a, b) => a + b, 0);
    if (total >= EVENTS || now > until) {
      await Promise.all(ks.map((k) => (k.child.kill('SIGTERM'), k.exited)));
      const rates = seen.map((s) => s.count / Math.max(0.001, (s.last - s.first) / 1000));
      const wall = total / ((Math.max(...seen.map((s) => s.last)) - Math.min(...seen.map((s) => s.first))) / 1000);
      return { events: total, rate: Math.round(rates.reduce((a, b) => a + b, 0)), wall: Math.round(wall), per: seen.map((s, i) => `${s.count} at ${Math.round(rates[i])}/s`) };
    }
    await sleep(100);
  }
}

async function failover() {
  const stream = 'fo';
  await createStream(stream);
  const ks = ['a', 'b'].map((n) => kawa(`fo-${n}`, stream, { catchAll: true, alertTable: true }));
  let produced = 0;
  let producing = true;
  const producer = (async () => {
    const started = performance.now();
    while (producing) {
      const due = Math.floor(((performance.now() - started) / 1000) * RATE);
      if (due > produced) {
        await put(stream, produced, due - produced, true);
        produced = due;
      }
      await sleep(100);
    }
  })();
  await sleep(15_000);
  const victim = ks.find((k) => k.logs.some((l) => l.msg === 'lease taken')) ?? ks[0];
  const survivor = ks.find((k) => k !== victim);
  const victimShards = new Set(victim.logs.filter((l) => l.msg === 'lease taken').map((l) => l.shard));
  const killedAt = Date.now();
  victim.child.kill('SIGKILL');
  let takeover;
  for (const until = performance.now() + 60_000; !takeover && performance.now() < until; await sleep(50)) {
    takeover = survivor.logs.find((l) => l.msg === 'lease taken' && l.time >= killedAt && victimShards.has(l.shard));
  }
  await sleep(10_000);
  producing = false;
  await producer;
  // wait until the survivor alerted everything, then stop it
  const want = produced;
  for (const until = performance.now() + 120_000; performance.now() < until; await sleep(500)) {
    if (count(ks).distinct >= want) break;
  }
  survivor.child.kill('SIGTERM');
  await survivor.exited;
  const c = count(ks);
  const summary = survivor.logs.find((l) => l.msg === 'Kinesis source stopped');
  return {
    produced: want, failoverMs: takeover ? takeover.time - killedAt : undefined, lines: c.lines, distinct: c.distinct,
    duplicates: c.lines - c.distinct, lost: want - c.distinct, removedByDedup: (summary?.duplicateEvents ?? 0) + (summary?.duplicateAlerts ?? 0),
  };
}

function count(ks) {
  const seen = new Set();
  let lines = 0;
  for (const k of ks) {
    if (!existsSync(k.alerts)) continue;
    for (const l of readFileSync(k.alerts, 'utf8').split('\n')) {
      if (!l) continue;
      lines++;
      seen.add(/seen (b-\d+)/.exec(l)?.[1]);
    }
  }
  return { lines, distinct: seen.size };
}

const one = await throughput(1);
console.log(`1 process:   ${one.events} events, ${one.rate} events/s (wall ${one.wall}/s)`);
const two = await throughput(2);
console.log(`2 processes: ${two.events} events, ${two.rate} events/s (${(two.rate / one.rate).toFixed(2)}x; wall ${two.wall}/s = ${(two.wall / one.wall).toFixed(2)}x; ${two.per.join(', ')})`);
const fo = await failover();
console.log(`failover after kill -9 (lease 10 s, scan 5 s): ${fo.failoverMs} ms; ${fo.produced} events at ${RATE}/s: ${fo.distinct} alerted, ${fo.lost} lost, ${fo.duplicates} duplicate alerts after dedup (${fo.removedByDedup} repeats removed by dedup)`);

if (args.includes('--write')) {
  const cpu = `${cpus()[0]?.model ?? 'cpu'}, ${availableParallelism()} cores`;
  const section = `## Kinesis: processes sharing a stream (bench/kinesis.mjs)

\`node bench/kinesis.mjs${quick ? ' --quick' : ''}\` on ${cpu}, Node ${process.version}; kinesalite and dynalite in their own
processes on loopback, 4-shard stream, ${PER_RECORD} events per record (gzip subscription format). Everything —
kawa processes, emulators, the producer — shares the same ${availableParallelism()} cores. Throughput: the stream is
filled first, the leases are held by a placeholder until every process runs, then freed at once.

| measure | result | target |
|---|---|---|
| 1 process, ${one.events} sample events pre-filled, project rules | ${one.rate} events/s | |
| 2 processes (2 shards each), same | ${two.rate} events/s = ${(two.rate / one.rate).toFixed(2)}x (${two.per.join(', ')}); first to last event anywhere: ${two.wall}/s vs ${one.wall}/s = ${(two.wall / one.wall).toFixed(2)}x | >= 1.6x |
| failover after kill -9, default lease 10 s / scan 5 s | ${(fo.failoverMs / 1000).toFixed(1)} s | < 20 s |
| duplicate alerts after dedup (${fo.produced} events at ${RATE}/s, catch-all rule, alert table) | ${fo.duplicates} (lost ${fo.lost}; ${fo.removedByDedup} repeats removed by dedup) | 0 |
`;
  const path = 'bench/RESULTS.md';
  const text = readFileSync(path, 'utf8');
  const start = text.indexOf('## Kinesis: processes sharing a stream');
  const next = start < 0 ? -1 : text.indexOf('\n## ', start + 3);
  const out = start < 0 ? `${text.trimEnd()}\n\n${section}` : `${text.slice(0, start)}${section}${next < 0 ? '' : text.slice(next + 1)}`;
  writeFileSync(path, out);
  console.log(`wrote the Kinesis section of ${path}`);
}
process.exit(0);
