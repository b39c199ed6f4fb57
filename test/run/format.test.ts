// Alert rendering and end-of-run statistics, against Falco's documented forms (rules-language.md 5.1-5.4).
import { describe, expect, it } from 'vitest';
import { AlertFormatter, EventTimes, renderMessage, type AlertMatch } from '../../src/alerts/format.js';
import { AlertStats } from '../../src/alerts/stats.js';
import type { FieldRef } from '../../src/condition/ast.js';
import type { LoadedRule, OutputPart } from '../../src/rules/types.js';

const field = (name: string): FieldRef => ({ kind: 'field', name, at: 0 });
const token = (name: string, width?: number): OutputPart => ({ kind: 'token', operand: field(name), text: `%${width ?? ''}${name}`, ...(width ? { width } : {}) });
const text = (t: string): OutputPart => ({ kind: 'text', text: t });

function rule(over: Partial<LoadedRule> = {}): LoadedRule {
  return {
    name: 'Open From Cat', index: 0, desc: '', condition: { kind: 'check', op: 'exists', left: field('ka.verb'), at: 0 },
    conditionText: 'ka.verb exists', priority: 'Warning', source: 'k8s_audit', tags: ['testing', 'filesystem', 'process'], enabled: true,
    output: { text: 'An open was seen (command=%ka.verb)', parts: [text('An open was seen (command='), token('ka.verb'), text(')')] },
    ...over,
  };
}

// 2016-08-04T16:17:57.881781397Z, Falco's own regression example
const T = 1470327477881781397n;
const match = (over: Partial<AlertMatch> = {}): AlertMatch => ({
  rule: rule(), timeNs: T, tokens: ['cat /dev/null'], fields: { 'ka.verb': 'cat /dev/null' }, truncated: false, ...over,
});

