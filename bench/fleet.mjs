#!/usr/bin/env node
// Fleet benchmark: one kawa process reading many EKS clusters from CloudWatch Logs at the real request quota.
// The emulator runs in its own process with FilterLogEvents limited to --max-tps per account (AWS: 5, not
// adjustable); a writer process (fleet-writer.mjs) writes realistic EKS audit events (~1.4 KB, the corpus
// generator's) in real time: one busy cluster at --busy-rate events/s, and --quiet clusters at --quiet-rate
// each. kawa reads them all (`kawa run -c fleet.yaml`, every event alerted by a catch-all rule, JSON alerts
// read as they arrive). Reported: per cluster, events lost and repeated (against the emulator's truth, by
// eventId) and the latency from each event's ingestion to its alert (p50/p99/max; and the p99 of the events
// ingested within 1 s of their timestamp, "on time", beside the count of the others); requests per second per
// account as the emulator counted them (peak, never above the quota); kawa's RSS (sampled each second).
//
//   node bench/fleet.mjs [--busy-rate 2000] [--quiet 50] [--quiet-rate 50] [--per-account 5] [--seconds 60] [--max-tps 5] [--skew-ms N]
//                       [--late-every N] [--late-ms 5000]
//
// The busy cluster has an account of its own; the quiet ones share accounts, --per-account to one. With
// --late-every N, every Nth event of each cluster comes from a lagging API server: a stream of its own whose
// events arrive --late-ms after their timestamp (found by the re-checks, not the head). Needs dist/.
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';

const args = process.argv.slice(2);
const arg = (name, fallback) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? Number(args[i + 1]) : fallback;
};
const BUSY_RATE = arg('busy-rate', 2000);
const QUIET = arg('quiet', 50);
const QUIET_RATE = arg('quiet-rate', 50);
const PER_ACCOUNT = arg('per-account', 5);
const SECONDS = arg('seconds', 60);
const MAX_TPS = arg('max-tps', 5);
const SKEW_MS = arg('skew-ms', undefined);
const LATE_EVERY = arg('late-every', 0);
const LATE_MS = arg('late-ms', 5000);
const DRAIN_S = 60;
const ON_TIME_MS = 1000;

const dir = mkdtempSync(join(tmpdir(), 'kawa-fleet-'));
const corpus = join(dir, 'corpus.jsonl');
spawnSync(process.execPath, ['../shared/corpus/gen-eks-audit.mjs', '--count', '20000', '--seed', '7', '--out', corpus], { stdio: 'inherit' });

// accounts: the busy cluster alone in account 0; quiet ones PER_ACCOUNT to an account
const accountOf = (i) => (i === 0 ? 0 : 1 + Math.floor((i - 1) / PER_ACCOUNT));
const clusters = Array.from({ length: 1 + QUIET }, (_, i) => ({
  name: i === 0 ? 'busy' : `quiet-${String(i).padStart(2, '0')}`,
  rate: i === 0 ? BUSY_RATE : QUIET_RATE,
  account: String(100000000000 + accountOf(i)),
}));
const accounts = [...new Set(clusters.map((c) => c.account))];
const key = (account) => `AKIA${account}`;

const emuConfig = join(dir, 'emulator.json');
writeFileSync(emuConfig, JSON.stringify({
  namespaceBy: 'accountAndRegion', accounts: Object.fromEntries(accounts.map((a) => [key(a), a])),
  quota: { FilterLogEvents: MAX_TPS }, maxEventsPerGroup: Math.ceil(BUSY_RATE * (SECONDS + DRAIN_S) * 1.2),
  roles: Object.fromEntries(accounts.map((a) => [`arn:aws:iam::${a}:role/kawa-reader`, { trustedAccounts: [accounts[0]] }])),
}));
const emulator = spawn(process.execPath, ['bin/kawa.js', 'emulator', '--port', '0', '--config', emuConfig], { stdio: ['ignore', 'pipe', 'inherit'] });
const url = await new Promise((resolve, reject) => {
  createInterface({ input: emulator.stdout }).on('line', (l) => {
    const m = /listening on (\S+)/.exec(l);
    if (m) resolve(m[1]);
  });
  emulator.on('exit', (code) => reject(new Error(`emulator exited ${code}`)));
});
const control = async (path) => {
  const res = await fetch(`${url}/_emu/${path}`);
  if (!res.ok) throw new Error(`${path}: ${res.status} ${await res.text()}`);
  return path.startsWith('truth') ? res.text() : res.json();
};

// kawa reads every cluster through the role of its account (assumed from the busy account's identity)
writeFileSync(join(dir, 'rules.yaml'), '- rule: Any\n  desc: every event\n  condition: ka.auditid exists or kawa.truncated = true\n  output: "%ka.auditid"\n  priority: INFO\n  source: k8s_audit\n');
writeFileSync(join(dir, 'fleet.yaml'), [
  `rules_files: [${join(dir, 'rules.yaml')}]`, 'json_output: true', 'webserver: {enabled: false}', 'log_level: warning',
  'cloudwatch:', `  endpoint: ${url}`, `  sts_endpoint: ${url}`, '  region: us-east-1', `  max_tps: ${MAX_TPS}`, ...(SKEW_MS === undefined ? [] : [`  skew_ms: ${SKEW_MS}`]), '  clusters:',
  ...clusters.map((c) => `    - {name: ${c.name}${c.account === accounts[0] ? '' : `, role_arn: "arn:aws:iam::${c.account}:role/kawa-reader"`}}`),
].join('\n'));
// the log groups exist before kawa starts (a missing group is polled slowly, which is not what is measured)
const writer = spawn(process.execPath, ['bench/fleet-writer.mjs', JSON.stringify({
  url, corpus, seconds: SECONDS, lateEvery: LATE_EVERY, lateMs: LATE_MS, clusters: clusters.map((c) => ({ group: `/aws/eks/${c.name}/cluster`, accessKeyId: key(c.account), rate: c.rate })),
})], { stdio: ['pipe', 'pipe', 'inherit'] });
const writerLines = createInterface({ input: writer.stdout })[Symbol.asyncIterator]();
await writerLines.next();
const writerDone = writerLines.next().then((r) => JSON.parse(r.value));

