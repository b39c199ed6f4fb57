// Bad rules files: each gives a coded problem that names the file and a position, never an exception.
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadRules, loadRulesFiles } from '../../src/rules/load.js';

const RULE = (cond: string, extra = '') =>
  `- rule: r\n  desc: d\n  condition: ${cond}\n  output: o\n  priority: INFO\n  source: k8s_audit\n${extra}`;

function load(content: string) {
  return loadRules([{ name: 'bad.yaml', content }]);
}

function firstError(content: string) {
  const r = load(content);
  expect(r.ok).toBe(false);
  expect(r.errors).toHaveLength(1);
  const e = r.errors[0]!;
  expect(e.file).toBe('bad.yaml');
  expect(e.line).toBeGreaterThan(0);
  expect(e.column).toBeGreaterThan(0);
  expect(e.snippet).toBeTruthy();
  return e;
}

describe('bad rules files', () => {
  it('not YAML', () => {
    const e = firstError('- rule: r\n  desc: [unclosed\n');
    expect(e.code).toBe('LOAD_ERR_YAML_PARSE');
  });

  it('a scalar or a map instead of a list', () => {
    expect(firstError('just text\n')).toMatchObject({ code: 'LOAD_ERR_YAML_VALIDATE', message: 'Rules content is not yaml' });
    expect(firstError('rule: r\n')).toMatchObject({ code: 'LOAD_ERR_YAML_VALIDATE', message: 'Rules content is not yaml array of objects' });
  });

  it('an unknown key warns at the key', () => {
    const r = load(RULE('ka.verb = get', '  typo: 1\n'));
    expect(r.ok).toBe(true);
    expect(r.warnings).toEqual([expect.objectContaining({ code: 'LOAD_UNKNOWN_KEY', line: 7, column: 3, items: [{ type: 'rule', name: 'r' }] })]);
  });

  it('a rule without condition', () => {
    const e = firstError('- rule: r\n  desc: d\n  output: o\n  priority: INFO\n');
    expect(e).toMatchObject({ code: 'LOAD_ERR_YAML_VALIDATE', message: "Item has no mapping for key 'condition'", line: 1, column: 3 });
    expect(e.items).toEqual([{ type: 'rule', name: 'r' }]);
  });

  it('an undefined macro', () => {
    const e = firstError(RULE('ka.verb = get and nope'));
    expect(e).toMatchObject({ code: 'LOAD_ERR_VALIDATE', message: "Undefined macro 'nope' used in filter.", line: 3, column: 14 });
    expect(e.snippet).toContain('nope');
  });

  it('a macro loop (through an append that makes a macro see itself)', () => {
    const e = firstError('- macro: m\n  condition: ka.verb = get\n- macro: m\n  condition: or m\n  override:\n    condition: append\n');
    expect(e).toMatchObject({ code: 'LOAD_ERR_VALIDATE', message: "reference loop in macro 'm'" });
  });

  it('an unknown field', () => {
    expect(firstError(RULE('ka.nope = 1'))).toMatchObject({ code: 'LOAD_ERR_COMPILE_CONDITION', message: 'filter_check called with nonexistent field ka.nope' });
  });

  it('an unterminated string', () => {
    expect(firstError(RULE(`'ka.verb = "get'`)).code).toBe('LOAD_ERR_COMPILE_CONDITION');
  });

  it('10,000 nested parentheses hit the depth limit, not the stack', () => {
    const e = firstError(RULE(`${'('.repeat(10_000)}ka.verb = get${')'.repeat(10_000)}`));
    expect(e.code).toBe('LOAD_ERR_COMPILE_CONDITION');
    expect(e.message).toContain('max depth');
  });

  it('a 10 MB condition loads, and a 10 MB broken one fails with a short snippet', () => {
    const big = 'x'.repeat(10 * 1024 * 1024);
    const ok = load(RULE(`ka.verb = ${big}`));
    expect(ok.ok).toBe(true);
    const e = firstError(RULE(`ka.verb = ${big} )`));
    expect(e.code).toBe('LOAD_ERR_COMPILE_CONDITION');
    expect(e.snippet!.length).toBeLessThan(400);
  });

  it('a list field with =, a hex number on len(), bcontains on a string', () => {
    expect(firstError(RULE('ka.user.groups = a')).message).toBe("filter error: '=' operator not supported list filters");
    expect(firstError(RULE('len(ka.user.name) > 0x10')).message).toBe('0x10 is not a valid number');
    expect(firstError(RULE('ka.verb bcontains 00')).message).toBe("filter error: 'bcontains' operator not supported for string filters");
    expect(firstError(RULE('ka.verb[1] = get')).message).toContain('does not allow nor require an argument');
    expect(firstError(RULE('ka.req.pod.containers.image[01] in (a)')).message).toContain('starting with 0');
    expect(firstError(RULE('ka.req.pod.containers.image[x] in (a)')).message).toContain('not composed only by digits');
    expect(firstError(RULE('ka.uri.param = a')).message).toContain('requires an argument');
    expect(firstError(RULE('ka.verb regex "a("')).message).toContain('invalid regex pattern');
    expect(firstError(RULE('ka.verb = "a\\x00"')).message).toBe('filter value cannot contain a NUL byte');
    expect(firstError(RULE('ka.verb = val(ka.user.groups)')).code).toBe('LOAD_ERR_COMPILE_CONDITION');
    expect(firstError(RULE('toupper(ka.verb)[x] = A')).message).toBe("filter error: transformer 'toupper' does not support field arguments");
  });

  it('output formats: trailing % and unknown fields', () => {
    const base = '- rule: r\n  desc: d\n  condition: ka.verb = get\n  priority: INFO\n  source: k8s_audit\n  output: ';
    expect(firstError(`${base}"100%"\n`)).toMatchObject({ code: 'LOAD_ERR_COMPILE_OUTPUT', message: 'invalid formatting syntax: formatting cannot end with a %' });
    expect(firstError(`${base}"%ka.nope"\n`)).toMatchObject({ code: 'LOAD_ERR_COMPILE_OUTPUT', message: 'unknown filter: ka.nope' });
    const r = load(`${base}"%ka.verbx %20ka.user.name %ka.uri.param[command] %tolower(ka.verb)"\n`);
    expect(r.ok).toBe(true);
    const tokens = r.rules[0]!.output.parts.filter((p) => p.kind === 'token');
    expect(tokens.map((t) => t.text)).toEqual(['%ka.verb', '%20ka.user.name', '%ka.uri.param[command]', '%tolower(ka.verb)']);
    expect(r.rules[0]!.output.parts[1]).toEqual({ kind: 'text', text: 'x ' });
  });

  it('warnings: <NA>, field-like constants, simple regex', () => {
    const r = load(RULE('ka.verb = <NA> or ka.verb = ka.user.name or ka.verb regex "^get$"'));
    expect(r.warnings.map((w) => w.code)).toEqual(['LOAD_UNSAFE_NA_CHECK', 'LOAD_COMPILE_CONDITION', 'LOAD_COMPILE_CONDITION']);
    expect(r.warnings[2]!.message).toContain("regex check with '^get$' may be optimized");
  });

  it('YAML 1.1 booleans and bad values', () => {
    expect(load(RULE('ka.verb = get', '  enabled: "no"\n')).rules[0]!.enabled).toBe(false);
    expect(load(RULE('ka.verb = get', '  enabled: On\n')).rules[0]!.enabled).toBe(true);
    expect(firstError(RULE('ka.verb = get', '  enabled: maybe\n'))).toMatchObject({ message: "Can't decode YAML scalar value", line: 7, column: 12 });
    expect(firstError('- rule: r\n  desc: d\n  condition: ka.verb = get\n  output: o\n  priority: warn\n')).toMatchObject({ message: 'Invalid priority', line: 5 });
  });

  it('plugin requirements kawa does not meet', () => {
    const r = load('- required_plugin_versions:\n  - name: k8saudit\n    version: 0.99.0\n');
    expect(r.errors[0]).toMatchObject({ code: 'LOAD_ERR_VALIDATE', message: 'Plugin requirement not satisfied, must load one of: k8saudit (>= 0.99.0)' });
    expect(load('- required_plugin_versions:\n  - name: k8saudit-aks\n    version: 0.6.0\n    alternatives:\n    - name: k8saudit\n      version: 0.18.0\n').ok).toBe(true);
  });
});

