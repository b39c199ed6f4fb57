// `kawa demo`: the emulator, the generator with attacks mixed in, the CloudWatch source and the project's rules,
// end to end: alerts for the injected attacks (including one CloudWatch truncated), none for the normal traffic.
// `kawa demo --kinesis N`: the same through the subscription filter, a local Kinesis stream and N Kinesis
// sources sharing leases and the alert table: every attack alerted exactly once, the shards shared.
import { execFile } from 'node:child_process';
import { PassThrough } from 'node:stream';
import { promisify } from 'node:util';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { demo } from '../../src/cli/demo.js';
import { main } from '../../src/cli/main.js';

afterEach(() => vi.restoreAllMocks());

function collect(): { stream: PassThrough; text: () => string } {
  const stream = new PassThrough();
  let text = '';
  stream.on('data', (c: Buffer) => (text += c.toString()));
  return { stream, text: () => text };
}

function captureStderr(): () => string {
  let err = '';
  vi.spyOn(process.stderr, 'write').mockImplementation((s) => {
    err += String(s);
    return true;
  });
  return () => err;
}

describe('kawa demo', () => {
  it('prints an alert for each kind of injected attack and nothing for the normal traffic', async () => {
    const out = collect();
    const code = await demo({ duration: 7, rate: 50, attackEvery: 0.4, stdout: out.stream });
    expect(code).toBe(0);
    const lines = out.text().trim().split('\n');
    for (const what of ['Privileged pod created', 'Exec or attach into a pod', 'sensitive host path', 'Binding to cluster-admin', 'host network', 'aws-auth ConfigMap changed', 'kube namespace']) {
      expect(lines.some((l) => l.includes(what)), what).toBe(true);
    }
    // the padded aws-auth change arrived cut by CloudWatch, and was still read
    expect(lines.some((l) => l.includes('aws-auth ConfigMap changed') && l.includes('truncated'))).toBe(true);
    // every alert comes from an attack: the attacker is bob, the generator's traffic never alerts
    expect(lines.filter((l) => !l.includes('bob@example.com'))).toEqual([]);
  }, 20_000);

  it('runs as `kawa demo --duration S --json` and exits 0 with a summary', async () => {
    const { stdout, stderr } = await promisify(execFile)(process.execPath, ['bin/kawa.js', 'demo', '--duration', '4', '--attack-every', '0.5', '--json'], { timeout: 15_000 });
    const alerts = stdout.trim().split('\n').map((l) => JSON.parse(l) as { rule: string; output_fields: Record<string, unknown> });
    expect(alerts.length).toBeGreaterThan(2);
    expect(alerts[0]!.output_fields['ka.user.name']).toBe('bob@example.com');
    expect(stderr).toMatch(/kawa demo: \d+ audit events read from CloudWatch .*, \d+ alerts?/);
  }, 20_000);

  it('--kinesis 2: two Kinesis processes share the shards and every attack alerts exactly once', async () => {
    const out = collect();
    const err = captureStderr();
    const code = await demo({ kinesis: 2, duration: 12, rate: 50, attackEvery: 0.5, stdout: out.stream });
    vi.restoreAllMocks();
    expect(code).toBe(0);
    const lines = out.text().trim().split('\n');
    expect(lines.length).toBeGreaterThan(5);
    expect(lines.filter((l) => !l.includes('bob@example.com'))).toEqual([]);
    // each attack has its own audit id: a line printed twice would be an alert repeated across the processes
    const auditIds = lines.map((l) => /audit_id=([^ )]+)/.exec(l)?.[1]);
    expect(auditIds.every(Boolean)).toBe(true);
    expect(new Set(auditIds).size).toBe(lines.length);
    const summary = err();
    const attacks = /kawa demo: (\d+) attacks injected, each alerted once; duplicates removed/.exec(summary);
    expect(attacks, summary).not.toBeNull();
    expect(Number(attacks![1])).toBe(lines.length);
    expect(summary).toContain(`kawa demo: ${lines.length} alert${lines.length === 1 ? '' : 's'}: `);
    for (const w of ['worker-1', 'worker-2']) {
      expect(summary, w).toMatch(new RegExp(`kawa demo: ${w} read [1-9]\\d* audit events, holding shardId-\\d+`));
    }
  }, 30_000);

  it('refuses a --kinesis that is not a number of processes from 1 to 8', async () => {
    for (const bad of ['0', 'x', '9']) {
      const err = captureStderr();
      const code = await main(['demo', '--kinesis', bad, '--duration', '1']);
      vi.restoreAllMocks();
      expect(code, bad).toBe(2);
      expect(err()).toBe(`kawa: KAWA_ERR_USAGE: --kinesis expects a number of processes from 1 to 8, got '${bad}'\n`);
    }
    // and from the library
    await expect(demo({ kinesis: 0, duration: 1 })).rejects.toMatchObject({ code: 'KAWA_ERR_USAGE' });
  });

  // --rate 1e12 once stalled a one-second demo for 48 s (the emulator making a full log group in one go), and a
  // --duration past Node's longest timer stopped it at once
  it('refuses a --rate past what the emulator can write, and times Node cannot keep', async () => {
    for (const [flag, bad, max] of [['--rate', '1e12', '50000'], ['--rate', '0', '50000'], ['--duration', '1e12', '2147483'], ['--attack-every', '-1', '2147483']]) {
      const err = captureStderr();
      const code = await main(['demo', flag!, bad!]);
      vi.restoreAllMocks();
      expect([flag, bad, code, err()]).toEqual([flag, bad, 2, `kawa: KAWA_ERR_USAGE: ${flag} expects a number > 0 and at most ${max}, got '${bad}'\n`]);
    }
  });
});
