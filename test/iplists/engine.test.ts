// IP lists in the WebAssembly engine (assembly/ip-match.ts): kawa.sourceips.listed[<list>] and
// kawa.ips.listed[<list>:<pointer>] give exactly the addresses a range of the list holds. Random lists and
// addresses (many on range edges) are checked against a plain scan of the ranges as written, so the
// packing, the merging and the WebAssembly parse and search are all under test; the workers agree.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Engine } from '../../src/engine/engine.js';
import { FieldExtractor, parseFieldSpec } from '../../src/engine/extractor.js';
import { findField } from '../../src/fields/registry.js';
import { parseIp, parseRange } from '../../src/rules/ip-ranges.js';
import { loadRules } from '../../src/rules/load.js';
import { EngineEvaluator } from '../../src/pool/engine-evaluator.js';
import { WorkerPool } from '../../src/pool/pool.js';
import { batchOf } from '../pool/helpers.js';
import { listRule } from './rule.js';

const RULE = listRule;

const event = (sourceIPs: unknown, extra: Record<string, unknown> = {}) => JSON.stringify({
  kind: 'Event', apiVersion: 'audit.k8s.io/v1', auditID: 'x', verb: 'get', sourceIPs,
  requestReceivedTimestamp: '2024-05-01T10:00:00.000000Z', stageTimestamp: '2024-05-01T10:00:00.000000Z', ...extra,
});

function engineFor(rules: string): Engine {
  const load = loadRules([{ name: join(mkdtempSync(join(tmpdir(), 'kawa-ipl-')), 'rules.yaml'), content: rules }]);
  expect(load.errors).toEqual([]);
  return Engine.create({ rules: load });
}

