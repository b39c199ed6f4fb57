// The Engine on batches: payload classification (fields.md 9.2), rejections, rule matching modes,
// output values, shared subexpressions.
import { describe, expect, it } from 'vitest';
import { Engine } from '../../src/engine/engine.js';
import { FieldExtractor, parseFieldSpec } from '../../src/engine/extractor.js';
import { loadRules } from '../../src/rules/load.js';

const RULES = `
- macro: is_exec
  condition: ka.verb = create and ka.target.subresource = exec
- rule: exec
  desc: d
  condition: is_exec and ka.user.name != admin
  output: "exec by %ka.user.name groups=%ka.user.groups %10ka.verb| up=%toupper(ka.user.name) ns=%ka.target.namespace"
  priority: WARNING
  source: k8s_audit
- rule: exec by anyone
  desc: d
  condition: is_exec
  output: "any %ka.user.name"
  priority: NOTICE
  source: k8s_audit
`;
const TS = '2024-01-01T00:00:00.000001Z';
const ev = (user = 'bob', extra: Record<string, unknown> = {}) => ({
  kind: 'Event', auditID: 'a', verb: 'create', stageTimestamp: TS,
  user: { username: user, groups: ['g1', 'g2'] }, objectRef: { subresource: 'exec' }, ...extra,
});

function batch(payloads: string[]): [Uint8Array, Uint32Array, number] {
  const parts = payloads.map((p) => Buffer.from(p));
  const offsets = new Uint32Array(parts.length + 1);
  parts.forEach((p, i) => { offsets[i + 1] = offsets[i] + p.length; });
  return [Buffer.concat(parts), offsets, parts.length];
}

const engine = (opts: Partial<Parameters<typeof Engine.create>[0]> = {}) => {
  const rules = loadRules([{ name: 'r.yaml', content: RULES }]);
  expect(rules.errors).toEqual([]);
  return Engine.create({ rules, ...opts });
};

