// A run over files or stdin stopped by SIGTERM or SIGINT (a Job's pod deleted, Ctrl-C): what was read is
// evaluated and delivered, the outputs are flushed, Falco's statistics of what was read are printed, and the
// exit status says the inputs were not read to their end (128 + the signal). Through the built CLI, with stdin a
// pipe the test keeps open, so the signal always arrives mid-input.
import { execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';

const dir = mkdtempSync(join(tmpdir(), 'kawa-signals-'));
const rules = join(dir, 'rules.yaml');
writeFileSync(rules, `
- rule: Any audit event
  desc: every event
  condition: ka.auditid exists
  output: seen %ka.auditid
  priority: INFO
  source: k8s_audit
`);

const event = (i: number) => JSON.stringify({
  kind: 'Event', apiVersion: 'audit.k8s.io/v1', level: 'Metadata', auditID: `a-${i}`, stage: 'ResponseComplete', verb: 'get',
  requestURI: '/api/v1/pods', user: { username: 'alice' }, objectRef: { resource: 'pods' }, stageTimestamp: '2026-11-01T12:00:00.000000Z',
}) + '\n';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** `kawa run -e -` with `events` written to its stdin, which stays open; `signal` once `ready(stdout)`. */
async function interrupted(args: string[], events: number, signal: NodeJS.Signals, ready: (stdout: string) => boolean) {
  const child = spawn(process.execPath, ['bin/kawa.js', 'run', '-r', rules, '-e', '-', '--workers', '0', ...args], { env: { ...process.env, TZ: 'UTC' } });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
  child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
  const exit = once(child, 'exit') as Promise<[number | null, NodeJS.Signals | null]>;
  for (let i = 0; i < events; i++) child.stdin.write(event(i));
  for (const until = Date.now() + 20_000; !ready(stdout) && Date.now() < until;) await sleep(20);
  child.kill(signal);
  const [code] = await exit;
  child.stdin.destroy();
  return { code, stdout, stderr };
}

describe('a run stopped by a signal', () => {
  it('SIGTERM: every event read is evaluated and written, the statistics follow, exit 143', async () => {
    const r = await interrupted(['--json'], 50, 'SIGTERM', (out) => out.split('\n').length > 50);
    expect(r.code).toBe(143);
    expect(r.stdout.trim().split('\n')).toHaveLength(50);
    expect(r.stderr).toContain('Events detected: 50');
    expect(r.stderr).toContain('kawa: stopped by SIGTERM after 50 payloads: the inputs were not read to their end');
  }, 30_000);

  it('SIGINT (Ctrl-C): the same, exit 130; text alerts and their statistics on stdout', async () => {
    const r = await interrupted([], 3, 'SIGINT', (out) => out.split('\n').filter((l) => l.includes('seen a-')).length === 3);
    expect(r.code).toBe(130);
    expect(r.stdout).toContain('Events detected: 3');
    expect(r.stderr).toContain('kawa: stopped by SIGINT after 3 payloads');
  }, 30_000);

  it('the alerts an HTTP output still holds are delivered before the process ends', async () => {
    // a receiver that answers each alert after 100 ms: at the signal most of them are still queued
    const received: string[] = [];
    const server = createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => setTimeout(() => {
        received.push((JSON.parse(body) as { output: string }).output);
        res.writeHead(200).end();
      }, 100));
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
    try {
      const r = await interrupted(['--json', '-o', 'http_output.enabled=true', '-o', `http_output.url=${url}`, '-o', 'http_output.concurrency=1'], 10, 'SIGTERM',
        (out) => out.split('\n').length > 10);
      expect(r.code).toBe(143);
      expect(received).toHaveLength(10);
      expect(r.stderr).not.toContain('KAWA_ERR_OUTPUT');
    } finally {
      server.close();
    }
  }, 30_000);
});

// not a signal, but found with them: the source looked at a FIFO by opening and closing it before reading it
describe('a named FIFO as the input', () => {
  const fifo = (name: string) => {
    const path = join(dir, name);
    execFileSync('mkfifo', [path]);
    return path;
  };

  it('gzipped, is read whole (it is not opened and closed again to look at it first)', async () => {
    const path = fifo('gz.fifo');
    const child = spawn(process.execPath, ['bin/kawa.js', 'run', '-r', rules, '-e', path, '--json']);
    let stdout = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    const exit = once(child, 'exit') as Promise<[number | null]>;
    // more than a pipe holds (64 KiB): the writer waits for the reader while it writes
    const gz = gzipSync(Array.from({ length: 5000 }, (_, i) => event(i).replace('"verb"', `"note":"${randomBytes(24).toString('hex')}","verb"`)).join(''));
    expect(gz.length).toBeGreaterThan(128 << 10);
    const writer = await open(path, 'w');
    await writer.write(gz);
    await writer.close();
    const [code] = await exit;
    expect(code).toBe(0);
    expect(stdout.trim().split('\n')).toHaveLength(5000);
  }, 30_000);

  // the writer stays open and silent (tail -f into a FIFO): its read waits in libuv's thread pool, which held
  // the exit until the writer wrote or closed; the writer here closes only after the run has exited
  it('SIGTERM stops a run whose writer stays open and silent, and one still waiting for a writer', async () => {
    const path = fifo('silent.fifo');
    const run = () => {
      const child = spawn(process.execPath, ['bin/kawa.js', 'run', '-r', rules, '-e', path, '--json', '--workers', '0']);
      let stdout = '';
      child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
      const exit = once(child, 'exit') as Promise<[number | null]>;
      return { child, exit, stdout: () => stdout };
    };
    const silent = run();
    const writer = await open(path, 'w');
    await writer.write(Array.from({ length: 5 }, (_, i) => event(i)).join(''));
    for (const until = Date.now() + 20_000; silent.stdout().split('\n').length <= 5 && Date.now() < until;) await sleep(20);
    silent.child.kill('SIGTERM');
    const [code] = await silent.exit;
    await writer.close();
    expect(code).toBe(143);
    expect(silent.stdout().trim().split('\n')).toHaveLength(5);

    const waiting = run();
    await sleep(500);
    waiting.child.kill('SIGTERM');
    expect((await waiting.exit)[0]).toBe(143);
  }, 30_000);
});
