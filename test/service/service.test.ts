// kawa run --webhook as a real child process: health, metrics, alerts to stdout and a file, rules reload
// (a bad file rejected, a good one applied on SIGHUP), log rotation on SIGHUP, graceful SIGTERM.
// Needs dist/ (npx tsc -p tsconfig.json).
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const rule = (name: string, verb = 'create') => `
- rule: ${name}
  desc: d
  condition: ka.verb=${verb} and ka.target.resource=pods
  output: pod %ka.target.name by %ka.user.name
  priority: WARNING
  source: k8s_audit
`;
const event = (i: number) => ({
  kind: 'Event', apiVersion: 'audit.k8s.io/v1', level: 'Metadata', auditID: `a${i}`, stage: 'ResponseComplete', verb: 'create',
  requestURI: '/api/v1/namespaces/default/pods', user: { username: 'alice', groups: ['system:authenticated'] },
  objectRef: { resource: 'pods', namespace: 'default', name: `pod${i}`, apiVersion: 'v1' },
  requestReceivedTimestamp: '2024-05-01T10:00:00.000000Z', stageTimestamp: '2024-05-01T10:00:00.100000Z',
});
const list = (...ids: number[]) => JSON.stringify({ kind: 'EventList', apiVersion: 'audit.k8s.io/v1', items: ids.map(event) });

interface Log { msg: string; url?: string; [k: string]: unknown }

