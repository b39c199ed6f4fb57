// Rules and events the pool and replay tests share.
import { loadRules } from '../../src/rules/load.js';
import type { SourceBatch } from '../../src/pipeline/types.js';

export const RULES = `
- rule: exec
  desc: d
  condition: ka.verb = create and ka.target.subresource = exec
  output: "exec by %ka.user.name n=%ka.target.name"
  priority: WARNING
  source: k8s_audit
- rule: delete
  desc: d
  condition: ka.verb = delete
  output: "delete by %ka.user.name n=%ka.target.name"
  priority: NOTICE
  source: k8s_audit
`;

export const rules = (text = RULES) => {
  const r = loadRules([{ name: 'r.yaml', content: text }]);
  if (!r.ok) throw new Error(JSON.stringify(r.errors));
  return r;
};

const TS = '2024-01-01T00:00:00.000001Z';

/** Event n: an exec when n % 3 == 0, a delete when n % 3 == 1, a get otherwise; objectRef.name = `o<n>`. */
export function event(n: number, extra = ''): string {
  const verb = n % 3 === 0 ? 'create' : n % 3 === 1 ? 'delete' : 'get';
  return JSON.stringify({
    kind: 'Event', auditID: `a${n}`, verb, stageTimestamp: TS, user: { username: `u${n}` },
    objectRef: { name: `o${n}`, subresource: 'exec' }, annotations: { note: extra },
  });
}

/** A batch of payloads as a source hands it over; origin is `t:<global index>`. */
export function batchOf(payloads: (string | Buffer)[], first = 0): SourceBatch {
  const parts = payloads.map((p) => (typeof p === 'string' ? Buffer.from(p) : p));
  const offsets = new Uint32Array(parts.length + 1);
  parts.forEach((p, i) => { offsets[i + 1] = offsets[i] + p.length; });
  return { data: Buffer.concat(parts), offsets, count: parts.length, origin: (k) => `t:${first + k}` };
}
