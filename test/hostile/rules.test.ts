// Issue 15 item 6: hostile rules files are refused with a coded error at their place, in bounded time, by
// the real `kawa validate` process (a crash, an out-of-memory abort or a hang fails the test).
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { wildcardMatch } from '../../src/rules/selection.js';
import { HOSTILE_RULES, writeCase } from './rules-cases.js';

const dir = mkdtempSync(join(tmpdir(), 'kawa-hostile-rules-'));
const KAWA = join(process.cwd(), 'bin/kawa.js');

/** Runs `kawa validate --json` with a 20 s limit and a 512 MB heap: a hostile file must cost neither. */
function validate(args: string[]): { status: number | null; json: { ok: boolean; errors: { code: string; file?: string; line?: number; column?: number; message: string }[] }; ms: number } {
  const t0 = Date.now();
  const r = spawnSync(process.execPath, ['--max-old-space-size=512', KAWA, 'validate', '--json', ...args], { timeout: 20_000, encoding: 'utf8' });
  const ms = Date.now() - t0;
  expect(r.signal, r.stderr).toBeNull();
  return { status: r.status, json: JSON.parse(r.stdout) as never, ms };
}

describe('kawa validate refuses hostile rules files with a coded error, quickly', () => {
  it.each(HOSTILE_RULES.map((c) => [c.name, c] as const))('%s', (_name, c) => {
    const path = join(dir, `${c.code}-${HOSTILE_RULES.indexOf(c)}.yaml`);
    writeCase(path, c);
    const r = validate(['-r', path]);
    expect(r.status).toBe(1);
    expect(r.json.ok).toBe(false);
    const e = r.json.errors[0]!;
    expect(e.code).toBe(c.code);
    expect(e.file).toBe(path);
    expect(e.line).toBeGreaterThan(0);
    expect(e.column).toBeGreaterThan(0);
    expect(r.ms).toBeLessThan(10_000);
  });

  it('the file size limit is rules_limits.max_file_bytes', () => {
    const rules = join(dir, 'small.yaml');
    writeFileSync(rules, '- list: l\n  items: [a, b, c]\n');
    const config = join(dir, 'limits.yaml');
    writeFileSync(config, `rules_files: [${rules}]\nrules_limits:\n  max_file_bytes: 10\n`);
    const r = validate(['-c', config]);
    expect(r.json.errors[0]).toMatchObject({ code: 'LOAD_ERR_FILE_TOO_LARGE', file: rules, line: 1, column: 1 });
    writeFileSync(config, `rules_files: [${rules}]\n`);
    expect(validate(['-c', config]).json.ok).toBe(true);
  });

  it('900 aliases (under the limit) load in linear time', () => {
    const path = join(dir, 'aliases900.yaml');
    writeFileSync(path, Array.from({ length: 900 }, (_, i) => `- list: l${i}\n  items: [&a${i} x${i}, *a${i}]\n`).join(''));
    const r = validate(['-r', path]);
    expect(r.json.ok).toBe(true);
    expect(r.ms).toBeLessThan(5_000);
  });

  it('a 26-character wildcard against a 40-character rule name is matched at once (no backtracking regex)', () => {
    const rules = join(dir, 'wild.yaml');
    writeFileSync(rules, `- rule: ${'a'.repeat(40)}\n  desc: d\n  condition: ka.verb=get\n  output: x\n  priority: WARNING\n  source: k8s_audit\n`);
    const config = join(dir, 'wild-config.yaml');
    writeFileSync(config, `rules_files: [${rules}]\nrules:\n  - disable:\n      rule: "${'a*'.repeat(12)}ab"\n  - disable:\n      rule: "${'a*'.repeat(12)}a*"\n`);
    const r = validate(['-c', config]);
    expect(r.json.ok).toBe(true);
    expect((r.json as unknown as { rules: { enabled: boolean }[] }).rules[0]!.enabled).toBe(false);
    expect(r.ms).toBeLessThan(5_000);
  });

  it('wildcards keep their meaning', () => {
    expect(wildcardMatch('*', '')).toBe(true);
    expect(wildcardMatch('a*c', 'abbbc')).toBe(true);
    expect(wildcardMatch('a*c', 'abbbcd')).toBe(false);
    expect(wildcardMatch('*Pod*', 'Create Privileged Pod')).toBe(true);
    expect(wildcardMatch('Create*', 'create x')).toBe(false);
    expect(wildcardMatch('a.b', 'axb')).toBe(false);
    expect(wildcardMatch('a**b', 'ab')).toBe(true);
    expect(wildcardMatch(`${'a*'.repeat(12)}ab`, 'a'.repeat(40))).toBe(false);
  });
});
