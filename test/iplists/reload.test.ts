// A running service reloads its rules when an IP list's file changes (watch_config_files), and keeps the
// running list when the new file is bad: users keep their Tor exit and threat lists current without a
// restart and without losing events. Needs dist/.
import { mkdtempSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { sleep, startService, type Service } from '../hostile/service.js';

let kawa: Service | undefined;
afterEach(() => {
  kawa?.child.kill('SIGKILL');
  kawa = undefined;
});

describe('an IP list file that changes', () => {
  it('reloads the rules; a bad new file is refused and the running list stays', { timeout: 60_000 }, async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kawa-ipl-reload-'));
    const list = join(dir, 'threats.txt');
    const alerts = join(dir, 'alerts.json');
    writeFileSync(list, '10.0.0.0/8\n');
    const rules = `- list: threats\n  items: []\n  kawa: {files: [${JSON.stringify(list)}]}\n`
      + '- rule: Threat\n  desc: d\n  condition: kawa.sourceips.listed[threats] exists\n  output: "%ka.auditid from %kawa.sourceips.listed[threats]"\n  priority: WARNING\n  source: k8s_audit\n';
    kawa = await startService(['stdout_output.enabled=false', 'file_output.enabled=true', `file_output.filename=${alerts}`, 'json_output=true', 'watch_config_files=true'], rules);
    let n = 0;
    const post = async (ip: string) => {
      const id = `e${n++}`;
      const r = await fetch(kawa!.webhook, { method: 'POST', body: JSON.stringify({ kind: 'Event', auditID: id, verb: 'get', sourceIPs: [ip], stageTimestamp: '2026-11-01T12:00:00.000000Z' }) });
      expect(r.status).toBe(200);
      return id;
    };
    const alerted = async (id: string) => {
      await sleep(300);
      let text = '';
      try { text = readFileSync(alerts, 'utf8'); } catch { /* not written yet */ }
      return text.includes(`${id} from (`);
    };
    const outcome = async (from: number) => {
      for (const end = Date.now() + 20_000; Date.now() < end; await sleep(50)) {
        const hit = kawa!.logs().slice(from).find((l) => l.msg === 'rules reloaded' || l.msg.startsWith('rules reload rejected'));
        if (hit) return hit;
      }
      throw new Error('no reload');
    };

    expect(await alerted(await post('10.1.1.1'))).toBe(true);
    expect(await alerted(await post('192.0.2.1'))).toBe(false);

    let from = kawa.logs().length;
    writeFileSync(`${list}.new`, '10.0.0.0/8\n192.0.2.0/24\n');
    renameSync(`${list}.new`, list);
    expect((await outcome(from)).msg).toBe('rules reloaded');
    expect(await alerted(await post('192.0.2.1'))).toBe(true);

    from = kawa.logs().length;
    writeFileSync(list, '10.0.0.0/8\nnot-an-address\n');
    const rejected = await outcome(from);
    expect(rejected.msg).toBe('rules reload rejected; the running rules stay');
    expect(String(rejected.errors)).toContain(`${list}:2:1: LOAD_ERR_VALIDATE: 'not-an-address' is not an IP address or CIDR range`);
    expect(await alerted(await post('192.0.2.2'))).toBe(true);
  });
});
