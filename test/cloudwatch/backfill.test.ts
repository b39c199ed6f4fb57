// kawa run --cloudwatch CLUSTER --since T --until T: a day of generated EKS traffic in the emulator, read back
// through the worker pool, alerts exactly as a run over a file of the same events.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmulator, type RunningEmulator } from '../../src/emulator/index.js';

const DAY = 86_400_000;
const START = Date.UTC(2026, 10, 20, 0, 0, 0);
const GROUP = '/aws/eks/history/cluster';
const RULES = `
- rule: Any request
  desc: every event, so that both runs are compared event by event
  condition: ka.auditid exists
  output: "%ka.auditid %ka.verb %ka.target.resource %ka.user.name"
  priority: INFO
  source: k8s_audit
`;
const dir = mkdtempSync(join(tmpdir(), 'kawa-backfill-'));
const env = { ...process.env, AWS_ACCESS_KEY_ID: 'test', AWS_SECRET_ACCESS_KEY: 'test', AWS_PROFILE: '', AWS_REGION: '' };
let emu: RunningEmulator;

beforeAll(async () => {
  emu = await startEmulator({ config: { clock: { virtual: true, startMs: START }, maxEventsPerGroup: 1_000_000, generators: [{ group: GROUP, ratePerSec: 0.5, streams: 3, streamPrefix: 'kube-apiserver-audit-', rotateEveryMs: 3_600_000, ingestDelayMs: 500, truncateAt: 262_144 }] } });
  emu.control.advanceClock(DAY + 60_000);
  writeFileSync(join(dir, 'rules.yaml'), RULES);
});
afterAll(async () => emu.close());

// asynchronously: the emulator answers from this process
const run = (...args: string[]) => promisify(execFile)(process.execPath, ['bin/kawa.js', 'run', '-r', join(dir, 'rules.yaml'), '--json', '-o', 'rule_matching=all', ...args], { env, maxBuffer: 1 << 28 })
  .then((r) => ({ status: 0, stdout: r.stdout, stderr: r.stderr }), (e: { code: number; stdout: string; stderr: string }) => ({ status: e.code, stdout: e.stdout, stderr: e.stderr }));
const outputs = (stdout: string) => stdout.trim().split('\n').filter(Boolean).map((l) => (JSON.parse(l) as { output: string }).output).sort();

describe('backfill', () => {
  it('over a day of traffic alerts exactly as a file run of the same events', async () => {
    const truth = emu.control.truth({ group: GROUP, includeMessages: true });
    expect(truth.length).toBeGreaterThan(40_000);
    const file = join(dir, 'day.jsonl');
    writeFileSync(file, truth.map((e) => e.message).join('\n') + '\n');
    const fromFile = await run('-e', file);
    expect(fromFile.status).toBe(0);
    const iso = (ms: number) => new Date(ms).toISOString();
    const backfill = await run('--cloudwatch', 'history', '--region', 'us-east-1', '--endpoint', emu.url, '--since', iso(START - 60_000), '--until', iso(START + DAY + 60_000), '--workers', '2', '--summary');
    expect(backfill.stderr).not.toContain('KAWA_ERR');
    expect(backfill.status).toBe(0);
    const a = outputs(fromFile.stdout);
    const b = outputs(backfill.stdout);
    expect(b.length).toBe(truth.length);
    expect(b).toEqual(a);
    // the summary of a run, as over files
    expect(backfill.stderr).toContain('Events detected:');
    expect(backfill.stderr).toMatch(/kawa: \d+ events, \d+ bytes in [\d.]+ s: \d+ events\/s, \d+ alerts, 2 workers/);
  }, 120_000);

  it('a cluster whose log group does not exist fails the backfill with a coded error, after the others', async () => {
    const r = await run('--cloudwatch', 'history,missing', '--region', 'us-east-1', '--endpoint', emu.url, '--since', new Date(START).toISOString(), '--until', new Date(START + 3_600_000).toISOString(), '-o', 'cloudwatch.request_timeout=2');
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('KAWA_ERR_INPUT_READ: backfill incomplete: missing: log group /aws/eks/missing/cluster: not found');
    expect(outputs(r.stdout).length).toBeGreaterThan(1000);
  }, 120_000);

  it('bad times are usage errors', async () => {
    expect((await run('--cloudwatch', 'history', '--since', 'yesterday')).stderr).toContain('KAWA_ERR_USAGE: --since yesterday: not a time');
    expect((await run('--cloudwatch', 'history', '--until', '1d')).stderr).toContain('--until goes with --since');
    expect((await run('--cloudwatch', 'history', '--since', '1d', '--until', '2d')).stderr).toContain('is not before --until');
  });
});