/** A deterministic generator (mulberry32). */
function random(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const v4Text = (n: bigint) => [24n, 16n, 8n, 0n].map((s) => String((n >> s) & 255n)).join('.');
const v6Text = (n: bigint) => Array.from({ length: 8 }, (_, i) => ((n >> BigInt(112 - 16 * i)) & 0xffffn).toString(16)).join(':');

describe('IP lists in the engine', () => {
  it('gives the listed addresses of the event\'s sourceIPs, IPv4 and IPv6, in order', () => {
    const engine = engineFor(`
- list: bad
  items: [10.0.0.0/8, 192.0.2.7, "2001:db8::/32", "::ffff:198.51.100.0/120"]
${RULE('kawa.sourceips.listed[bad] exists', 'listed=%kawa.sourceips.listed[bad]')}`);
    const listed = (ips: unknown) => engine.evaluateOne(event(ips)).matches[0]?.fields['kawa.sourceips.listed[bad]'];
    expect(listed(['10.1.2.3'])).toEqual(['10.1.2.3']);
    expect(listed(['172.16.0.1', '10.0.0.0', '10.255.255.255', '11.0.0.0'])).toEqual(['10.0.0.0', '10.255.255.255']);
    expect(listed(['192.0.2.7'])).toEqual(['192.0.2.7']);
    expect(listed(['192.0.2.6', '192.0.2.8'])).toBeUndefined();
    expect(listed(['2001:db8:ffff::1', '2001:db9::'])).toEqual(['2001:db8:ffff::1']);
    expect(listed(['198.51.100.255', '::ffff:10.0.0.1'])).toEqual(['198.51.100.255', '::ffff:10.0.0.1']);
    // not addresses, or not strings: never listed, never an error for the rest
    expect(listed(['010.1.2.3', '10.1.2.3:443', '10.1.2', 'fe80::1%eth0', 10, null, { ip: '10.0.0.1' }, '10.9.9.9'])).toEqual(['10.9.9.9']);
    expect(listed('10.0.0.1')).toEqual(['10.0.0.1']);
    expect(listed([])).toBeUndefined();
    expect(engine.evaluateOne(JSON.stringify({ kind: 'Event', auditID: 'x' })).matches).toEqual([]);
  });

  it('reads addresses at a JSON pointer: a string or an array of strings', () => {
    const engine = engineFor(`
- list: blocked
  items: [203.0.113.0/24]
${RULE('kawa.ips.listed[blocked:/requestObject/spec/externalIPs] exists or kawa.ips.listed[blocked:/requestObject/spec/loadBalancerIP] exists',
    'ext=%kawa.ips.listed[blocked:/requestObject/spec/externalIPs] lb=%kawa.ips.listed[blocked:/requestObject/spec/loadBalancerIP]')}`);
    const tokens = (spec: unknown) => engine.evaluateOne(event(['1.1.1.1'], { requestObject: { spec } })).matches[0]?.tokens;
    expect(tokens({ externalIPs: ['8.8.8.8', '203.0.113.9'] })).toEqual(['(203.0.113.9)', null]);
    expect(tokens({ loadBalancerIP: '203.0.113.200' })).toEqual([null, '(203.0.113.200)']);
    expect(tokens({ externalIPs: ['8.8.8.8'], loadBalancerIP: '203.0.114.1' })).toBeUndefined();
  });

  it('agrees with a plain scan of the ranges as written, over random lists and addresses on their edges', () => {
    const rnd = random(17);
    const big = (bits: number) => Array.from({ length: Math.ceil(bits / 32) }, () => BigInt(Math.floor(rnd() * 2 ** 32))).reduce((a, b) => (a << 32n) | b, 0n) & ((1n << BigInt(bits)) - 1n);
    const entries: string[] = [];
    for (let i = 0; i < 3000; i++) {
      if (rnd() < 0.6) {
        // IPv4, clustered in 10.0.0.0/12 so that ranges overlap and touch
        const a = (10n << 24n) | big(20);
        entries.push(rnd() < 0.3 ? v4Text(a) : `${v4Text(a)}/${22 + Math.floor(rnd() * 11)}`);
      } else {
        const a = (0x2001n << 112n) | big(64) << 48n;
        entries.push(rnd() < 0.3 ? v6Text(a) : `${v6Text(a)}/${72 + Math.floor(rnd() * 57)}`);
      }
    }
    const ranges = entries.map((e) => parseRange(e)!);
    const probes: string[] = [];
    for (const r of ranges.slice(0, 1500)) {
      for (const n of [r.lo - 1n, r.lo, r.hi, r.hi + 1n, (r.lo + r.hi) / 2n]) {
        const v4 = n >> 32n === 0xffffn;
        probes.push(v4 ? v4Text(n & 0xffffffffn) : v6Text(n));
      }
    }
    for (let i = 0; i < 2000; i++) probes.push(rnd() < 0.5 ? v4Text((10n << 24n) | big(20)) : v6Text((0x2001n << 112n) | big(112)));
    const dir = mkdtempSync(join(tmpdir(), 'kawa-ipl-'));
    writeFileSync(join(dir, 'list.txt'), `${entries.join('\n')}\n`);
    const load = loadRules([{ name: join(dir, 'rules.yaml'), content: `
- list: random
  items: []
  kawa: {files: [list.txt]}
${RULE('kawa.sourceips.listed[random] exists', '%kawa.sourceips.listed[random]')}` }]);
    expect(load.errors).toEqual([]);
    const engine = Engine.create({ rules: load });
    let listed = 0;
    for (const p of probes) {
      const ip = parseIp(p)!;
      const expected = ranges.some((r) => r.lo <= ip && ip <= r.hi);
      const got = engine.evaluateOne(event([p])).matches.length === 1;
      expect(got, p).toBe(expected);
      if (expected) listed++;
    }
    // the probes hit both answers often
    expect(listed).toBeGreaterThan(probes.length / 4);
    expect(listed).toBeLessThan((probes.length * 3) / 4);
  });

  it('gives the same alerts in the worker pool as on this thread', async () => {
    const rules = `
- list: bad
  items: [10.0.0.0/8, "2001:db8::/32"]
${RULE('kawa.sourceips.listed[bad] exists', '%kawa.sourceips.listed[bad]')}`;
    const load = loadRules([{ name: 'rules.yaml', content: rules }]);
    const events = ['10.0.0.1', '11.0.0.1', '2001:db8::5', '2001:db9::5'].map((ip) => event([ip]));
    const pool = new WorkerPool(load, { threads: 1 });
    try {
      const here = await new EngineEvaluator(load).evaluate(batchOf(events));
      const there = await pool.evaluate(batchOf(events));
      expect(there.matches.map((m) => m.tokens)).toEqual(here.matches.map((m) => m.tokens));
      expect(here.matches.map((m) => m.tokens)).toEqual([['(10.0.0.1)'], ['(2001:db8::5)']]);
    } finally {
      await pool.close();
    }
  });

  it('is refused by kawa extract, and a table that is not one gives no value, never a read outside it', () => {
    expect(() => parseFieldSpec('kawa.sourceips.listed[bad]')).toThrow(/reads an IP list of the rules files/);
    const extractor = new FieldExtractor();
    const field = findField('kawa.sourceips.listed')!;
    for (const key of ['x', 'bad', '\u0000\u0000\u0000\u0000\uffff\uffff\uffff\uffffxxxx', 'a'.repeat(300)]) {
      expect(extractor.extract(Buffer.from(event(['10.0.0.1'])), [{ text: 'f', field, key, index: -1n }])).toEqual([null]);
    }
  });
});
