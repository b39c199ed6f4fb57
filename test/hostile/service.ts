// A kawa webhook service as a child process, for the tests of outputs, listeners and shutdown: started with
// `kawa run --webhook --port 0` and the given -o settings, and returned once both servers listen.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** One rule: an alert for every create, naming the event and its user agent. */
export const ANY_CREATE = '- rule: Any\n  desc: d\n  condition: ka.verb = create\n  output: "%ka.auditid %ka.useragent"\n  priority: INFO\n  source: k8s_audit\n';

export interface Log { level: number; msg: string; url?: string; listen?: string; authentication?: string; errors?: string[]; [k: string]: unknown }

export interface Service {
  child: ChildProcess;
  /** Everything written on stderr so far, and its JSON log lines. */
  stderr(): string;
  logs(): Log[];
  /** The webhook's URL; the web server's, when it runs. */
  webhook: string;
  web: string | undefined;
  exited: Promise<number | null>;
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Starts the service with these `-o key=value` settings (log_level info, web server on a free port). */
export async function startService(options: string[], rules = ANY_CREATE): Promise<Service> {
  const file = join(mkdtempSync(join(tmpdir(), 'kawa-service-')), 'rules.yaml');
  writeFileSync(file, rules);
  const child = spawn(process.execPath, ['bin/kawa.js', 'run', '-r', file, '--webhook', '--port', '0', '-o', 'webserver.listen_port=0', '-o', 'log_level=info',
    ...options.flatMap((o) => ['-o', o])], { stdio: ['ignore', 'ignore', 'pipe'] });
  const exited = new Promise<number | null>((r) => child.on('exit', r));
  let err = '';
  const logs: Log[] = [];
  let partial = '';
  child.stderr!.on('data', (c: Buffer) => {
    err += c.toString();
    const lines = (partial + c.toString()).split('\n');
    partial = lines.pop()!;
    for (const l of lines) if (l.startsWith('{')) logs.push(JSON.parse(l) as Log);
  });
  const find = (msg: string) => logs.find((l) => l.msg === msg);
  for (const end = Date.now() + 15_000; !find('kawa running'); await sleep(25)) {
    if (Date.now() > end || child.exitCode !== null || child.signalCode !== null) {
      child.kill('SIGKILL');
      throw new Error(`kawa did not start: ${err.slice(-2000)}`);
    }
  }
  return { child, stderr: () => err, logs: () => logs, webhook: find('audit webhook listening')!.url!, web: find('web server listening')?.url, exited };
}

/** One rule: an alert for every pod created, naming it. */
export const POD_CREATED = `
- rule: Pod created
  desc: d
  condition: ka.verb=create and ka.target.resource=pods
  output: pod %ka.target.name
  priority: WARNING
  source: k8s_audit
`;

/** A pod creation (pod<i>) that POD_CREATED alerts on, as JSON text. */
export const podEvent = (i: number) => JSON.stringify({
  kind: 'Event', apiVersion: 'audit.k8s.io/v1', level: 'Metadata', auditID: `a${i}`, stage: 'ResponseComplete', verb: 'create',
  requestURI: '/api/v1/namespaces/default/pods', user: { username: 'alice' },
  objectRef: { resource: 'pods', namespace: 'default', name: `pod${i}`, apiVersion: 'v1' },
  requestReceivedTimestamp: '2024-05-01T10:00:00.000000Z', stageTimestamp: '2024-05-01T10:00:00.100000Z',
});

/** A kawa child process with its stdout kept and its JSON log lines parsed as they arrive. */
export class KawaProcess {
  readonly child: ChildProcess;
  readonly logs: Log[] = [];
  stdout = '';
  /** Called on each log line as it arrives, without waiting for a poll. */
  onLog?: (l: Log) => void;

  constructor(args: string[]) {
    this.child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    this.child.stdout!.on('data', (c) => (this.stdout += c));
    let partial = '';
    this.child.stderr!.on('data', (c) => {
      partial += c;
      const lines = partial.split('\n');
      partial = lines.pop()!;
      for (const l of lines) {
        if (!l.startsWith('{')) continue;
        const log = JSON.parse(l) as Log;
        this.logs.push(log);
        this.onLog?.(log);
      }
    });
  }

  get ended(): boolean {
    return this.child.exitCode !== null || this.child.signalCode !== null;
  }

  /** The first log line with this message from log index `from` on. */
  async waitLog(msg: string, from = 0, ms = 15_000): Promise<Log> {
    const end = Date.now() + ms;
    for (;;) {
      const hit = this.logs.slice(from).find((l) => l.msg === msg);
      if (hit) return hit;
      if (this.ended) throw new Error(`kawa exited ${this.child.exitCode ?? this.child.signalCode} waiting for "${msg}"`);
      if (Date.now() > end) throw new Error(`no "${msg}" log; got ${this.logs.map((l) => l.msg).join(' | ')}`);
      await sleep(20);
    }
  }
}

/** An audit event that the rule above alerts on. */
export const createEvent = (i: number, userAgent = 'kubectl') => ({ kind: 'Event', auditID: `a${i}`, verb: 'create', userAgent, stageTimestamp: '2026-11-01T12:00:00.000000Z' });
