// The rules cache (rules/load-cache.ts, `kawa run --rules-cache DIR`, by default the user's cache directory):
// a kept load is the load itself, object for object, with the compiled program beside it; any change to what
// a load read (a rules file, an IP list's file, the options, kawa's build) is a new load; a damaged entry is
// loaded again; the directory must be the user's alone; the entries are bounded; a run with the cache prints
// what a run without it prints; and a default directory that cannot be used only costs the speed.
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { programOf } from '../../src/compile/compiler.js';
import { cacheDirProblem } from '../../src/core/cache-dir.js';
import { checkCacheDir, defaultCacheDir, loadRulesCached } from '../../src/rules/load-cache.js';
import { loadRulesFiles } from '../../src/rules/load.js';
import { HAS_SHARED, shared } from '../shared-data.js';

const root = mkdtempSync(join(tmpdir(), 'kawa-rules-cache-'));
let n = 0;
const fresh = () => join(root, `c${++n}`);
// the upstream rules when ../shared is there (CI's second pass runs without it)
const UPSTREAM = HAS_SHARED ? shared('conformance/k8saudit/rules/k8s_audit_rules.yaml') : undefined;
const PACK = 'rules/kawa-eks-rules.yaml';

const STATEFUL = `
- rule: Secret read
  desc: a secret read
  condition: ka.verb = get and ka.target.resource = secrets
  output: "secret read (user=%ka.user.name secret=%ka.target.name)"
  priority: WARNING
  source: k8s_audit
  kawa:
    threshold: {count: 3, window: 5m, by: [ka.user.name]}
- list: bad
  items: [192.0.2.1]
  kawa:
    files: [bad.txt]
- rule: listed
  desc: d
  condition: kawa.sourceips.listed[bad] exists
  output: "listed=%kawa.sourceips.listed[bad]"
  priority: WARNING
  source: k8s_audit
`;

function rulesDir(): { file: string; list: string } {
  const d = mkdtempSync(join(tmpdir(), 'kawa-rules-cache-src-'));
  writeFileSync(join(d, 'bad.txt'), '10.0.0.0/8\n');
  writeFileSync(join(d, 'r.yaml'), STATEFUL);
  return { file: join(d, 'r.yaml'), list: join(d, 'bad.txt') };
}

