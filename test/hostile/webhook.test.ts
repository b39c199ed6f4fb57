// Issue 15 item 7: the audit webhook's memory and connections are bounded, with real HTTP clients against a
// real `kawa run --webhook` child process on 127.0.0.1. 60 concurrent 10 MB POSTs are admitted only as far
// as webhook.max_inflight_bytes allows (the rest get 429 with Retry-After before their body is read), so the
// peak RSS stays bounded; a connection past webhook.max_connections gets 429; a body sent too slowly is cut
// with 408 at webhook.request_timeout_ms; idle or half-sent connections do not hold SIGTERM. Needs dist/.
import { execFileSync } from 'node:child_process';
import { readFileSync, mkdtempSync, writeFileSync } from 'node:fs';
import { createServer, request } from 'node:http';
import { Agent, request as httpsRequest } from 'node:https';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { KawaProcess, podEvent, POD_CREATED, sleep } from './service.js';

/** An EventList of one event padded with whitespace to `bytes`: large on the wire, cheap to evaluate. */
const padded = (i: number, bytes: number) => {
  const head = `{"kind":"EventList","apiVersion":"audit.k8s.io/v1","items":[${podEvent(i)}`;
  return Buffer.from(head + ' '.repeat(bytes - head.length - 2) + ']}');
};

class Service extends KawaProcess {
  url!: URL;

  constructor(extra: string[] = []) {
    const dir = mkdtempSync(join(tmpdir(), 'kawa-hostile-webhook-'));
    writeFileSync(join(dir, 'rules.yaml'), POD_CREATED);
    super(['bin/kawa.js', 'run', '-r', join(dir, 'rules.yaml'), '--webhook', '--port', '0',
      '-o', 'webhook.listen_address=127.0.0.1', '-o', 'webserver.enabled=false', '-o', 'json_output=true', '-o', 'log_level=info', ...extra]);
  }

  async started(): Promise<void> {
    await this.waitLog('kawa running');
    this.url = new URL((await this.waitLog('audit webhook listening')).url!);
  }

