// The compiler's program shape (slots shared, memo slots for repeated subexpressions, output plans) and
// operator semantics end to end through the VM.
import { describe, expect, it } from 'vitest';
import { compileRules } from '../../src/compile/compiler.js';
import { conditionEngine } from '../../src/engine/condition.js';
import { loadRules } from '../../src/rules/load.js';

const rulesText = (conds: string[], output = 'o') => [
  '- macro: m',
  '  condition: (ka.verb in (create, update) and ka.user.name startswith sys)',
  ...conds.flatMap((c, i) => [`- rule: r${i}`, '  desc: d', `  condition: ${JSON.stringify(c)}`, `  output: ${JSON.stringify(output)}`, '  priority: INFO', '  source: k8s_audit']),
].join('\n');

const load = (conds: string[], output?: string) => {
  const r = loadRules([{ name: 'r.yaml', content: rulesText(conds, output) }]);
  expect(r.errors).toEqual([]);
  return r.rules;
};

describe('compileRules', () => {
  it('gives each distinct field one slot and a shared macro one memo slot', () => {
    const p = compileRules(load(['m and ka.target.name = a', 'm and ka.target.name = b', 'not m']));
    expect(p.slotCount).toBe(3); // ka.verb, ka.user.name, ka.target.name
    expect(p.memoCount).toBe(1);
    expect(p.rules.map((r) => r.rule.name)).toEqual(['r0', 'r1', 'r2']);
  });

  it('skips disabled rules', () => {
    const rules = load(['ka.verb = a', 'ka.verb = b']);
    const p = compileRules([rules[0], { ...rules[1], enabled: false }]);
    expect(p.rules.map((r) => r.rule.name)).toEqual(['r0']);
  });

  it('plans output tokens and plain output fields (a transformer contributes its inner field)', () => {
    const [rule] = load(['ka.verb = a'], '%ka.user.name %toupper(ka.user.name) %ka.user.groups %ka.uri.param[x]');
    const plan = compileRules([rule]).rules[0].output;
    expect(plan.tokens.map((t) => t.list)).toEqual([false, false, true, false]);
    expect(plan.fields.map((f) => [f.key, f.list])).toEqual([['ka.user.name', false], ['ka.user.groups', true], ['ka.uri.param[x]', false]]);
    expect(plan.tokens[0].out).toBe(plan.fields[0].out);
  });
});

describe('operators through the VM', () => {
  const doc = JSON.stringify({
    auditID: 'x', verb: 'create', requestURI: '/api/v1/ns?watch=true', user: { username: 'system:kube', groups: ['a', 'b'] },
    objectRef: { resource: 'pods', namespace: 'kube-system', name: 'kube-proxy' }, sourceIPs: ['10.0.0.1'],
    requestObject: { spec: { containers: [{ image: 'nginx:1' }, { image: 'busybox@sha256:00' }] } },
  });
  const cases: [string, boolean][] = [
    ['ka.user.groups in (a, b, c)', true],
    ['ka.user.groups in (a)', false],
    ['ka.user.groups intersects (b, z)', true],
    ['ka.req.pod.containers.image.repository in (nginx, busybox)', true],
    ['ka.target.namespace = val(ka.target.namespace)', true],
    ['ka.target.name startswith val(ka.target.namespace)', false],
    ['ka.user.groups intersects val(ka.user.groups)', true],
    ['len(ka.verb) = 6', true],
    ['len(ka.user.groups) = 2', true],
    ['len(ka.verb) > 10', false],
    ['ka.target.name = join("-", (ka.verb, "x"))', false],
    ['concat(ka.verb, "-", ka.target.resource) = create-pods', true],
    ['join(",", (ka.verb, ka.target.resource)) = "create,pods"', true],
    ['toupper(ka.verb) = CREATE', true],
    ['b64(ka.target.name) exists', false],
    ['b64(ka.verb) exists', true],
    ['ka.uri.param[watch] = true', true],
    ['ka.target.name = oneof (kube-proxy, kube-proxy)', false],
    ['ka.target.name startswith anyof (x, kube)', true],
    ['ka.uri pmatch (/api/v1)', true],
    ['ka.uri pmatch (/api/v2, /apis)', false],
    ['ka.target.name regex "kube-.*"', true],
    ['ka.target.name glob "kube-*"', true],
    ['ka.target.subresource != exec', false],
    ['not ka.target.subresource = exec', true],
    ['ka.target.namespace in (kube-system) and (ka.verb = get or ka.verb = create)', true],
  ];
  for (const [cond, expected] of cases) {
    it(cond, () => {
      expect(conditionEngine(cond).evaluateOne(doc).matches.length === 1).toBe(expected);
    });
  }
});
