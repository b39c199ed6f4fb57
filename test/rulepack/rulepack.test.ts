// The rule pack (rules/), through the built CLI: for every rule, the events of cases/<slug>.fire.jsonl must
// each raise it and those of cases/<slug>.miss.jsonl must not (slug: the rule name in lower case, runs of
// other characters as "-"). Each case event carries its own "_case" note and a unique auditID, which the
// alerts report (every output prints audit_id=%ka.auditid), so two `kawa run`s check every case:
// one with enable-all.yaml (disabled rules included) and one as shipped (disabled rules stay silent).
// A stateful rule (a `kawa:` key) alerts on some events of a sequence: its fire file marks those with
// "_expect":"alert", and its other events must not raise it (counted, learning, seen or suppressed).
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const RULES = 'rules/';
const CASES = 'test/rulepack/cases';
const ENABLE_ALL = 'test/rulepack/enable-all.yaml';
/** The pack's IP lists filled as a site fills them (they ship empty). */
const IP_LISTS = 'test/rulepack/ip-lists.yaml';

interface ListedRule { name: string; priority: string; tags: string[]; enabled: boolean; desc: string; output: string }
interface Alert { rule: string; output: string; output_fields: Record<string, unknown> }

function kawa(args: string[]) {
  const r = spawnSync(process.execPath, ['bin/kawa.js', ...args], { encoding: 'utf8', maxBuffer: 64 << 20 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

const slug = (name: string) => name.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '');

const listed = kawa(['list-rules', '-r', RULES, '--json']);
const rules = JSON.parse(listed.stdout) as ListedRule[];
const caseFiles = readdirSync(CASES).filter((f) => f.endsWith('.jsonl')).sort();

/** The audit IDs of a fire file that must raise its rule, and those that must not (a stateful rule's sequence). */
function fireIds(file: string): { raise: string[]; hold: string[] } {
  const lines = readFileSync(join(CASES, file), 'utf8').split('\n').filter((l) => l.trim());
  const ids = auditIds(file);
  if (!lines.some((l) => l.includes('"_expect":"alert"'))) return { raise: ids, hold: [] };
  return { raise: ids.filter((_, i) => lines[i]!.includes('"_expect":"alert"')), hold: ids.filter((_, i) => !lines[i]!.includes('"_expect":"alert"')) };
}

/** The audit IDs of a case file, in order (a line cut by CloudWatch still names its auditID). */
function auditIds(file: string): string[] {
  return readFileSync(join(CASES, file), 'utf8').split('\n').filter((l) => l.trim())
    .map((l) => /"auditID":"([^"]+)"/.exec(l)?.[1] ?? `no auditID in ${file}: ${l.slice(0, 80)}`);
}

/** Rules that alerted, by audit ID, over every case file. */
function run(extra: string[]): Map<string, Alert[]> {
  const r = kawa(['run', '-r', RULES, '-r', IP_LISTS, ...caseFiles.flatMap((f) => ['-e', join(CASES, f)]), '--json', '-o', 'rule_matching=all', ...extra]);
  expect(r.status, r.stderr).toBe(0);
  const byId = new Map<string, Alert[]>();
  for (const line of r.stdout.split('\n')) {
    if (!line.trim()) continue;
    const a = JSON.parse(line) as Alert;
    const id = String(a.output_fields['ka.auditid']);
    byId.set(id, [...(byId.get(id) ?? []), a]);
  }
  return byId;
}

describe('rule pack', () => {
  it('lists its rules', () => {
    expect(listed.status, listed.stderr).toBe(0);
    expect(rules.length).toBeGreaterThan(30);
  });

  it('validates with no warning, as shipped and with every rule enabled', () => {
    for (const extra of [[], ['-c', ENABLE_ALL]]) {
      const r = kawa(['validate', '-r', RULES, ...extra, '--json']);
      expect(r.status, r.stdout + r.stderr).toBe(0);
      const report = JSON.parse(r.stdout) as { errors?: unknown[]; warnings?: unknown[] };
      expect(report.errors ?? []).toEqual([]);
      expect(report.warnings ?? []).toEqual([]);
    }
  });

  it('has a fire and a miss file for every rule, and no file for a rule it lacks', () => {
    const expected = rules.flatMap((r) => [`${slug(r.name)}.fire.jsonl`, `${slug(r.name)}.miss.jsonl`]).sort();
    expect(caseFiles).toEqual(expected);
    const ids = caseFiles.flatMap(auditIds);
    expect(new Set(ids).size, 'audit IDs are unique across the cases').toBe(ids.length);
    for (const f of caseFiles) expect(auditIds(f).length, f).toBeGreaterThan(0);
  });

  it('describes every rule and prints who, what, where, from which address and client', () => {
    for (const r of rules) {
      expect(r.desc.length, r.name).toBeGreaterThan(40);
      for (const field of ['%ka.user.name', '%ka.sourceips', '%ka.useragent', '%ka.auditid']) expect(r.output, `${r.name}: ${field}`).toContain(field);
      expect(r.output, `${r.name}: %ka.resp.name alone is <NA> without a responseObject`).not.toMatch(/pod=%ka\.target\.namespace\/%ka\.resp\.name/);
      expect(r.tags, r.name).toEqual(expect.arrayContaining(['k8s', 'eks']));
    }
  });

  describe('with every rule enabled', () => {
    const alerts = run(['-c', ENABLE_ALL]);
    for (const r of rules) {
      const s = slug(r.name);
      it(`${r.name}: fires on ${s}.fire.jsonl`, () => {
        const { raise, hold } = fireIds(`${s}.fire.jsonl`);
        for (const id of hold) {
          expect((alerts.get(id) ?? []).map((a) => a.rule), `${id} is counted, learned or suppressed by "${r.name}"`).not.toContain(r.name);
        }
        for (const id of raise) {
          const mine = (alerts.get(id) ?? []).filter((a) => a.rule === r.name);
          expect(mine.length, `${id} must raise "${r.name}"`).toBe(1);
          for (const f of ['ka.user.name', 'ka.useragent', 'ka.sourceips']) expect(mine[0]!.output_fields[f], `${id}: ${f}`).not.toBeNull();
        }
      });
      it(`${r.name}: stays silent on ${s}.miss.jsonl`, () => {
        for (const id of auditIds(`${s}.miss.jsonl`)) {
          expect((alerts.get(id) ?? []).map((a) => a.rule), `${id} must not raise "${r.name}"`).not.toContain(r.name);
        }
      });
    }
  });

  it('as shipped, enabled rules fire on their cases and disabled ones never do', () => {
    const alerts = run([]);
    const fired = new Set([...alerts.values()].flat().map((a) => a.rule));
    for (const r of rules) {
      if (!r.enabled) { expect(fired.has(r.name), `${r.name} is disabled by default`).toBe(false); continue; }
      for (const id of fireIds(`${slug(r.name)}.fire.jsonl`).raise) {
        expect((alerts.get(id) ?? []).map((a) => a.rule), id).toContain(r.name);
      }
    }
    expect(rules.filter((r) => !r.enabled).map((r) => r.name).sort()).toEqual([
      'All K8s Audit Events', 'Default Admin User Used', 'Disallowed Namespace Created', 'Disallowed User',
      'Job or CronJob Changed', 'K8s Object Created', 'K8s Object Deleted', 'K8s Secret Read', 'Pod From Untrusted Image Created', 'Untrusted Node Joined',
    ]);
  });

  it('is extended by a site file loaded after it (lists appended and replaced, a macro and a rule appended)', () => {
    const EXT = 'test/rulepack/extend';
    const alerts = (extra: string[]) => {
      const r = kawa(['run', '-r', RULES, ...extra, '-c', `${EXT}/enable-disallowed-user.yaml`, '-e', `${EXT}/events.jsonl`, '--json', '-o', 'rule_matching=all']);
      expect(r.status, r.stderr).toBe(0);
      return r.stdout.trim().split('\n').map((l) => JSON.parse(l) as Alert).map((a) => `${String(a.output_fields['ka.auditid']).replace('rulepack-extend-', '')} ${a.rule}`);
    };
    const v = kawa(['validate', '-r', RULES, '-r', `${EXT}/site-rules.yaml`]);
    expect(v.stdout).toContain(', 0 warnings');
    expect(alerts([])).toEqual(['1 Certificate Signing Request Approved by Unexpected User', '2 Privileged Pod Created',
      '3 Pod Exec or Attach', '4 Pod Exec or Attach', '5 Disallowed User', '6 Disallowed User']);
    expect(alerts(['-r', `${EXT}/site-rules.yaml`])).toEqual(['4 Pod Exec or Attach', '6 Disallowed User']);
  });

  it('names the pod of a creation without a responseObject (objectRef) and of a controller-made one (generateName, response)', () => {
    const alerts = run([]);
    const out = (id: string) => alerts.get(id)!.find((a) => a.rule === 'Privileged Pod Created')!.output;
    expect(out('rulepack-privileged-pod-created-fire-1')).toContain('pod=default/debug-1 ');
    expect(out('rulepack-privileged-pod-created-fire-2')).toMatch(/response_name=api-7d9f8b6c5-x1b2c generate_name=api-7d9f8b6c5- /);
  });
});
