// Issue 13's scenarios with real processes: `kawa run -c fleet.yaml` (dist/) reads three EKS clusters in two
// accounts of the emulator, every one through a role assumed with STS at the emulator, from a base identity in
// account A. The third cluster's log group refuses reads at first (the emulator's deny list).
//   - The two healthy clusters alert exactly as a file run of the same events (nothing lost or repeated) while
//     the third is reported on /readyz; kawa is restarted mid-way (SIGTERM, checkpoints per cluster); the deny
//     is lifted while the second process runs and the third cluster catches up: still exact, per cluster.
//   - `clusters: auto`: a log group created while kawa runs is picked up, one deleted is dropped without errors.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import { startEmulator, type GeneratorConfig, type RunningEmulator } from '../../src/emulator/index.js';
import { sleep } from './harness.js';

const REGION = 'us-east-1';
const A = '111111111111';
const B = '222222222222';
const KEY_A = 'AKIAFLEETACCOUNTAAAA';
const KEY_B = 'AKIAFLEETACCOUNTBBBB';
const ROLE_A = `arn:aws:iam::${A}:role/kawa-reader`;
const ROLE_B = `arn:aws:iam::${B}:role/kawa-reader`;
const RULES = `
- rule: Any request
  desc: every event, so that runs are compared event by event
  condition: ka.auditid exists
  output: "%ka.auditid %ka.stage %ka.verb %ka.user.name"
  priority: INFO
  source: k8s_audit
`;
const dir = mkdtempSync(join(tmpdir(), 'kawa-fleet-test-'));
const rulesFile = join(dir, 'rules.yaml');
writeFileSync(rulesFile, RULES);
const env = { ...process.env, AWS_ACCESS_KEY_ID: KEY_A, AWS_SECRET_ACCESS_KEY: 'fleet', AWS_SESSION_TOKEN: '', AWS_PROFILE: '', AWS_REGION: '', AWS_CONFIG_FILE: '/dev/null', AWS_SHARED_CREDENTIALS_FILE: '/dev/null' };

let emu: RunningEmulator | undefined;
const children: ChildProcess[] = [];
afterEach(async () => {
  for (const c of children.splice(0)) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  await emu?.close();
  emu = undefined;
});

interface Alert {
  output: string;
  output_fields: Record<string, string | null>;
}

/** A kawa process: its JSON alerts as they come, its stderr, its exit. */
function kawa(config: string): { child: ChildProcess; alerts: Alert[]; stderr: () => string; exit: Promise<number | null> } {
  const child = spawn(process.execPath, ['bin/kawa.js', 'run', '-c', config, '-r', rulesFile], { env });
  children.push(child);
  const alerts: Alert[] = [];
  let rest = '';
  let err = '';
  child.stdout!.on('data', (c: Buffer) => {
    const lines = (rest + c.toString()).split('\n');
    rest = lines.pop()!;
    for (const l of lines) if (l.trim()) alerts.push(JSON.parse(l) as Alert);
  });
  child.stderr!.on('data', (c: Buffer) => (err += c.toString()));
  const exit = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
  return { child, alerts, stderr: () => err, exit };
}

async function until(what: string, cond: () => boolean | Promise<boolean>, maxMs: number): Promise<void> {
  const end = Date.now() + maxMs;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(100);
  }
}

async function readyz(port: number): Promise<{ code: number; body: { status: string; reason?: string; source?: { clusters: Record<string, string> } } } | undefined> {
  try {
    const r = await fetch(`http://127.0.0.1:${port}/readyz`);
    return { code: r.status, body: await r.json() as never };
  } catch {
    return undefined;
  }
}

const generator = (name: string, accessKeyId: string): GeneratorConfig => ({
  group: `/aws/eks/${name}/cluster`, accessKeyId, region: REGION, ratePerSec: 40, streams: 2, streamPrefix: 'kube-apiserver-audit-', rotateEveryMs: 0, ingestDelayMs: 200, truncateAt: 262_144,
});

/** The alert texts of a file run over the given audit events (one per line). */
async function fileRun(name: string, messages: string[]): Promise<string[]> {
  const file = join(dir, `${name}.jsonl`);
  writeFileSync(file, messages.join('\n') + '\n');
  const r = await promisify(execFile)(process.execPath, ['bin/kawa.js', 'run', '-r', rulesFile, '-e', file, '--json', '-o', 'webserver.enabled=false'], { env, maxBuffer: 1 << 26 });
  return r.stdout.trim().split('\n').filter(Boolean).map((l) => (JSON.parse(l) as Alert).output).sort();
}

const port = () => 21_000 + Math.floor(Math.random() * 4000);

