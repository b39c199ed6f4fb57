// The evaluation side of the shared rules-language conformance data, through the Engine API: every
// `kind: "eval"` case (one condition, one JSON document), and the `events` of the `load` cases (every
// enabled rule that matches, in rule order, with its rendered output).
import { readFileSync } from 'node:fs';
import { expect, it } from 'vitest';
import { renderMessage } from '../../src/alerts/format.js';
import { conditionEngine } from '../../src/engine/condition.js';
import { Engine } from '../../src/engine/engine.js';
import { loadRules } from '../../src/rules/load.js';
import { parsePriority } from '../../src/rules/priority.js';
import type { Priority, RuleSelection, RulesInput } from '../../src/rules/types.js';
import { describeShared, HAS_SHARED, shared } from '../shared-data.js';

interface Case {
  kind: string; source: string; note?: string;
  condition?: string; event?: unknown; expect?: boolean | 'error';
  rules_yaml?: string; rules_files?: RulesInput[]; rules_file_refs?: string[];
  config?: { rules?: RuleSelection[]; priority?: string };
  ok?: boolean;
  events?: { event: unknown; expect_match: string[]; expect_output: Record<string, string> }[];
}
const all = HAS_SHARED ? JSON.parse(readFileSync(shared('conformance/rules-language/cases.json'), 'utf8')) as Case[] : [];
const evalCases = all.filter((c) => c.kind === 'eval');
const loadCases = all.filter((c) => c.kind === 'load' && c.ok && c.events?.length);

function inputs(c: Case): RulesInput[] {
  if (c.rules_yaml !== undefined) return [{ name: 'rules.yaml', content: c.rules_yaml }];
  if (c.rules_files) return c.rules_files;
  const refs = c.rules_file_refs ?? ['k8saudit/rules/k8s_audit_rules.yaml'];
  return refs.map((r) => ({ name: r, content: readFileSync(shared('conformance', r), 'utf8') }));
}

describeShared('rules-language eval cases', () => {
  it('has the 139 cases', () => expect(evalCases.length).toBe(139));
  evalCases.forEach((c, n) => {
    it(`${n}: ${c.condition}`, () => {
      if (c.expect === 'error') {
        expect(() => conditionEngine(c.condition!)).toThrow();
        return;
      }
      const r = conditionEngine(c.condition!).evaluateOne(JSON.stringify(c.event));
      expect(r.matches.length === 1, c.note).toBe(c.expect);
    });
  });
});

describeShared('rules-language load cases with events', () => {
  it('has cases', () => expect(loadCases.length).toBeGreaterThan(50));
  loadCases.forEach((c, n) => {
    it(`${n}: ${c.source}`, () => {
      const opts: { selection?: RuleSelection[]; minPriority?: Priority } = {};
      if (c.config?.rules) opts.selection = c.config.rules;
      if (c.config?.priority) opts.minPriority = parsePriority(c.config.priority)!;
      const engine = Engine.create({ rules: loadRules(inputs(c), opts), ruleMatching: 'all', ingest: false });
      for (const ev of c.events!) {
        const r = engine.evaluateOne(JSON.stringify(ev.event));
        expect(r.matches.map((m) => m.rule.name)).toEqual(ev.expect_match);
        for (const m of r.matches) {
          if (m.rule.name in ev.expect_output) expect(renderMessage(m.rule, m.tokens)).toBe(ev.expect_output[m.rule.name]);
        }
      }
    });
  });
});
