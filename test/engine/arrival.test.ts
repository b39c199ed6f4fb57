// The time of a CloudWatch-truncated event whose timestamps the cut took (the API server writes them last):
// when its payload arrived (SourceBatch.arrivalNs, per payload), else the time of the previous event the
// engine evaluated, else the time of the evaluation; its match says the time was substituted.
import { describe, expect, it } from 'vitest';
import type { BatchResult } from '../../src/engine/engine.js';
import { ns, runPayloads as run, timeEngine as engine } from './time-rule.js';

const T1 = '2024-05-01T10:00:01Z';
const T2 = '2024-05-01T10:00:02Z';

/** A whole event with its own times. */
const whole = (id: string, ts: string, received = ts) => JSON.stringify({ kind: 'Event', auditID: id, requestReceivedTimestamp: received, stageTimestamp: ts });
/** An event cut before its timestamps (or, with `received`, between them: it keeps requestReceivedTimestamp). */
function cut(id: string, received?: string): string {
  const text = JSON.stringify({ kind: 'Event', auditID: id, ...(received ? { requestReceivedTimestamp: received } : {}), requestObject: { spec: 'y'.repeat(100) }, stageTimestamp: T2 });
  return `${text.slice(0, text.indexOf('yyyy'))}[Truncated...]`;
}

/** [auditID, time, substituted] of each match; the time json.rawtime gives equals the match's. */
const times = (r: BatchResult) => r.matches.map((m) => {
  expect(BigInt(m.tokens[1]!)).toBe(m.timeNs);
  return [m.tokens[0], m.timeNs, m.timeSubstituted];
});

describe('the time of an event the cut left without timestamps', () => {
  it('is when its payload arrived, payload by payload', () => {
    const r = run(engine(), [cut('a'), whole('b', T1), cut('c')], [7n, 8n, 9n]);
    expect(times(r)).toEqual([['a', 7n, true], ['b', ns(T1), false], ['c', 9n, true]]);
  });

  it('without an arrival time, is the previous evaluated event\'s own time, so that a replay gives the same times', () => {
    const payloads = [whole('a', T1), cut('b'), whole('c', T2, T1), cut('d'), cut('e', T1), cut('f')];
    const expected = [['a', ns(T1), false], ['b', ns(T1), true], ['c', ns(T2), false], ['d', ns(T2), true], ['e', ns(T1), false], ['f', ns(T1), true]];
    expect(times(run(engine(), payloads))).toEqual(expected);
    expect(times(run(engine(), payloads))).toEqual(expected);
    // an unknown arrival (0n) among known ones falls back the same way
    expect(times(run(engine(), payloads.slice(0, 2), [5n, 0n]))).toEqual(expected.slice(0, 2));
  });

  it('the previous event may be in an earlier batch, or earlier in the same EventList', () => {
    const e = engine();
    run(e, [whole('a', T1)]);
    expect(times(run(e, [cut('b')]))).toEqual([['b', ns(T1), true]]);
    const list = JSON.stringify({ kind: 'EventList', items: [JSON.parse(whole('c', T2)), { kind: 'Event', auditID: 'd', requestObject: { spec: 'y'.repeat(100) }, stageTimestamp: T1 }] });
    const r = run(engine(), [`${list.slice(0, list.indexOf('yyyy'))}[Truncated...]`]);
    expect(times(r)).toEqual([['c', ns(T2), false], ['d', ns(T2), true]]);
  });

  it('with no arrival time and no event before it, is the time of the evaluation', () => {
    const before = BigInt(Date.now()) * 1_000_000n;
    const r = run(engine(), [cut('a')]);
    const after = BigInt(Date.now()) * 1_000_000n;
    expect(r.matches).toHaveLength(1);
    expect(r.matches[0]!.timeSubstituted).toBe(true);
    expect(r.matches[0]!.timeNs >= before && r.matches[0]!.timeNs <= after).toBe(true);
  });

  it('fewer arrival times than payloads is a usage error', () => {
    expect(() => run(engine(), [cut('a'), cut('b')], [1n])).toThrow(expect.objectContaining({ code: 'KAWA_ERR_USAGE' }));
  });

  it('evaluating payloads as they are (kawa eval) substitutes the same way', () => {
    expect(times(run(engine(false), [whole('a', T1), cut('b')]))).toEqual([['a', ns(T1), false], ['b', ns(T1), true]]);
  });
});
