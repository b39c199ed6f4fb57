// Reference ingestion (fields.md 9.2-9.3): one parsed payload -> the audit events Falco would evaluate.
// Payloads CloudWatch cut ("...[Truncated...]") are not handled here: the caller skips and counts them.
import type { Json } from './fields.js';

export const MAX_EVENT_SIZE = 262144;

export type Candidate = { doc: Json; timeNs: bigint };
export type IngestResult =
  | { ok: true; events: Candidate[]; dropped: { reason: 'no_timestamp' | 'too_large' }[] }
  | { ok: false; reason: 'unrecognized' };

const isObject = (v: Json): v is { [k: string]: Json } => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Go time.Parse(time.RFC3339Nano): Unix ns, or null. */
export function parseRfc3339(text: string): bigint | null {
  const m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d+))?(Z|([+-])(\d{2}):(\d{2}))$/.exec(text);
  if (!m) return null;
  const [y, mo, d, h, mi, s] = m.slice(1, 7).map(Number);
  const leap = (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;
  const days = [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
  if (mo < 1 || mo > 12 || d < 1 || d > days[mo - 1] || h > 23 || mi > 59 || s > 59) return null;
  let offsetMin = 0;
  if (m[8] !== 'Z') {
    const oh = Number(m[10]);
    const om = Number(m[11]);
    if (oh > 23 || om > 59) return null;
    offsetMin = (m[9] === '-' ? -1 : 1) * (oh * 60 + om);
  }
  const frac = BigInt((m[7] ?? '').slice(0, 9).padEnd(9, '0'));
  const date = new Date(0);
  date.setUTCFullYear(y, mo - 1, d);
  date.setUTCHours(h, mi, s, 0);
  const secs = BigInt(date.getTime() / 1000) - BigInt(offsetMin * 60);
  return secs * 1_000_000_000n + frac;
}

/** Event / EventList / array classification; null = unrecognized (drops the whole payload). */
function classify(v: Json): Json[] | null {
  if (Array.isArray(v)) {
    const out: Json[] = [];
    for (const e of v) {
      const r = classify(e);
      if (r === null) return null;
      out.push(...r);
    }
    return out;
  }
  if (!isObject(v)) return null;
  // an empty EventList is an empty batch, not an error (fields.md 9.2 allows either; kawa chose this)
  if (v.kind === 'EventList') return Array.isArray(v.items) ? v.items : null;
  if (v.kind === 'Event') return [v];
  return null;
}

export function ingest(doc: Json): IngestResult {
  const candidates = classify(doc);
  if (candidates === null) return { ok: false, reason: 'unrecognized' };
  const events: Candidate[] = [];
  const dropped: { reason: 'no_timestamp' | 'too_large' }[] = [];
  for (const c of candidates) {
    const ts = isObject(c) && Object.prototype.hasOwnProperty.call(c, 'stageTimestamp') ? c.stageTimestamp : undefined;
    const timeNs = typeof ts === 'string' ? parseRfc3339(ts) : null;
    if (timeNs === null) dropped.push({ reason: 'no_timestamp' });
    else if (Buffer.byteLength(JSON.stringify(c)) > MAX_EVENT_SIZE) dropped.push({ reason: 'too_large' });
    else events.push({ doc: c, timeNs });
  }
  return { ok: true, events, dropped };
}
