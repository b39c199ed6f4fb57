// Payload classification and the event size limit (fields.md 9.2) through the Engine, the one ingestion
// path (assembly/vm-batch.ts). The limit applies to the compact re-serialization of each event, as the
// Falco plugin measures it, not to the bytes as they arrived.
import { gunzipSync } from 'node:zlib';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { Engine, type BatchResult } from '../../src/engine/engine.js';
import { loadRules } from '../../src/rules/load.js';

const RULES = `
- rule: Every event
  desc: reports each evaluated event
  condition: json.rawtime exists
  output: "%json.value[/auditID]"
  priority: INFO
  source: k8s_audit
`;
const TS = '2024-05-01T10:00:00Z';
const ev = (id: string, extra: Record<string, unknown> = {}) => ({ kind: 'Event', auditID: id, stageTimestamp: TS, verb: 'get', ...extra });

const engine = (maxEventSize?: number) => {
  const rules = loadRules([{ name: 'every.yaml', content: RULES }]);
  expect(rules.errors).toEqual([]);
  return Engine.create({ rules, ruleMatching: 'first', ...(maxEventSize === undefined ? {} : { maxEventSize }) });
};
const seen = (r: BatchResult) => r.matches.map((m) => m.tokens[0]);
const reasons = (r: BatchResult) => r.rejections.map((x) => `${x.item}:${x.reason}`);
const bytes = (s: string) => Buffer.byteLength(s);

describe('classification', () => {
  const e = engine();
  it.each([
    ['an Event', JSON.stringify(ev('a')), ['a'], []],
    ['an EventList gives its items, whatever their kind', JSON.stringify({ kind: 'EventList', items: [ev('a'), { ...ev('b'), kind: 'Pod' }, { ...ev('c'), kind: undefined }] }), ['a', 'b', 'c'], []],
    ['an escaped kind is compared unescaped', JSON.stringify(ev('a')).replace('"Event"', '"Ev\\u0065nt"'), ['a'], []],
    ['an array of events and lists', JSON.stringify([ev('a'), { kind: 'EventList', items: [ev('b')] }, [ev('c')]]), ['a', 'b', 'c'], []],
    ['one unrecognised element drops the whole array', JSON.stringify([ev('a'), { kind: 'Pod' }]), [], ['0:unrecognized']],
    ['a kind that is not a string', JSON.stringify({ ...ev('a'), kind: ['Event'] }), [], ['0:unrecognized']],
    ['an EventList without items', JSON.stringify({ kind: 'EventList' }), [], ['0:unrecognized']],
    ['an EventList whose items are not an array', JSON.stringify({ kind: 'EventList', items: { a: ev('a') } }), [], ['0:unrecognized']],
    ['an empty EventList is nothing to report', JSON.stringify({ kind: 'EventList', items: [] }), [], []],
    ['two values are not JSON', `${JSON.stringify(ev('a'))} ${JSON.stringify(ev('b'))}`, [], ['0:parse']],
    ['items without a valid stageTimestamp are dropped on their own', JSON.stringify({ kind: 'EventList', items: [ev('a'), { auditID: 'b' }, 1, ev('d')] }), ['a', 'd'], ['1:no_timestamp', '2:no_timestamp']],
  ])('%s', (_, payload, events, rejected) => {
    const r = e.evaluateOne(payload);
    expect(seen(r)).toEqual(events);
    expect(reasons(r)).toEqual(rejected);
    expect(r.events).toBe(events.length);
  });
});