describe('alert format', () => {
  it('renders times as Falco does', () => {
    const t = new EventTimes('UTC');
    expect(t.set(T).iso8601()).toBe('2016-08-04T16:17:57.881781397+0000');
    expect(t.set(T).json()).toBe('2016-08-04T16:17:57.881781397Z');
    expect(t.set(T).evtTime()).toBe('16:17:57.881781397');
    expect(t.set(5n).json()).toBe('1970-01-01T00:00:00.000000005Z');
    // the same second again, the next second, one before the epoch: the kept second's part is redone only when it changes
    expect(t.set(7n).evtTime()).toBe('00:00:00.000000007');
    expect(t.set(1_000_000_000n).json()).toBe('1970-01-01T00:00:01.000000000Z');
    expect(t.set(-1n).json()).toBe('1969-12-31T23:59:59.999999999Z');
    expect(t.set(T + 1n).iso8601()).toBe('2016-08-04T16:17:57.881781398+0000');
  });

  it('prints the text line of Falco\'s example with time_format_iso_8601', () => {
    const f = new AlertFormatter({ timeFormatIso8601: true });
    expect(f.text(match())).toBe('2016-08-04T16:17:57.881781397+0000: Warning An open was seen (command=cat /dev/null)');
  });

  it('prints the JSON alert of Falco\'s example (sorted keys, integer time field, sorted tags)', () => {
    const f = new AlertFormatter({ timeFormatIso8601: true, hostname: 'test-falco-hostname' });
    expect(f.json(match())).toBe('{"hostname":"test-falco-hostname","output":"2016-08-04T16:17:57.881781397+0000: Warning An open was seen (command=cat /dev/null)","output_fields":{"evt.time.iso8601":1470327477881781397,"ka.verb":"cat /dev/null"},"priority":"Warning","rule":"Open From Cat","source":"k8s_audit","tags":["filesystem","process","testing"],"time":"2016-08-04T16:17:57.881781397Z"}');
  });

  it('defaults to local HH:MM:SS.nnnnnnnnn and the evt.time field', () => {
    const f = new AlertFormatter({ hostname: 'h', timeZone: 'UTC' });
    expect(f.text(match())).toBe('16:17:57.881781397: Warning An open was seen (command=cat /dev/null)');
    const j = JSON.parse(f.json(match())) as { output_fields: Record<string, unknown> };
    expect(Object.keys(j.output_fields)).toEqual(['evt.time', 'ka.verb']);
    expect(new AlertFormatter({ hostname: 'h' }).text(match())).toMatch(/^\d\d:\d\d:\d\d\.881781397: Warning /);
  });

  it('prints <NA> for missing values, pads and cuts widths, keeps list renderings', () => {
    const r = rule({ output: { text: '', parts: [text('['), token('ka.verb', 6), text('|'), token('ka.user.name', 3), text('|'), token('ka.uri'), text(']')] } });
    expect(renderMessage(r, ['get', 'system:admin', null])).toBe('[get   |sys|<NA>]');
    expect(renderMessage(r, ['é', 'éé', '(a,b)'])).toBe('[é    |é\uFFFD|(a,b)]');
  });

  it('JSON-escapes the text line', () => {
    const f = new AlertFormatter({ timeFormatIso8601: true });
    expect(f.text(match({ tokens: ['a"b\\c\nd\u0001'] }))).toBe('2016-08-04T16:17:57.881781397+0000: Warning An open was seen (command=a\\"b\\\\c\\nd\\u0001)');
  });

  it('honours the json_include_* options', () => {
    const f = new AlertFormatter({ hostname: 'h', jsonIncludeOutputProperty: false, jsonIncludeTagsProperty: false, jsonIncludeOutputFieldsProperty: false, jsonIncludeMessageProperty: true });
    expect(f.json(match())).toBe('{"hostname":"h","message":"An open was seen (command=cat /dev/null)","priority":"Warning","rule":"Open From Cat","source":"k8s_audit","time":"2016-08-04T16:17:57.881781397Z"}');
  });

  it('marks truncated events in the text line and in output_fields', () => {
    const f = new AlertFormatter({ hostname: 'h', timeFormatIso8601: true });
    const m = match({ truncated: true, fields: { 'ka.verb': null, 'ka.user.groups': ['a', 'b'] } });
    expect(f.text(m)).toBe('2016-08-04T16:17:57.881781397+0000: Warning An open was seen (command=cat /dev/null) [truncated event]');
    const j = JSON.parse(f.json(m)) as { output: string; output_fields: Record<string, unknown> };
    expect(j.output.endsWith(' [truncated event]')).toBe(true);
    expect(j.output_fields).toEqual({ 'evt.time.iso8601': 1470327477881781397, 'ka.user.groups': ['a', 'b'], 'ka.verb': null, 'kawa.truncated': 'true' });
  });

  it('carries the source\'s event id and the alert id in output_fields, the text line unchanged', () => {
    const f = new AlertFormatter({ hostname: 'h', timeFormatIso8601: true });
    const fields = (eventId: string, m = match()) => (JSON.parse(f.json(m, eventId)) as { output_fields: Record<string, string> }).output_fields;
    const a = fields('36949545663924442491427045526539479744318472463958327296');
    expect(a['kawa.event_id']).toBe('36949545663924442491427045526539479744318472463958327296');
    expect(a['kawa.alert_id']).toMatch(/^[0-9a-f]{32}$/);
    // the same rule on the same event: the same id; another event or another rule: another id
    expect(fields('36949545663924442491427045526539479744318472463958327296')['kawa.alert_id']).toBe(a['kawa.alert_id']);
    expect(fields('1')['kawa.alert_id']).not.toBe(a['kawa.alert_id']);
    expect(fields('36949545663924442491427045526539479744318472463958327296', match({ rule: rule({ name: 'Other' }) }))['kawa.alert_id']).not.toBe(a['kawa.alert_id']);
    expect(JSON.parse(f.json(match())).output_fields).not.toHaveProperty('kawa.event_id');
  });
});

describe('end-of-run statistics', () => {
  it('prints Falco\'s summary: severities most severe first, rules in rule order', () => {
    const s = new AlertStats();
    const a = rule({ name: 'B rule', index: 1, priority: 'Informational' });
    const b = rule({ name: 'A rule', index: 0, priority: 'Critical' });
    s.add(a); s.add(a); s.add(b);
    expect(s.summary()).toBe('Events detected: 3\nRule counts by severity:\n   CRITICAL: 1\n   INFO: 2\nTriggered rules by rule name:\n   A rule: 1\n   B rule: 2\n');
    expect(new AlertStats().summary()).toBe('Events detected: 0\nRule counts by severity:\nTriggered rules by rule name:\n');
  });
});
