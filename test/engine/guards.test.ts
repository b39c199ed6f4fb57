// Rule guards (src/compile/bytecode.ts): the VM runs only the rules whose top-level `field = v` /
// `field in (...)` / `or`-of-those conjuncts accept the event's value. Leaving a rule out must never change
// a result: every event here goes through the engine and the reference evaluator with every rule reported.
import { describe, expect, it } from 'vitest';
import { Engine } from '../../src/engine/engine.js';
import { loadRules } from '../../src/rules/load.js';
import { compileRules } from '../../src/compile/compiler.js';
import { compareBatch, emptyComparison } from '../differential/compare.js';
import { ReferenceEvaluator } from '../reference/evaluator.js';

const rule = (name: string, condition: string) => `
- rule: ${name}
  desc: d
  condition: ${condition}
  output: "${name} %ka.verb %ka.target.resource"
  priority: WARNING
  source: k8s_audit`;

const RULES = [
  rule('create', 'ka.verb = create'),
  rule('read pods', 'ka.verb in (get, list) and ka.target.resource = pods'),
  rule('create or delete roles', '(ka.verb = delete or ka.verb = create) and (ka.target.resource = roles or ka.target.resource=clusterroles)'),
  rule('not create', 'not ka.verb = create'),
  rule('or of two fields', '(ka.verb = get or ka.target.resource = secrets)'),
  rule('nested and', '((ka.verb = patch and ka.user.name = bob) and ka.target.resource in (pods, "", secrets))'),
  rule('numbers as text', 'ka.target.resource = 123 and ka.verb intersects (update)'),
  rule('no guard', 'ka.user.name startswith b'),
  rule('empty list', 'ka.verb in () or ka.user.name = carol'),
].join('\n');

const TS = '2024-01-01T00:00:00.000001Z';
const VERBS = ['create', 'get', 'list', 'delete', 'patch', 'update', 'cr\\u0065ate', 'CREATE', '', null];
const RESOURCES = ['pods', 'roles', 'clusterroles', 'secrets', '123', '', null];

describe('rule guards', () => {
  const load = loadRules([{ name: 'guards.yaml', content: RULES }]);

  it('index the rules by verb and resource', () => {
    expect(load.errors).toEqual([]);
    const p = compileRules(load.rules);
    const view = new DataView(p.bytes.buffer, p.bytes.byteOffset);
    expect(view.getUint32(40, true)).toBe(2); // ka.verb and ka.target.resource guard two rules or more
  });

  it('never change what matches', () => {
    const engine = Engine.create({ rules: load, ruleMatching: 'all' });
    const reference = new ReferenceEvaluator(load, 'all');
    const payloads: string[] = [];
    for (const verb of VERBS) {
      for (const resource of RESOURCES) {
        for (const user of ['bob', 'carol']) {
          const objectRef = resource === null ? {} : { resource };
          const verbPart = verb === null ? '' : `"verb":"${verb}",`;
          payloads.push(`{"kind":"Event","auditID":"a",${verbPart}"stageTimestamp":"${TS}","user":{"username":"${user}"},"objectRef":${JSON.stringify(objectRef)}}`);
        }
      }
    }
    const parts = payloads.map((s) => Buffer.from(s));
    const offsets = new Uint32Array(parts.length + 1);
    parts.forEach((b, i) => { offsets[i + 1] = offsets[i] + b.length; });
    const cmp = emptyComparison();
    compareBatch(engine, reference, Buffer.concat(parts), offsets, parts.length, (k) => payloads[k]!, cmp);
    expect(cmp.differences).toEqual([]);
    expect(cmp.skippedNotCanonical).toBe(payloads.filter((p) => p.includes('\\u0065')).length);
    expect(cmp.engineMatches).toBeGreaterThan(payloads.length);
    // the escaped verb is "create" once unescaped: the guard sees the same value as the check
    const escaped = payloads.findIndex((p) => p.includes('cr\\u0065ate'));
    const names = engine.evaluate(parts[escaped]!, Uint32Array.of(0, parts[escaped]!.length), 1).matches.map((m) => m.rule.name);
    expect(names).toContain('create');
  });
});
