// kawa processes for the scenario tests: each is `node bin/kawa.js run -c <its falco.yaml>` reading one stream
// through kinesalite/dynalite, alerts as JSON lines in its own file, its JSON logs on stderr kept with the
// time they were written. The assertions read the alert files back: the catch-all rule gives one alert per
// event ("seen a-N"), the attack rule one per attack ("attack a-N").
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RULES, sleep, type LocalAws } from './harness.js';

export interface LogLine {
  time: number;
  msg: string;
  [key: string]: unknown;
}

export interface KawaOptions {
  aws: LocalAws;
  stream: string;
  /** Lease and alert tables are named after the stream. */
  alertTable?: boolean;
  leaseDurationMs?: number;
  /** Kinesis endpoint instead of kinesalite's (the throttling proxy). */
  kinesisUrl?: string;
  checkpointIntervalMs?: number;
  gracefulHandoff?: boolean;
  /** Serve /metrics on this loopback port. */
  metricsPort?: number;
  extra?: string;
}

export class Kawa {
  readonly logs: LogLine[] = [];
  readonly alertsFile: string;
  readonly child: ChildProcess;
  readonly exited: Promise<number | null>;
  stderr = '';

  constructor(readonly name: string, dir: string, o: KawaOptions) {
    this.alertsFile = join(dir, `${name}.alerts`);
    const rules = join(dir, 'rules.yaml');
    if (!existsSync(rules)) writeFileSync(rules, RULES);
    const lease = o.leaseDurationMs ?? 3000;
    const config = join(dir, `${name}.yaml`);
    writeFileSync(config, `
rules_files: [${rules}]
json_output: true
stdout_output: {enabled: false}
file_output: {enabled: true, filename: ${this.alertsFile}, keep_alive: true}
webserver: {enabled: ${o.metricsPort ? `true, listen_address: 127.0.0.1, listen_port: ${o.metricsPort}` : 'false'}}
watch_config_files: false
log_level: info
shutdown_timeout_ms: 15000
source:
  type: kinesis
  kinesis:
    stream: ${o.stream}
    endpoint: ${o.kinesisUrl ?? o.aws.kinesisUrl}
    poll_idle_ms: 250
    poll_busy_ms: 100
    max_records_per_call: 100
  leases:
    table: ${o.stream}-leases
    endpoint: ${o.aws.dynamoUrl}
    worker_id: ${name}
    lease_duration_ms: ${lease}
    renew_interval_ms: ${Math.round(lease / 3)}
    scan_interval_ms: ${Math.round(lease / 2)}
    checkpoint_interval_ms: ${o.checkpointIntervalMs ?? 300}
    graceful_handoff: ${o.gracefulHandoff ?? true}
  dedup:
    ${o.alertTable === false ? '' : `alert_table: ${o.stream}-alerts`}
${o.extra ?? ''}`);
    this.child = spawn(process.execPath, ['bin/kawa.js', 'run', '-c', config], { stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, AWS_REGION: 'us-east-1' } });
    let partial = '';
    this.child.stderr!.setEncoding('utf8').on('data', (chunk: string) => {
      this.stderr += chunk;
      const lines = (partial + chunk).split('\n');
      partial = lines.pop()!;
      for (const l of lines) {
        try {
          this.logs.push(JSON.parse(l) as LogLine);
        } catch {
          // not a log line (a crash trace): kept in stderr
        }
      }
    });
    this.exited = new Promise((r) => this.child.on('exit', (code) => r(code)));
  }

  /** Waits until a log line matches (returns it), or fails after `ms`. */
  async waitLog(pred: (l: LogLine) => boolean, ms = 20_000): Promise<LogLine> {
    const until = performance.now() + ms;
    for (;;) {
      const hit = this.logs.find(pred);
      if (hit) return hit;
      if (performance.now() > until) throw new Error(`${this.name}: no such log line within ${ms} ms; stderr:\n${this.stderr.slice(-3000)}`);
      await sleep(50);
    }
  }

  /** The shards it holds, from its log. */
  shards(): string[] {
    const held = new Set<string>();
    for (const l of this.logs) {
      if (l.msg === 'lease taken') held.add(l.shard as string);
      else if (l.msg === 'lease released' || l.msg === 'lease handed off' || l.msg.startsWith('lease lost')) held.delete(l.shard as string);
    }
    return [...held];
  }

  held(): number {
    return this.shards().length;
  }

  /** The 'Kinesis source stopped' summary (after SIGTERM). */
  summary(): LogLine | undefined {
    return this.logs.find((l) => l.msg === 'Kinesis source stopped');
  }

  async stop(): Promise<number | null> {
    this.child.kill('SIGTERM');
    return this.exited;
  }
}

export function workdir(): string {
  return mkdtempSync(join(tmpdir(), 'kawa-kinesis-'));
}

/** Every alert line of the given processes: counts per output text ("seen a-12", "attack a-10"). */
export function readAlerts(kawas: Kawa[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const k of kawas) {
    if (!existsSync(k.alertsFile)) continue;
    // a running process may be writing the last line: only lines ended by a newline are complete
    const lines = readFileSync(k.alertsFile, 'utf8').split('\n');
    lines.pop();
    for (const line of lines) {
      if (!line) continue;
      const out = (JSON.parse(line) as { output: string }).output;
      const key = out.replace(/^\S+\s+\S+:\s+/, '').match(/(seen|attack) a-\d+/)?.[0] ?? out;
      counts.set(key, (counts.get(key) ?? 0) + 1);
    }
  }
  return counts;
}

/** Polls until `probe` gives a value (not undefined/false), returning it, or fails after `ms` naming `what`. */
export async function waitFor<T>(what: string, probe: () => T | undefined | false, ms = 20_000): Promise<T> {
  const until = performance.now() + ms;
  for (;;) {
    const v = probe();
    if (v !== undefined && v !== false) return v;
    if (performance.now() > until) throw new Error(`not within ${ms} ms: ${what}`);
    await sleep(50);
  }
}

/** Waits until the processes' alert files hold `n` distinct alerts. */
export async function waitAlerts(kawas: Kawa[], n: number, ms = 60_000): Promise<Map<string, number>> {
  const until = performance.now() + ms;
  for (;;) {
    const a = readAlerts(kawas);
    if (a.size >= n || performance.now() > until) return a;
    await sleep(250);
  }
}

/** What the scenarios assert about the alerts: every event's and every attack's alert exactly once. */
export function expectedAlerts(from: number, count: number, attackEvery = 10): string[] {
  return Array.from({ length: count }, (_, k) => from + k).map((i) => (i % attackEvery === 0 ? `attack a-${i}` : `seen a-${i}`));
}

/** Raw repeats the dedup layers removed, over the processes that stopped cleanly. */
export function repeatsRemoved(kawas: Kawa[]): number {
  return kawas.reduce((n, k) => n + Number(k.summary()?.duplicateEvents ?? 0) + Number(k.summary()?.duplicateAlerts ?? 0), 0);
}
