#!/usr/bin/env node
// Soak: kawa as a webhook service under a bad day, for --seconds (default 600). A client posts EventLists
// at --rate events/s with bad input mixed in (bodies that are not JSON, events without stageTimestamp); the
// alerts go to a slow HTTP receiver (each answer after --slow-ms) and to a failing program (one per alert, as
// Falco's keep_alive false, each exiting 1: its circuit breaker trips); the rules file is rewritten every
// --reload-every seconds, one time in four with an error (a reload that must be rejected while the running
// rules stay). RSS is sampled every second.
//
// At the end the load stops, the queues drain, and the service's own metrics must account for everything:
// every good event evaluated, every bad event or body rejected with its reason, and for each output every
// alert delivered, failed or dropped (counted). Memory must be flat: the median RSS of the last fifth of the
// run within 25% of the median of the second fifth (the first is warm-up). Exits 1 otherwise.
//
//   node bench/soak.mjs [--seconds 600] [--rate 200] [--slow-ms 20] [--reload-every 3] [--json]
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync, renameSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { argValue } from './util.mjs';

const SECONDS = Number(argValue('--seconds', 600));
const RATE = Number(argValue('--rate', 200));
const SLOW_MS = Number(argValue('--slow-ms', 20));
const RELOAD_EVERY = Number(argValue('--reload-every', 3));
const JSON_OUT = process.argv.includes('--json');
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

const dir = mkdtempSync(join(tmpdir(), 'kawa-soak-'));
const rulesFile = join(dir, 'rules.yaml');
const RULES = (n) => `- rule: Pod created
  desc: every create (the soak's alerts)
  condition: ka.verb = create
  output: "create %ka.auditid by %ka.user.name (version ${n})"
  priority: WARNING
  source: k8s_audit
- rule: Secret read ${n}
  desc: a second rule that changes with each reload
  condition: ka.verb = get and ka.target.resource = secrets
  output: "secret %ka.target.name"
  priority: NOTICE
  source: k8s_audit
`;
// written beside the file and renamed over it, as a ConfigMap update does
const writeRules = (text) => {
  writeFileSync(`${rulesFile}.new`, text);
  renameSync(`${rulesFile}.new`, rulesFile);
};
writeRules(RULES(0));

// the slow receiver: every alert answered after SLOW_MS
let received = 0;
const receiver = createServer((req, res) => {
  req.resume();
  req.on('end', () => setTimeout(() => {
    received++;
    res.end('ok');
  }, SLOW_MS));
});
await new Promise((r) => receiver.listen(0, '127.0.0.1', r));
const receiverUrl = `http://127.0.0.1:${receiver.address().port}/`;

const kawa = spawn(process.execPath, ['bin/kawa.js', 'run', '-r', rulesFile, '--webhook', '--port', '0',
  '-o', 'webserver.listen_port=0', '-o', 'stdout_output.enabled=false', '-o', 'log_level=warning',
  '-o', 'http_output.enabled=true', '-o', `http_output.url=${receiverUrl}`, '-o', 'http_output.concurrency=8', '-o', 'http_output.timeout_ms=5000',
  '-o', 'program_output.enabled=true', '-o', 'program_output.keep_alive=false', '-o', 'program_output.program=cat >/dev/null; exit 1',
  '-o', 'program_output.timeout_ms=2000', '-o', 'watch_config_files=true', '-o', 'log_level=info'], { stdio: ['ignore', 'ignore', 'pipe'] });
let logs = '';
const logLines = [];
kawa.stderr.on('data', (c) => {
  logs += c;
  const lines = logs.split('\n');
  logs = lines.pop();
  for (const l of lines) if (l.startsWith('{')) logLines.push(JSON.parse(l));
});
const urlOf = (msg) => logLines.find((l) => l.msg === msg)?.url;
for (const end = Date.now() + 15_000; !(urlOf('audit webhook listening') && urlOf('web server listening')); await sleep(25)) {
  if (Date.now() > end) throw new Error('kawa did not start');
}
const webhook = urlOf('audit webhook listening');
const web = urlOf('web server listening');

