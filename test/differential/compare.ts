// Runs the engine and the reference evaluator over the same payloads and lists where they disagree.
// Each side is reduced to a set of strings, one per match ("payload/item rule: message | output_fields")
// and one per rejected or dropped payload, so a difference reads as what a user would see differ.
import { renderMessage } from '../../src/alerts/format.js';
import type { Engine } from '../../src/engine/engine.js';
import { ReferenceEvaluator } from '../reference/evaluator.js';

export interface Comparison {
  payloads: number;
  engineMatches: number;
  referenceMatches: number;
  /** Matches on events the engine salvaged from CloudWatch truncation (not comparable, see evaluator.ts). */
  truncatedMatches: number;
  skippedTruncated: number;
  skippedNotCanonical: number;
  /** Lines only one side has, prefixed "engine only:" / "reference only:". */
  differences: string[];
}

const decoder = new TextDecoder();

function sortedFields(fields: Record<string, unknown>): string {
  return JSON.stringify(Object.fromEntries(Object.entries(fields).sort(([a], [b]) => (a < b ? -1 : 1))));
}

/** Compares one batch of payloads (data/offsets as the engine takes them); `label(k)` names payload k. */
export function compareBatch(
  engine: Engine,
  reference: ReferenceEvaluator,
  data: Uint8Array,
  offsets: Uint32Array,
  count: number,
  label: (k: number) => string,
  into: Comparison,
): void {
  const result = engine.evaluate(data, offsets, count);
  const engineSet = new Map<number, string[]>();
  const push = (k: number, s: string) => {
    const list = engineSet.get(k) ?? [];
    list.push(s);
    engineSet.set(k, list);
  };
  for (const m of result.matches) {
    if (m.truncated) {
      into.truncatedMatches++;
      continue;
    }
    into.engineMatches++;
    push(m.payload, `${m.item} ${m.rule.name}: ${renderMessage(m.rule, m.tokens)} | ${sortedFields(m.fields)} @${m.timeNs}`);
  }
  for (const r of result.rejections) push(r.payload, `${r.item} rejected: ${r.reason}`);

  for (let k = 0; k < count; k++) {
    const text = decoder.decode(data.subarray(offsets[k], offsets[k + 1]));
    const out = reference.evaluatePayload(text);
    const mine = engineSet.get(k) ?? [];
    if (out.kind === 'skipped') {
      if (out.reason === 'truncated') into.skippedTruncated++;
      else into.skippedNotCanonical++;
      continue;
    }
    const theirs: string[] = [];
    if (out.kind === 'rejected') theirs.push(`0 rejected: ${out.reason}`);
    else {
      into.referenceMatches += out.matches.length;
      for (const m of out.matches) theirs.push(`${m.item} ${m.rule.name}: ${renderMessage(m.rule, m.tokens)} | ${sortedFields(m.fields)} @${m.timeNs}`);
      // items dropped for their own reasons are reported by the engine with the item index; compare reasons only
      for (const d of out.dropped) theirs.push(`dropped: ${d}`);
    }
    const mineNormalized = mine.map((s) => s.replace(/^\d+ rejected: (no_timestamp|too_large)$/, 'dropped: $1'));
    const a = [...mineNormalized].sort();
    const b = [...theirs].sort();
    if (a.join('\n') === b.join('\n')) continue;
    for (const s of a) if (!b.includes(s)) into.differences.push(`${label(k)}: engine only: ${s}`);
    for (const s of b) if (!a.includes(s)) into.differences.push(`${label(k)}: reference only: ${s}`);
  }
  into.payloads += count;
}

export function emptyComparison(): Comparison {
  return { payloads: 0, engineMatches: 0, referenceMatches: 0, truncatedMatches: 0, skippedTruncated: 0, skippedNotCanonical: 0, differences: [] };
}
