#!/usr/bin/env node
// The API servers of a fleet, for bench/fleet.mjs: writes realistic EKS audit events (the corpus generator's,
// about 1.4 KB each) into the emulator with PutLogEvents in real time, at a given rate per cluster, each
// cluster's events into its own log group and account. Runs in its own process so that writing does not share
// an event loop with the reader being measured.
//
//   node bench/fleet-writer.mjs '<json: {url, corpus, clusters: [{group, accessKeyId, rate}], seconds, lateEvery?, lateMs?}>'
//
// Creates every log group and stream first and prints {"ready":true}; writes once a line arrives on stdin
// (the reader is started in between, so it finds its log groups); prints one JSON line when done: events
// written per cluster.
import { readFileSync } from 'node:fs';
import { CloudWatchLogsClient, CreateLogGroupCommand, CreateLogStreamCommand, PutLogEventsCommand } from '@aws-sdk/client-cloudwatch-logs';

const { url, corpus, clusters, seconds, lateEvery = 0, lateMs = 5000 } = JSON.parse(process.argv[2]);
const lines = readFileSync(corpus, 'utf8').split('\n').filter(Boolean);
const TICK_MS = 100;
const STREAMS = 2;

const clients = new Map();
const clientFor = (accessKeyId) => {
  if (!clients.has(accessKeyId)) {
    clients.set(accessKeyId, new CloudWatchLogsClient({ endpoint: url, region: 'us-east-1', credentials: { accessKeyId, secretAccessKey: 'bench' }, maxAttempts: 5 }));
  }
  return clients.get(accessKeyId);
};

let cursor = 0;
const writers = await Promise.all(clusters.map(async (c, i) => {
  const client = clientFor(c.accessKeyId);
  await client.send(new CreateLogGroupCommand({ logGroupName: c.group })).catch(() => undefined);
  const streams = Array.from({ length: STREAMS }, (_, s) => `kube-apiserver-audit-${String(i).padStart(4, '0')}${s}`);
  // a lagging API server: every lateEvery-th event goes to a stream whose events arrive lateMs after their time
  if (lateEvery) streams.push(`kube-apiserver-audit-${String(i).padStart(4, '0')}late`);
  for (const s of streams) await client.send(new CreateLogStreamCommand({ logGroupName: c.group, logStreamName: s })).catch(() => undefined);
  return { ...c, client, streams, written: 0, owed: 0, sequence: 0 };
}));

console.log(JSON.stringify({ ready: true }));
await new Promise((r) => process.stdin.once('data', r));
process.stdin.pause();

const started = Date.now();
while (Date.now() - started < seconds * 1000) {
  const tick = Date.now();
  await Promise.all(writers.map(async (w) => {
    w.owed += (w.rate * TICK_MS) / 1000;
    const n = Math.floor(w.owed);
    if (!n) return;
    w.owed -= n;
    const now = Date.now();
    // one request per stream (a PutLogEvents call is limited to 1 MB): the API server instances
    const perStream = w.streams.map(() => []);
    for (let k = 0; k < n; k++) {
      const late = lateEvery && ++w.sequence % lateEvery === 0;
      perStream[late ? STREAMS : k % STREAMS].push({ timestamp: late ? now - lateMs : now, message: lines[cursor++ % lines.length] });
    }
    await Promise.all(perStream.map(async (events, s) => {
      for (let at = 0; at < events.length; at += 500) {
        await w.client.send(new PutLogEventsCommand({ logGroupName: w.group, logStreamName: w.streams[s], logEvents: events.slice(at, at + 500) }));
      }
    }));
    w.written += n;
  }));
  const wait = TICK_MS - (Date.now() - tick);
  if (wait > 0) await new Promise((r) => setTimeout(r, wait));
}
console.log(JSON.stringify({ written: Object.fromEntries(writers.map((w) => [w.group, w.written])), seconds: (Date.now() - started) / 1000 }));
for (const c of clients.values()) c.destroy();