  /** The peak resident memory of the kawa process so far (Linux VmHWM), in MB. */
  peakRssMb(): number {
    const kb = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${this.child.pid}/status`, 'utf8'))![1];
    return Number(kb) / 1024;
  }

  /** One POST (on its own connection, unless an agent is given): the status and Retry-After, or the error that ended it. */
  post(body: Buffer, agent: Agent | false = false): Promise<{ status?: number; retryAfter?: string; error?: string }> {
    const send = this.url.protocol === 'https:' ? httpsRequest : request;
    return new Promise((resolve) => {
      const req = send(this.url, { method: 'POST', agent, rejectUnauthorized: false, headers: { 'content-type': 'application/json', 'content-length': body.length } }, (res) => {
        res.resume();
        res.on('end', () => resolve({ status: res.statusCode!, retryAfter: res.headers['retry-after'] as string | undefined }));
      });
      req.on('error', (e: NodeJS.ErrnoException) => resolve({ error: e.code ?? e.message }));
      req.end(body);
    });
  }

  raw(): Promise<Socket> {
    return new Promise((resolve) => { const s = connect(Number(this.url.port), '127.0.0.1', () => resolve(s)); });
  }

  exit(): Promise<{ code: number | null; ms: number }> {
    const t0 = Date.now();
    return new Promise((resolve) => {
      this.child.once('exit', (code) => resolve({ code, ms: Date.now() - t0 }));
      this.child.kill('SIGTERM');
    });
  }
}

let svc: Service | undefined;
afterEach(() => {
  if (svc && svc.child.exitCode === null) svc.child.kill('SIGKILL');
  svc = undefined;
});

describe('the audit webhook under hostile load', () => {
  it('60 concurrent 10 MB POSTs: bodies admitted within max_inflight_bytes, the others 429 + Retry-After; RSS bounded', { timeout: 120_000 }, async () => {
    svc = new Service(['-o', 'webhook.max_inflight_bytes=33554432']);
    await svc.started();
    const before = svc.peakRssMb();
    const results = await Promise.all(Array.from({ length: 60 }, (_, i) => svc!.post(padded(i, 10 * 1024 * 1024))));
    const ok = results.filter((r) => r.status === 200).length;
    const refused = results.filter((r) => r.status === 429);
    // a refused body is read to its end before the 429, so no client sees a reset
    const cut = results.filter((r) => r.error).length;
    expect(ok + refused.length + cut).toBe(60);
    expect(ok).toBeGreaterThan(0);
    expect(cut).toBe(0);
    expect(refused.length).toBeGreaterThan(0);
    for (const r of refused) expect(r.retryAfter).toBe('1');
    const peak = svc.peakRssMb();
    // before: 0.1 -> 1.4 GB. Now at most 3 bodies of 10 MB are held (plus their copies in the engine)
    expect(peak - before).toBeLessThan(300);
    await sleep(200);
    expect(svc.stdout.split('\n').filter((l) => l.includes('"Pod created"'))).toHaveLength(ok);
    // a retried request gets through once there is room
    expect((await svc.post(padded(99, 10 * 1024 * 1024))).status).toBe(200);
    expect((await svc.exit()).code).toBe(0);
  });

  it('connections past max_connections get 429 with Retry-After; room again once they close', { timeout: 30_000 }, async () => {
    svc = new Service(['-o', 'webhook.max_connections=5']);
    await svc.started();
    const idle = await Promise.all(Array.from({ length: 5 }, () => svc!.raw()));
    await sleep(100);
    expect(await svc.post(Buffer.from(podEvent(1)))).toMatchObject({ status: 429, retryAfter: '1' });
    for (const s of idle) s.destroy();
    await sleep(100);
    expect((await svc.post(Buffer.from(podEvent(2)))).status).toBe(200);
  });

  it('a body sent one byte at a time is cut with 408 at request_timeout_ms', { timeout: 30_000 }, async () => {
    svc = new Service(['-o', 'webhook.request_timeout_ms=1500']);
    await svc.started();
    const s = await svc.raw();
    let got = '';
    s.on('data', (c) => (got += c));
    const closed = new Promise<number>((r) => { const t0 = Date.now(); s.on('close', () => r(Date.now() - t0)); });
    s.on('error', () => undefined);
    s.write(`POST ${svc.url.pathname} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n`);
    const drip = setInterval(() => { if (!s.destroyed) s.write(' '); }, 200);
    const ms = await closed;
    clearInterval(drip);
    expect(got).toMatch(/^HTTP\/1\.1 408 /);
    expect(ms).toBeLessThan(4_000);
    // a request that arrived whole but waits on the pipeline is not cut: only the receiving is timed
    expect((await svc.post(Buffer.from(podEvent(3)))).status).toBe(200);
  });

  it('SIGTERM with idle keep-alive, silent and half-sent connections exits 0 at once, with no "work undone"', { timeout: 30_000 }, async () => {
    svc = new Service();
    await svc.started();
    const keepAlive = await svc.raw();
    keepAlive.write(`POST ${svc.url.pathname} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(podEvent(4))}\r\n\r\n${podEvent(4)}`);
    await new Promise((r) => keepAlive.once('data', r));
    const silent = await svc.raw();
    const half = await svc.raw();
    half.write(`POST ${svc.url.pathname} HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\n{`);
    for (const s of [keepAlive, silent, half]) s.on('error', () => undefined);
    await sleep(100);
    const { code, ms } = await svc.exit();
    expect(code).toBe(0);
    expect(ms).toBeLessThan(3_000);
    expect(svc.logs.map((l) => l.msg)).not.toContain('shutdown did not finish in time: exiting with work undone');
    expect(svc.stdout).toContain('"pod4"');
  });

  it('SIGTERM over TLS: a request being evaluated still gets its answer, an idle TLS connection is closed', { timeout: 30_000 }, async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kawa-hostile-tls-'));
    execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=127.0.0.1', '-keyout', 'k.pem', '-out', 'c.pem'], { cwd: dir, stdio: 'ignore' });
    // an http_output that takes 1 s to accept: the webhook request waits on it, so it is being evaluated at SIGTERM
    let alerts = 0;
    const slow = createServer((req, res) => { req.resume(); alerts++; setTimeout(() => res.end('ok'), 1000); });
    await new Promise<void>((r) => slow.listen(0, '127.0.0.1', r));
    try {
      svc = new Service(['-o', `webhook.ssl_certificate=${join(dir, 'c.pem')}`, '-o', `webhook.ssl_key=${join(dir, 'k.pem')}`,
        '-o', 'http_output.enabled=true', '-o', `http_output.url=http://127.0.0.1:${(slow.address() as { port: number }).port}/`]);
      await svc.started();
      const idle = new Agent({ keepAlive: true, rejectUnauthorized: false });
      expect((await svc.post(Buffer.from(podEvent(5)), idle)).status).toBe(200);
      const answer = svc.post(Buffer.from(podEvent(6)));
      while (alerts < 2) await sleep(10);
      const { code, ms } = await svc.exit();
      expect(await answer).toMatchObject({ status: 200 });
      expect(code).toBe(0);
      expect(ms).toBeLessThan(5_000);
      idle.destroy();
    } finally {
      slow.closeAllConnections();
      slow.close();
    }
  });
});
