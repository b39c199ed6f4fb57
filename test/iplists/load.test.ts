// Loading IP lists (src/rules/ip-lists.ts): items and files, relative paths, and a coded error at its place
// for every bad input: a bad item, a bad line of a file, a missing or oversized file, an undefined list, a
// malformed kawa key or field argument. A list read only by an IP-list field is not "unused".
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadRules, loadRulesFiles } from '../../src/rules/load.js';
import { listRule } from './rule.js';

const RULE = (condition = 'kawa.sourceips.listed[bad] exists', output = 'listed=%kawa.sourceips.listed[bad]') => listRule(condition, output);

function dir(files: Record<string, string>): string {
  const d = mkdtempSync(join(tmpdir(), 'kawa-ipl-load-'));
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(join(d, name, '..'), { recursive: true });
    writeFileSync(join(d, name), text);
  }
  return d;
}

describe('loading IP lists', () => {
  it('reads items and files relative to the rules file, comments and blank lines skipped', () => {
    const d = dir({
      'rules/main.yaml': `- list: bad\n  items: [192.0.2.1]\n  kawa:\n    files: [lists/a.txt, ${'/'.repeat(0)}lists/b.txt]\n${RULE()}`,
      'rules/lists/a.txt': '# a feed\n10.0.0.0/8\n\n  172.16.0.0/12   # private\n',
      'rules/lists/b.txt': '2001:db8::/32\r\n10.1.0.0/16\r\n',
    });
    const load = loadRulesFiles([join(d, 'rules/main.yaml')]);
    expect(load.errors).toEqual([]);
    expect(load.warnings.map((w) => w.code)).not.toContain('LOAD_UNUSED_LIST');
    const list = load.ipLists!.bad!;
    expect(list.entries).toBe(5);
    expect(list.count).toBe(4); // 10.1.0.0/16 is inside 10.0.0.0/8
    expect(list.files).toEqual([join(d, 'rules/lists/a.txt'), join(d, 'rules/lists/b.txt')]);
  });

  it('takes files and items appended by a later file', () => {
    const d = dir({ 'a.yaml': `- list: bad\n  items: []\n${RULE()}`, 'b.yaml': '- list: bad\n  items: [10.0.0.1]\n  append: true\n  kawa: {files: [x.txt]}\n', 'x.txt': '10.0.0.2\n' });
    const load = loadRulesFiles([join(d, 'a.yaml'), join(d, 'b.yaml')]);
    expect(load.errors).toEqual([]);
    expect(load.ipLists!.bad!.entries).toBe(2);
  });

  it('expands a list named among the items, as Falco expands lists', () => {
    const load = loadRules([{ name: 'r.yaml', content: `- list: office\n  items: [10.0.0.0/8]\n- list: bad\n  items: [office, 192.0.2.1]\n${RULE()}` }]);
    expect(load.errors).toEqual([]);
    expect(load.ipLists!.bad!.entries).toBe(2);
  });

  it('is not built when no rule reads a list', () => {
    const load = loadRules([{ name: 'r.yaml', content: `- list: bad\n  items: [not-an-address]\n${RULE('ka.verb = get', 'get')}` }]);
    expect(load.errors).toEqual([]);
    expect(load.ipLists).toBeUndefined();
  });

  const error = (files: Record<string, string>, main = 'r.yaml') => {
    const d = dir(files);
    const load = loadRulesFiles([join(d, main)]);
    expect(load.ok).toBe(false);
    const e = load.errors[0]!;
    return { ...e, file: e.file?.replace(`${d}/`, '') };
  };

  it('refuses a bad item, naming the list', () => {
    const e = error({ 'r.yaml': `- list: bad\n  items: [10.0.0.0/8, 10.0.0.0/40]\n${RULE()}` });
    expect(e).toMatchObject({ code: 'LOAD_ERR_VALIDATE', file: 'r.yaml', line: 1 });
    expect(e.message).toBe("list 'bad': item '10.0.0.0/40' is not an IP address or CIDR range");
  });

  it('refuses a bad line of a list file at its line and column', () => {
    const files = { 'r.yaml': `- list: bad\n  items: []\n  kawa: {files: [l.txt]}\n${RULE()}`, 'l.txt': '10.0.0.1\n# ok\n   10.0.0.300\n' };
    const e = error(files);
    expect(e).toMatchObject({ code: 'LOAD_ERR_VALIDATE', file: 'l.txt', line: 3, column: 4, message: "'10.0.0.300' is not an IP address or CIDR range" });
    // the summary does not call the rules file naming it "Ok"
    const d = dir(files);
    expect(loadRulesFiles([join(d, 'r.yaml')]).files).toEqual([{ name: join(d, 'r.yaml'), status: 'Invalid' }]);
  });

  it('refuses a missing file where the rules file names it, and an oversized one', () => {
    const e = error({ 'r.yaml': `- list: bad\n  items: []\n  kawa:\n    files: [nowhere.txt]\n${RULE()}` });
    expect(e).toMatchObject({ code: 'LOAD_ERR_FILE_READ', file: 'r.yaml', line: 4 });
    expect(e.message).toMatch(/IP list file .*nowhere\.txt: Could not read file: no such file or directory/);
    const d = dir({ 'r.yaml': `- list: bad\n  items: []\n  kawa: {files: [big.txt]}\n${RULE()}`, 'big.txt': '10.0.0.1\n'.repeat(100) });
    const big = loadRulesFiles([join(d, 'r.yaml')], { maxFileBytes: 500 });
    expect(big.errors[0]).toMatchObject({ code: 'LOAD_ERR_FILE_TOO_LARGE' });
  });

  it('refuses a list that is not defined, at the rule reading it', () => {
    const e = error({ 'r.yaml': RULE() });
    expect(e).toMatchObject({ code: 'LOAD_ERR_VALIDATE', file: 'r.yaml', line: 2, message: `IP list 'bad' is not defined: define it with "- list: bad"` });
  });

  it('refuses a malformed kawa key and a pointer field without its pointer', () => {
    expect(error({ 'r.yaml': `- list: bad\n  items: []\n  kawa: {file: l.txt}\n${RULE()}` })).toMatchObject({ code: 'LOAD_ERR_VALIDATE', line: 3, message: "kawa: unknown key 'file' (a list's kawa key takes files)" });
    expect(error({ 'r.yaml': `- list: bad\n  items: []\n  kawa: {files: []}\n${RULE()}` })).toMatchObject({ code: 'LOAD_ERR_VALIDATE', message: 'kawa.files: expected a non-empty list of file paths' });
    expect(error({ 'r.yaml': `- list: bad\n  items: []\n  kawa: [l.txt]\n${RULE()}` })).toMatchObject({ code: 'LOAD_ERR_VALIDATE', line: 3 });
    const e = error({ 'r.yaml': `- list: bad\n  items: []\n${RULE('kawa.ips.listed[bad] exists', 'x')}` });
    expect(e).toMatchObject({ code: 'LOAD_ERR_VALIDATE', line: 4, items: [{ type: 'rule', name: 'listed' }] });
    expect(e.message).toContain('expected <list>:<json pointer>');
  });

  it('kawa validate says how much of each list loaded', () => {
    const d = dir({ 'r.yaml': `- list: bad\n  items: [10.0.0.0/8]\n  kawa: {files: [l.txt]}\n${RULE()}`, 'l.txt': '10.1.0.0/16\n192.0.2.1\n' });
    const text = spawnSync(process.execPath, ['bin/kawa.js', 'validate', '-r', join(d, 'r.yaml')], { encoding: 'utf8' });
    expect(text.stdout).toContain(`IP list bad: 3 addresses or ranges, 2 ranges after merging (${join(d, 'l.txt')})`);
    const json = spawnSync(process.execPath, ['bin/kawa.js', 'validate', '-r', join(d, 'r.yaml'), '--json'], { encoding: 'utf8' });
    expect(JSON.parse(json.stdout).ip_lists).toEqual({ bad: { entries: 3, ranges: 2, files: [join(d, 'l.txt')] } });
  });
});
