// Nothing listens beyond this host, or without authentication, unless configured to (issue 15, item 10): the
// webhook and the web server bind 127.0.0.1 by default; bound beyond it without authentication they say so
// in a warning; webserver.token_file puts /metrics (and the source's detail on /readyz) behind a bearer token
// while the probes stay open; the start-up logs say where kawa really listens and how it authenticates.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ANY_CREATE, startService, type Log } from './service.js';

const dir = mkdtempSync(join(tmpdir(), 'kawa-listen-'));
const children: ChildProcess[] = [];
afterEach(() => {
  for (const c of children.splice(0)) if (c.exitCode === null) c.kill('SIGKILL');
});

/** A webhook service with the given -o settings, once both servers listen: its logs so far. */
async function service(...options: string[]): Promise<Log[]> {
  const kawa = await startService(options);
  children.push(kawa.child);
  return kawa.logs();
}

const find = (logs: Log[], msg: string) => logs.find((l) => l.msg === msg)!;

describe('listeners', () => {
  it('bind 127.0.0.1 by default, with no warning, and the logs say so', async () => {
    const logs = await service();
    const webhook = find(logs, 'audit webhook listening');
    const web = find(logs, 'web server listening');
    expect(webhook.listen).toMatch(/^127\.0\.0\.1:\d+$/);
    expect(web.listen).toMatch(/^127\.0\.0\.1:\d+$/);
    // what is true, never "[redacted]" for a token that is not set
    expect(webhook.authentication).toBe('none');
    expect(web.authentication).toBe('none');
    expect(logs.filter((l) => l.level === 40)).toEqual([]);
  });

  it('warn when bound beyond this host without authentication, and print the real address', async () => {
    const logs = await service('webhook.listen_address=0.0.0.0', 'webserver.listen_address=0.0.0.0');
    expect(find(logs, 'audit webhook listening').listen).toMatch(/^0\.0\.0\.0:\d+$/);
    expect(find(logs, 'web server listening').listen).toMatch(/^0\.0\.0\.0:\d+$/);
    const warnings = logs.filter((l) => l.level === 40).map((l) => l.msg);
    expect(warnings).toHaveLength(2);
    expect(warnings).toEqual(expect.arrayContaining([
      expect.stringMatching(/^audit webhook reachable beyond this host without authentication/),
      expect.stringMatching(/^web server reachable beyond this host without authentication: anyone who reaches it can read \/metrics/),
    ]));
  });

  it('webserver.token_file: /metrics needs the token, the probes do not, and no warning beyond this host', async () => {
    const tokenFile = join(dir, 'metrics-token');
    writeFileSync(tokenFile, 'scrape-me\n');
    const webhookToken = join(dir, 'webhook-token');
    writeFileSync(webhookToken, 'post-me\n');
    const logs = await service('webserver.listen_address=0.0.0.0', `webserver.token_file=${tokenFile}`, 'webhook.listen_address=0.0.0.0', `webhook.token_file=${webhookToken}`);
    const web = find(logs, 'web server listening');
    expect(web.authentication).toBe('bearer token');
    expect(find(logs, 'audit webhook listening').authentication).toBe('bearer token');
    expect(logs.filter((l) => l.level === 40)).toEqual([]);
    const port = web.listen!.split(':')[1];
    const base = `http://127.0.0.1:${port}`;
    const anonymous = await fetch(`${base}/metrics`);
    expect(anonymous.status).toBe(401);
    expect(anonymous.headers.get('www-authenticate')).toBe('Bearer');
    expect((await fetch(`${base}/metrics`, { headers: { authorization: 'Bearer wrong' } })).status).toBe(401);
    const scraped = await fetch(`${base}/metrics`, { headers: { authorization: 'Bearer scrape-me' } });
    expect(scraped.status).toBe(200);
    expect(await scraped.text()).toMatch(/^kawa_build_info\{/m);
    expect((await fetch(`${base}/healthz`)).status).toBe(200);
    expect((await fetch(`${base}/readyz`)).status).toBe(200);
  });

  it('an unreadable or empty token file is a coded configuration error at start-up', async () => {
    const rules = join(dir, 'rules.yaml');
    writeFileSync(rules, ANY_CREATE);
    const empty = join(dir, 'empty-token');
    writeFileSync(empty, '\n');
    for (const [file, message] of [[join(dir, 'missing'), 'ENOENT'], [empty, 'is empty']] as const) {
      const child = spawn(process.execPath, ['bin/kawa.js', 'run', '-r', rules, '--webhook', '--port', '0', '-o', 'webserver.listen_port=0', '-o', `webserver.token_file=${file}`], { stdio: ['ignore', 'ignore', 'pipe'] });
      let err = '';
      child.stderr!.on('data', (c: Buffer) => (err += c.toString()));
      const code = await new Promise((r) => child.on('exit', r));
      expect(code).toBe(1);
      expect(err).toContain(`KAWA_ERR_CONFIG: webserver.token_file: `);
      expect(err).toContain(message);
      expect(err).not.toMatch(/\n\s+at /);
    }
  });
});
