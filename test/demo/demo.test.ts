// `kawa demo`: the emulator, the generator with attacks mixed in, the CloudWatch source and the project's rules,
// end to end: alerts for the injected attacks (including one CloudWatch truncated), none for the normal traffic.
import { execFile } from 'node:child_process';
import { PassThrough } from 'node:stream';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { demo } from '../../src/cli/demo.js';

describe('kawa demo', () => {
  it('prints an alert for each kind of injected attack and nothing for the normal traffic', async () => {
    const out = new PassThrough();
    let text = '';
    out.on('data', (c: Buffer) => (text += c.toString()));
    const code = await demo({ duration: 7, rate: 50, attackEvery: 0.4, stdout: out });
    expect(code).toBe(0);
    const lines = text.trim().split('\n');
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
    expect(stderr).toMatch(/kawa demo: \d+ audit events read from CloudWatch .*, \d+ alerts/);
  }, 20_000);
});
