// What the tests of event times share: one rule that alerts on every event with its auditID and its time
// (json.rawtime, which equals the match's), and a batch of payloads evaluated back to back.
import { Engine, type BatchResult } from '../../src/engine/engine.js';
import { loadRules } from '../../src/rules/load.js';

const RULES = `
- rule: Every event
  desc: reports each evaluated event
  condition: json.rawtime exists
  output: "%json.value[/auditID] %json.rawtime"
  priority: INFO
  source: k8s_audit
`;

export const ns = (iso: string) => BigInt(Date.parse(iso)) * 1_000_000n;

/** An engine with the rule; `ingest: false` evaluates payloads as they are (kawa eval). */
export const timeEngine = (ingest = true) => Engine.create({ rules: loadRules([{ name: 'r.yaml', content: RULES }]), ingest });

/** Evaluates the payloads as one batch, with their arrival times when given. */
export function runPayloads(e: Engine, payloads: string[], arrivalNs?: bigint[]): BatchResult {
  const parts = payloads.map((p) => Buffer.from(p));
  const offsets = new Uint32Array(parts.length + 1);
  parts.forEach((p, i) => { offsets[i + 1] = offsets[i] + p.length; });
  return e.evaluate(Buffer.concat(parts), offsets, parts.length, arrivalNs && BigInt64Array.from(arrivalNs));
}
