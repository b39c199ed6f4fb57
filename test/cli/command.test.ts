// kawa as a Unix command, as a new user meets it: version, help with examples that work, a closed pipe,
// completion, Falco's own command-line forms, and loud failures (lost alerts, unwritable paths, a busy port).
import { execFile, spawn, spawnSync } from 'node:child_process';
import { chmodSync, closeSync, existsSync, mkdirSync, mkdtempSync, openSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import module from 'node:module';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { EXAMPLES } from '../../src/cli/examples.js';

const dir = mkdtempSync(join(tmpdir(), 'kawa-cmd-'));
const kawa = (...args: string[]) => spawnSync(process.execPath, ['bin/kawa.js', ...args], { encoding: 'utf8', maxBuffer: 1 << 26 });
const sample = 'samples/eks-audit.jsonl.gz';

/** `cmd | head -n 1` without a shell: stdout is closed after the first line. */
function firstLine(args: string[]): Promise<{ line: string; code: number | null; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['bin/kawa.js', ...args]);
    let out = '';
    let err = '';
    child.stderr.on('data', (c: Buffer) => (err += c.toString()));
    child.stdout.on('data', (c: Buffer) => {
      out += c.toString();
      if (out.includes('\n')) child.stdout.destroy();
    });
    child.on('exit', (code) => resolve({ line: out.split('\n')[0]!, code, stderr: err }));
  });
}

describe('the command', () => {
  it('draws a progress bar on a terminal, in MB of the input, and none when stderr is not one', () => {
    const plain = join(dir, 'sample.jsonl');
    writeFileSync(plain, gunzipSync(readFileSync(sample)));
    // script(1) (util-linux, in every Debian) gives the command a terminal
    const args = ['bin/kawa.js', 'run', '-r', 'rules/kawa-eks-rules.yaml', '-e', plain, '--workers', '0'].join(' ');
    const tty = spawnSync('script', ['-qec', `${process.execPath} ${args} > /dev/null`, '/dev/null'], { encoding: 'utf8' });
    expect(tty.status).toBe(0);
    expect(tty.stdout).toMatch(/\d+% \| \d+ events \| \d+ events\/s \| \d+\.\d\/2\.8 MB \| ETA/);
    const piped = kawa('run', '-r', 'rules/kawa-eks-rules.yaml', '-e', plain, '--workers', '0');
    expect(piped.status).toBe(0);
    expect(piped.stderr).not.toMatch(/events\/s \|/);
  });

  it('says its version, and the details with kawa version', () => {
    const v = kawa('--version');
    expect(v.status).toBe(0);
    expect(v.stdout.trim()).toMatch(/^\d+\.\d+\.\d+/);
    const details = JSON.parse(kawa('version', '--json').stdout) as Record<string, string>;
    expect(details).toMatchObject({ version: v.stdout.trim(), node: process.versions.node, rulesEngine: '0.63.0' });
    expect(details.commit).toMatch(/^([0-9a-f]{12}(-dirty\.[0-9a-f]{12})?|unknown)$/);
  });

  it('with no arguments shows help with examples, and exits 0', () => {
    const r = kawa();
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('Examples (from the kawa checkout');
    expect(r.stdout).toContain(EXAMPLES.run);
  });

  it('every example that ends by itself works as written, from the checkout', () => {
    for (const name of ['run', 'validate', 'list-rules', 'fields', 'extract', 'eval', 'version']) {
      const example = EXAMPLES[name]!;
      expect(kawa(name, '--help').stdout).toContain(example);
      const args = example.replace(/^kawa /, '').match(/'[^']*'|\S+/g)!.map((a) => a.replace(/^'|'$/g, ''));
      const r = kawa(...args);
      expect(r.status, `${example}: ${r.stderr}`).toBe(0);
      expect(r.stdout.length).toBeGreaterThan(0);
    }
  });

  it('stops quietly when the reader of stdout goes away (run, extract, eval)', async () => {
    for (const args of [['run', '-r', 'rules/', '-e', sample, '--json'], ['extract', '-e', sample, '-f', 'ka.verb'], ['eval', '--condition', 'ka.verb exists', '-e', sample]]) {
      const r = await firstLine(args);
      expect(r.code, args.join(' ')).toBe(0);
      expect(r.line.length).toBeGreaterThan(0);
      expect(r.stderr).toBe('');
    }
  });

  it('extract reads .gz and pretty-printed documents as every command does', () => {
    const r = kawa('extract', '-e', sample, '-f', 'ka.verb');
    expect(r.stdout.trim().split('\n')).toHaveLength(2000);
    expect(r.stdout).not.toContain('<NA>');
    const pretty = join(dir, 'pretty.json');
    writeFileSync(pretty, JSON.stringify({ kind: 'Event', verb: 'get', auditID: 'x' }, null, 2));
    expect(kawa('extract', '-e', pretty, '-f', 'ka.verb').stdout).toBe('ka.verb=get\n');
  });

  it('completes subcommands and options in bash, from the command definitions', () => {
    const script = kawa('completion', 'bash').stdout;
    const complete = (line: string) => spawnSync('bash', ['-c', `${script}\nCOMP_WORDS=(${line}); COMP_CWORD=$((\${#COMP_WORDS[@]}-1)); _kawa; echo "\${COMPREPLY[*]}"`], { encoding: 'utf8' }).stdout.trim();
    expect(complete('kawa ex')).toBe('extract');
    expect(complete('kawa run --clo')).toBe('--cloudwatch');
    expect(kawa('completion', 'zsh').stdout).toContain('#compdef kawa');
    expect(kawa('completion', 'fish').status).toBe(2);
  });

  // Node 22.1 and later (module.enableCompileCache); CI's second pass runs the tests on Node 24
  it.skipIf(!('enableCompileCache' in module))("keeps Node's compiled code in its cache directory, one of the user alone", () => {
    const home = mkdtempSync(join(tmpdir(), 'kawa-home-'));
    const cache = join(home, 'kawa', 'node-compile');
    const run = (env: NodeJS.ProcessEnv = {}) => spawnSync(process.execPath, ['bin/kawa.js', 'version'], { encoding: 'utf8', env: { ...process.env, XDG_CACHE_HOME: home, ...env } });
    expect(run().status).toBe(0);
    expect(statSync(cache).mode & 0o777).toBe(0o700);
    expect(readdirSync(cache).length).toBeGreaterThan(0);
    // refused when another user could write code there; off when Node is told so
    for (const [mode, env] of [[0o777, {}], [0o700, { NODE_DISABLE_COMPILE_CACHE: '1' }]] as const) {
      rmSync(cache, { recursive: true });
      mkdirSync(cache);
      chmodSync(cache, mode);
      const r = run(env);
      expect([r.status, r.stderr]).toEqual([0, '']);
      expect(readdirSync(cache)).toEqual([]);
    }
  });

  it("accepts Falco's command-line forms", () => {
    expect(kawa('-V', 'rules/kawa-eks-rules.yaml').stdout).toContain('rules/kawa-eks-rules.yaml: Ok');
    expect(kawa('-V', '-r', 'rules/kawa-eks-rules.yaml').stdout).toContain('rules/kawa-eks-rules.yaml: Ok');
    expect(kawa('-L', '-r', 'rules/kawa-eks-rules.yaml').stdout).toMatch(/^Pod Exec or Attach$/mi);
    expect(kawa('--list').stdout).toContain('ka.user.name');
    const run = kawa('-r', 'rules/', '-e', sample);
    expect(run.status).toBe(0);
    expect(run.stdout).toContain('Events detected: 41');
  });
});

