// `kawa run` end to end, through the built CLI (bin/kawa.js -> dist; npm test builds first).
import { spawnSync } from 'node:child_process';
import { closeSync, mkdirSync, mkdtempSync, openSync, readFileSync, readSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { expect, it } from 'vitest';
import { describeShared, HAS_SHARED, shared } from '../shared-data.js';

const K8S = shared('conformance/k8saudit');
const RULES = join(K8S, 'rules/k8s_audit_rules.yaml');
const trace = (name: string) => (HAS_SHARED ? readFileSync(join(K8S, 'traces', name), 'utf8').trim() : '');
const EXEC = trace('exec_pod.json');
const PRIV = trace('create_nginx_pod_privileged.json');

const dir = mkdtempSync(join(tmpdir(), 'kawa-cli-'));
let n = 0;
function file(content: string | Uint8Array, name = `ev${n++}.json`): string {
  const p = join(dir, name);
  writeFileSync(p, content);
  return p;
}

/** stderr's lines in order of their text, the counts line's parts too. */
const reportLines = (stderr: string) => stderr.split('\n').map((l) => (l.includes(' payloads read, ') ? l.split(', ').sort().join(', ') : l)).sort();

function kawa(args: string[], input?: string | Buffer) {
  const r = spawnSync(process.execPath, ['bin/kawa.js', 'run', ...args], { input, encoding: 'utf8', env: { ...process.env, TZ: 'UTC', FALCO_HOSTNAME: 'test-host' } });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

const SUMMARY = 'Events detected: 2\nRule counts by severity:\n   WARNING: 1\n   NOTICE: 1\nTriggered rules by rule name:\n   Create Privileged Pod: 1\n   Attach/Exec Pod: 1\n';
const EXEC_LINE = '2018-10-26T13:38:34.902914000+0000: Notice Attach/Exec to pod (user=minikube-user pod=nginx-deployment-7998647bdf-phvq7 resource=pods ns=default action=exec command=bash)';

describeShared('kawa run', () => {
  // an event, a blank line, something that is not an audit event, another event
  const mixed = file(`${EXEC}\n\n{"kind":"Other"}\n${PRIV}\n`);

  it('prints text alerts, then Falco\'s summary on stdout; unrecognised data on stderr with file:line', () => {
    const r = kawa(['-r', RULES, '-e', mixed, '-o', 'time_format_iso_8601=true']);
    expect(r.status).toBe(0);
    const lines = r.stdout.split('\n');
    expect(lines[0]).toBe(EXEC_LINE);
    expect(lines[1]).toMatch(/^2018-10-25T14:09:12\.581541000\+0000: Warning Pod started with privileged container \(.*images=\(nginx\) init_images=<NA>/);
    expect(lines.slice(2).join('\n')).toBe(SUMMARY);
    expect(r.stderr).toContain(`kawa: ${mixed}:3: KAWA_ERR_EVENT_UNRECOGNIZED: data not recognized as a k8s audit event\n`);
    expect(r.stderr).toContain('kawa: 3 payloads read, 2 events evaluated, 1 unrecognized\n');
  });

  it('uses local HH:MM:SS.nnnnnnnnn by default', () => {
    const r = kawa(['-r', RULES, '-e', mixed]);
    expect(r.stdout.split('\n')[0]).toBe(EXEC_LINE.replace('2018-10-26T13:38:34.902914000+0000', '13:38:34.902914000'));
  });

  it('--json: only alert objects on stdout, the summary on stderr', () => {
    const r = kawa(['-r', RULES, '-e', mixed, '--json']);
    expect(r.status).toBe(0);
    const alerts = r.stdout.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(alerts.map((a) => a.rule)).toEqual(['Attach/Exec Pod', 'Create Privileged Pod']);
    expect(Object.keys(alerts[0])).toEqual(['hostname', 'output', 'output_fields', 'priority', 'rule', 'source', 'tags', 'time']);
    expect(alerts[0]).toMatchObject({ hostname: 'test-host', priority: 'Notice', source: 'k8s_audit', tags: ['k8s'], time: '2018-10-26T13:38:34.902914000Z' });
    expect(r.stdout).toContain('"output_fields":{"evt.time":1540561114902914000,');
    expect(r.stderr).toContain(SUMMARY);
  });

  it('-o json_output=true and the json_include_* keys', () => {
    const r = kawa(['-r', RULES, '-e', mixed, '-o', 'json_output=true', '-o', 'json_include_output_fields_property=false', '-o', 'json_include_message_property=true']);
    const a = JSON.parse(r.stdout.split('\n')[0]) as Record<string, unknown>;
    expect(a.output_fields).toBeUndefined();
    expect(a.message).toBe(EXEC_LINE.slice(EXEC_LINE.indexOf('Attach/Exec to pod')));
  });

  it('reads a -c Falco configuration (rule_matching, priority, json_output)', () => {
    const conf = file('json_output: true\npriority: warning\n', 'falco.yaml');
    const r = kawa(['-c', conf, '-r', RULES, '-e', mixed]);
    expect(r.stdout.trim().split('\n').map((l) => (JSON.parse(l) as { rule: string }).rule)).toEqual(['Create Privileged Pod']);
  });

  it('reads .gz files and directories (files in name order)', () => {
    const d = join(dir, 'events');
    mkdirSync(d);
    writeFileSync(join(d, 'b.jsonl.gz'), gzipSync(`${PRIV}\n`));
    writeFileSync(join(d, 'a.jsonl'), `${EXEC}\n`);
    const r = kawa(['-r', RULES, '-e', d, '-o', 'time_format_iso_8601=true']);
    expect(r.stdout).toBe(`${r.stdout.split('\n')[0]}\n${r.stdout.split('\n')[1]}\n${SUMMARY}`);
    expect(r.stdout.split('\n')[0]).toBe(EXEC_LINE);
    expect(r.stderr).toBe('');
  });

  it('reads stdin with -e -', () => {
    const r = kawa(['-r', RULES, '-e', '-', '--json'], `${EXEC}\n`);
    expect(r.stdout.trim().split('\n').length).toBe(1);
  });

  it('reads stdin redirected from a file from its offset on, with the output a pipe of the same bytes gives', () => {
    // events, a blank line, a line that is no audit event, an event cut short, a line over the limit, events
    const big = `{"kind":"Event","auditID":"x","requestObject":{"blob":"${'b'.repeat(1_100_000)}"}}`;
    const content = Buffer.from(`${EXEC}\n\n{"kind":"Other"}\n${PRIV.slice(0, 200)}\n${big}\n${PRIV}\n${EXEC}\n`);
    const path = file(content);
    const third = content.indexOf('{"kind":"Other"}');
    // from the start, from a line's start, from the middle of a line (read as a stream reads it), at the end
    for (const offset of [0, third, third + 5, content.length]) {
      for (const workers of ['0', '2']) {
        const args = ['-r', RULES, '-e', '-', '--json', '--workers', workers];
        const fd = openSync(path, 'r');
        try {
          if (offset) readSync(fd, Buffer.alloc(offset), 0, offset, null);
          const redirected = spawnSync(process.execPath, ['bin/kawa.js', 'run', ...args], { stdio: [fd, 'pipe', 'pipe'], encoding: 'utf8', env: { ...process.env, TZ: 'UTC', FALCO_HOSTNAME: 'test-host' } });
          const piped = kawa(args, content.subarray(offset));
          const at = `offset ${offset}, ${workers} workers`;
          expect(redirected.status, at).toBe(0);
          expect(redirected.stdout, at).toBe(piped.stdout);
          // the same reports and counts; their order within a batch is not the same: a range reports a line over
          // the limit as it settles, before the batch's rejections, and a pipe's pieces part where time does
          expect(reportLines(redirected.stderr), at).toEqual(reportLines(piped.stderr));
          if (offset === 0) expect(redirected.stderr, at).toContain('kawa: -:5: KAWA_ERR_EVENT_TOO_LARGE');
          // read as a file, in ranges (positioned reads leave stdin's offset where it was); the line cut in two
          // was read as a stream, to its end
          if (process.platform === 'linux') {
            const pos = Number(/^pos:\s*(\d+)$/m.exec(readFileSync(`/proc/self/fdinfo/${fd}`, 'utf8'))![1]);
            expect(pos, at).toBe(offset === third + 5 ? content.length : offset);
          }
        } finally {
          closeSync(fd);
        }
      }
    }
  });

  it.runIf(process.platform === 'linux')('reads stdin as a pipe (a thread reads it with no workers) as it reads stdin as a socket', () => {
    // events, a blank line, a line that is no audit event, an event cut short, a line over the limit, events;
    // many of them, so the pipe is read in more than one chunk
    const big = `{"kind":"Event","auditID":"x","requestObject":{"blob":"${'b'.repeat(1_100_000)}"}}`;
    const content = Buffer.from(`${`${EXEC}\n\n{"kind":"Other"}\n${PRIV.slice(0, 200)}\n${big}\n${PRIV}\n`.repeat(3)}${EXEC}\n`);
    const path = file(content);
    for (const workers of ['0', '2']) {
      const args = ['-r', RULES, '-e', '-', '--json', '--workers', workers];
      // spawn gives a child a socket for stdin; a shell's pipe is a pipe
      const piped = spawnSync('sh', ['-c', `cat "${path}" | "${process.execPath}" bin/kawa.js run ${args.map((a) => `'${a}'`).join(' ')}`], { encoding: 'utf8', env: { ...process.env, TZ: 'UTC', FALCO_HOSTNAME: 'test-host' } });
      const socket = kawa(args, content);
      expect(piped.status, workers).toBe(0);
      expect(piped.stdout, workers).toBe(socket.stdout);
      expect(reportLines(piped.stderr), workers).toEqual(reportLines(socket.stderr));
      expect(piped.stderr).toContain('kawa: -:5: KAWA_ERR_EVENT_TOO_LARGE');
      expect(piped.stdout.trim().split('\n').length).toBe(7);
    }
  });

  it('reports a line over 1 MiB with file:line, skips it, and goes on', () => {
    const big = `{"kind":"Event","auditID":"x","stageTimestamp":"2024-05-01T10:00:00Z","requestObject":{"blob":"${'b'.repeat(1_100_000)}"}}`;
    const f = file(`${EXEC}\n${big}\n${PRIV}\n`);
    const r = kawa(['-r', RULES, '-e', f]);
    expect(r.status).toBe(0);
    expect(r.stdout).toContain(SUMMARY);
    expect(r.stderr).toContain(`kawa: ${f}:2: KAWA_ERR_EVENT_TOO_LARGE: ${big.length} bytes, more than the line limit, skipped\n`);
    expect(r.stderr).toContain('1 too large');
  });

  it('reads a pretty-printed EventList', () => {
    const list = { kind: 'EventList', items: [JSON.parse(EXEC), JSON.parse(PRIV)] };
    const r = kawa(['-r', RULES, '-e', file(JSON.stringify(list, null, 2))]);
    expect(r.stdout).toContain(SUMMARY);
  });

  it('marks alerts on events salvaged from CloudWatch truncation', () => {
    // the kawa rule pack reports truncated events; this one was cut after its stageTimestamp
    const ev = JSON.parse(EXEC) as Record<string, unknown>;
    const cut = `${JSON.stringify({ ...ev, requestObject: { data: 'x'.repeat(50) } }).slice(0, -30)}[Truncated...]`;
    const r = kawa(['-r', join(process.cwd(), 'rules/kawa-eks-rules.yaml'), '-e', file(`${cut}\n`), '--json', '-o', 'rule_matching=all']);
    const alerts = r.stdout.trim().split('\n').map((l) => JSON.parse(l) as { rule: string; output: string; output_fields: Record<string, unknown> });
    expect(alerts.map((a) => a.rule)).toContain('Audit Event Truncated');
    for (const a of alerts) {
      expect(a.output.endsWith(' [truncated event]')).toBe(true);
      expect(a.output_fields['kawa.truncated']).toBe('true');
    }
    expect(r.stderr).toContain('1 truncated by CloudWatch');
  });

  it('exits 1 with the load errors when the rules do not load', () => {
    const bad = file('- rule: x\n  desc: d\n  condition: ka.nope = 1\n  output: o\n  priority: INFO\n  source: k8s_audit\n', 'bad.yaml');
    const r = kawa(['-r', bad, '-e', mixed]);
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('LOAD_ERR_COMPILE_CONDITION');
    expect(r.stdout).toBe('');
  });

  it('exits 2 on usage errors', () => {
    expect(kawa(['-r', RULES, '-e', mixed, '-o', 'nonsense=1']).status).toBe(2);
    expect(kawa(['-r', RULES]).status).toBe(2);
  });

  it('exits 1 with a coded error on a missing events file', () => {
    const r = kawa(['-r', RULES, '-e', join(dir, 'missing.json')]);
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('KAWA_ERR_INPUT_READ');
  });
});
