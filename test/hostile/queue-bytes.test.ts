// Output queues are bounded in bytes as well as alerts (issue 15, item 9): alerts with 200 KB user agents
// behind a receiver that does not answer fill outputs_queue.max_bytes, not memory; the webhook then holds
// its requests (backpressure, logged and counted), and everything is delivered once the receiver answers.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { describe, expect, it } from 'vitest';
import { createEvent, sleep, startService } from './service.js';

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
    const kawa = await startService(['stdout_output.enabled=false', 'http_output.enabled=true', `http_output.url=${receiverUrl}`, 'http_output.timeout_ms=60000',
      'http_output.concurrency=1', 'outputs_queue.max_bytes=1048576']);
    try {
      const { webhook, web } = kawa;
      const agent = 'x'.repeat(200 * 1024);
      const posts = Array.from({ length: 30 }, (_, i) => fetch(webhook, { method: 'POST', body: JSON.stringify(createEvent(i, agent)) }));
      await sleep(1500);
      const metrics = await (await fetch(`${web}/metrics`)).text();
      const bytes = Number(/^kawa_output_queue_bytes\{output="http"\} (\d+)$/m.exec(metrics)?.[1]);
      const queued = Number(/^kawa_output_queue_alerts\{output="http"\} (\d+)$/m.exec(metrics)?.[1]);
      // at most 1 MiB of alerts waits (an alert is ~200 KB): the rest of the 30 requests wait unanswered
      expect(queued).toBeGreaterThan(0);
      expect(bytes).toBeLessThanOrEqual(1024 * 1024);
      expect(queued).toBeLessThanOrEqual(5);
      // and the wait is seen: a warning and a counter
      expect(kawa.stderr()).toContain('output queue full: detection waits for this output');
      expect(Number(/^kawa_output_queue_full_waits_total\{output="http"\} (\d+)$/m.exec(metrics)?.[1])).toBeGreaterThan(0);
      release();
      const answers = await Promise.all(posts);
      expect(answers.map((a) => a.status)).toEqual(Array(30).fill(200));
      for (const end = Date.now() + 10_000; received < 30 && Date.now() < end;) await sleep(50);
      expect(received).toBe(30);
    } finally {
      kawa.child.kill('SIGKILL');
      receiver.closeAllConnections();
      receiver.close();
    }
  });
});