describe('loud failures', () => {
  it('a run whose outputs lost alerts says how many and exits 1', () => {
    const r = kawa('run', '-r', 'rules/', '-e', sample, '-o', 'stdout_output.enabled=false', '-o', 'http_output.enabled=true',
      '-o', 'http_output.url=http://127.0.0.1:9/', '-o', 'http_output.retries=0');
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('KAWA_ERR_OUTPUT: 41 of 41 alerts were not delivered (http: 41)');
  });

  it('a path kawa would write in a folder that does not exist is refused at start', () => {
    const r = kawa('run', '-r', 'rules/', '--cloudwatch', 'c', '--region', 'us-east-1', '--checkpoint', '/nonexistent/cp.json');
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('KAWA_ERR_CHECKPOINT: cloudwatch.checkpoint: cannot write /nonexistent/cp.json: its folder /nonexistent does not exist');
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });

  it('an event without an auditID is counted and said once', () => {
    const file = join(dir, 'noid.jsonl');
    const event = (n: number) => JSON.stringify({ kind: 'Event', verb: 'get', stageTimestamp: '2026-11-01T12:00:00.000000Z', n });
    writeFileSync(file, `${event(1)}\n${event(2)}\n`);
    const r = kawa('run', '-r', 'rules/', '-e', file);
    expect(r.stderr.match(/KAWA_WARN_EVENT_NO_AUDIT_ID/g)).toHaveLength(1);
    expect(r.stderr).toContain('2 no auditID');
  });

  it('a run over a file on the main thread loads neither piscina nor pino (start-up), and a logged line loads pino', () => {
    const check = join(dir, 'loaded.mjs');
    writeFileSync(check, [
      "import { createRequire } from 'node:module';",
      'const cache = createRequire(import.meta.url).cache;',
      "const loaded = (p) => Object.keys(cache).some((k) => k.includes(`/node_modules/${p}/`));",
      "process.on('exit', () => process.stderr.write(`loaded: piscina ${loaded('piscina')} pino ${loaded('pino')}\\n`));",
    ].join('\n'));
    const run = (...args: string[]) => spawnSync(process.execPath, ['--import', check, 'bin/kawa.js', 'run', '-r', 'rules/', ...args], { encoding: 'utf8' });
    expect(run('-e', sample, '--workers', '0').stderr).toContain('loaded: piscina false pino false');
    expect(run('-e', sample, '--workers', '1').stderr).toContain('loaded: piscina true pino false');
    // an output that cannot deliver logs why
    expect(run('-e', sample, '--workers', '0', '-o', 'http_output.enabled=true', '-o', 'http_output.url=http://127.0.0.1:9/').stderr).toContain('pino true');
  });

  it('kawa emulator on a busy port is a usage error', async () => {
    const server = createServer();
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as { port: number }).port;
    const r = await promisify(execFile)(process.execPath, ['bin/kawa.js', 'emulator', '--port', String(port)]).catch((e: { code: number; stderr: string }) => e);
    server.close();
    expect((r as { code: number }).code).toBe(2);
    expect((r as { stderr: string }).stderr).toContain(`KAWA_ERR_USAGE: emulator: cannot listen on 127.0.0.1:${port}: EADDRINUSE`);
  });

  // a full disk under stdout once killed the command with Node's stack trace (the stdout watcher rethrew)
  it.runIf(existsSync('/dev/full'))('a stdout that cannot be written (a full disk) fails the command with a code, not a stack trace', () => {
    const full = openSync('/dev/full', 'w');
    try {
      const kawa = (...args: string[]) => spawnSync(process.execPath, ['bin/kawa.js', ...args], { encoding: 'utf8', timeout: 60_000, stdio: ['ignore', full, 'pipe'] });
      const run = kawa('run', '-r', 'rules/', '-e', 'samples/eks-audit.jsonl.gz', '--json');
      expect(run.status).toBe(1);
      expect(run.stderr).toMatch(/KAWA_ERR_OUTPUT: (\d+) of \1 alerts were not delivered \(stdout: \1\)/);
      expect(run.stderr).not.toMatch(/\n\s+at /);
      for (const args of [['extract', '-e', 'samples/eks-audit.jsonl.gz', '-f', 'ka.verb'], ['list-rules', '-r', 'rules/'], ['fields']]) {
        const r = kawa(...args);
        expect([args[0], r.status, r.stderr]).toEqual([args[0], 1, 'kawa: KAWA_ERR_OUTPUT: cannot write to stdout: ENOSPC\n']);
      }
    } finally {
      closeSync(full);
    }
  });

  it('a CloudWatch time in seconds past what a Node timer keeps is a configuration error', () => {
    const r = spawnSync(process.execPath, ['bin/kawa.js', 'run', '-r', 'rules/', '--cloudwatch', 'c', '--region', 'us-east-1', '--endpoint', 'http://127.0.0.1:9',
      '-o', 'cloudwatch.checkpoint_interval=1e10'], { encoding: 'utf8', timeout: 30_000 });
    expect([r.status, r.stderr]).toEqual([1, 'kawa: -o cloudwatch.checkpoint_interval: KAWA_ERR_CONFIG: cloudwatch.checkpoint_interval must be a number from 0 to 2147483, not 10000000000\n']);
  });

  it("a flag of another source is a usage error, not ignored (--since does not filter a file's events by time)", () => {
    const run = (...args: string[]) => spawnSync(process.execPath, ['bin/kawa.js', 'run', '-r', 'rules/', ...args], { encoding: 'utf8', timeout: 30_000 });
    const file = 'samples/eks-audit.jsonl.gz';
    expect([run('-e', file, '--since', '1h').status, run('-e', file, '--since', '1h').stderr])
      .toEqual([2, 'kawa: KAWA_ERR_USAGE: --since is an option of --cloudwatch, not of --events, which this run reads\n']);
    expect(run('-e', file, '--region', 'us-east-1').stderr)
      .toBe('kawa: KAWA_ERR_USAGE: --region is an option of --kinesis and --cloudwatch, not of --events, which this run reads\n');
    expect(run('--kinesis', 's', '--profile', 'p').stderr)
      .toBe('kawa: KAWA_ERR_USAGE: --profile is an option of --cloudwatch, not of --kinesis, which this run reads\n');
    expect(run('--webhook', '--checkpoint', '/tmp/x').stderr)
      .toBe('kawa: KAWA_ERR_USAGE: --checkpoint is an option of --cloudwatch, not of --webhook, which this run reads\n');
  });

  it('kawa emulator --port out of range is a usage error, not an internal one', () => {
    for (const port of ['65536', '99999', '-1', '1.5', 'http']) {
      const r = spawnSync(process.execPath, ['bin/kawa.js', 'emulator', '--port', port], { encoding: 'utf8', timeout: 30_000 });
      expect([port, r.status, r.stderr]).toEqual([port, 2, `kawa: KAWA_ERR_USAGE: --port expects an integer from 0 to 65535, got '${port}'\n`]);
    }
  });
});