const rss = [];
const sampler = setInterval(() => {
  const kb = /VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${kawa.pid}/status`, 'utf8'))?.[1];
  if (kb) rss.push(Number(kb) / 1024);
}, 1000);

let version = 0;
let reloadsWritten = 0;
let badReloadsWritten = 0;
const reloader = setInterval(() => {
  version++;
  if (version % 4 === 0) {
    badReloadsWritten++;
    writeRules(`${RULES(version)}- rule: Broken\n  desc: d\n  condition: (ka.verb = create\n  output: x\n  priority: INFO\n  source: k8s_audit\n`);
  } else {
    reloadsWritten++;
    writeRules(RULES(version));
  }
}, RELOAD_EVERY * 1000);

// the client: every 100 ms one EventList of RATE/10 events, one in 50 of them without stageTimestamp, and
// one body in 20 that is not JSON
const sent = { goodEvents: 0, noTimestamp: 0, badBodies: 0, bodies: 0, answers: {} };
const event = (i, good) => ({
  kind: 'Event', apiVersion: 'audit.k8s.io/v1', auditID: `soak-${i}`, stage: 'ResponseComplete', verb: 'create',
  user: { username: `user-${i % 97}` }, objectRef: { resource: 'pods', namespace: 'default', name: `p${i}` },
  ...(good ? { stageTimestamp: new Date().toISOString() } : {}),
});
let n = 0;
const started = Date.now();
const inflight = new Set();
while (Date.now() - started < SECONDS * 1000) {
  const tick = Date.now();
  const bad = sent.bodies % 20 === 19;
  let body;
  if (bad) {
    body = '{"kind":"EventList","items":[{"auditID": nope';
  } else {
    const items = Array.from({ length: Math.max(1, Math.round(RATE / 10)) }, () => {
      const good = n % 50 !== 49;
      return event(n++, good);
    });
    body = JSON.stringify({ kind: 'EventList', items });
    for (const it of items) if (it.stageTimestamp) sent.goodEvents++; else sent.noTimestamp++;
  }
  if (bad) sent.badBodies++;
  sent.bodies++;
  // a webhook request is answered once its alerts were accepted: bounded concurrency, as an API server has
  const p = fetch(webhook, { method: 'POST', body }).then((r) => {
    sent.answers[r.status] = (sent.answers[r.status] ?? 0) + 1;
    return r.arrayBuffer();
  }, (e) => {
    sent.answers[e.message] = (sent.answers[e.message] ?? 0) + 1;
  });
  inflight.add(p);
  p.finally(() => inflight.delete(p));
  while (inflight.size >= 8) await Promise.race(inflight);
  const wait = 100 - (Date.now() - tick);
  if (wait > 0) await sleep(wait);
}
await Promise.all(inflight);
clearInterval(reloader);

// drain: the outputs' queues empty
const metric = (text, name, labels = '') => {
  let sum = 0;
  for (const m of text.matchAll(new RegExp(`^${name}(\\{[^}]*\\})? ([\\d.e+-]+)$`, 'gm'))) if (!labels || (m[1] ?? '').includes(labels)) sum += Number(m[2]);
  return sum;
};
let text = '';
for (const end = Date.now() + 120_000; Date.now() < end; await sleep(500)) {
  text = await (await fetch(`${web}/metrics`)).text();
  if (metric(text, 'kawa_output_queue_alerts') === 0 && metric(text, 'kawa_output_alerts_sent_total', 'output="http"') >= received) break;
}
await sleep(1000);
text = await (await fetch(`${web}/metrics`)).text();
clearInterval(sampler);
kawa.kill('SIGTERM');
const exitCode = await new Promise((r) => kawa.on('exit', r));
receiver.closeAllConnections();
receiver.close();

const alerts = metric(text, 'kawa_alerts_total');
const outputs = Object.fromEntries(['http', 'program'].map((o) => {
  const sentN = metric(text, 'kawa_output_alerts_sent_total', `output="${o}"`);
  const failed = metric(text, 'kawa_output_alerts_failed_total', `output="${o}"`);
  const dropped = metric(text, 'kawa_output_alerts_dropped_total', `output="${o}"`);
  return [o, { sent: sentN, failed, dropped, accounted: sentN + failed + dropped === alerts }];
}));
const q = (xs, p) => xs[Math.min(xs.length - 1, Math.floor(p * xs.length))];
const median = (xs) => q([...xs].sort((a, b) => a - b), 0.5);
const fifth = Math.floor(rss.length / 5);
const rssEarly = median(rss.slice(fifth, 2 * fifth));
const rssLate = median(rss.slice(4 * fifth));
const result = {
  seconds: SECONDS, rate: RATE, sent,
  service: {
    eventsEvaluated: metric(text, 'kawa_events_parsed_total'),
    droppedNoTimestamp: metric(text, 'kawa_events_dropped_total', 'reason="no_timestamp"'),
    droppedParse: metric(text, 'kawa_events_dropped_total', 'reason="parse"'),
    webhook400: metric(text, 'kawa_webhook_requests_total', 'code="400"'),
    alerts, outputs, receiverGot: received,
    reloads: {
      ok: metric(text, 'kawa_rules_reloads_total', 'result="ok"'), rejected: metric(text, 'kawa_rules_reloads_total', 'result="rejected"'), written: reloadsWritten, badWritten: badReloadsWritten,
      // why each rejected reload was refused, by message (a broken file gives its syntax error)
      rejectedBecause: logLines.filter((l) => l.msg === 'rules reload rejected; the running rules stay')
        .reduce((m, l) => { const why = String(l.err ?? JSON.stringify(l.errors)).slice(0, 160); m[why] = (m[why] ?? 0) + 1; return m; }, {}),
    },
    exitCode,
  },
  rssMb: { min: Math.round(Math.min(...rss)), secondFifthMedian: Math.round(rssEarly), lastFifthMedian: Math.round(rssLate), max: Math.round(Math.max(...rss)) },
};
const failures = [];
if (result.service.eventsEvaluated !== sent.goodEvents) failures.push(`evaluated ${result.service.eventsEvaluated} of ${sent.goodEvents} good events`);
if (result.service.droppedNoTimestamp !== sent.noTimestamp) failures.push(`${result.service.droppedNoTimestamp} events counted without stageTimestamp, ${sent.noTimestamp} sent`);
if (result.service.webhook400 !== sent.badBodies) failures.push(`${result.service.webhook400} bodies answered 400, ${sent.badBodies} bad bodies sent`);
if (alerts !== sent.goodEvents) failures.push(`${alerts} alerts for ${sent.goodEvents} good events`);
for (const [o, v] of Object.entries(outputs)) if (!v.accounted) failures.push(`output ${o}: ${v.sent} sent + ${v.failed} failed + ${v.dropped} dropped != ${alerts} alerts`);
if (outputs.http.sent !== received) failures.push(`http output counted ${outputs.http.sent} sent, the receiver got ${received}`);
if (result.service.reloads.rejected < 1 || result.service.reloads.ok < 1) failures.push('reloads did not happen');
if (rssLate > rssEarly * 1.25) failures.push(`RSS grew: ${Math.round(rssEarly)} MB -> ${Math.round(rssLate)} MB`);
if (exitCode !== 0) failures.push(`kawa exited ${exitCode}`);
result.failures = failures;
if (JSON_OUT) console.log(JSON.stringify(result, null, 2));
else {
  console.log(JSON.stringify(result, null, 2));
  console.log(failures.length ? `FAILED:\n  ${failures.join('\n  ')}` : 'OK');
}
process.exitCode = failures.length ? 1 : 0;
