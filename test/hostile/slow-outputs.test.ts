// A slow or stuck output cannot stall detection (issue 15, item 5): http_output's timeout_ms bounds the whole
// request, a program that stops reading is killed at program_output.timeout_ms, a circuit breaker fails
// alerts at once after a chunk failed every retry (so a dead receiver does not hold a run for hours), and
// the stall shows on /healthz (degraded), /readyz (503 while every output's breaker is open, and 200 again
// when it closes for a trial) and in the metrics.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ANY_CREATE, sleep, startService } from './service.js';

const dir = mkdtempSync(join(tmpdir(), 'kawa-slow-'));
const rules = join(dir, 'rules.yaml');
writeFileSync(rules, ANY_CREATE);
const events = (n: number, agent = 'kubectl') => Array.from({ length: n }, (_, i) => JSON.stringify({ kind: 'Event', auditID: `a${i}`, verb: 'create', userAgent: agent, stageTimestamp: '2026-11-01T12:00:00.000000Z' })).join('\n') + '\n';
const servers: Server[] = [];
afterEach(() => {
  for (const s of servers.splice(0)) {
    s.closeAllConnections();
    s.close();
  }
});

/** A receiver that answers 200 one byte every 500 ms, for ever: never idle, never done. */
async function trickler(): Promise<string> {
  const server = createServer((req, res) => {
    req.resume();
    res.writeHead(200, { 'content-type': 'text/plain' });
    const t = setInterval(() => res.write('.'), 500);
    res.on('close', () => clearInterval(t));
  });
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return `http://127.0.0.1:${(server.address() as { port: number }).port}/`;
}

function run(file: string, ...options: string[]) {
  const started = Date.now();
  const r = spawnSync(process.execPath, ['bin/kawa.js', 'run', '-r', rules, '-e', file, '-o', 'stdout_output.enabled=false', ...options.flatMap((o) => ['-o', o])],
    { encoding: 'utf8', timeout: 60_000 });
  return { ...r, seconds: (Date.now() - started) / 1000 };
}

describe('slow and stuck outputs', () => {
  it('a receiver that trickles its answer times out as a whole, and the breaker fails the rest at once', async () => {
    const url = await trickler();
    const file = join(dir, 'twenty.jsonl');
    writeFileSync(file, events(20));
    const r = run(file, 'http_output.enabled=true', `http_output.url=${url}`, 'http_output.timeout_ms=1000', 'http_output.retries=1', 'http_output.concurrency=1');
    // ended (spawnSync's 60 s would have killed a run that waits on the receiver: status null)
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('not delivered within 1000 ms');
    expect(r.stderr).toContain('output circuit open');
    expect(r.stderr).toContain('KAWA_ERR_OUTPUT: 20 of 20 alerts were not delivered (http: 20)');
    // two attempts of the first alert (1 s each), then the breaker: not twenty rounds of retries
    expect(r.seconds).toBeLessThan(20);
  });

  it('a program that stops reading is killed at its timeout, and the run ends', () => {
    const file = join(dir, 'big.jsonl');
    // 64 KB of pipe fills with a few of these
    writeFileSync(file, events(40, 'x'.repeat(64 * 1024)));
    const r = run(file, 'program_output.enabled=true', 'program_output.keep_alive=true', 'program_output.program=exec sleep 1000', 'program_output.timeout_ms=1000');
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('not delivered within 1000 ms');
    expect(r.stderr).toMatch(/KAWA_ERR_OUTPUT: \d+ of 40 alerts were not delivered \(program: \d+\)/);
    expect(spawnSync('pgrep', ['-f', '^sleep 1000$']).stdout.toString().trim()).toBe('');
  });

  it('a service whose only output is dead: /healthz degraded, /readyz 503 while the breaker is open, then 200 for the trial', async () => {
    const kawa = await startService(['stdout_output.enabled=false', 'http_output.enabled=true', 'http_output.url=http://127.0.0.1:9/', 'http_output.retries=0']);
    try {
      const { webhook } = kawa;
      const web = kawa.web!;
      expect(await (await fetch(`${web}/healthz`)).json()).toEqual({ status: 'ok' });
      expect((await fetch(`${web}/readyz`)).status).toBe(200);
      // each alert after an open period is a trial that fails: the breaker opens for 1, 2, then 4 s
      const opened = () => kawa.logs().filter((l) => l.msg.startsWith('output circuit open')).length;
      for (let trips = 1; trips <= 3; trips++) {
        for (const end = Date.now() + 10_000; Date.now() < end;) {
          expect((await fetch(webhook, { method: 'POST', body: events(1).trim() })).status).toBe(200);
          if (opened() >= trips) break;
          await sleep(250);
        }
      }
      expect(opened()).toBe(3);
      const health = await (await fetch(`${web}/healthz`)).json() as { status: string; outputs: Record<string, string> };
      expect(health.status).toBe('degraded');
      expect(health.outputs.http).toMatch(/^failing, circuit open for \d+ s: connect ECONNREFUSED/);
      const ready = await fetch(`${web}/readyz`);
      expect(ready.status).toBe(503);
      expect((await ready.json() as { reason: string }).reason).toMatch(/^no output can deliver: http: failing, circuit open/);
      expect(await (await fetch(`${web}/metrics`)).text()).toMatch(/^kawa_output_circuit_open\{output="http"\} 1$/m);
      // ready again once the open period ends, so that the next alert can arrive and be the trial
      let readyAgain = 0;
      for (const end = Date.now() + 10_000; readyAgain !== 200 && Date.now() < end; await sleep(100)) readyAgain = (await fetch(`${web}/readyz`)).status;
      expect(readyAgain).toBe(200);
      expect((await (await fetch(`${web}/healthz`)).json() as { status: string }).status).toBe('degraded');
    } finally {
      kawa.child.kill('SIGKILL');
    }
  });
});