describe('kawa run --webhook (child process)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'kawa-svc-'));
  const rules = join(dir, 'rules.yaml');
  const alertsFile = join(dir, 'alerts.txt');
  let child: ChildProcess;
  let stdout = '';
  const logs: Log[] = [];
  let webhook = '';
  let web = '';

  const waitLog = async (msg: string, from = 0, ms = 8000): Promise<Log> => {
    const end = Date.now() + ms;
    for (;;) {
      const hit = logs.slice(from).find((l) => l.msg === msg);
      if (hit) return hit;
      if (Date.now() > end) throw new Error(`no "${msg}" log; got ${logs.map((l) => l.msg).join(' | ')}`);
      await sleep(25);
    }
  };

  beforeAll(async () => {
    writeFileSync(rules, rule('Pod created'));
    child = spawn(process.execPath, ['bin/kawa.js', 'run', '-r', rules, '--webhook', '--port', '0',
      '-o', 'webhook.listen_address=127.0.0.1', '-o', 'webserver.listen_port=0', '-o', 'webserver.listen_address=127.0.0.1',
      '-o', 'json_output=true', '-o', 'file_output.enabled=true', '-o', `file_output.filename=${alertsFile}`,
      '-o', 'file_output.keep_alive=true', '-o', 'log_level=info'], { stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout!.on('data', (c) => (stdout += c));
    let partial = '';
    child.stderr!.on('data', (c) => {
      partial += c;
      const lines = partial.split('\n');
      partial = lines.pop()!;
      for (const l of lines) if (l.startsWith('{')) logs.push(JSON.parse(l) as Log);
    });
    webhook = (await waitLog('audit webhook listening')).url!;
    web = (await waitLog('web server listening')).url!;
    await waitLog('kawa running');
  });

  afterAll(() => {
    if (child.exitCode === null) child.kill('SIGKILL');
  });

  const post = (body: string) => fetch(webhook, { method: 'POST', body, headers: { 'content-type': 'application/json' } });

  it('is live and ready, and evaluates webhook events to stdout and the file', async () => {
    expect(await (await fetch(`${web}/healthz`)).json()).toEqual({ status: 'ok' });
    expect((await fetch(`${web}/readyz`)).status).toBe(200);
    expect((await post(list(1, 2))).status).toBe(200);
    await sleep(50);
    const out = stdout.trim().split('\n').map((l) => JSON.parse(l) as { rule: string; output_fields: Record<string, string> });
    expect(out.map((a) => [a.rule, a.output_fields['ka.target.name']])).toEqual([['Pod created', 'pod1'], ['Pod created', 'pod2']]);
    expect(readFileSync(alertsFile, 'utf8').trim().split('\n')).toHaveLength(2);
  });

  it('serves Prometheus metrics named kawa_*', async () => {
    const text = await (await fetch(`${web}/metrics`)).text();
    expect(text).toMatch(/^kawa_events_read_total\{source="webhook"\} 1$/m);
    expect(text).toMatch(/^kawa_events_parsed_total 2$/m);
    expect(text).toMatch(/^kawa_alerts_total\{rule="Pod created",priority="Warning"\} 2$/m);
    expect(text).toMatch(/^kawa_output_alerts_sent_total\{output="stdout"\} 2$/m);
    expect(text).toMatch(/^kawa_output_alerts_sent_total\{output="file"\} 2$/m);
    expect(text).toMatch(/^kawa_webhook_requests_total\{code="200"\} 1$/m);
    expect(text).toMatch(/^kawa_rules_loaded 1$/m);
    expect(text).toMatch(/^kawa_batch_duration_seconds_count 1$/m);
    expect(text).toContain('kawa_process_resident_memory_bytes');
  });

  it('rejects a bad rules file with its errors and keeps the running rules', async () => {
    const from = logs.length;
    writeFileSync(rules, `${rule('Broken')}  \n- rule: x\n  condition: ka.nope = 1\n  output: o\n  desc: d\n  priority: INFO\n  source: k8s_audit\n`);
    const rejected = await waitLog('rules reload rejected; the running rules stay', from);
    expect(JSON.stringify(rejected.errors)).toContain('LOAD_ERR');
    expect((await post(list(3))).status).toBe(200);
    await sleep(50);
    expect(stdout).toContain('"rule":"Pod created"');
    expect(stdout).toContain('pod3');
  });

  it('SIGHUP reloads good rules and reopens the alert file after rotation', async () => {
    writeFileSync(rules, rule('Pod created v2'));
    renameSync(alertsFile, `${alertsFile}.1`);
    const from = logs.length;
    child.kill('SIGHUP');
    await waitLog('rules reloaded', from);
    expect((await post(list(4))).status).toBe(200);
    await sleep(100);
    expect(stdout).toContain('"rule":"Pod created v2"');
    expect(readFileSync(alertsFile, 'utf8')).toContain('Pod created v2');
    expect(readFileSync(`${alertsFile}.1`, 'utf8').trim().split('\n')).toHaveLength(3);
  });

  it('SIGTERM: in-flight requests finish, outputs flush, exit 0 quickly', async () => {
    const inflight = Array.from({ length: 5 }, (_, k) => post(list(10 + k)).then((r) => r.status, () => 0));
    await sleep(5);
    const started = Date.now();
    const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
    expect(Date.now() - started).toBeLessThan(5000);
    const codes = await Promise.all(inflight);
    const delivered = codes.filter((c) => c === 200).length;
    // every request answered 200 was evaluated and its alert written
    const after = stdout.trim().split('\n').filter((l) => /pod1\d/.test(l)).length;
    expect(after).toBe(delivered);
    expect(logs.map((l) => l.msg)).toContain('kawa stopped');
  });
});

describe('kawa run -c falco.yaml --webhook: SIGHUP re-reads the configuration', () => {
  it('a lowered minimum priority lets the alerts of the rules it now loads through', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kawa-svc-prio-'));
    const rules = join(dir, 'rules.yaml');
    writeFileSync(rules, rule('Pod created'));
    const config = join(dir, 'falco.yaml');
    const write = (priority: string) => writeFileSync(config, [`rules_files: [${rules}]`, `priority: ${priority}`, 'json_output: true', 'watch_config_files: false',
      'webhook: {listen_port: 0, listen_address: 127.0.0.1}', 'webserver: {enabled: false}', 'log_level: info', ''].join('\n'));
    write('error');
    const child = spawn(process.execPath, ['bin/kawa.js', 'run', '-c', config, '--webhook'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout!.on('data', (c) => (stdout += c));
    child.stderr!.on('data', (c) => (stderr += c));
    const waitFor = async (text: string, from = 0) => {
      for (let i = 0; i < 200 && !stderr.slice(from).includes(text); i++) await sleep(25);
      expect(stderr.slice(from)).toContain(text);
    };
    try {
      await waitFor('"msg":"kawa running"');
      const url = (JSON.parse(stderr.split('\n').find((l) => l.includes('audit webhook listening'))!) as Log).url!;
      const post = (body: string) => fetch(url, { method: 'POST', body, headers: { 'content-type': 'application/json' } });
      // the rule is WARNING: below `priority: error` it is not loaded
      expect((await post(list(1))).status).toBe(200);
      write('debug');
      const from = stderr.length;
      child.kill('SIGHUP');
      await waitFor('"msg":"rules reloaded"', from);
      expect((await post(list(2))).status).toBe(200);
      for (let i = 0; i < 100 && !stdout.includes('pod2'); i++) await sleep(25);
      expect(stdout.trim().split('\n').map((l) => (JSON.parse(l) as { output: string }).output.split(' ').slice(-4).join(' '))).toEqual(['pod pod2 by alice']);
    } finally {
      child.kill('SIGTERM');
    }
  });
});