const kawa = spawn(process.execPath, ['bin/kawa.js', 'run', '-c', join(dir, 'fleet.yaml')], {
  stdio: ['ignore', 'pipe', 'inherit'],
  env: { ...process.env, AWS_ACCESS_KEY_ID: key(accounts[0]), AWS_SECRET_ACCESS_KEY: 'bench', AWS_REGION: 'us-east-1', AWS_PROFILE: '' },
});
const alertedAt = new Map();
let duplicates = 0;
createInterface({ input: kawa.stdout }).on('line', (l) => {
  const now = Date.now();
  const id = JSON.parse(l).output_fields['kawa.event_id'];
  if (alertedAt.has(id)) duplicates++;
  else alertedAt.set(id, now);
});
const rss = [];
const sampler = setInterval(() => {
  const status = spawnSync('cat', [`/proc/${kawa.pid}/status`], { encoding: 'utf8' }).stdout;
  const kb = /VmRSS:\s+(\d+)/.exec(status)?.[1];
  if (kb) rss.push(Number(kb) / 1024);
}, 1000);

await new Promise((r) => setTimeout(r, 3000));
writer.stdin.write('go\n');
const written = await writerDone;

// drain: wait until every event written was alerted (or DRAIN_S)
const truths = new Map();
for (const c of clusters) {
  const text = await control(`truth?group=${encodeURIComponent(`/aws/eks/${c.name}/cluster`)}&accessKeyId=${key(c.account)}&region=us-east-1`);
  truths.set(c.name, text.trim().split('\n').filter(Boolean).map((l) => JSON.parse(l)));
}
for (let waited = 0; waited < DRAIN_S * 1000 && [...truths.values()].some((t) => t.some((e) => !alertedAt.has(e.eventId))); waited += 500) await new Promise((r) => setTimeout(r, 500));
clearInterval(sampler);
const stats = await control('stats');
kawa.kill('SIGTERM');
await new Promise((r) => kawa.on('exit', r));
emulator.kill('SIGTERM');

const q = (xs, p) => xs[Math.min(xs.length - 1, Math.floor(p * xs.length))];
const perCluster = clusters.map((c) => {
  const truth = truths.get(c.name);
  const found = truth.filter((e) => alertedAt.has(e.eventId));
  const latency = (events) => events.map((e) => alertedAt.get(e.eventId) - e.ingestionTime).sort((a, b) => a - b);
  const lat = latency(found);
  // on time: ingested within ON_TIME_MS of its timestamp (the writer, on a loaded machine, can be late itself)
  const onTime = latency(found.filter((e) => e.ingestionTime - e.timestamp <= ON_TIME_MS));
  const late = latency(found.filter((e) => e.ingestionTime - e.timestamp > ON_TIME_MS));
  return {
    cluster: c.name, account: c.account, rate: c.rate, events: truth.length, lost: truth.filter((e) => !alertedAt.has(e.eventId)).length,
    p50: q(lat, 0.5), p99: q(lat, 0.99), max: lat[lat.length - 1], onTimeP99: q(onTime, 0.99), late: late.length, lateP50: q(late, 0.5), lateMax: late[late.length - 1],
  };
});
const quiet = perCluster.slice(1);
const sortedRss = [...rss].sort((a, b) => a - b);
const result = {
  seconds: SECONDS, maxTps: MAX_TPS, clusters: clusters.length, accounts: accounts.length, written: Object.values(written.written).reduce((a, b) => a + b, 0),
  duplicated: duplicates, lost: perCluster.reduce((n, c) => n + c.lost, 0),
  busy: perCluster[0],
  quiet: quiet.length ? {
    clusters: quiet.length, p50: q(quiet.map((c) => c.p50).sort((a, b) => a - b), 0.5), p99OfP99: Math.max(...quiet.map((c) => c.p99)), maxOfMax: Math.max(...quiet.map((c) => c.max)),
    late: quiet.reduce((n, c) => n + c.late, 0), onTimeP99OfP99: Math.max(...quiet.map((c) => c.onTimeP99)),
  } : null,
  filterLogEvents: stats.operations?.FilterLogEvents ?? null,
  perAccountPeakPerSec: stats.perAccount ?? null,
  rssMb: { min: Math.round(sortedRss[0]), median: Math.round(q(sortedRss, 0.5)), max: Math.round(sortedRss[sortedRss.length - 1]) },
  perCluster: args.includes('--per-cluster') ? perCluster : undefined,
};
console.log(JSON.stringify(result, null, 2));
process.exitCode = result.lost || duplicates ? 1 : 0;