describe('maxEventSize measures the compact event', () => {
  const event = ev('pretty', { user: { username: 'alice', groups: ['a', 'b'] }, requestObject: { spec: { containers: [{ image: 'nginx' }] } } });
  const compact = JSON.stringify(event);
  const pretty = JSON.stringify(event, null, 4);

  it('a pretty-printed event larger than the limit as it arrived, not once compact, is evaluated and alerts', () => {
    const limit = bytes(compact);
    expect(bytes(pretty)).toBeGreaterThan(limit * 1.5);
    const r = engine(limit).evaluateOne(pretty);
    expect(seen(r)).toEqual(['pretty']);
    expect(r.rejections).toEqual([]);
  });

  it('one whose compact form is longer than the limit is rejected as too_large (exactly the limit is kept)', () => {
    const r = engine(bytes(compact) - 1).evaluateOne(pretty);
    expect(seen(r)).toEqual([]);
    expect(r.rejections).toEqual([{ payload: 0, item: 0, reason: 'too_large' }]);
  });

  it('each item of a pretty-printed EventList or array is measured on its own', () => {
    const big = ev('big', { pad: 'x'.repeat(200) });
    const limit = bytes(compact);
    expect(bytes(JSON.stringify(big))).toBeGreaterThan(limit);
    for (const payload of [JSON.stringify({ kind: 'EventList', items: [event, big, event] }, null, 2), JSON.stringify([event, big, event], null, '\t')]) {
      const r = engine(limit).evaluateOne(payload);
      expect(seen(r)).toEqual(['pretty', 'pretty']);
      expect(reasons(r)).toEqual(['1:too_large']);
    }
  });

  it('an escaped kind counts as the plugin stores it, re-escaped ("Event")', () => {
    const escaped = compact.replace('"Event"', '"Ev\\u0065nt"');
    expect(bytes(escaped)).toBe(bytes(compact) + 5);
    expect(seen(engine(bytes(compact)).evaluateOne(escaped))).toEqual(['pretty']);
    expect(reasons(engine(bytes(compact) - 1).evaluateOne(escaped))).toEqual(['0:too_large']);
  });

  it('a limit of 2^31 or more keeps every event; 0 drops every one', () => {
    for (const limit of [2 ** 31, 2 ** 32, 2 ** 53]) expect(seen(engine(limit).evaluateOne(pretty))).toEqual(['pretty']);
    expect(reasons(engine(0).evaluateOne(compact))).toEqual(['0:too_large']);
  });

  it('the stageTimestamp is checked first, as the plugin does', () => {
    const r = engine(10).evaluateOne(JSON.stringify({ ...event, stageTimestamp: undefined }));
    expect(reasons(r)).toEqual(['0:no_timestamp']);
  });

  it('sample events re-indented are kept at their compact length and rejected one byte below it', () => {
    const lines = gunzipSync(readFileSync('samples/eks-audit.jsonl.gz')).toString('utf8').split('\n')
      .filter((l) => { try { return JSON.stringify(JSON.parse(l)) === l; } catch { return false; } })
      .filter((_, i) => i % 10 === 0);
    expect(lines.length).toBeGreaterThan(150);
    for (const [n, line] of lines.entries()) {
      const text = JSON.stringify(JSON.parse(line), null, n % 3 === 0 ? 2 : n % 3 === 1 ? '\t' : ' \r\n');
      const payload = n % 2 === 0 ? text : ` \n${text}\n `;
      expect(engine(bytes(line)).evaluateOne(payload).events, `line ${n} kept`).toBe(1);
      expect(reasons(engine(bytes(line) - 1).evaluateOne(payload)), `line ${n} rejected`).toEqual(['0:too_large']);
    }
  });
});

describe('CloudWatch-truncated payloads', () => {
  it('the engine counts the cut payloads and flags each rejection of what was cut', () => {
    const cut = (text: string, keep: number) => `${text.slice(0, keep)}[Truncated...]`;
    const list = JSON.stringify({ kind: 'EventList', items: [{ auditID: 'no-ts' }, ev('big', { pad: 'x'.repeat(300), more: 'y'.repeat(50) })] });
    const payloads = [
      JSON.stringify(ev('whole')),
      `${cut(JSON.stringify(ev('salvaged', { pad: 'x'.repeat(50) })), 80)}\r\n`,
      cut(JSON.stringify(ev('broken')).replace('"verb"', '"verb":]'), 90),
      cut('{"kind":"Ev', 11),
      cut(list, list.length - 20),
      JSON.stringify({ auditID: 'whole, no kind' }),
      '{"kind":"Event","note":"[Truncated...]"}',
    ];
    const data = Buffer.from(payloads.join(''));
    const offsets = Uint32Array.from([0, ...payloads.map((_, k) => Buffer.byteLength(payloads.slice(0, k + 1).join('')))]);
    const r = engine(200).evaluate(data, offsets, payloads.length);
    expect(r.truncated).toBe(4);
    expect(r.matches.map((m) => [m.payload, m.tokens[0], m.truncated])).toEqual([[0, 'whole', false], [1, 'salvaged', true]]);
    expect(r.rejections).toEqual([
      { payload: 2, item: 0, reason: 'parse', cut: true },
      { payload: 3, item: 0, reason: 'unrecognized', cut: true },
      { payload: 4, item: 0, reason: 'no_timestamp', listItem: true },
      { payload: 4, item: 1, reason: 'too_large', cut: true, listItem: true },
      { payload: 5, item: 0, reason: 'unrecognized' },
      { payload: 6, item: 0, reason: 'no_timestamp' },
    ]);
  });

  it('the item of an EventList the cut ended is salvaged on its own; the items before it are whole', () => {
    const text = JSON.stringify({ kind: 'EventList', items: [ev('a'), ev('b', { requestObject: { note: 'y'.repeat(100) } })] });
    const r = engine().evaluateOne(`${text.slice(0, text.length - 40)}[Truncated...]`);
    expect(r.matches.map((m) => [m.item, m.tokens[0], m.truncated])).toEqual([[0, 'a', false], [1, 'b', true]]);
  });

  it('a salvaged event is measured as what was salvaged: the member the cut ended is gone', () => {
    const kept = ev('c', { user: { username: 'bob' } });
    const text = JSON.stringify({ ...kept, requestObject: { note: 'y'.repeat(300) } }, null, 2);
    const cut = `${text.slice(0, text.indexOf('yyyy'))}[Truncated...]`;
    // salvage drops the member being read at the cut and closes the containers left open
    const limit = bytes(JSON.stringify({ ...kept, requestObject: {} }));
    expect(engine(limit).evaluateOne(cut).matches.map((m) => [m.tokens[0], m.truncated])).toEqual([['c', true]]);
    expect(reasons(engine(limit - 1).evaluateOne(cut))).toEqual(['0:too_large']);
  });
});
