// A kawa webhook service as a child process, for the tests of outputs, listeners and shutdown: started with
// `kawa run --webhook --port 0` and the given -o settings, and returned once both servers listen.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** One rule: an alert for every create, naming the event and its user agent. */
export const ANY_CREATE = '- rule: Any\n  desc: d\n  condition: ka.verb = create\n  output: "%ka.auditid %ka.useragent"\n  priority: INFO\n  source: k8s_audit\n';

export interface Log { level: number; msg: string; url?: string; listen?: string; authentication?: string; [k: string]: unknown }

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

/** An audit event that the rule above alerts on. */
export const createEvent = (i: number, userAgent = 'kubectl') => ({ kind: 'Event', auditID: `a${i}`, verb: 'create', userAgent, stageTimestamp: '2026-11-01T12:00:00.000000Z' });
