import { describe, expect, it } from 'vitest';
import { loadRules } from '../../src/rules/load.js';
import { Engine } from '../../src/engine/engine.js';

const RULES = `
- rule: exec
  desc: d
  condition: ka.verb = create and ka.target.subresource = exec
  output: "exec by %ka.user.name groups=%ka.user.groups"
  priority: WARNING
  source: k8s_audit
`;
const EV = { kind: 'Event', auditID: 'a', verb: 'create', stageTimestamp: '2024-01-01T00:00:00.000001Z', user: { username: 'bob', groups: ['g1', 'g2'] }, objectRef: { subresource: 'exec' } };

describe('engine smoke', () => {
  it('matches', () => {
    const rules = loadRules([{ name: 'r.yaml', content: RULES }]);
    expect(rules.errors).toEqual([]);
    const e = Engine.create({ rules });
    const r = e.evaluateOne(JSON.stringify(EV));
    expect(r.rejections).toEqual([]);
    expect(r.matches.length).toBe(1);
    expect(r.matches[0].tokens).toEqual(['bob', '(g1,g2)']);
    expect(r.matches[0].fields).toEqual({ 'ka.user.name': 'bob', 'ka.user.groups': ['g1', 'g2'] });
    expect(r.matches[0].timeNs).toBe(1704067200000001000n);
  });
});
