// Output queues are bounded in bytes as well as alerts (issue 15, item 9): alerts with 200 KB user agents
// behind a receiver that does not answer fill outputs_queue.max_bytes, not memory; the webhook then holds
// its requests (backpressure, logged and counted), and everything is delivered once the receiver answers.
import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('output queue bytes', () => {
  it('cap what a slow output holds, and lose nothing', async () => {
    // the receiver holds every request until released
    let release!: () => void;
    const released = new Promise<void>((r) => (release = r));
    let received = 0;
    const receiver = createServer((req: IncomingMessage, res: ServerResponse) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => void released.then(() => {
        received += body.split('\n').filter(Boolean).length;
        res.end('ok');
      }));
    });
    await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
    const receiverUrl = `http://127.0.0.1:${(receiver.address() as { port: number }).port}/`;
    const dir = mkdtempSync(join(tmpdir(), 'kawa-qbytes-'));
    const rules = join(dir, 'rules.yaml');
    writeFileSync(rules, '- rule: Any\n  desc: d\n  condition: ka.verb = create\n  output: "%ka.auditid %ka.useragent"\n  priority: INFO\n  source: k8s_audit\n');
    const child = spawn(process.execPath, ['bin/kawa.js', 'run', '-r', rules, '--webhook', '--port', '0', '-o', 'webserver.listen_port=0',
      '-o', 'stdout_output.enabled=false', '-o', 'http_output.enabled=true', '-o', `http_output.url=${receiverUrl}`, '-o', 'http_output.timeout_ms=60000',
      '-o', 'http_output.concurrency=1', '-o', 'outputs_queue.max_bytes=1048576', '-o', 'log_level=info'], { stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    child.stderr!.on('data', (c: Buffer) => (err += c.toString()));
    try {
      const url = (re: RegExp) => re.exec(err)?.[1] ?? '';
      for (const end = Date.now() + 10_000; !(url(/"url":"([^"]+)","tls"/) && url(/"url":"([^"]+)","healthz"/)) && Date.now() < end;) await sleep(25);
      const webhook = url(/"url":"([^"]+)","tls"/);
      const web = url(/"url":"([^"]+)","healthz"/);
      const agent = 'x'.repeat(200 * 1024);
      const posts = Array.from({ length: 30 }, (_, i) => fetch(webhook, { method: 'POST', body: JSON.stringify({ kind: 'Event', auditID: `a${i}`, verb: 'create', userAgent: agent, stageTimestamp: '2026-11-01T12:00:00.000000Z' }) }));
      await sleep(1500);
      const metrics = await (await fetch(`${web}/metrics`)).text();
      const bytes = Number(/^kawa_output_queue_bytes\{output="http"\} (\d+)$/m.exec(metrics)?.[1]);
      const queued = Number(/^kawa_output_queue_alerts\{output="http"\} (\d+)$/m.exec(metrics)?.[1]);
      // at most 1 MiB of alerts waits (an alert is ~200 KB): the rest of the 30 requests wait unanswered
      expect(queued).toBeGreaterThan(0);
      expect(bytes).toBeLessThanOrEqual(1024 * 1024);
      expect(queued).toBeLessThanOrEqual(5);
      // and the wait is seen: a warning and a counter
      expect(err).toContain('output queue full: detection waits for this output');
      expect(Number(/^kawa_output_queue_full_waits_total\{output="http"\} (\d+)$/m.exec(metrics)?.[1])).toBeGreaterThan(0);
      release();
      const answers = await Promise.all(posts);
      expect(answers.map((a) => a.status)).toEqual(Array(30).fill(200));
      for (const end = Date.now() + 10_000; received < 30 && Date.now() < end;) await sleep(50);
      expect(received).toBe(30);
    } finally {
      child.kill('SIGKILL');
      receiver.closeAllConnections();
      receiver.close();
    }
  });
});
