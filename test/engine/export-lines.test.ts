// Lines of a CloudWatch Logs export to S3 (`aws logs create-export-task`): each is the log event's timestamp,
// a space and the message. The engine reads the message, and takes the timestamp as the payload's arrival,
// the time a cut event without its own timestamps gets (as the CloudWatch source's events do).
import { describe, expect, it } from 'vitest';
import type { BatchResult } from '../../src/engine/engine.js';
import { FieldExtractor, parseFieldSpec } from '../../src/engine/extractor.js';
import { ns, runPayloads, timeEngine } from './time-rule.js';

const T1 = '2024-05-01T10:00:01Z';
const EXPORTED = '2024-05-01T10:00:05.123Z';

const event = (id: string, extra: Record<string, unknown> = {}) => JSON.stringify({ kind: 'Event', auditID: id, stageTimestamp: T1, ...extra });
function cut(id: string): string {
  const text = JSON.stringify({ kind: 'Event', auditID: id, requestObject: { spec: 'y'.repeat(100) }, stageTimestamp: T1 });
  return `${text.slice(0, text.indexOf('yyyy'))}[Truncated...]`;
}

const run = (payloads: string[], ingest = true): BatchResult => runPayloads(timeEngine(ingest), payloads);
const seen = (r: BatchResult) => r.matches.map((m) => [m.tokens[0], m.timeNs, m.timeSubstituted]);

describe('a line of a CloudWatch Logs export', () => {
  it('is evaluated as its message, an Event or an EventList, in both modes', () => {
    const list = JSON.stringify({ kind: 'EventList', items: [JSON.parse(event('b')), JSON.parse(event('c'))] });
    for (const ingest of [true, false]) {
      const r = run([`${EXPORTED} ${event('a')}`, `2024-05-01T10:00:05Z ${ingest ? list : event('b')}`], ingest);
      expect(r.rejections).toEqual([]);
      expect(seen(r)).toEqual(ingest
        ? [['a', ns(T1), false], ['b', ns(T1), false], ['c', ns(T1), false]]
        : [['a', ns(T1), false], ['b', ns(T1), false]]);
    }
  });

  it('gives a cut event its timestamp as the time, as a CloudWatch event arrival does', () => {
    const r = run([`${EXPORTED} ${cut('a')}`]);
    expect(r.truncated).toBe(1);
    expect(seen(r)).toEqual([['a', ns(EXPORTED), true]]);
  });

  it('gives kawa extract the fields of its message', () => {
    const x = new FieldExtractor();
    const specs = ['ka.auditid', 'json.value[/kind]'].map(parseFieldSpec);
    expect(x.extract(`${EXPORTED} ${event('a')}`, specs)).toEqual(['a', 'Event']);
    expect(x.lastStatus).toBe('ok');
  });

  it('is only that shape: a timestamp that does not parse, or a message that is not an object or array, stays a bad payload', () => {
    const bad = [
      `2024-13-01T10:00:05Z ${event('a')}`, // month 13
      `2024-05-01 ${event('b')}`, // a date alone
      `2024-05-01T10:00:05Z  ${event('c')}`, // two spaces
      '2024-05-01T10:00:05Z hello', // a message that is not JSON
    ];
    const r = run(bad);
    expect(r.matches).toEqual([]);
    expect(r.rejections.map((x) => x.reason)).toEqual(['parse', 'parse', 'parse', 'parse']);
  });
});
