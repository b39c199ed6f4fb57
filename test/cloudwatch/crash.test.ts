// Matrix row 9 with a real process and real signals: `kawa run --cloudwatch` (dist/, built by `npm test`) reads
// the emulator's generated audit stream, is killed with SIGKILL mid-run, restarts from its checkpoint and must
// deliver every event; repeats are allowed only for events delivered before the kill that the checkpoint did not
// cover yet. Then SIGTERM: exit 0 with the checkpoint written, and a restart repeats nothing.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { startEmulator, type RunningEmulator } from '../../src/emulator/index.js';
import { CATCH_ALL, sleep } from './harness.js';

const dir = mkdtempSync(join(tmpdir(), 'kawa-crash-'));
const rulesFile = join(dir, 'rules.yaml');
const configFile = join(dir, 'falco.yaml');
const checkpoint = join(dir, 'cw.json');
writeFileSync(rulesFile, CATCH_ALL);
writeFileSync(configFile, [
  'cloudwatch:', '  checkpoint_interval: 0.2', '  tiers: [1, 4, 10]', '  skew_ms: 500',
  'webserver:', '  enabled: false', 'log_level: warning', '',
].join('\n'));

let emu: RunningEmulator | undefined;
const children: ChildProcess[] = [];
afterAll(async () => {
  for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
  await emu?.close();
});

/** A kawa process; `keys` collects "auditID stage" of each alert line. */
function kawa(): { child: ChildProcess; keys: string[]; exit: Promise<number | null>; stderr: () => string } {
  const child = spawn(process.execPath, ['bin/kawa.js', 'run', '-c', configFile, '-r', rulesFile, '--cloudwatch', 'c', '--region', 'us-east-1',
    '--endpoint', emu!.url, '--checkpoint', checkpoint], { env: { ...process.env, AWS_ACCESS_KEY_ID: 'test', AWS_SECRET_ACCESS_KEY: 'test', AWS_PROFILE: '' } });
  children.push(child);
  const keys: string[] = [];
  let rest = '';
  let err = '';
  child.stdout!.on('data', (c: Buffer) => {
    const lines = (rest + c.toString()).split('\n');
    rest = lines.pop()!;
    for (const l of lines) {
      const m = / seen (\S+) (\S+)$/.exec(l);
      if (m) keys.push(`${m[1]} ${m[2]}`);
    }
  });
  child.stderr!.on('data', (c: Buffer) => (err += c.toString()));
  const exit = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
  return { child, keys, exit, stderr: () => err };
}

async function until(cond: () => boolean, maxMs: number): Promise<void> {
  const end = Date.now() + maxMs;
  while (!cond() && Date.now() < end) await sleep(50);
}

describe('CloudWatch source across crashes (row 9)', () => {
  it('kill -9 mid-run, restart from the checkpoint: nothing lost, repeats only of events delivered before the kill', async () => {
    emu = await startEmulator({ config: { generators: [{ group: '/aws/eks/c/cluster', ratePerSec: 150, streams: 3, streamPrefix: 'kube-apiserver-audit-', rotateEveryMs: 0, ingestDelayMs: 300, truncateAt: 262_144 }] } });
    const truthKeys = () => {
      const keys = new Map<string, string>();
      for (const e of emu!.control.truth({ group: '/aws/eks/c/cluster', includeMessages: true })) {
        const m = JSON.parse(e.message!) as { auditID: string; stage: string };
        keys.set(`${m.auditID} ${m.stage}`, e.eventId);
      }
      return keys;
    };

    const first = kawa();
    await until(() => first.keys.length >= 400, 15_000);
    expect(first.keys.length).toBeGreaterThanOrEqual(400);
    first.child.kill('SIGKILL');
    expect(await first.exit).toBe(null);
    expect(existsSync(checkpoint)).toBe(true);

    const second = kawa();
    await sleep(1500);
    emu.control.configure({ generators: [] });
    const truth = truthKeys();
    const delivered = () => new Set([...first.keys, ...second.keys]);
    await until(() => [...truth.keys()].every((k) => delivered().has(k)), 20_000);
    // let the re-check tiers pass over the end too: they must not repeat anything
    await sleep(2500);

    const missing = [...truth.keys()].filter((k) => !delivered().has(k));
    expect(missing).toEqual([]);
    expect(new Set(first.keys).size).toBe(first.keys.length);
    expect(new Set(second.keys).size).toBe(second.keys.length);
    const before = new Set(first.keys);
    const repeated = second.keys.filter((k) => before.has(k));
    // a repeat is an event delivered before the kill, with its one eventId, and at most the uncheckpointed tail
    for (const k of repeated) expect(truth.get(k)).toBeDefined();
    expect(repeated.length).toBeLessThan(first.keys.length / 2);
    process.stderr.write(`crash test: ${truth.size} events; first run ${first.keys.length} alerts before SIGKILL, second run ${second.keys.length}, repeated ${repeated.length}\n`);

    second.child.kill('SIGTERM');
    expect(await second.exit).toBe(0);
    const cp = JSON.parse(readFileSync(checkpoint, 'utf8')) as { cursors: number[]; seen: unknown[] };
    expect(cp.cursors).toHaveLength(4);

    // after a graceful stop, nothing is delivered again
    const third = kawa();
    await sleep(3000);
    third.child.kill('SIGTERM');
    expect(await third.exit).toBe(0);
    expect(third.keys).toEqual([]);
  }, 60_000);
});
