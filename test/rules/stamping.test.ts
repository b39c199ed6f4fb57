// Falco's ways of stamping alerts, with Falco's meaning: static_fields (`static.<name>` in conditions and
// outputs, an undefined name an unknown field), append_output's suggested_output (` static_<name>=%static.<name>`)
// and extra_fields (entries applied in order; a `{key: format}` rendered as a string, a field alone as its value, in JSON output_fields
// only), all matched by source, rule and tags as extra_output is; read from falco.yaml with coded errors.
import { afterAll, describe, expect, it } from 'vitest';
import { AlertFormatter } from '../../src/alerts/format.js';
import { parseFalcoConfig } from '../../src/config/falco-config.js';
import { Engine } from '../../src/engine/engine.js';
import { batchOf } from '../pool/helpers.js';
import { WorkerPool } from '../../src/pool/pool.js';
import { loadRules } from '../../src/rules/load.js';
import type { LoadOptions } from '../../src/rules/types.js';

const RULES = `
- rule: Create in production
  desc: d
  condition: ka.verb = create and static.env = production
  output: "create by %ka.user.name in %static.team"
  priority: WARNING
  source: k8s_audit
  tags: [k8s]
- rule: Any delete
  desc: d
  condition: ka.verb = delete
  output: "delete by %ka.user.name"
  priority: NOTICE
  source: k8s_audit
`;
const CONFIG = `
static_fields:
  env: production
  team: platform
append_output:
  - suggested_output: true
  - match: {tags: [k8s]}
    extra_output: "(k8s)"
    extra_fields:
      - who: "%ka.user.name from %ka.sourceips"
      - ka.sourceips
      - ka.verb
`;
const event = (verb: string) => JSON.stringify({
  kind: 'Event', auditID: 'a', verb, user: { username: 'bob' }, sourceIPs: ['10.0.0.1', '10.0.0.2'], stageTimestamp: '2026-01-01T00:00:00Z',
});
const optionsOf = (yaml: string): LoadOptions => {
  const c = parseFalcoConfig(yaml, 'falco.yaml');
  return { appendOutput: c.appendOutput, staticFields: c.staticFields };
};
const load = (rules = RULES, yaml = CONFIG) => loadRules([{ name: 'r.yaml', content: rules }], optionsOf(yaml));
const f = new AlertFormatter({ timeZone: 'UTC' });

describe('static_fields and append_output', () => {
  const rules = load();
  const pool = new WorkerPool(rules, { threads: 1 });
  afterAll(() => pool.close());

  it('decide conditions, fill outputs, and add the suggested and extra fields where the match says', () => {
    expect(rules.errors).toEqual([]);
    const e = Engine.create({ rules });
    const [create] = e.evaluateOne(event('create')).matches;
    expect(f.text(create!)).toBe('00:00:00.000000000: Warning create by bob in platform static_env=production static_team=platform (k8s)');
    const json = JSON.parse(f.json(create!));
    expect(json.output_fields).toEqual({
      'evt.time': 1767225600000000000, 'ka.user.name': 'bob', 'ka.verb': 'create', 'ka.sourceips': ['10.0.0.1', '10.0.0.2'],
      'static.env': 'production', 'static.team': 'platform', who: 'bob from (10.0.0.1,10.0.0.2)',
    });
    // the delete rule has no k8s tag: only the suggested output, which matches every rule
    const [del] = e.evaluateOne(event('delete')).matches;
    expect(f.text(del!)).toBe('00:00:00.000000000: Notice delete by bob static_env=production static_team=platform');
    expect(JSON.parse(f.json(del!)).output_fields).not.toHaveProperty('who');
  });

  it('the same from a worker', async () => {
    const r = await pool.evaluate(batchOf([event('create')]));
    expect(r.matches[0]!.fields).toMatchObject({ who: 'bob from (10.0.0.1,10.0.0.2)', 'static.team': 'platform' });
  });

  it('a static field the configuration does not define is an unknown field, in conditions and outputs', () => {
    const inCondition = load(RULES.replace('static.env', 'static.region'));
    expect(inCondition.errors[0]).toMatchObject({ code: 'LOAD_ERR_COMPILE_CONDITION', message: 'filter_check called with nonexistent field static.region', line: 4 });
    const inOutput = load(RULES.replace('%static.team', '%static.owner'));
    expect(inOutput.errors[0]).toMatchObject({ code: 'LOAD_ERR_COMPILE_OUTPUT', message: 'unknown filter: static.owner' });
    // without static_fields, as in Falco's order: the output is checked first
    expect(load(RULES, '').errors[0]).toMatchObject({ message: 'unknown filter: static.team' });
  });

  it('the static value is the same for every event, whatever the batch context', () => {
    const e = Engine.create({ rules });
    const one = Buffer.from(event('create'));
    const r = e.evaluate(one, Uint32Array.of(0, one.length), 1, undefined, { cluster: 'c1', account: '1', region: 'r' });
    expect(r.matches[0]!.fields['static.team']).toBe('platform');
  });

  it('garbage in falco.yaml is a coded error at its place', () => {
    for (const [yaml, message] of [
      ['static_fields: [a, b]', /static_fields must be a mapping/],
      ['static_fields:\n  "bad name": x', /'bad name' is not a field name/],
      ['append_output:\n  - extra_fields: {a: b}', /extra_fields must be a sequence/],
      ['append_output:\n  - extra_fields: [[1]]', /extra_fields must be a field name or a mapping/],
      ['append_output:\n  - suggested_output: "yes"', /suggested_output must be true or false/],
    ] as const) {
      expect(() => parseFalcoConfig(yaml, 'falco.yaml'), yaml).toThrow(expect.objectContaining({ code: 'KAWA_ERR_CONFIG', message: expect.stringMatching(message) }));
    }
  });
});
