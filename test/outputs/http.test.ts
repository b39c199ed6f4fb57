// http_output against a local receiver that answers, fails, stalls and recovers.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { createServer } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { afterEach, describe, expect, it } from 'vitest';
import { OutputSink } from '../../src/outputs/sink.js';
import { MetricsRegistry } from '../../src/core/metrics.js';
import { alerts, outputsConfig, Receiver, sleep } from './helpers.js';

const receivers: Receiver[] = [];
const sinks: OutputSink[] = [];
afterEach(async () => {
  for (const s of sinks.splice(0)) await s.close();
  for (const r of receivers.splice(0)) await r.close();
});

async function receiver(): Promise<[Receiver, string]> {
  const r = new Receiver();
  receivers.push(r);
  return [r, await r.listen()];
}

function sink(yaml: string, metrics = new MetricsRegistry()): [OutputSink, MetricsRegistry] {
  const s = new OutputSink(outputsConfig(`stdout_output: {enabled: false}\n${yaml}`), { metrics });
  sinks.push(s);
  return [s, metrics];
}

/** http_output with `extra` keys; retries and timeout_ms unless `extra` sets them. */
const http = (url: string, extra = '') =>
  `http_output:\n  enabled: true\n  url: ${url}\n${extra.includes('retries') ? '' : '  retries: 3\n'}${extra.includes('timeout_ms') ? '' : '  timeout_ms: 300\n'}${extra}`;

async function metricValue(m: Metrics, name: string, output = 'http'): Promise<number> {
  const metric = (await m.registry.getMetricsAsJSON()).find((x) => x.name === name);
  return (metric?.values.find((v) => v.labels.output === output)?.value as number | undefined) ?? 0;
}

describe('http_output', () => {
  it("posts each alert as Falco's JSON with the configured headers", async () => {
    const [r, url] = await receiver();
    const [s, m] = sink(http(url, '  user_agent: kawa-test\n  headers:\n    Authorization: Bearer s3cret\n    X-Cluster: prod\n'));
    await s.emit(alerts(5));
    await s.flush();
    expect(r.bodies).toHaveLength(5);
    const first = JSON.parse(r.bodies[0]!);
    expect(Object.keys(first)).toEqual(['hostname', 'output', 'output_fields', 'priority', 'rule', 'source', 'tags', 'time']);
    expect(first.output_fields['ka.user.name']).toMatch(/^user\d$/);
    expect(r.headers[0]!['content-type']).toBe('application/json');
    expect(r.headers[0]!['user-agent']).toBe('kawa-test');
    expect(r.headers[0]!.authorization).toBe('Bearer s3cret');
    expect(r.headers[0]!['x-cluster']).toBe('prod');
    expect(await metricValue(m, 'kawa_output_alerts_sent_total')).toBe(5);
  });

  it('retries 5xx answers with backoff and delivers everything once the receiver recovers', async () => {
    const [r, url] = await receiver();
    r.mode = 'fail';
    const [s, m] = sink(http(url, '  concurrency: 1\n'));
    await s.emit(alerts(3));
    await sleep(150);
    expect(r.requests).toBeGreaterThanOrEqual(1);
    expect(r.bodies).toHaveLength(0);
    r.mode = 'ok';
    await s.flush();
    expect(r.bodies).toHaveLength(3);
    expect(await metricValue(m, 'kawa_output_alerts_failed_total')).toBe(0);
  });

  it('a 4xx answer is not retried: the alert is counted as failed', async () => {
    const [r, url] = await receiver();
    r.mode = 'reject';
    const [s, m] = sink(http(url));
    await s.emit(alerts(2));
    await s.flush();
    expect(r.requests).toBe(2);
    expect(await metricValue(m, 'kawa_output_alerts_failed_total')).toBe(2);
  });

  it('a stalled receiver: timeouts, then a full queue drops and counts instead of blocking; recovery resumes', async () => {
    const [r, url] = await receiver();
    r.mode = 'stall';
    const [s, m] = sink(`${http(url, '  retries: 1\n  concurrency: 1\n')}outputs_queue: {capacity: 5}\n`);
    await s.emit(alerts(1));
    await sleep(400); // the first request times out: the output is failing
    const started = Date.now();
    await s.emit(alerts(50, 1));
    expect(Date.now() - started).toBeLessThan(200);
    expect(await metricValue(m, 'kawa_output_alerts_dropped_total')).toBeGreaterThanOrEqual(40);
    r.mode = 'ok';
    await s.flush();
    const sent = await metricValue(m, 'kawa_output_alerts_sent_total');
    const failed = await metricValue(m, 'kawa_output_alerts_failed_total');
    const dropped = await metricValue(m, 'kawa_output_alerts_dropped_total');
    expect(sent + failed + dropped).toBe(51);
    expect(sent).toBeGreaterThanOrEqual(1);
    await s.emit(alerts(3, 100));
    await s.flush();
    expect(r.bodies.slice(-3).map((b) => JSON.parse(b).output_fields['ka.user.name'])).toEqual(['user100', 'user101', 'user102']);
  });

  it('a healthy but slow receiver slows emit() down instead of dropping', async () => {
    const [r, url] = await receiver();
    r.delayMs = 40;
    const [s, m] = sink(`${http(url, '  concurrency: 1\n  timeout_ms: 2000\n')}outputs_queue: {capacity: 2}\n`);
    const started = Date.now();
    await s.emit(alerts(6));
    expect(Date.now() - started).toBeGreaterThanOrEqual(100);
    await s.flush();
    expect(r.bodies).toHaveLength(6);
    expect(await metricValue(m, 'kawa_output_alerts_dropped_total')).toBe(0);
  });

  it('a failing http output does not hold up the file output', async () => {
    const [r, url] = await receiver();
    r.mode = 'stall';
    const dir = mkdtempSync(join(tmpdir(), 'kawa-out-'));
    const [s] = sink(`${http(url, '  retries: 0\n  concurrency: 1\n')}outputs_queue: {capacity: 3}\nfile_output: {enabled: true, filename: ${dir}/a.txt}\n`);
    await s.emit(alerts(1));
    await sleep(350);
    const started = Date.now();
    for (let i = 0; i < 10; i++) await s.emit(alerts(10, 1 + i * 10));
    expect(Date.now() - started).toBeLessThan(200);
    await s.outputs.find((o) => o.name === 'file')!.flush();
    expect(readFileSync(join(dir, 'a.txt'), 'utf8').trim().split('\n')).toHaveLength(101);
  });

  it('gzip bodies with compress_uploads', async () => {
    const [r, url] = await receiver();
    const [s] = sink(http(url, '  compress_uploads: true\n'));
    await s.emit(alerts(1));
    await s.flush();
    expect(r.headers[0]!['content-encoding']).toBe('gzip');
    expect(JSON.parse(gunzipSync(r.raw[0]!).toString('utf8')).rule).toBe('rule 0');
  });
});

