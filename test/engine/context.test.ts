// kawa.cluster, kawa.account, kawa.region: what the source knows about a batch's events (SourceBatch.context),
// usable in conditions, exceptions and outputs, the same in this thread and in the worker pool, and in every
// JSON alert's output_fields when known; absent (no value, <NA>) when the source does not know.
import { afterAll, describe, expect, it } from 'vitest';
import { AlertFormatter } from '../../src/alerts/format.js';
import { Engine } from '../../src/engine/engine.js';
import { FormattedAlert } from '../../src/outputs/types.js';
import { EngineEvaluator } from '../../src/pool/engine-evaluator.js';
import type { SourceBatch } from '../../src/pipeline/types.js';
import { WorkerPool } from '../../src/pool/pool.js';
import { batchOf, rules } from '../pool/helpers.js';

const RULES = `
- list: production_clusters
  items: [prod-eu, prod-us]
- rule: Secret read in production
  desc: a secret read in a production cluster, except from the ops account
  condition: ka.verb = get and ka.target.resource = secrets and kawa.cluster in (production_clusters)
  exceptions:
    - name: ops_account
      fields: [kawa.account]
      values: [["999999999999"]]
  output: "secret %ka.target.name read in %kawa.cluster (account %kawa.account, %kawa.region) by %ka.user.name"
  priority: WARNING
  source: k8s_audit
- rule: Any delete
  desc: a delete anywhere
  condition: ka.verb = delete
  output: "delete in cluster=%kawa.cluster"
  priority: NOTICE
  source: k8s_audit
`;
const event = (verb: string, name: string) => JSON.stringify({
  kind: 'Event', auditID: `id-${name}`, verb, stageTimestamp: '2026-11-01T12:00:00.000000Z', user: { username: 'alice' },
  objectRef: { resource: 'secrets', name, namespace: 'default' },
});
const PROD = { cluster: 'prod-eu', account: '111122223333', region: 'eu-west-1' };
const OPS = { cluster: 'prod-us', account: '999999999999', region: 'us-east-1' };
const DEV = { cluster: 'dev', account: '111122223333', region: 'eu-west-1' };
const withContext = (b: SourceBatch, context?: SourceBatch['context']): SourceBatch => ({ ...b, ...(context ? { context } : {}) });
const lines = (r: { matches: { rule: { name: string }; tokens: (string | null)[] }[] }) => r.matches.map((m) => `${m.rule.name}: ${m.tokens.join('|')}`);

describe('context fields', () => {
  const loaded = rules(RULES);
  const payloads = [event('get', 's1'), event('delete', 's2')];
  const pool = new WorkerPool(loaded, { threads: 1 });
  afterAll(() => pool.close());

  it('decide conditions and exceptions and fill outputs, batch by batch, in this thread and in a worker', async () => {
    const expected = {
      prod: ['Secret read in production: s1|prod-eu|111122223333|eu-west-1|alice', 'Any delete: prod-eu'],
      ops: ['Any delete: prod-us'],
      dev: ['Any delete: dev'],
      none: ['Any delete: '],
    };
    for (const evaluator of [new EngineEvaluator(loaded), pool]) {
      // alternating contexts: each batch sees its own, never the one before
      for (const [name, ctx] of [['prod', PROD], ['ops', OPS], ['dev', DEV], ['none', undefined], ['prod', PROD]] as const) {
        const r = await evaluator.evaluate(withContext(batchOf(payloads), ctx));
        expect(lines(r).map((l) => l.replace(/\|?null/g, '')), `${name}`).toEqual(expected[name]);
      }
    }
  });

  it('are in every JSON alert when known, whatever the output names; absent otherwise', async () => {
    const f = new AlertFormatter({ timeZone: 'UTC', jsonOutput: true });
    const r = await new EngineEvaluator(loaded).evaluate(withContext(batchOf(payloads), PROD));
    const json = r.matches.map((m) => JSON.parse(new FormattedAlert({ match: m, context: PROD }, f, true).line).output_fields);
    expect(json[1]).toMatchObject({ 'kawa.cluster': 'prod-eu', 'kawa.account': '111122223333', 'kawa.region': 'eu-west-1' });
    const plain = await new EngineEvaluator(loaded).evaluate(batchOf(payloads));
    const fields = JSON.parse(new FormattedAlert({ match: plain.matches[0]! }, f, true).line).output_fields;
    expect(fields['kawa.cluster']).toBeNull(); // named by the output, unknown: null as any missing field
    expect(fields).not.toHaveProperty('kawa.account');
  });

  it('refuses a context larger than the engine holds, with a code', () => {
    const e = Engine.create({ rules: loaded });
    const one = Buffer.from(payloads[0]!);
    expect(() => e.evaluate(one, Uint32Array.of(0, one.length), 1, undefined, { cluster: 'x'.repeat(5000) })).toThrow(expect.objectContaining({ code: 'KAWA_ERR_USAGE' }));
  });
});
