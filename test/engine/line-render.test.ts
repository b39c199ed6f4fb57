// Alert lines the engine writes itself (Engine.setLineRendering, assembly/render.ts) must be the lines the
// JavaScript formatter makes (alerts/format.ts), byte for byte, or not be written at all: each batch is
// evaluated twice, with lines and without, and every written line is compared with the formatter's line of
// the same match; a match left without a line must keep its values. Values, names and times are chosen to
// reach every escape, every time branch and every case the engine leaves to the formatter.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { AlertFormatter } from '../../src/alerts/format.js';
import { AlertLineTemplates } from '../../src/alerts/line-templates.js';
import type { OutputOptions } from '../../src/alerts/output-options.js';
import { lineViews } from '../../src/engine/alert-lines.js';
import { Engine } from '../../src/engine/engine.js';
import { loadRules, loadRulesFiles } from '../../src/rules/load.js';
import type { LoadOptions, LoadResult } from '../../src/rules/types.js';
import { itShared, shared } from '../shared-data.js';

const FORMATS: OutputOptions[] = [
  { timeZone: 'UTC' },
  { timeZone: 'local' },
  { timeFormatIso8601: true },
  { jsonOutput: true, hostname: 'h' },
  { jsonOutput: true, hostname: 'hôte "q" \\ \t', timeZone: 'local' },
  { jsonOutput: true, timeFormatIso8601: true, jsonIncludeMessageProperty: true, jsonIncludeTagsProperty: false },
  { jsonOutput: true, jsonIncludeOutputProperty: false, jsonIncludeOutputFieldsProperty: false },
  { jsonOutput: true, jsonIncludeMessageProperty: true, jsonIncludeOutputProperty: false },
];

function batch(payloads: (string | Buffer)[]) {
  const parts = payloads.map((p) => (typeof p === 'string' ? Buffer.from(p) : p));
  const offsets = new Uint32Array(parts.length + 1);
  parts.forEach((p, i) => { offsets[i + 1] = offsets[i] + p.length; });
  return { data: Buffer.concat(parts), offsets, count: parts.length };
}

/** Evaluates `payloads` with and without lines in every format; returns how many lines the engine wrote and
 *  how many it left to the formatter (over all formats). */
function compare(rules: LoadResult, payloads: (string | Buffer)[], formats = FORMATS): { written: number; left: number } {
  const engine = Engine.create({ rules, ruleMatching: 'all' });
  const { data, offsets, count } = batch(payloads);
  const plain = engine.evaluate(data, offsets, count);
  let written = 0;
  let left = 0;
  for (const format of formats) {
    const formatter = new AlertFormatter(format);
    const expected = plain.matches.map((m) => (format.jsonOutput ? formatter.json(m) : formatter.text(m)));
    engine.setLineRendering(new AlertLineTemplates(format));
    const withLines = engine.evaluate(data, offsets, count);
    engine.setLineRendering(undefined);
    expect(withLines.matches.map((m) => [m.payload, m.rule.name])).toEqual(plain.matches.map((m) => [m.payload, m.rule.name]));
    const views = withLines.lines ? lineViews(withLines.lines) : withLines.matches.map(() => undefined);
    views.forEach((line, k) => {
      const m = withLines.matches[k];
      if (line) {
        written++;
        expect(Buffer.from(line).toString('utf8'), `${JSON.stringify(format)} match ${k}`).toBe(expected[k]);
        expect(Buffer.compare(Buffer.from(line), Buffer.from(expected[k]))).toBe(0);
        expect(m.tokens).toEqual([]);
      } else {
        left++;
        // left to the formatter: the values are there, and give the same line
        expect(m.tokens).toEqual(plain.matches[k].tokens);
        expect(m.fields).toEqual(plain.matches[k].fields);
      }
    });
  }
  return { written, left };
}

const load = (text: string, opts: LoadOptions = {}) => {
  const r = loadRules([{ name: 'r.yaml', content: text }], opts);
  if (!r.ok) throw new Error(JSON.stringify(r.errors));
  return r;
};

const RULES = `
- list: names
  items: [a]
- rule: "Everything \\"quoted\\" é ✓"
  desc: d
  condition: ka.verb exists
  output: 'who=%ka.user.name "what"=%ka.target.name \\ tab	img=%ka.req.pod.containers.image groups=%ka.user.groups end'
  priority: WARNING
  source: k8s_audit
  tags: [b, "t\\"q", a, b, é]
`;

