// The stateful rules' state is saved with the source's checkpoint (Source.onCheckpoint): a `kawa run
// --cloudwatch` killed with SIGKILL leaves a state file written while it ran, though save_interval_ms is an
// hour, and a restart resumes the suppression from it. Needs dist/.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { startEmulator, type RunningEmulator } from '../../src/emulator/index.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const dir = mkdtempSync(join(tmpdir(), 'kawa-stateful-checkpoint-'));
const rulesFile = join(dir, 'rules.yaml');
const stateFile = join(dir, 'state.json');
const checkpoint = join(dir, 'cw.json');
writeFileSync(rulesFile, `
- rule: One per verb
  desc: the first event of each verb, then the repeats suppressed for an hour
  condition: ka.auditid exists
  output: "%ka.auditid %ka.verb"
  priority: INFO
  source: k8s_audit
  kawa:
    suppress: {window: 1h, by: [ka.verb]}
`);

let emu: RunningEmulator | undefined;
const children: ChildProcess[] = [];
afterAll(async () => {
  for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
  await emu?.close();
});

function kawa(): { child: ChildProcess; stdout: () => string; exit: Promise<number | null> } {
  const child = spawn(process.execPath, ['bin/kawa.js', 'run', '-r', rulesFile, '--cloudwatch', 'c', '--region', 'us-east-1',
    '--endpoint', emu!.url, '--checkpoint', checkpoint, '-o', `stateful.state_file=${stateFile}`, '-o', 'stateful.save_interval_ms=3600000',
    '-o', 'webserver.enabled=false', '-o', 'log_level=warning'], { env: { ...process.env, AWS_ACCESS_KEY_ID: 'test', AWS_SECRET_ACCESS_KEY: 'test', AWS_PROFILE: '' } });
  children.push(child);
  let out = '';
  child.stdout!.on('data', (c: Buffer) => (out += c.toString()));
  return { child, stdout: () => out, exit: new Promise((r) => child.on('exit', (code) => r(code))) };
}

describe('stateful rules with a checkpointing source', () => {
  it('save their state with the checkpoint, so a kill -9 keeps it and a restart goes on suppressing', { timeout: 60_000 }, async () => {
    emu = await startEmulator({ config: { generators: [{ group: '/aws/eks/c/cluster', ratePerSec: 100, streams: 2, streamPrefix: 'kube-apiserver-audit-', rotateEveryMs: 0, ingestDelayMs: 200, truncateAt: 262_144 }] } });
    const first = kawa();
    const end = Date.now() + 20_000;
    while (!(existsSync(stateFile) && existsSync(checkpoint)) && Date.now() < end) await sleep(100);
    // written while it runs: the hour-long save interval has not passed, the checkpoints have
    expect(existsSync(stateFile)).toBe(true);
    await sleep(1500);
    first.child.kill('SIGKILL');
    expect(await first.exit).toBe(null);
    // "<time>: Informational <auditID> <verb>", once per verb
    const verbs = (out: string) => [...out.matchAll(/^\S+ Informational \S+ (\S+)/gm)].map((m) => m[1]!);
    const before = verbs(first.stdout());
    expect(before.length).toBeGreaterThan(0);
    expect(new Set(before).size).toBe(before.length);
    const saved = readFileSync(stateFile, 'utf8');
    for (const v of before) expect(saved).toContain(`One per verb\\u0000s\\u0000${v}`);

    // the restart reads it: the verbs alerted before the kill stay suppressed
    const second = kawa();
    await sleep(4000);
    second.child.kill('SIGTERM');
    expect(await second.exit).toBe(0);
    for (const v of verbs(second.stdout())) expect(before, `${v} alerted again after the restart`).not.toContain(v);
  });
});
