// The reference evaluator checked on its own against the upstream end-to-end cases, so that the
// differential test compares the engine with something known to be right.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadRulesFiles } from '../../src/rules/load.js';
import { describeShared, HAS_SHARED, itShared, shared } from '../shared-data.js';
import { ReferenceEvaluator } from './evaluator.js';
import { parseRfc3339 } from './ingest.js';
import { fnmatch, pmatch } from './operators.js';

const DATA = shared('conformance/k8saudit');
interface Case { name: string; trace: string; rules: string[]; output_json: boolean; expect: { counts?: Record<string, number>; detections_nonzero?: boolean | null; zero_detections?: boolean } }
const cases = HAS_SHARED ? JSON.parse(readFileSync(join(DATA, 'cases.json'), 'utf8')) as Case[] : [];

describeShared('reference evaluator on the upstream k8s_audit cases', () => {
  for (const c of cases.filter((x) => x.output_json)) {
    it(c.name, () => {
      const load = loadRulesFiles(c.rules.map((r) => join(DATA, 'rules', r)));
      expect(load.errors).toEqual([]);
      const ref = new ReferenceEvaluator(load, 'first');
      const counts: Record<string, number> = {};
      let total = 0;
      for (const line of readFileSync(join(DATA, 'traces', c.trace), 'utf8').split('\n')) {
        if (!line.trim()) continue;
        const out = ref.evaluatePayload(line);
        expect(out.kind).not.toBe('skipped');
        if (out.kind !== 'evaluated') continue;
        for (const m of out.matches) {
          counts[m.rule.name] = (counts[m.rule.name] ?? 0) + 1;
          total++;
        }
      }
      for (const [rule, n] of Object.entries(c.expect.counts ?? {})) expect(counts[rule] ?? 0, rule).toBe(n);
      if (c.expect.detections_nonzero === true) expect(total).toBeGreaterThan(0);
      if (c.expect.detections_nonzero === false || c.expect.zero_detections === true) expect(counts).toEqual({});
    });
  }
});

describe('reference operators', () => {
  it('glob follows fnmatch', () => {
    expect(fnmatch('/etc/*', '/etc/a/b')).toBe(true);
    expect(fnmatch('a?c', 'abc')).toBe(true);
    expect(fnmatch('[!a]x', 'bx')).toBe(true);
    expect(fnmatch('[!a]x', 'ax')).toBe(false);
    expect(fnmatch('[a-c]*', 'cat')).toBe(true);
    expect(fnmatch('\\*', '*')).toBe(true);
    expect(fnmatch('\\*', 'a')).toBe(false);
    expect(fnmatch('ABC', 'abc', true)).toBe(true);
    expect(fnmatch('[', '[')).toBe(true);
  });
  it('pmatch matches path prefixes by component', () => {
    expect(pmatch(['/var/run'], '/var/run/docker')).toBe(true);
    expect(pmatch(['/var/run'], '/var/runx')).toBe(false);
    expect(pmatch(['/'], '/anything')).toBe(true);
    expect(pmatch(['opt/dir'], '/opt/dir/x')).toBe(true);
    expect(pmatch(['/opt/*/subdir'], '/opt/dir/subdir/f')).toBe(true);
  });
  itShared('timestamps follow Go RFC3339Nano, as the ingestion goldens say', () => {
    const goldens = JSON.parse(readFileSync(shared('conformance/fields/ingest_goldens.json'), 'utf8')) as { payload?: string; expect_events: { ts_ns: string }[] }[];
    let checked = 0;
    for (const g of goldens) {
      if (!g.payload || g.expect_events.length !== 1) continue;
      const doc = JSON.parse(g.payload) as { stageTimestamp?: string };
      if (typeof doc.stageTimestamp !== 'string') continue;
      expect(parseRfc3339(doc.stageTimestamp)?.toString()).toBe(g.expect_events[0].ts_ns);
      checked++;
    }
    expect(checked).toBeGreaterThan(5);
    expect(parseRfc3339('2024-02-30T10:00:00Z')).toBeNull();
    expect(parseRfc3339('2024-05-01T23:59:60Z')).toBeNull();
    expect(parseRfc3339('2024-05-01t10:00:00z')).toBeNull();
  });
});