describe('rules files on disk', () => {
  const dir = mkdtempSync(join(tmpdir(), 'kawa-rules-'));

  it('a missing file', () => {
    const r = loadRulesFiles([join(dir, 'nope.yaml')]);
    expect(r.errors[0]).toMatchObject({ code: 'LOAD_ERR_FILE_READ', file: join(dir, 'nope.yaml') });
    expect(r.errors[0]!.message).toContain('no such file');
  });

  it('invalid UTF-8, with its line and column', () => {
    const p = join(dir, 'latin1.yaml');
    writeFileSync(p, Buffer.concat([Buffer.from('- list: l\n  items: [caf'), Buffer.from([0xe9]), Buffer.from(']\n')]));
    expect(loadRulesFiles([p]).errors[0]).toMatchObject({ code: 'LOAD_ERR_FILE_READ', file: p, line: 2, column: 14 });
  });

  it('an empty file or one of comments only is an empty rules file (Falco)', () => {
    const empty = join(dir, 'empty.yaml');
    const comments = join(dir, 'comments.yaml');
    writeFileSync(empty, '');
    writeFileSync(comments, '# nothing here yet\n');
    expect(loadRulesFiles([empty, comments])).toMatchObject({ ok: true, errors: [], warnings: [], rules: [] });
  });

  it('a directory loads its .yaml/.yml files in name order; an empty directory is an error', () => {
    const d = join(dir, 'rules.d');
    mkdirSync(d);
    writeFileSync(join(d, 'b.yml'), '- list: l\n  items: [b]\n  override:\n    items: append\n');
    writeFileSync(join(d, 'a.yaml'), '- list: l\n  items: [a]\n' + RULE('ka.verb in (l)'));
    writeFileSync(join(d, 'notes.txt'), 'not rules');
    const r = loadRulesFiles([d]);
    expect(r.ok).toBe(true);
    expect(r.rules[0]!.conditionText).toBe('ka.verb in (a, b)');
    expect(r.files!.map((f) => f.name)).toEqual([join(d, 'a.yaml'), join(d, 'b.yml')]);
    const e = join(dir, 'empty.d');
    mkdirSync(e);
    expect(loadRulesFiles([e]).errors[0]).toMatchObject({ code: 'LOAD_ERR_FILE_READ', file: e });
  });

  it('the first failing file stops the load; earlier files still report their warnings', () => {
    const good = join(dir, 'good.yaml');
    const bad = join(dir, 'bad.yaml');
    const never = join(dir, 'never.yaml');
    writeFileSync(good, '- macro: unused\n  condition: ka.verb = get\n');
    writeFileSync(bad, RULE('ka.verb ='));
    writeFileSync(never, 'not: [valid');
    const r = loadRulesFiles([good, bad, never]);
    expect(r.files).toEqual([{ name: good, status: 'Ok, with warnings' }, { name: bad, status: 'Invalid' }]);
    expect(r.warnings[0]!.code).toBe('LOAD_UNUSED_MACRO');
  });
});

describe('compileCondition (kawa eval)', () => {
  it('uses the macros and lists of the files, and reports problems with codes', async () => {
    const { compileCondition } = await import('../../src/rules/load.js');
    const { printExpr } = await import('../../src/condition/printer.js');
    const files = [{ name: 'm.yaml', content: '- list: verbs\n  items: [get, list]\n- macro: reading\n  condition: ka.verb in (verbs)\n' }];
    const r = compileCondition('reading and ka.user.name = bob', files);
    expect(r.ok && printExpr(r.condition)).toBe('(ka.verb in (get, list) and ka.user.name = bob)');
    const bad = compileCondition('ka.nope = 1', files);
    expect(bad.ok ? null : bad.errors[0]).toMatchObject({ code: 'LOAD_ERR_COMPILE_CONDITION', file: '<condition>' });
    expect(compileCondition('nomacro').ok).toBe(false);
  });
});
