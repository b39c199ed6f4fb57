// Alerts lost at a shutdown that runs out of time are counted (issue 15, item 4): with a dead HTTP output
// and alerts queued, SIGTERM past shutdown_timeout_ms says how many alerts were never delivered, by output,
// in the log line and in a closing KAWA_ERR_OUTPUT line, and exits 1.
import { describe, expect, it } from 'vitest';
import { createEvent, startService } from './service.js';

describe('a shutdown that runs out of time', () => {
  it('counts every alert it leaves undelivered', async () => {
    const kawa = await startService(['webserver.enabled=false', 'stdout_output.enabled=false', 'http_output.enabled=true',
      'http_output.url=http://127.0.0.1:9/', 'http_output.retries=20', 'shutdown_timeout_ms=1000']);
    const items = Array.from({ length: 300 }, (_, i) => createEvent(i));
    expect((await fetch(kawa.webhook, { method: 'POST', body: JSON.stringify({ kind: 'EventList', items }) })).status).toBe(200);
    kawa.child.kill('SIGTERM');
    expect(await kawa.exited).toBe(1);
    const line = kawa.logs().find((l) => l.msg.startsWith('shutdown did not finish in time')) as unknown as { msg: string; alerts_abandoned: number; by_output: Record<string, number> };
    // nothing was delivered and nothing given up on yet (20 retries): all 300 are still held
    expect(line.alerts_abandoned).toBe(300);
    expect(line.by_output).toEqual({ http: 300 });
    expect(line.msg).toBe('shutdown did not finish in time: exiting with work undone, 300 alerts not delivered');
    expect(kawa.stderr()).toContain('kawa: KAWA_ERR_OUTPUT: 300 alerts were not delivered (http: 300): shutdown_timeout_ms (1000) passed');
  });
});