describe('loadRulesCached', () => {
  it('keeps a load and gives it back exactly as loaded (upstream rules, the pack, stateful rules, an IP list)', () => {
    const dir = fresh();
    checkCacheDir(dir);
    const { file } = rulesDir();
    const files = [...(UPSTREAM ? [UPSTREAM] : []), PACK, file];
    const opts = { sources: ['k8s_audit'], appendOutput: [{ match: { source: 'k8s_audit' }, extra_output: 'x=%ka.verb' }] };
    const first = loadRulesCached(files, opts, dir, 'b1');
    expect(first.cache).toBe('stored');
    expect(first.result.ok).toBe(true);
    const second = loadRulesCached(files, opts, dir, 'b1');
    expect(second.cache).toBe('hit');
    expect(second.result).toStrictEqual(loadRulesFiles(files, opts));
    expect(second.result.rules.some((r) => r.stateful)).toBe(true);
    expect(second.result.ipLists?.bad?.count).toBe(2);
  });

  it('keeps what is derived from a load beside it, its references into the load kept (the compiled program)', () => {
    const dir = fresh();
    checkCacheDir(dir);
    const files = [...(UPSTREAM ? [UPSTREAM] : []), PACK];
    let derives = 0;
    const derive = (r: Parameters<typeof programOf>[0]) => (derives++, programOf(r));
    const first = loadRulesCached(files, {}, dir, 'b1', derive);
    expect(first).toMatchObject({ cache: 'stored', derived: programOf(first.result) });
    const second = loadRulesCached(files, {}, dir, 'b1', derive);
    expect(second.cache).toBe('hit');
    expect(derives).toBe(1);
    const program = second.derived as ReturnType<typeof programOf>;
    expect(program).toStrictEqual(programOf(loadRulesFiles(files, {})));
    // one object graph: the program's rules are the load's rules, not copies
    const enabled = second.result.rules.filter((r) => r.enabled);
    expect(program.rules.every((c, i) => c.rule === enabled[i])).toBe(true);
  });

  it('keeps nothing when deriving fails, and says nothing: the caller meets that error itself', () => {
    const dir = fresh();
    checkCacheDir(dir);
    const { file } = rulesDir();
    const r = loadRulesCached([file], {}, dir, 'b1', () => {
      throw new Error('no program');
    });
    expect(r).toMatchObject({ cache: 'miss', result: { ok: true } });
    expect(r.problem).toBeUndefined();
    expect(readdirSync(dir)).toHaveLength(0);
    // an entry kept without derived data is loaded again by a caller that wants it
    expect(loadRulesCached([file], {}, dir, 'b1').cache).toBe('stored');
    expect(loadRulesCached([file], {}, dir, 'b1', () => 1)).toMatchObject({ cache: 'stored', derived: 1 });
    expect(loadRulesCached([file], {}, dir, 'b1', () => 2)).toMatchObject({ cache: 'hit', derived: 1 });
  });

  it('loads again when a rules file, a list file, the options or the build change', () => {
    const dir = fresh();
    checkCacheDir(dir);
    const { file, list } = rulesDir();
    expect(loadRulesCached([file], {}, dir, 'b1').cache).toBe('stored');
    expect(loadRulesCached([file], {}, dir, 'b1').cache).toBe('hit');
    expect(loadRulesCached([file], { minPriority: 'warning' }, dir, 'b1').cache).toBe('stored');
    expect(loadRulesCached([file], {}, dir, 'b2').cache).toBe('stored');

    writeFileSync(list, '10.0.0.0/8\n172.16.0.0/12\n');
    const relisted = loadRulesCached([file], {}, dir, 'b1');
    expect(relisted.cache).toBe('stored');
    expect(relisted.result.ipLists?.bad?.count).toBe(3);
    expect(loadRulesCached([file], {}, dir, 'b1').cache).toBe('hit');

    writeFileSync(file, STATEFUL.replace('count: 3', 'count: 4'));
    const changed = loadRulesCached([file], {}, dir, 'b1');
    expect(changed.cache).toBe('stored');
    expect(changed.result.rules.find((r) => r.name === 'Secret read')?.stateful).toMatchObject({ threshold: { count: 4 } });
  });

  it('loads a damaged entry again and rewrites it; keeps no failed load', () => {
    const dir = fresh();
    checkCacheDir(dir);
    const { file } = rulesDir();
    loadRulesCached([file], {}, dir, 'b1');
    const [entry] = readdirSync(dir);
    truncateSync(join(dir, entry!), 100);
    const again = loadRulesCached([file], {}, dir, 'b1');
    expect(again.cache).toBe('stored');
    expect(again.result.ok).toBe(true);
    expect(loadRulesCached([file], {}, dir, 'b1').cache).toBe('hit');

    const bad = join(root, 'bad.yaml');
    writeFileSync(bad, '- rule: x\n  condition: ka.verb =\n');
    const failed = loadRulesCached([bad], {}, dir, 'b1');
    expect(failed).toMatchObject({ cache: 'miss', result: { ok: false } });
    expect(readdirSync(dir)).toHaveLength(1);
  });

  it('keeps the 32 newest entries', () => {
    const dir = fresh();
    checkCacheDir(dir);
    const { file } = rulesDir();
    for (let b = 0; b < 35; b++) loadRulesCached([file], {}, dir, `build ${b}`);
    expect(readdirSync(dir).filter((f) => f.endsWith('.rules'))).toHaveLength(32);
    expect(loadRulesCached([file], {}, dir, 'build 34').cache).toBe('hit');
  });

  it('says why an entry could not be kept, and still gives the load', () => {
    const dir = fresh();
    checkCacheDir(dir);
    chmodSync(dir, 0o500);
    try {
      const { file } = rulesDir();
      const r = loadRulesCached([file], {}, dir, 'b1');
      // root may write anyway
      if (process.getuid?.() !== 0) expect(r).toMatchObject({ cache: 'miss', problem: expect.stringMatching(/could not keep the loaded rules/) });
      expect(r.result.ok).toBe(true);
    } finally {
      chmodSync(dir, 0o700);
    }
  });
});

describe('checkCacheDir', () => {
  it('creates a missing directory for the user alone', () => {
    const dir = join(fresh(), 'a', 'b');
    checkCacheDir(dir);
    expect(statSync(dir).mode & 0o777).toBe(0o700);
  });

  it('refuses a directory others can write, and a file', () => {
    const open = fresh();
    mkdirSync(open);
    chmodSync(open, 0o777);
    expect(() => checkCacheDir(open)).toThrow(expect.objectContaining({ code: 'KAWA_ERR_RULES_CACHE', message: expect.stringMatching(/writable by its group or by others \(mode 777\)/) }));
    chmodSync(open, 0o775);
    expect(() => checkCacheDir(open)).toThrow(/mode 775/);
    const file = join(root, 'a-file');
    writeFileSync(file, '');
    expect(() => checkCacheDir(file)).toThrow(expect.objectContaining({ code: 'KAWA_ERR_RULES_CACHE' }));
  });
});

describe('defaultCacheDir', () => {
  it('is $XDG_CACHE_HOME/kawa/rules when that is an absolute path, else ~/.cache/kawa/rules', () => {
    expect(defaultCacheDir({ XDG_CACHE_HOME: '/var/cache/u' })).toBe('/var/cache/u/kawa/rules');
    // the XDG base directory spec: a relative path is invalid and ignored
    expect(defaultCacheDir({ XDG_CACHE_HOME: 'rel', HOME: '/home/u' })).toMatch(/\/\.cache\/kawa\/rules$/);
    expect(defaultCacheDir({})).toMatch(/\/\.cache\/kawa\/rules$/);
  });
});