describe('Engine', () => {
  it('reports the first matching rule with its output values', () => {
    const r = engine().evaluateOne(JSON.stringify(ev()));
    expect(r.events).toBe(1);
    expect(r.matches).toHaveLength(1);
    const m = r.matches[0];
    expect(m.rule.name).toBe('exec');
    expect(m.tokens).toEqual(['bob', '(g1,g2)', 'create', 'BOB', null]);
    expect(m.fields).toEqual({ 'ka.user.name': 'bob', 'ka.user.groups': ['g1', 'g2'], 'ka.verb': 'create', 'ka.target.namespace': null });
    expect(m.timeNs).toBe(1704067200000001000n);
    expect(m.truncated).toBe(false);
    expect(m.timeSubstituted).toBe(false);
  });

  it("reports every matching rule with ruleMatching 'all'", () => {
    const r = engine({ ruleMatching: 'all' }).evaluateOne(JSON.stringify(ev()));
    expect(r.matches.map((m) => m.rule.name)).toEqual(['exec', 'exec by anyone']);
    const admin = engine({ ruleMatching: 'all' }).evaluateOne(JSON.stringify(ev('admin')));
    expect(admin.matches.map((m) => m.rule.name)).toEqual(['exec by anyone']);
  });

  it('evaluates a batch of Events, EventLists and arrays, and rejects what is not an audit event', () => {
    const list = { kind: 'EventList', items: [ev('a1'), { ...ev('a2'), kind: undefined }, { verb: 'create' }] };
    const [data, offsets, count] = batch([
      JSON.stringify(ev('p0')),
      JSON.stringify(list),
      JSON.stringify([ev('x0'), ev('x1')]),
      JSON.stringify([ev('y0'), { kind: 'Pod' }]),
      '{"kind":"Event",',
      JSON.stringify({ kind: 'Pod' }),
      JSON.stringify({ ...ev(), stageTimestamp: '2024-13-01T00:00:00Z' }),
      JSON.stringify({ kind: 'EventList', items: [] }),
    ]);
    const r = engine().evaluate(data, offsets, count);
    expect(r.matches.map((m) => [m.payload, m.item, m.tokens[0]])).toEqual([
      [0, 0, 'p0'], [1, 0, 'a1'], [1, 1, 'a2'], [2, 0, 'x0'], [2, 1, 'x1'],
    ]);
    expect(r.rejections).toEqual([
      // an item of a list is flagged as such; the rejections of whole payloads are not
      { payload: 1, item: 2, reason: 'no_timestamp', listItem: true },
      { payload: 3, item: 0, reason: 'unrecognized' },
      { payload: 4, item: 0, reason: 'parse' },
      { payload: 5, item: 0, reason: 'unrecognized' },
      { payload: 6, item: 0, reason: 'no_timestamp' },
    ]);
    expect(r.events).toBe(5);
  });

  it('sees a value up to its first NUL, as libsinsp does with plugin strings; extraction keeps it whole', () => {
    const nul = JSON.stringify(ev('bo\u0000b', { verb: 'create\u0000x' }));
    const r = engine().evaluateOne(nul);
    // "create\0x" matches "create" and "bo\0b" is "bo" in conditions and outputs alike
    expect(r.matches.map((m) => m.rule.name)).toEqual(['exec']);
    expect(r.matches[0].tokens.slice(0, 4)).toEqual(['bo', '(g1,g2)', 'create', 'BO']);
    expect(new FieldExtractor().extract(nul, [parseFieldSpec('ka.user.name')])).toEqual(['bo\u0000b']);
    // a \u0000 in another event does not cut values of the next one
    expect(engine().evaluate(...batch([nul, JSON.stringify(ev('bob'))])).matches.map((m) => m.tokens[0])).toEqual(['bo', 'bob']);
  });

  it('rejects events over maxEventSize', () => {
    const big = JSON.stringify(ev('big', { pad: 'x'.repeat(500) }));
    const r = engine({ maxEventSize: 300 }).evaluateOne(big);
    expect(r.rejections).toEqual([{ payload: 0, item: 0, reason: 'too_large' }]);
  });

  it('salvages a CloudWatch-truncated event and flags the match', () => {
    const text = JSON.stringify(ev('cut', { annotations: { a: 'x'.repeat(100) } }));
    const r = engine().evaluateOne(`${text.slice(0, text.length - 30)}[Truncated...]`);
    expect(r.matches.map((m) => [m.tokens[0], m.truncated])).toEqual([['cut', true]]);
  });

  it('gives a truncated event whose timestamps were cut off the time it arrived', () => {
    // the API server writes the timestamps after the request and response objects: a cut takes them
    const { stageTimestamp: _s, ...head } = ev('late');
    const text = JSON.stringify({ ...head, requestObject: { spec: 'y'.repeat(200) }, requestReceivedTimestamp: TS, stageTimestamp: TS });
    const cut = `${text.slice(0, text.indexOf('"requestReceivedTimestamp"') - 5)}[Truncated...]`;
    const bytes = new TextEncoder().encode(cut);
    const r = engine().evaluate(bytes, Uint32Array.of(0, bytes.length), 1, BigInt64Array.of(1_800_000_000_000_000_000n));
    expect(r.matches.map((m) => [m.tokens[0], m.truncated, m.timeNs, m.timeSubstituted])).toEqual([['late', true, 1_800_000_000_000_000_000n, true]]);
    // a complete event without a stageTimestamp is still not an audit event (as in Falco)
    const whole = engine().evaluateOne(JSON.stringify(head));
    expect(whole.rejections).toEqual([{ payload: 0, item: 0, reason: 'no_timestamp' }]);
  });

  it('evaluates payloads as they are without ingestion', () => {
    const r = engine({ ingest: false }).evaluateOne(JSON.stringify({ ...ev('raw'), kind: undefined, stageTimestamp: undefined }));
    expect(r.matches.map((m) => [m.tokens[0], m.timeNs])).toEqual([['raw', 0n]]);
  });

  it('keeps working over many batches (caches are per event)', () => {
    const e = engine({ ruleMatching: 'all' });
    for (let i = 0; i < 50; i++) {
      const user = i % 3 === 0 ? 'admin' : `u${i}`;
      const [data, offsets, count] = batch([JSON.stringify(ev(user)), JSON.stringify({ ...ev(user), verb: 'get' })]);
      const r = e.evaluate(data, offsets, count);
      expect(r.matches.map((m) => m.rule.name)).toEqual(user === 'admin' ? ['exec by anyone'] : ['exec', 'exec by anyone']);
      expect(r.matches[0].tokens[0]).toBe(user);
    }
  });
});

describe('Engine.inPlace', () => {
  const payloads = [JSON.stringify(ev('ann')), 'not json', JSON.stringify(ev('admin')), JSON.stringify(ev('bob')).replace('"bob"', '"bo\\u0062"')];

  it('evaluates payloads written into its memory, with gaps between them, as evaluate() does', () => {
    const e = engine();
    const copied = e.evaluate(...batch(payloads));
    const input = e.inPlace(4096, 8);
    // each payload followed by a few bytes that belong to none (a line's terminator, blank lines)
    const starts = new Uint32Array(payloads.length), ends = new Uint32Array(payloads.length);
    let at = 0;
    payloads.forEach((p, k) => {
      const bytes = Buffer.from(p);
      starts[k] = at;
      input.view().set(bytes, at);
      at += bytes.length;
      ends[k] = at;
      input.view().set(Buffer.from('\r\n \n'), at);
      at += 4;
    });
    const inPlace = input.evaluate(starts, ends, payloads.length);
    expect(inPlace.matches.map((m) => [m.payload, m.rule.name, m.tokens[0]])).toEqual([[0, 'exec', 'ann'], [2, 'exec by anyone', 'admin'], [3, 'exec', 'bob']]);
    expect(inPlace).toEqual(copied);
  });

  it('refuses a region given to another call since, and more payloads than it has room for', () => {
    const e = engine();
    const input = e.inPlace(1024, 2);
    expect(() => input.evaluate(new Uint32Array(3), new Uint32Array(3), 3)).toThrow(/3 payloads for room for 2/);
    e.evaluateOne(JSON.stringify(ev()));
    expect(() => input.view()).toThrow(/given to another call/);
    expect(() => e.inPlace(1024, 2).evaluate(new Uint32Array(1), new Uint32Array(1), 1)).not.toThrow();
  });
});
