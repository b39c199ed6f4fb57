// The ingestion goldens (../shared/conformance/fields/ingest_goldens.json) through the whole input path:
// the payload written to a file, read by the file source, classified and evaluated by the engine. A rule
// matching every event reports which events were evaluated and their timestamps.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { Engine } from '../../src/engine/engine.js';
import { loadRules } from '../../src/rules/load.js';
import { FileSource } from '../../src/sources/file/source.js';
import { describeShared, HAS_SHARED, shared } from '../shared-data.js';

interface Golden {
  payload?: string;
  payload_note?: string;
  why: string;
  expect_events: { data?: string; data_length?: number; ts_ns: string }[];
  payload_error: string | null;
  dropped_items: string[];
}

const RULES = `
- rule: Every event
  desc: reports each evaluated event
  condition: json.rawtime exists
  output: "%json.rawtime %json.value[/auditID]"
  priority: INFO
  source: k8s_audit
`;

/** The generated cases: an event whose compact form is exactly `total` bytes. */
function generated(note: string): string {
  const total = Number(/of (\d+) total bytes/.exec(note)?.[1]);
  const shell = (blob: string) => JSON.stringify({ kind: 'Event', auditID: 'big', stageTimestamp: '2024-05-01T10:00:00Z', requestObject: { blob } });
  return shell('x'.repeat(total - shell('').length));
}

const goldens: Golden[] = HAS_SHARED ? JSON.parse(readFileSync(shared('conformance/fields/ingest_goldens.json'), 'utf8')) : [];
const dir = mkdtempSync(join(tmpdir(), 'kawa-ingest-'));
const load = loadRules([{ name: 'every.yaml', content: RULES }]);
const engine = Engine.create({ rules: load, ruleMatching: 'all' });

describeShared('ingest goldens through the file source and the engine', () => {
  it('the rule loads', () => expect(load.errors).toEqual([]));

  goldens.forEach((g, i) => {
    it(`${i}: ${g.why}`, async () => {
      const payload = g.payload ?? generated(g.payload_note ?? '');
      const file = join(dir, `case${i}.json`);
      writeFileSync(file, `${payload}\n`);
      const matches: { timeNs: bigint; tokens: (string | null)[] }[] = [];
      const rejections: string[] = [];
      let payloads = 0;
      for await (const b of new FileSource([file])) {
        payloads += b.count;
        const r = engine.evaluate(b.data, b.offsets, b.count);
        matches.push(...r.matches);
        rejections.push(...r.rejections.map((x) => x.reason));
      }
      expect(payloads).toBe(1);
      expect(matches.map((m) => m.timeNs.toString())).toEqual(g.expect_events.map((e) => e.ts_ns));
      g.expect_events.forEach((e, k) => {
        if (e.data) expect(matches[k].tokens[1]).toBe((JSON.parse(e.data) as { auditID?: string }).auditID ?? null);
      });
      if (g.payload_error && g.why.includes('either way nothing is pushed')) {
        // an empty EventList: kawa takes it as an empty batch, silently (the golden allows both)
        expect(rejections).toEqual([]);
      } else if (g.payload_error) {
        expect(rejections).toEqual([g.payload_error.startsWith('parse') ? 'parse' : 'unrecognized']);
      } else {
        const dropped = rejections.filter((r) => r === 'no_timestamp' || r === 'too_large');
        expect(dropped.length).toBe(g.dropped_items.length);
        expect(rejections.length).toBe(dropped.length);
      }
    });
  });
});