describe('cacheDirProblem', () => {
  it('tells a directory that cannot be made from one that is refused', () => {
    const file = join(root, 'in-the-way');
    writeFileSync(file, '');
    expect(cacheDirProblem(join(file, 'rules'))).toMatchObject({ absent: true, why: expect.stringMatching(/cannot create it \(ENOTDIR\)/) });
    const open = fresh();
    mkdirSync(open);
    chmodSync(open, 0o770);
    expect(cacheDirProblem(open)).toMatchObject({ absent: false, why: expect.stringMatching(/mode 770/) });
    expect(cacheDirProblem(fresh())).toBeUndefined();
  });
});

describe('kawa run --rules-cache', () => {
  const kawa = (args: string[], env: NodeJS.ProcessEnv = process.env) => spawnSync(process.execPath, ['bin/kawa.js', 'run', ...args], { encoding: 'utf8', maxBuffer: 1 << 26, env });
  const sample = 'samples/eks-audit.jsonl.gz';

  it('prints the same alerts and statistics with and without the cache, on the main thread and with workers', () => {
    const dir = fresh();
    const plain = kawa(['-r', PACK, '-e', sample, '--json', '--workers', '0', '--no-rules-cache']);
    expect(plain.status).toBe(0);
    expect(plain.stdout.length).toBeGreaterThan(0);
    for (const workers of ['0', '0', '2']) {
      const cached = kawa(['-r', PACK, '-e', sample, '--json', '--workers', workers, '--rules-cache', dir]);
      expect(cached.status).toBe(0);
      expect(cached.stdout).toBe(plain.stdout);
      expect(cached.stderr).toBe(plain.stderr);
    }
    expect(readdirSync(dir)).toHaveLength(1);
  });

  it('uses the user\'s cache directory unless told not to, and runs without one it cannot use', () => {
    const home = fresh();
    const env = { ...process.env, XDG_CACHE_HOME: home };
    const entries = () => readdirSync(join(home, 'kawa', 'rules'));
    const plain = kawa(['-r', PACK, '-e', sample, '--json', '--no-rules-cache'], env);
    expect(plain.status).toBe(0);
    expect(() => entries()).toThrow(/ENOENT/);
    for (let i = 0; i < 2; i++) {
      const r = kawa(['-r', PACK, '-e', sample, '--json'], env);
      expect([r.status, r.stdout, r.stderr]).toEqual([0, plain.stdout, plain.stderr]);
      expect(entries()).toHaveLength(1);
    }
    expect(statSync(join(home, 'kawa', 'rules')).mode & 0o777).toBe(0o700);

    // cannot be made (a read-only file system, here a file in the way): as without, and nothing said
    const blocked = join(root, 'blocked');
    writeFileSync(blocked, '');
    const without = kawa(['-r', PACK, '-e', sample, '--json'], { ...process.env, XDG_CACHE_HOME: blocked });
    expect([without.status, without.stdout, without.stderr]).toEqual([0, plain.stdout, plain.stderr]);

    // refused (another user could write an entry): as without, with a warning
    chmodSync(join(home, 'kawa', 'rules'), 0o777);
    const refused = kawa(['-r', PACK, '-e', sample, '--json'], env);
    expect(refused.status).toBe(0);
    expect(refused.stdout).toBe(plain.stdout);
    expect(refused.stderr).toMatch(/KAWA_WARN_RULES_CACHE: rules cache .*kawa\/rules: writable by its group or by others \(mode 777\).*loaded without it/);
  });

  // Node's own recursive mkdir loops for ever on such a path (mkdir of the child ENOENT, of /proc EEXIST):
  // in a child process with a deadline, so that a return of that loop fails this test instead of hanging it
  it.runIf(existsSync('/proc/self'))('refuses a directory the system will not make (under /proc) at once, with the reason', () => {
    const r = spawnSync(process.execPath, ['bin/kawa.js', 'run', '-r', PACK, '-e', sample, '--rules-cache', '/proc/kawa-cache/rules'], { encoding: 'utf8', timeout: 30_000 });
    expect(r.signal).toBeNull();
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/KAWA_ERR_RULES_CACHE: --rules-cache \/proc\/kawa-cache\/rules: cannot create it \(ENOENT\)/);
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });

  it('refuses a directory others can write, with its code and no stack trace', () => {
    const dir = fresh();
    mkdirSync(dir);
    chmodSync(dir, 0o777);
    const r = kawa(['-r', PACK, '-e', sample, '--rules-cache', dir]);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/KAWA_ERR_RULES_CACHE: --rules-cache .*: writable by its group or by others/);
    expect(r.stderr).not.toMatch(/\n\s+at /);
    expect(r.stdout).toBe('');
  });
});