const TS = '2024-02-29T23:59:59.123456789Z';
function audit(over: Record<string, unknown> = {}, stageTimestamp = TS): string {
  return JSON.stringify({
    kind: 'Event', auditID: 'x', verb: 'create', stageTimestamp, user: { username: 'alice', groups: ['g1', 'g2'] },
    objectRef: { resource: 'pods', name: 'p' },
    requestObject: { spec: { containers: [{ image: 'nginx' }, { image: 'busybox:1' }] } },
    ...over,
  });
}

const tzBefore = process.env.TZ;
afterEach(() => {
  if (tzBefore === undefined) delete process.env.TZ;
  else process.env.TZ = tzBefore;
});

describe('alert lines written by the engine', () => {
  it('escape every byte JSON.stringify escapes, at every place of a 16-byte block', () => {
    const specials = ['"', '\\', '\u0000', '\u0001', '\b', '\t', '\n', '\f', '\r', '\u001b', '\u001f', '\u007f', ' ', '~'];
    const payloads: string[] = [];
    for (const c of specials) {
      for (const at of [0, 1, 14, 15, 16, 17, 31, 32, 40]) {
        const name = `${'n'.repeat(at)}${c}${'m'.repeat(20)}`;
        payloads.push(audit({ user: { username: name, groups: [c, `${c}${c}`] }, objectRef: { resource: 'pods', name: c.repeat(at + 1) } }));
      }
    }
    const { written, left } = compare(load(RULES), payloads);
    expect(left).toBe(0);
    expect(written).toBe(payloads.length * FORMATS.length);
  });

  it('write well-formed UTF-8 past ASCII as it is, also where a 16-byte block ends', () => {
    const names = ['zoë', '日本語', 'ü', '𝒳 ✓', '\u2028\u2029', '\ufffe', '\u{10ffff}', 'ß"\\\t'];
    const payloads = names.flatMap((name) => [0, 13, 14, 15, 16].map((at) => audit({ user: { username: `${'n'.repeat(at)}${name}`, groups: [name] } })));
    // a lone surrogate's escape is kept as written (as fastjson keeps it): ASCII
    payloads.push(audit({ user: { username: 'lone \ud800 surrogate' } }));
    expect(compare(load(RULES), payloads)).toEqual({ written: payloads.length * FORMATS.length, left: 0 });
  });

  it('leave bytes that are no well-formed UTF-8, and lists rendered past 1,023 bytes, to the formatter', () => {
    // a name's bytes put into the event as they are: what the formatter's decoding replaces with U+FFFD
    const withName = (bytes: number[]) => {
      const [head, tail] = audit({ user: { username: 'NAME' } }).split('NAME');
      return Buffer.concat([Buffer.from(`${head}ok `), Buffer.from(bytes), Buffer.from(tail)]);
    };
    const malformed = [
      [0xff], [0x80], [0xc3], [0xc0, 0x80], [0xc1, 0xbf], [0xe0, 0x80, 0x80], [0xe0, 0x9f, 0xbf], [0xed, 0xa0, 0x80], [0xed, 0xbf, 0xbf],
      [0xf0, 0x80, 0x80, 0x80], [0xf4, 0x90, 0x80, 0x80], [0xf5, 0x80, 0x80, 0x80], [0xe2, 0x82], [0xe2, 0x82, 0x41], [0xf0, 0x9f, 0x98],
    ];
    const wellFormed = [[0xc2, 0x80], [0xe0, 0xa0, 0x80], [0xed, 0x9f, 0xbf], [0xf0, 0x90, 0x80, 0x80], [0xf4, 0x8f, 0xbf, 0xbf], [0x7f]];
    const payloads = [
      ...malformed.map(withName),
      audit({ user: { username: 'ok', groups: Array.from({ length: 120 }, (_, i) => `group-${i}`) } }),
      ...wellFormed.map(withName),
      audit({ user: { username: 'ok', groups: Array.from({ length: 5 }, (_, i) => `g${i}`) } }),
    ];
    const rules = load(RULES);
    const engine = Engine.create({ rules });
    const { data, offsets, count } = batch(payloads);
    for (const format of FORMATS) {
      engine.setLineRendering(new AlertLineTemplates(format));
      const views = lineViews(engine.evaluate(data, offsets, count).lines!);
      // unless the format writes no value
      const noValues = format.jsonIncludeOutputProperty === false && format.jsonIncludeOutputFieldsProperty === false;
      const expected = payloads.map((_, k) => noValues || k > malformed.length);
      expect(views.map((v) => v !== undefined)).toEqual(expected);
    }
    const withValues = FORMATS.length - 1;
    expect(compare(rules, payloads)).toEqual({ written: FORMATS.length * payloads.length - (malformed.length + 1) * withValues, left: (malformed.length + 1) * withValues });
  });

  it('write missing values as <NA> and null, and a list field as a JSON array', () => {
    const payloads = [audit({ user: {}, objectRef: {}, requestObject: {} }), audit({ user: { username: 'u', groups: [] } }), audit()];
    const { written, left } = compare(load(RULES), payloads);
    expect(left).toBe(0);
    expect(written).toBe(3 * FORMATS.length);
  });

  it('format times as the formatter does: before 1970, leap days, centuries, the ends of the nanosecond range', () => {
    const times = [
      '1970-01-01T00:00:00Z', '1969-12-31T23:59:59.999999999Z', '1969-07-20T20:17:40.5Z', '1900-03-01T00:00:00Z',
      '2000-02-29T12:00:00.000000001Z', '2000-03-01T00:00:00Z', '2100-03-01T00:00:00Z', '2024-12-31T23:59:59.999999999Z',
      '1677-09-21T00:12:44Z', '2262-04-11T23:47:16.854775807Z', '1600-02-29T00:00:00Z',
    ];
    const payloads = times.map((t) => audit({}, t));
    for (const zone of ['UTC', 'Asia/Kathmandu', 'America/St_Johns', 'Australia/Lord_Howe', 'Europe/Paris']) {
      process.env.TZ = zone;
      const { left } = compare(load(RULES), payloads);
      expect(left).toBe(0);
    }
  });

  it('leave a rule with a token width, or with append_output formats, and an event CloudWatch cut, to the formatter', () => {
    const widths = load(`
- rule: w
  desc: d
  condition: ka.verb exists
  output: 'who=%5ka.user.name what=%ka.target.name'
  priority: NOTICE
  source: k8s_audit
`);
    expect(compare(widths, [audit(), audit({ user: { username: 'a-long-name' } })])).toEqual({ written: 0, left: 2 * FORMATS.length });
    const appended = load(RULES, { appendOutput: [{ match: { source: 'k8s_audit' }, extra_output: 'x=%ka.verb', extra_fields: [{ v: 'verb=%ka.verb' }] }] });
    expect(compare(appended, [audit()]).left).toBe(FORMATS.length);
    // plain appended fields are ordinary output_fields: written
    const plainFields = load(RULES, { appendOutput: [{ match: { source: 'k8s_audit' }, extra_fields: ['ka.verb', 'ka.uri'] }] });
    expect(compare(plainFields, [audit()])).toEqual({ written: FORMATS.length, left: 0 });
    const text = audit({ annotations: { big: 'y'.repeat(200) } });
    const cut = `${text.slice(0, text.indexOf('yyyy'))}[Truncated...]`;
    expect(compare(load(RULES), [cut]).left).toBe(FORMATS.length);
  });

  itShared('write the upstream rules\' alerts over a generated corpus, the same as the formatter', () => {
    const corpus = join(mkdtempSync(join(tmpdir(), 'kawa-lines-')), 'corpus.jsonl');
    const gen = spawnSync(process.execPath, [shared('corpus/gen-eks-audit.mjs'), '--count', '3000', '--seed', '7', '--attack-rate', '0.05',
      '--truncate-at', '10000', '--out', corpus], { encoding: 'utf8' });
    expect(gen.status, gen.stderr).toBe(0);
    const payloads = readFileSync(corpus, 'utf8').split('\n').filter((l) => l);
    const { written, left } = compare(loadRulesFiles([shared('conformance/k8saudit/rules/k8s_audit_rules.yaml')]), payloads);
    expect(written).toBeGreaterThan(20 * left);
  });
});
