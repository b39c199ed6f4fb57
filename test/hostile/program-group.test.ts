// A program_output that never ends is not left orphaned when kawa's shutdown times out (issue 15, item 12):
// the program runs in a process group of its own, and the whole group is killed as kawa exits.
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createEvent, sleep, startService } from './service.js';

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
    const pidFile = join(mkdtempSync(join(tmpdir(), 'kawa-program-')), 'pid');
    // a pipeline stage in the background that ignores end of input: the shell waits for it forever
    const kawa = await startService(['webserver.enabled=false', 'stdout_output.enabled=false', 'program_output.enabled=true', 'program_output.keep_alive=true',
      `program_output.program=sleep 1000 & echo $! > ${pidFile}; wait`, 'shutdown_timeout_ms=500']);
    expect((await fetch(kawa.webhook, { method: 'POST', body: JSON.stringify(createEvent(1)) })).status).toBe(200);
    for (const end = Date.now() + 5000; !existsSync(pidFile) && Date.now() < end;) await sleep(25);
    const pid = Number(readFileSync(pidFile, 'utf8'));
    expect(alive(pid)).toBe(true);
    kawa.child.kill('SIGTERM');
    expect(await kawa.exited).toBe(1);
    expect(kawa.stderr()).toContain('shutdown did not finish in time');
    for (const end = Date.now() + 2000; alive(pid) && Date.now() < end;) await sleep(25);
    expect(alive(pid)).toBe(false);
  });
});
