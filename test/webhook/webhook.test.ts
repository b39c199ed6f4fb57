// The audit webhook source with a real HTTP(S) client over loopback, through the real pipeline and engine.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { request as httpsRequest } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { EngineEvaluator } from '../../src/pool/engine-evaluator.js';
import { Pipeline } from '../../src/pipeline/pipeline.js';
import type { Alert, AlertSink } from '../../src/pipeline/types.js';
import { loadRules } from '../../src/rules/load.js';
import type { WebhookConfig } from '../../src/sources/webhook/config.js';
import { WebhookSource } from '../../src/sources/webhook/source.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const RULES = `
- rule: Pod created
  desc: a pod was created
  condition: ka.verb=create and ka.target.resource=pods
  output: pod %ka.target.name created by %ka.user.name
  priority: WARNING
  source: k8s_audit
`;

function event(i: number, verb = 'create'): object {
  return {
    kind: 'Event', apiVersion: 'audit.k8s.io/v1', level: 'Metadata', auditID: `id-${i}`, stage: 'ResponseComplete',
    requestURI: '/api/v1/namespaces/default/pods', verb, user: { username: `user${i}` },
    objectRef: { resource: 'pods', namespace: 'default', name: `pod${i}`, apiVersion: 'v1' },
    requestReceivedTimestamp: '2024-05-01T10:00:00.000000Z', stageTimestamp: '2024-05-01T10:00:00.100000Z',
  };
}
const eventList = (from: number, n: number) =>
  JSON.stringify({ kind: 'EventList', apiVersion: 'audit.k8s.io/v1', items: Array.from({ length: n }, (_, i) => event(from + i)) });

/** A sink that records rule/user of each alert and can be held (slow outputs). */
class CaptureSink implements AlertSink {
  got: string[] = [];
  hold: Promise<void> | undefined;
  async emit(alerts: Alert[]) {
    await this.hold;
    for (const a of alerts) this.got.push(a.match.tokens[0]!);
  }
  async flush() {}
  async close() {}
}

const base: WebhookConfig = { listenAddress: '127.0.0.1', listenPort: 0, path: '/k8s-audit', maxBodyBytes: 1 << 20, queue: 2 };
const running: { source: WebhookSource; pipeline: Pipeline; done: Promise<unknown> }[] = [];
afterEach(async () => {
  for (const r of running.splice(0)) {
    await r.pipeline.stop();
    await r.done;
  }
});

async function start(config: Partial<WebhookConfig> = {}) {
  const rules = loadRules([{ name: 'rules.yaml', content: RULES }], { sources: ['k8s_audit'] });
  expect(rules.ok).toBe(true);
  const source = await WebhookSource.start({ ...base, ...config });
  const sink = new CaptureSink();
  const pipeline = new Pipeline(source, new EngineEvaluator(rules), sink);
  const done = pipeline.run();
  running.push({ source, pipeline, done });
  return { source, sink, pipeline };
}

const post = (url: string, body: string, headers: Record<string, string> = {}) =>
  fetch(url, { method: 'POST', body, headers: { 'content-type': 'application/json', ...headers } });

describe('webhook source', () => {
  it('evaluates posted EventLists and answers 200 once their alerts were accepted', async () => {
    const { source, sink } = await start();
    const res = await post(source.url, eventList(0, 3));
    expect(res.status).toBe(200);
    expect(sink.got).toEqual(['pod0', 'pod1', 'pod2']);
    const single = await post(source.url, JSON.stringify(event(7)));
    expect(single.status).toBe(200);
    expect(sink.got).toHaveLength(4);
  });

  it('400 for bodies that are not JSON or not audit events; 404, 405, 413, 415', async () => {
    const { source, sink } = await start({ maxBodyBytes: 4096 });
    expect((await post(source.url, '{"kind":"EventList","items":[')).status).toBe(400);
    expect((await post(source.url, '{"kind":"Pod"}')).status).toBe(400);
    expect((await post(source.url.replace('/k8s-audit', '/other'), eventList(0, 1))).status).toBe(404);
    expect((await fetch(source.url)).status).toBe(405);
    expect((await post(source.url, eventList(0, 40))).status).toBe(413);
    // still serving after a 413
    expect((await post(source.url, eventList(0, 1))).status).toBe(200);
    // a compressed body is refused as such, not read as broken JSON
    const gz = await post(source.url, eventList(1, 1), { 'content-encoding': 'gzip' });
    expect([gz.status, await gz.json()]).toEqual([415, { status: 'error', message: 'Content-Encoding gzip is not accepted: send the audit events as plain JSON' }]);
    expect((await post(source.url, eventList(2, 1), { 'content-encoding': 'identity' })).status).toBe(200);
    expect(sink.got).toEqual(['pod0', 'pod2']);
  });

  it('a valid EventList with bad items is accepted: its events are evaluated, the items rejected one by one', async () => {
    const { source, sink } = await start();
    // items that are not events (a string first, a number after a good event): the body is still JSON and a list
    const body = JSON.stringify({ kind: 'EventList', apiVersion: 'audit.k8s.io/v1', items: ['x', event(0), 1] });
    const res = await post(source.url, body);
    expect([res.status, await res.json()]).toEqual([200, { status: 'ok' }]);
    expect(sink.got).toEqual(['pod0']);
  });

  it('a bearer token is required when configured', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kawa-wh-'));
    writeFileSync(join(dir, 'token'), 's3cret\n');
    const { source } = await start({ tokenFile: join(dir, 'token') });
    expect((await post(source.url, eventList(0, 1))).status).toBe(401);
    expect((await post(source.url, eventList(0, 1), { authorization: 'Bearer wrong!' })).status).toBe(401);
    expect((await post(source.url, eventList(0, 1), { authorization: 'Bearer s3cret' })).status).toBe(200);
  });

  it('no event is lost while the pipeline is busy: requests wait for room', async () => {
    const { source, sink } = await start({ queue: 1 });
    let release!: () => void;
    sink.hold = new Promise<void>((r) => (release = r));
    const answers = Array.from({ length: 12 }, (_, k) => post(source.url, eventList(k * 5, 5)).then((r) => r.status));
    await sleep(200);
    expect(sink.got).toHaveLength(0);
    release();
    sink.hold = undefined;
    expect(await Promise.all(answers)).toEqual(Array(12).fill(200));
    expect(sink.got).toHaveLength(60);
    expect(new Set(sink.got).size).toBe(60);
  });

  it('requests not yet taken when the source closes get 503; taken ones still 200', async () => {
    const { source, sink, pipeline } = await start({ queue: 1 });
    let release!: () => void;
    sink.hold = new Promise<void>((r) => (release = r));
    const answers = Array.from({ length: 6 }, (_, k) => post(source.url, eventList(k, 1)).then((r) => r.status));
    await sleep(150);
    await pipeline.stop();
    release();
    const codes = await Promise.all(answers);
    expect(codes.filter((c) => c === 200).length + codes.filter((c) => c === 503).length).toBe(6);
    expect(codes.filter((c) => c === 200)).toHaveLength(sink.got.length);
    expect(codes).toContain(503);
  });
});

describe('webhook source over TLS', () => {
  const dir = mkdtempSync(join(tmpdir(), 'kawa-whtls-'));
  const ssl = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'ignore' });
  ssl('req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1', '-keyout', 'server.key', '-out', 'server.crt');
  ssl('req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=kawa-ca', '-keyout', 'ca.key', '-out', 'ca.crt');
  ssl('req', '-newkey', 'rsa:2048', '-nodes', '-subj', '/CN=kube-apiserver', '-keyout', 'client.key', '-out', 'client.csr');
  ssl('x509', '-req', '-in', 'client.csr', '-CA', 'ca.crt', '-CAkey', 'ca.key', '-CAcreateserial', '-days', '1', '-out', 'client.crt');
  const file = (n: string) => readFileSync(join(dir, n));

  function tlsPost(url: string, body: string, client: boolean): Promise<number> {
    return new Promise((resolve, reject) => {
      const req = httpsRequest(url, {
        method: 'POST', ca: file('server.crt'), ...(client ? { cert: file('client.crt'), key: file('client.key') } : {}),
        headers: { 'content-type': 'application/json' },
      }, (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      });
      req.on('error', reject);
      req.end(body);
    });
  }

  it('serves HTTPS and, with client_ca, accepts only clients with a certificate from that CA', async () => {
    const { source, sink } = await start({
      sslCertificate: join(dir, 'server.crt'), sslKey: join(dir, 'server.key'), clientCa: join(dir, 'ca.crt'),
    });
    expect(source.url).toMatch(/^https:/);
    expect(await tlsPost(source.url, eventList(0, 2), true)).toBe(200);
    await expect(tlsPost(source.url, eventList(2, 1), false)).rejects.toThrow();
    expect(sink.got).toEqual(['pod0', 'pod1']);
  });
});
