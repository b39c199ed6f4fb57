// A program_output that never ends is not left orphaned when kawa's shutdown times out (issue 15, item 12):
// the program runs in a process group of its own, and the whole group is killed as kawa exits.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

describe('program_output at a timed-out shutdown', () => {
  it('kills the program and what it started', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kawa-program-'));
    const rules = join(dir, 'rules.yaml');
    writeFileSync(rules, '- rule: Any\n  desc: d\n  condition: ka.verb = create\n  output: "%ka.verb"\n  priority: INFO\n  source: k8s_audit\n');
    const pidFile = join(dir, 'pid');
    // a pipeline stage in the background that ignores end of input: the shell waits for it forever
    const program = `sleep 1000 & echo $! > ${pidFile}; wait`;
    const child = spawn(process.execPath, ['bin/kawa.js', 'run', '-r', rules, '--webhook', '--port', '0', '-o', 'webserver.enabled=false',
      '-o', 'stdout_output.enabled=false', '-o', 'program_output.enabled=true', '-o', 'program_output.keep_alive=true', '-o', `program_output.program=${program}`,
      '-o', 'shutdown_timeout_ms=500', '-o', 'log_level=info'], { stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    let url = '';
    child.stderr!.on('data', (c: Buffer) => {
      err += c.toString();
      url ||= /"url":"([^"]+)","tls"/.exec(err)?.[1] ?? '';
    });
    const exited = new Promise<number | null>((r) => child.on('exit', r));
    for (const end = Date.now() + 10_000; !url && Date.now() < end;) await new Promise((r) => setTimeout(r, 25));
    const event = { kind: 'Event', auditID: 'a1', verb: 'create', stageTimestamp: '2026-11-01T12:00:00.000000Z', objectRef: { resource: 'pods', name: 'p' } };
    expect((await fetch(url, { method: 'POST', body: JSON.stringify(event) })).status).toBe(200);
    for (const end = Date.now() + 5000; !existsSync(pidFile) && Date.now() < end;) await new Promise((r) => setTimeout(r, 25));
    const pid = Number(readFileSync(pidFile, 'utf8'));
    expect(alive(pid)).toBe(true);
    child.kill('SIGTERM');
    expect(await exited).toBe(1);
    expect(err).toContain('shutdown did not finish in time');
    for (const end = Date.now() + 2000; alive(pid) && Date.now() < end;) await new Promise((r) => setTimeout(r, 25));
    expect(alive(pid)).toBe(false);
  });
});
