// The `kawa:` key of a rule: kawa's stateful extension (docs/stateful-rules.md). Falco warns "Unknown key
// 'kawa'. The key will be ignored." and loads the rule as a plain one; kawa reads it here, and every bad
// value is a LOAD_ERR_VALIDATE at its own place in the file.
//
//   kawa:
//     threshold:  {count: N, window: DURATION, by: [FIELD...]}        alert at the Nth match per key in the window
//     first_seen: {key: [FIELD...], value: [FIELD...], learn: DURATION} alert when a key shows a new value after learning
//     suppress:   {window: DURATION, by: [FIELD...]}                  one alert per key per window, repeats counted
//   DURATION := integer followed by ms, s, m, h or d
import { isMap, isScalar, isSeq, type Node, type YAMLMap } from 'yaml';
import type { Decoder } from './yaml-decode.js';

/** Alert when the rule matched `count` times for the same key within `windowMs`. */
export interface ThresholdSpec {
  /** Matches per key that make an alert. */
  count: number;
  /** How far back, in event time, matches count. */
  windowMs: number;
  /** The fields whose values make the key. */
  by: string[];
}
/** Alert when a key takes a value not seen for it; each key learns (never alerts) for `learnMs` after its first match. */
export interface FirstSeenSpec {
  /** The fields whose values make the key (a service account, a user). */
  key: string[];
  /** The fields whose values are learnt per key (a source IP, a user agent). */
  value: string[];
  /** How long, in event time from a key's first match, its values are learnt without alerting. */
  learnMs: number;
}
/** Repeats of an alert for the same key within `windowMs` are dropped and counted. */
export interface SuppressSpec {
  /** How long, in event time, repeats after an alert are held. */
  windowMs: number;
  /** The fields whose values make the key. */
  by: string[];
}

/** A rule's stateful behaviour: at least one part is present. */
export interface StatefulSpec {
  /** Alert at the Nth match per key within a window. */
  threshold?: ThresholdSpec;
  /** Alert when a key shows a value new to it after learning. */
  firstSeen?: FirstSeenSpec;
  /** One alert per key per window, the repeats counted. */
  suppress?: SuppressSpec;
  /** Every field the state reads (they must be in the rule's output, where kawa reads a match's values). */
  fields: string[];
}

const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };
/** A window longer than this is a mistake (and would keep state forever). */
const MAX_WINDOW_MS = 366 * UNIT_MS.d!;
const MAX_COUNT = 1_000_000;
const FIELD = /^[a-z][a-zA-Z0-9_.]*(\[[^\]]+\])?$/;

const PARTS: Record<string, string[]> = {
  threshold: ['count', 'window', 'by'],
  first_seen: ['key', 'value', 'learn'],
  suppress: ['window', 'by'],
};

/** Reads the `kawa:` value of a rule; throws LoadFailure (LOAD_ERR_VALIDATE) at the offending node. */
export function readStatefulSpec(d: Decoder, value: Node | null, keyNode: Node): StatefulSpec {
  const fail = (message: string, node: Node | null | undefined): never => d.fail(message, node ?? keyNode, 'LOAD_ERR_VALIDATE');
  if (!value || !isMap(value)) fail("kawa: expected a mapping with threshold, first_seen or suppress", value);
  const spec: StatefulSpec = { fields: [] };
  const map = value as YAMLMap;
  for (const e of d.keys(map)) {
    const part = String((e.key as { value: unknown }).value);
    const keys = PARTS[part];
    if (!keys) fail(`kawa: unknown key '${part}' (expected threshold, first_seen or suppress)`, e.key);
    if (!e.value || !isMap(e.value)) fail(`kawa.${part}: expected a mapping with ${keys!.join(', ')}`, e.value ?? e.key);
    const m = e.value as YAMLMap;
    for (const k of d.keys(m)) {
      const name = String((k.key as { value: unknown }).value);
      if (!keys!.includes(name)) fail(`kawa.${part}: unknown key '${name}' (expected ${keys!.join(', ')})`, k.key);
    }
    const need = (k: string): Node => {
      const got = d.entry(m, k);
      if (!got || !got.value) fail(`kawa.${part}.${k}: missing`, got?.key ?? e.key);
      return got!.value!;
    };
    const duration = (k: string): number => readDuration(need(k), `kawa.${part}.${k}`, fail);
    const fields = (k: string): string[] => readFields(d, need(k), `kawa.${part}.${k}`, fail);
    if (part === 'threshold') {
      const node = need('count');
      const text = isScalar(node) ? String(node.value) : '';
      const count = /^[0-9]+$/.test(text) ? Number(text) : NaN;
      if (!(count >= 2 && count <= MAX_COUNT)) fail(`kawa.threshold.count: '${text}' is not an integer from 2 to ${MAX_COUNT}`, node);
      spec.threshold = { count, windowMs: duration('window'), by: fields('by') };
    } else if (part === 'first_seen') {
      spec.firstSeen = { key: fields('key'), value: fields('value'), learnMs: duration('learn') };
    } else {
      spec.suppress = { windowMs: duration('window'), by: fields('by') };
    }
  }
  if (!spec.threshold && !spec.firstSeen && !spec.suppress) fail('kawa: expected threshold, first_seen or suppress', value);
  if (spec.threshold && spec.firstSeen) fail('kawa: threshold and first_seen cannot be combined in one rule', value);
  // a threshold alert names the audit IDs of some of the events it counted
  spec.fields = [...new Set([
    ...(spec.threshold ? ['ka.auditid'] : []), ...(spec.threshold?.by ?? []), ...(spec.firstSeen?.key ?? []), ...(spec.firstSeen?.value ?? []), ...(spec.suppress?.by ?? []),
  ])];
  return spec;
}

function readDuration(node: Node, what: string, fail: (m: string, n: Node) => never): number {
  const text = isScalar(node) ? String(node.value) : '';
  const m = /^([0-9]+)(ms|s|m|h|d)$/.exec(text);
  const ms = m ? Number(m[1]) * UNIT_MS[m[2]!]! : NaN;
  if (!(ms > 0 && ms <= MAX_WINDOW_MS)) fail(`${what}: '${text}' is not a duration such as 30s, 5m, 24h or 7d (more than 0, at most 366d)`, node);
  return ms;
}

function readFields(d: Decoder, node: Node, what: string, fail: (m: string, n: Node) => never): string[] {
  if (!isSeq(node) || node.items.length === 0) fail(`${what}: expected a non-empty list of fields`, node);
  const out: string[] = [];
  for (const raw of (node as { items: unknown[] }).items) {
    const v = d.resolve(raw);
    const text = v && isScalar(v) ? String(v.value) : '';
    if (!FIELD.test(text)) fail(`${what}: '${text}' is not a field name`, v ?? node);
    out.push(text);
  }
  return out;
}
