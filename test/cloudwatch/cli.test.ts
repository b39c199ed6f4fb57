// `kawa run -c falco.yaml` with the k8saudit-eks plugin block as Falco users have it (plus cloudwatch.endpoint),
// as a child process (dist/, built by `npm test`); and the coded errors a user sees at start.
import { execFile, spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { startEmulator, type RunningEmulator } from '../../src/emulator/index.js';
import { auditMessage, CATCH_ALL } from './harness.js';

const dir = mkdtempSync(join(tmpdir(), 'kawa-cwcli-'));
const rules = join(dir, 'rules.yaml');
writeFileSync(rules, CATCH_ALL);
const env = { ...process.env, AWS_ACCESS_KEY_ID: 'test', AWS_SECRET_ACCESS_KEY: 'test', AWS_PROFILE: '', AWS_REGION: '' };
let emu: RunningEmulator | undefined;
afterAll(async () => emu?.close());

describe('kawa run on CloudWatch (CLI)', () => {
  it('reads the plugin block of falco.yaml, alerts, and stops on SIGTERM with exit 0', async () => {
    emu = await startEmulator();
    const now = Date.now();
    // event 3 is larger than max_event_size: not evaluated, and said so in the log
    const big = { annotations: { note: 'x'.repeat(3000) } };
    emu.control.insert({ group: '/aws/eks/prod/cluster', events: [0, 1, 2, 3].map((i) => ({ stream: 'kube-apiserver-audit-x', timestamp: now - 2000 + i, message: auditMessage(i, now - 2000 + i, i === 3 ? big : {}) })) });
    const config = join(dir, 'falco.yaml');
    writeFileSync(config, [
      'plugins:', '  - name: k8saudit-eks', '    library_path: libk8saudit-eks.so', '    init_config:', '      region: us-east-1', '      shift: 30',
      '      polling_interval: 1', '      use_async: false', '      buffer_size: 500', '      max_event_size: 2000', '    open_params: "prod"', '  - name: json', '    library_path: libjson.so',
      'load_plugins: [k8saudit-eks, json]', `cloudwatch:`, `  endpoint: ${emu.url}`, 'webserver:', '  enabled: false', 'json_output: true', '',
    ].join('\n'));
    const child = spawn(process.execPath, ['bin/kawa.js', 'run', '-c', config, '-r', rules], { env });
    let out = '';
    let err = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    child.stderr.on('data', (c: Buffer) => (err += c.toString()));
    const exit = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
    for (let i = 0; i < 100 && (out.trim().split('\n').filter(Boolean).length < 3 || !err.includes('too_large')); i++) await new Promise((r) => setTimeout(r, 100));
    child.kill('SIGTERM');
    expect(await exit).toBe(0);
    const alerts = out.trim().split('\n').map((l) => JSON.parse(l) as { output: string; output_fields: Record<string, string> });
    expect(alerts.map((a) => a.output.split(' ').slice(-2)[0]).sort()).toEqual(['a-0', 'a-1', 'a-2']);
    // every alert carries its CloudWatch eventId (56 digits) and the alert id derived from it
    const ids = alerts.map((a) => a.output_fields['kawa.event_id']);
    for (const id of ids) expect(id).toMatch(/^\d{56}$/);
    expect(new Set(ids).size).toBe(3);
    for (const a of alerts) expect(a.output_fields['kawa.alert_id']).toMatch(/^[0-9a-f]{32}$/);
    const skipped = err.split('\n').filter((l) => l.includes('"reason":"too_large"')).map((l) => JSON.parse(l) as { origin: string });
    expect(skipped).toHaveLength(1);
    expect(skipped[0]!.origin).toMatch(/^\/aws\/eks\/prod\/cluster:kube-apiserver-audit-x\/\d{56}$/);
  }, 20_000);

  it('says what is wrong at start: no region, a corrupt checkpoint, two sources', async () => {
    const run = (...args: string[]) => promisify(execFile)(process.execPath, ['bin/kawa.js', 'run', '-r', rules, ...args], { env }).then(() => ({ code: 0, stderr: '' }), (e: { code: number; stderr: string }) => e);
    const noRegion = await run('--cloudwatch', 'prod', '--endpoint', 'http://127.0.0.1:9', '-o', 'webserver.enabled=false');
    expect(noRegion.code).toBe(1);
    expect(noRegion.stderr).toContain('KAWA_ERR_CONFIG: no AWS region');
    const cp = join(dir, 'broken.json');
    writeFileSync(cp, '{not json');
    const broken = await run('--cloudwatch', 'prod', '--region', 'us-east-1', '--endpoint', 'http://127.0.0.1:9', '--checkpoint', cp, '-o', 'webserver.enabled=false');
    expect(broken.code).toBe(1);
    expect(broken.stderr).toContain(`kawa: ${cp}: KAWA_ERR_CHECKPOINT`);
    const usage = await run('--cloudwatch', 'prod', '-e', rules);
    expect(usage.code).toBe(2);
  }, 20_000);

  it('is alive but not ready while the log group is missing, and says why on /readyz', async () => {
    emu ??= await startEmulator();
    const port = 21_000 + Math.floor(Math.random() * 4000);
    const child = spawn(process.execPath, ['bin/kawa.js', 'run', '-r', rules, '--cloudwatch', 'nosuchcluster', '--region', 'us-east-1', '--endpoint', emu.url,
      '-o', 'webserver.listen_address=127.0.0.1', '-o', `webserver.listen_port=${port}`], { env, stdio: 'ignore' });
    const exit = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
    // the first answer that satisfies `done` (the source says it is unhealthy once its first request failed)
    const get = async (path: string, done: (code: number, body: { status: string; reason?: string }) => boolean) => {
      for (let i = 0; i < 100; i++) {
        try {
          const r = await fetch(`http://127.0.0.1:${port}${path}`);
          const body = await r.json() as { status: string; reason?: string };
          if (done(r.status, body)) return { code: r.status, body };
        } catch {
          // not listening yet
        }
        await new Promise((r) => setTimeout(r, 100));
      }
      throw new Error(`no such answer on ${path}`);
    };
    const ready = await get('/readyz', (code, body) => code === 503 && body.reason !== 'starting or stopping');
    expect(ready.body.reason).toMatch(/log group \/aws\/eks\/nosuchcluster\/cluster not found/);
    expect(await get('/healthz', () => true)).toEqual({ code: 200, body: { status: 'ok' } });
    child.kill('SIGTERM');
    expect(await exit).toBe(0);
  }, 20_000);
});
