// Every `kind: "load"` case of the shared rules-language conformance data, through loadRules. The
// `events`/`expect_rule_counts` parts belong to the evaluator's tests and are not checked here.
import { readFileSync } from 'node:fs';
import { expect, it } from 'vitest';
import { loadRules } from '../../src/rules/load.js';
import type { RuleSelection, Priority, RulesInput } from '../../src/rules/types.js';
import { parsePriority } from '../../src/rules/priority.js';
import { describeShared, HAS_SHARED, shared } from '../shared-data.js';

interface LoadCase {
  kind: string; source: string; note?: string;
  rules_yaml?: string; rules_files?: { name: string; content: string }[]; rules_file?: { repo: string; path: string }; rules_file_refs?: string[];
  config?: { rules?: RuleSelection[]; priority?: string };
  ok: boolean; error_code: string | null; error_contains: string | null; warning_contains: string | null;
  warnings_contain?: string[]; warnings_absent?: string[]; warning_codes?: string[]; expect_no_warnings?: boolean;
  rules_after: string[] | null; condition_after: Record<string, string> | null; priority_after?: Record<string, string>;
}
const cases = HAS_SHARED ? (JSON.parse(readFileSync(shared('conformance/rules-language/cases.json'), 'utf8')) as LoadCase[]).filter((c) => c.kind === 'load') : [];

function inputs(c: LoadCase): RulesInput[] {
  if (c.rules_yaml !== undefined) return [{ name: 'rules.yaml', content: c.rules_yaml }];
  if (c.rules_files) return c.rules_files;
  // the plugins repository's k8s_audit_rules.yaml is stored in the conformance folder
  const refs = c.rules_file_refs ?? ['k8saudit/rules/k8s_audit_rules.yaml'];
  return refs.map((r) => ({ name: r, content: readFileSync(shared('conformance', r), 'utf8') }));
}

describeShared('rules-language load cases', () => {
  it('has cases', () => expect(cases.length).toBeGreaterThan(200));
  cases.forEach((c, n) => {
    it(`${n}: ${c.source}`, () => {
      const opts: { selection?: RuleSelection[]; minPriority?: Priority } = {};
      if (c.config?.rules) opts.selection = c.config.rules;
      if (c.config?.priority) opts.minPriority = parsePriority(c.config.priority)!;
      const r = loadRules(inputs(c), opts);
      const errors = r.errors.map((e) => `${e.code}: ${e.message}`);
      const warnings = r.warnings.map((w) => w.message);
      expect(r.ok, JSON.stringify(errors)).toBe(c.ok);
      if (c.error_code) expect(r.errors.map((e) => e.code)).toContain(c.error_code);
      if (c.error_contains) expect(errors.join('\n')).toContain(c.error_contains);
      if (c.warning_contains) expect(warnings.join('\n')).toContain(c.warning_contains);
      for (const w of c.warnings_contain ?? []) expect(warnings.join('\n')).toContain(w);
      for (const w of c.warnings_absent ?? []) expect(warnings.join('\n')).not.toContain(w);
      for (const code of c.warning_codes ?? []) expect(r.warnings.map((w) => w.code)).toContain(code);
      if (c.expect_no_warnings) expect(r.warnings).toEqual([]);
      if (!c.ok) return;
      if (c.rules_after) expect(r.rules.filter((x) => x.enabled).map((x) => x.name)).toEqual(c.rules_after);
      // condition_after/priority_after list every compiled rule, also those below the minimum priority,
      // which the selected result leaves out: compare them with a load without selection
      const all = c.config ? loadRules(inputs(c)).rules : r.rules;
      if (c.condition_after) {
        expect(Object.fromEntries(all.map((x) => [x.name, x.conditionText]))).toEqual(c.condition_after);
      }
      if (c.priority_after) {
        const got = Object.fromEntries(all.filter((x) => x.name in c.priority_after!).map((x) => [x.name, x.priority]));
        expect(got).toEqual(c.priority_after);
      }
    });
  });
});
