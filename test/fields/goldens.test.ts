// Every extraction golden of ../shared/conformance/fields/goldens.json through FieldExtractor.
// Outcomes empty_list / not_available / error / panic are all "no value" (null) for kawa (fields.md §1).
import { readFileSync } from 'node:fs';
import { expect, test } from 'vitest';
import { FieldExtractor, parseFieldSpec } from '../../src/engine/extractor.js';
import { describeShared, HAS_SHARED, shared } from '../shared-data.js';

interface Golden {
  event: unknown;
  event_raw?: string;
  field: string;
  expect: string | string[] | null;
  outcome: string;
  evt_ts_ns?: string;
  source: string;
}

const goldens: Golden[] = HAS_SHARED ? JSON.parse(readFileSync(shared('conformance/fields/goldens.json'), 'utf8')) : [];
const extractor = new FieldExtractor();

// Two json.rawtime goldens take the event time from the test harness (time.Now()) for a document without
// a stageTimestamp; kawa's event time is the stageTimestamp only, so the document has none.
const timeFromHarness = (g: Golden, doc: string) => g.evt_ts_ns !== undefined && !doc.includes('stageTimestamp');

describeShared('field goldens', () => {
  test('there are 346', () => expect(goldens.length).toBe(346));
  test.each(goldens.map((g, i) => [i, g.field, g] as const))('#%i %s', (_i, _f, g) => {
    const doc = g.event_raw ?? JSON.stringify(g.event);
    const [got] = extractor.extract(doc, [parseFieldSpec(g.field)]);
    const want = g.outcome === 'value' && !timeFromHarness(g, doc) ? g.expect : null;
    expect(got).toEqual(want);
  });
});
