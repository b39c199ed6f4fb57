// kawa validate / list-rules, run in-process through their commander registration.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command } from 'commander';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { register as registerValidate } from '../../src/cli/validate.js';
import { register as registerList } from '../../src/cli/list-rules.js';
import { KawaError } from '../../src/core/errors.js';
import { describeShared, itShared, shared } from '../shared-data.js';

const K8S = shared('conformance/k8saudit/rules');
const dir = mkdtempSync(join(tmpdir(), 'kawa-cli-'));
const file = (name: string, content: string) => { const p = join(dir, name); writeFileSync(p, content); return p; };

async function kawa(...args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const o = vi.spyOn(process.stdout, 'write').mockImplementation((s) => { out += String(s); return true; });
  const e = vi.spyOn(process.stderr, 'write').mockImplementation((s) => { err += String(s); return true; });
  let code = 0;
  const program = new Command('kawa').exitOverride().configureOutput({ writeErr: (s) => { err += s; }, writeOut: (s) => { out += s; } });
  registerValidate(program, (c) => { code = c; });
  registerList(program, (c) => { code = c; });
  try {
    await program.parseAsync(args, { from: 'user' });
  } catch (x) {
    if (!(x instanceof KawaError)) throw x;
    err += `kawa: ${x.code}: ${x.message}\n`;
    code = x.code === 'KAWA_ERR_USAGE' ? 2 : 1;
  } finally {
    o.mockRestore();
    e.mockRestore();
  }
  return { code, out, err };
}

afterEach(() => vi.restoreAllMocks());

describe('kawa validate', () => {
  itShared('validates the k8s audit ruleset: 48 rules, no warnings', async () => {
    const r = await kawa('validate', '-r', join(K8S, 'k8s_audit_rules.yaml'), '--json');
    expect(r.code).toBe(0);
    const j = JSON.parse(r.out);
    expect(j).toMatchObject({ ok: true, errors: [], warnings: [] });
    expect(j.rules).toHaveLength(48);
    expect(j.rules[0]).toEqual({ name: 'Disallowed K8s User', enabled: true, priority: 'Warning', source: 'k8s_audit' });
  });

  describeShared('the upstream override files', () => {
    it.each(['allow_namespace_foo', 'allow_nginx_container', 'allow_only_apache_container', 'allow_user_some-user', 'disallow_kactivity', 'single_rule_with_json_pointer', 'trust_nginx_container'])(
      'loads the override file %s after it', async (name) => {
        const r = await kawa('validate', '-r', join(K8S, 'k8s_audit_rules.yaml'), '-r', join(K8S, `${name}.yaml`), '--json');
        expect(r.code).toBe(0);
        expect(JSON.parse(r.out).errors).toEqual([]);
      });
  });

  it('prints problems a person can act on, then the summary lines; exit 1', async () => {
    const p = file('bad.yaml', '- macro: m\n  condition: ka.verb = get\n- rule: r\n  desc: d\n  condition: m and ka.nope = 1\n  output: o\n  priority: INFO\n  source: k8s_audit\n');
    const r = await kawa('validate', '-r', p);
    expect(r.code).toBe(1);
    expect(r.out).toContain(`${p}:5:14: error LOAD_ERR_COMPILE_CONDITION: filter_check called with nonexistent field ka.nope`);
    expect(r.out).toContain("in rule 'r'");
    expect(r.out).toContain(`${p}: Invalid`);
    expect(r.out).not.toMatch(/at .*\.ts:\d+/);
  });

  it('applies the configuration: priority and rules selection', async () => {
    const rules = file('sel.yaml', ['a', 'b', 'c'].map((n, i) =>
      `- rule: ${n}\n  desc: d\n  condition: ka.verb = get\n  output: o\n  priority: ${['ERROR', 'INFO', 'DEBUG'][i]}\n  source: k8s_audit\n  tags: [t${n}]\n`).join(''));
    const cfg = file('falco.yaml', 'priority: info\nrules:\n  - disable: {rule: "*"}\n  - enable: {tag: tb}\n');
    const j = JSON.parse((await kawa('validate', '-c', cfg, '-r', rules, '--json')).out);
    expect(j.rules).toEqual([
      { name: 'a', enabled: false, priority: 'Error', source: 'k8s_audit' },
      { name: 'b', enabled: true, priority: 'Informational', source: 'k8s_audit' },
    ]);
  });

  itShared('takes rules_files from the configuration; garbage configuration is KAWA_ERR_CONFIG', async () => {
    const cfg = file('files.yaml', `rules_files:\n  - ${join(K8S, 'k8s_audit_rules.yaml')}\n`);
    expect((await kawa('validate', '-c', cfg)).code).toBe(0);
    const bad = file('badcfg.yaml', 'priority: loud\n');
    const r = await kawa('validate', '-c', bad, '-r', join(K8S, 'k8s_audit_rules.yaml'));
    expect(r.code).toBe(1);
    expect(r.err).toContain('KAWA_ERR_CONFIG');
    expect((await kawa('validate', '-c', file('notyaml.yaml', 'rules: [\n'))).err).toContain('KAWA_ERR_CONFIG');
    expect((await kawa('validate', '-c', file('sel2.yaml', 'rules:\n  - frobnicate: {rule: x}\n'), '-r', join(K8S, 'k8s_audit_rules.yaml'))).err).toContain("unknown rules action 'frobnicate'");
  });

  it('without rules files is a usage error', async () => {
    expect((await kawa('validate')).code).toBe(2);
  });
});

describe('kawa list-rules', () => {
  itShared('lists rules with their resolved conditions', async () => {
    const r = await kawa('list-rules', '-r', join(K8S, 'k8s_audit_rules.yaml'), '--json');
    expect(r.code).toBe(0);
    const rules = JSON.parse(r.out);
    expect(rules).toHaveLength(48);
    const anon = rules.find((x: { name: string }) => x.name === 'Anonymous Request Allowed');
    expect(anon).toMatchObject({ priority: 'Warning', source: 'k8s_audit', tags: ['k8s'], enabled: true });
    expect(anon.condition).toContain('ka.user.name = system:anonymous');
    const text = await kawa('list-rules', '-r', join(K8S, 'k8s_audit_rules.yaml'));
    expect(text.out).toContain('Anonymous Request Allowed\n  priority: Warning  source: k8s_audit  enabled: yes  tags: k8s');
  });

  it('fails with the load errors', async () => {
    const r = await kawa('list-rules', '-r', file('x.yaml', 'foo: bar\n'));
    expect(r.code).toBe(1);
    expect(r.err).toContain('LOAD_ERR_YAML_VALIDATE');
  });
});
