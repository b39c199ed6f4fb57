// Alerts lost at a shutdown that runs out of time are counted (issue 15, item 4): with a dead HTTP output
// and alerts queued, SIGTERM past shutdown_timeout_ms says how many alerts were never delivered, by output,
// in the log line and in a closing KAWA_ERR_OUTPUT line, and exits 1.
import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

describe('a shutdown that runs out of time', () => {
  it('counts every alert it leaves undelivered', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kawa-abandon-'));
    const rules = join(dir, 'rules.yaml');
    writeFileSync(rules, '- rule: Any\n  desc: d\n  condition: ka.verb = create\n  output: "%ka.auditid"\n  priority: INFO\n  source: k8s_audit\n');
    const child = spawn(process.execPath, ['bin/kawa.js', 'run', '-r', rules, '--webhook', '--port', '0', '-o', 'webserver.enabled=false',
      '-o', 'stdout_output.enabled=false', '-o', 'http_output.enabled=true', '-o', 'http_output.url=http://127.0.0.1:9/', '-o', 'http_output.retries=20',
      '-o', 'shutdown_timeout_ms=1000', '-o', 'log_level=info'], { stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    let url = '';
    child.stderr!.on('data', (c: Buffer) => {
      err += c.toString();
      url ||= /"url":"([^"]+)","tls"/.exec(err)?.[1] ?? '';
    });
    const exited = new Promise<number | null>((r) => child.on('exit', r));
    for (const end = Date.now() + 10_000; !url && Date.now() < end;) await new Promise((r) => setTimeout(r, 25));
    const items = Array.from({ length: 300 }, (_, i) => ({ kind: 'Event', auditID: `a${i}`, verb: 'create', stageTimestamp: '2026-11-01T12:00:00.000000Z' }));
    expect((await fetch(url, { method: 'POST', body: JSON.stringify({ kind: 'EventList', items }) })).status).toBe(200);
    child.kill('SIGTERM');
    expect(await exited).toBe(1);
    const line = err.split('\n').filter((l) => l.includes('shutdown did not finish in time')).map((l) => JSON.parse(l) as { msg: string; alerts_abandoned: number; by_output: Record<string, number> })[0]!;
    // nothing was delivered and nothing given up on yet (20 retries): all 300 are still held
    expect(line.alerts_abandoned).toBe(300);
    expect(line.by_output).toEqual({ http: 300 });
    expect(line.msg).toBe('shutdown did not finish in time: exiting with work undone, 300 alerts not delivered');
    expect(err).toContain('kawa: KAWA_ERR_OUTPUT: 300 alerts were not delivered (http: 300): shutdown_timeout_ms (1000) passed');
  });
});