describe('http_output over TLS', () => {
  const dir = mkdtempSync(join(tmpdir(), 'kawa-tls-'));
  execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=127.0.0.1',
    '-addext', 'subjectAltName=IP:127.0.0.1', '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem')], { stdio: 'ignore' });

  async function tlsServer(): Promise<[string[], string, () => Promise<void>]> {
    const bodies: string[] = [];
    const server = createServer({ key: readFileSync(join(dir, 'key.pem')), cert: readFileSync(join(dir, 'cert.pem')) }, (req, res) => {
      let b = '';
      req.on('data', (c) => (b += c));
      req.on('end', () => {
        bodies.push(b);
        res.end('ok');
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const url = `https://127.0.0.1:${(server.address() as { port: number }).port}/`;
    return [bodies, url, () => new Promise<void>((r) => { server.closeAllConnections(); server.close(() => r()); })];
  }

  it('verifies the server by default, trusts ca_cert, and skips verification with insecure', async () => {
    const [bodies, url, close] = await tlsServer();
    try {
      const [plain, m1] = sink(http(url, '  retries: 0\n'));
      await plain.emit(alerts(1));
      await plain.flush();
      expect(await metricValue(m1, 'kawa_output_alerts_failed_total')).toBe(1);
      expect(bodies).toHaveLength(0);

      const [trusted] = sink(http(url, `  ca_cert: ${dir}/cert.pem\n`));
      await trusted.emit(alerts(1));
      await trusted.flush();
      expect(bodies).toHaveLength(1);

      const [insecure] = sink(http(url, '  insecure: true\n'));
      await insecure.emit(alerts(1));
      await insecure.flush();
      expect(bodies).toHaveLength(2);
    } finally {
      await close();
    }
  });
});