describe('a fleet from one kawa', () => {
  it('three clusters in two accounts through AssumeRole, one refused at first, a restart mid-way: every cluster exact', async () => {
    emu = await startEmulator({
      config: {
        namespaceBy: 'accountAndRegion', defaultRegion: REGION, accounts: { [KEY_A]: A, [KEY_B]: B },
        // alpha's role gives 5-second sessions: the SDK assumes it again and again (before each expiry) under kawa
        roles: { [ROLE_A]: { trustedAccounts: [A], durationSeconds: 5 }, [ROLE_B]: { trustedAccounts: [A], externalId: 'kawa-fleet' } },
        denied: [{ group: '/aws/eks/gamma/cluster', account: B }],
        generators: [generator('alpha', KEY_A), generator('beta', KEY_B), generator('gamma', KEY_B)],
      },
    });
    const web = port();
    const config = join(dir, 'fleet.yaml');
    writeFileSync(config, [
      'json_output: true', 'log_level: info', 'webserver:', '  enabled: true', '  listen_address: 127.0.0.1', `  listen_port: ${web}`,
      'cloudwatch:', `  endpoint: ${emu.url}`, `  sts_endpoint: ${emu.url}`, `  region: ${REGION}`, `  checkpoint: ${mkdtempSync(join(dir, 'cp-'))}`,
      '  checkpoint_interval: 0.2', '  tiers: [1, 4, 10]', '  skew_ms: 500', '  max_tps: 20', '  clusters:',
      `    - {name: alpha, role_arn: "${ROLE_A}"}`,
      `    - {name: beta, role_arn: "${ROLE_B}", external_id: kawa-fleet}`,
      `    - {name: gamma, role_arn: "${ROLE_B}", external_id: kawa-fleet}`, '',
    ].join('\n'));
    const truth = (name: string) => emu!.control.truth({ group: `/aws/eks/${name}/cluster`, account: name === 'alpha' ? A : B, includeMessages: true });
    // an alert's cluster: the log group holding its event (event ids are unique in the emulator)
    const ofCluster = (alerts: Alert[], name: string) => {
      const ids = new Set(truth(name).map((e) => e.eventId));
      return alerts.filter((a) => ids.has(a.output_fields['kawa.event_id']!));
    };

    const first = kawa(config);
    await until('alerts of alpha and beta', () => ofCluster(first.alerts, 'alpha').length > 100 && ofCluster(first.alerts, 'beta').length > 100, 20_000);
    // ready (two clusters of three can be read), and the third one's reason is on /readyz
    await until('gamma reported', async () => /AccessDenied/.test((await readyz(web))?.body.source?.clusters.gamma ?? ''), 10_000);
    const ready = (await readyz(web))!;
    expect(ready.code).toBe(200);
    expect(ready.body.source!.clusters).toEqual({ alpha: 'ok', beta: 'ok', gamma: expect.stringMatching(/AccessDeniedException.*logs:FilterLogEvents/) });
    expect(ofCluster(first.alerts, 'gamma')).toEqual([]);

    first.child.kill('SIGTERM');
    expect(await first.exit).toBe(0);
    expect(first.stderr()).toMatch(/gamma.*AccessDenied/);

    const second = kawa(config);
    await until('alerts of the second process', () => second.alerts.length > 50, 15_000);
    // refused again by the second process, then access is granted while it runs
    await until('gamma refused again', async () => /AccessDenied/.test((await readyz(web))?.body.source?.clusters.gamma ?? ''), 15_000);
    expect(emu.control.allow({ group: '/aws/eks/gamma/cluster' })).toEqual([]);
    // the refused cluster is tried again after its slow-poll wait (30 s), then catches up from its position
    await until('gamma read', () => ofCluster(second.alerts, 'gamma').length > 0, 45_000);
    emu.control.configure({ generators: [] });
    const all = () => [...first.alerts, ...second.alerts];
    const names = ['alpha', 'beta', 'gamma'];
    await until('every event alerted', () => names.every((n) => ofCluster(all(), n).length >= truth(n).length), 20_000);
    // let the re-check tiers pass over the end: they must not repeat anything
    await sleep(2500);
    second.child.kill('SIGTERM');
    expect(await second.exit).toBe(0);
    expect(second.stderr()).not.toMatch(/"level":50.*(alpha|beta)/);

    for (const name of names) {
      const events = truth(name);
      const expected = await fileRun(name, events.map((e) => e.message!));
      const got = ofCluster(all(), name).map((a) => a.output).sort();
      expect({ cluster: name, alerts: got.length }).toEqual({ cluster: name, alerts: events.length });
      expect(got).toEqual(expected);
    }
    // every read went through an assumed role: FilterLogEvents only from the two accounts' sessions
    const reads = emu.control.requests().filter((r) => r.op === 'FilterLogEvents');
    expect(reads.every((r) => r.accessKeyId!.startsWith('ASIA'))).toBe(true);
    expect(new Set(reads.map((r) => r.account))).toEqual(new Set([A, B]));
    const assumed = emu.control.requests().filter((r) => r.op === 'AssumeRole');
    expect(assumed.every((r) => r.status === 200 && r.account === A)).toBe(true);
    // two processes assume each role once at least; alpha's short sessions were renewed many times over
    expect(assumed.length).toBeGreaterThan(20);
  }, 120_000);

  it('a session CloudWatch calls expired before its time is replaced at once, not after the slow poll', async () => {
    emu = await startEmulator({
      config: {
        namespaceBy: 'accountAndRegion', defaultRegion: REGION, accounts: { [KEY_A]: A, [KEY_B]: B },
        roles: { [ROLE_B]: { trustedAccounts: [A] } },
        generators: [generator('beta', KEY_B)],
      },
    });
    const config = join(dir, 'revoked.yaml');
    writeFileSync(config, [
      'json_output: true', 'log_level: info', 'webserver: {enabled: false}',
      'cloudwatch:', `  endpoint: ${emu.url}`, `  sts_endpoint: ${emu.url}`, `  region: ${REGION}`, '  tiers: [1, 4]', '  skew_ms: 500',
      '  clusters:', `    - {name: beta, role_arn: "${ROLE_B}"}`, '',
    ].join('\n'));
    const k = kawa(config);
    await until('alerts of beta', () => k.alerts.length > 20, 20_000);
    // the SDK still believes its one-hour session valid; CloudWatch refuses it from now on
    expect(emu.control.expireSessions(ROLE_B).expired).toBeGreaterThan(0);
    const expiredAt = emu.control.requests().length;
    const before = k.alerts.length;
    // well inside the 30-second wait of a refused cluster
    await until('alerts again after a new session', () => k.alerts.length > before + 20, 8_000);
    const after = emu.control.requests().slice(expiredAt);
    expect(after.some((r) => r.op === 'FilterLogEvents' && r.error === 'ExpiredTokenException')).toBe(true);
    expect(after.filter((r) => r.op === 'AssumeRole' && r.status === 200).length).toBeGreaterThanOrEqual(1);
    k.child.kill('SIGTERM');
    expect(await k.exit).toBe(0);
    expect(k.stderr()).not.toMatch(/"level":50/);
  }, 60_000);

  it('clusters: auto picks up a log group created while running and drops one deleted, without errors', async () => {
    emu = await startEmulator({
      config: {
        namespaceBy: 'accountAndRegion', defaultRegion: REGION, accounts: { [KEY_A]: A, [KEY_B]: B },
        roles: { [ROLE_B]: { trustedAccounts: [A] } },
      },
    });
    const insert = (name: string, from: number, n: number) => {
      const now = Date.now() - n;
      return emu!.control.insert({
        group: `/aws/eks/${name}/cluster`, account: B, defaultStream: 'kube-apiserver-audit-1',
        events: Array.from({ length: n }, (_, i) => ({ timestamp: now + i, message: JSON.stringify({ kind: 'Event', apiVersion: 'audit.k8s.io/v1', level: 'Metadata', auditID: `${name}-${from + i}`, stage: 'ResponseComplete', verb: 'get', requestURI: '/api', user: { username: 'u' }, stageTimestamp: new Date(now + i).toISOString() }) })),
      });
    };
    insert('first', 0, 20);
    const web = port();
    const config = join(dir, 'auto.yaml');
    writeFileSync(config, [
      'json_output: true', 'log_level: info', 'webserver:', '  enabled: true', '  listen_address: 127.0.0.1', `  listen_port: ${web}`,
      'cloudwatch:', `  endpoint: ${emu.url}`, `  sts_endpoint: ${emu.url}`, `  region: ${REGION}`, '  tiers: [1, 4]', '  skew_ms: 500', '  max_tps: 20',
      '  discovery_interval: 1', '  clusters: auto', '  accounts:', `    - role_arn: "${ROLE_B}"`, '',
    ].join('\n'));
    const run = kawa(config);
    const ids = new Map<string, string>();
    const of = (name: string) => {
      for (const e of emu!.control.truth({ group: `/aws/eks/${name}/cluster`, account: B })) ids.set(e.eventId, name);
      return run.alerts.filter((a) => ids.get(a.output_fields['kawa.event_id']!) === name);
    };
    await until('first read', () => of('first').length === 20, 20_000);

    expect((await fetch(`${emu.url}/_emu/groups`, { method: 'POST', body: JSON.stringify({ group: '/aws/eks/second/cluster', account: B }) }).then((r) => r.json()))).toEqual({ created: true });
    insert('second', 0, 30);
    await until('second found and read', () => of('second').length === 30, 20_000);

    expect((await fetch(`${emu.url}/_emu/groups?group=/aws/eks/first/cluster&account=${B}`, { method: 'DELETE' }).then((r) => r.json()))).toEqual({ deleted: true });
    await until('first dropped', async () => (await readyz(web))?.body.source?.clusters.first === undefined, 10_000);
    expect((await readyz(web))!.body).toMatchObject({ status: 'ready', source: { clusters: { second: 'ok' } } });
    insert('second', 30, 10);
    await until('second still read', () => of('second').length === 40, 10_000);
    run.child.kill('SIGTERM');
    expect(await run.exit).toBe(0);
    expect(run.stderr()).toContain('cluster gone (its log group was deleted)');
    // dropped, not failing: no error line about it, and nothing repeated
    expect(run.stderr()).not.toMatch(/"level":50/);
    expect(new Set(run.alerts.map((a) => a.output)).size).toBe(run.alerts.length);
    expect(run.alerts).toHaveLength(60);
    expect(of('first')).toHaveLength(20);
  }, 60_000);
});
