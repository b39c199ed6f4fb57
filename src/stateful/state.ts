// The state of stateful rules (docs/stateful-rules.md): what each rule with a `kawa:` key has seen, and the
// decision for each of its matches. Matches must come in source order (the pipeline's writer gives them so,
// whatever the worker count), and time is the event's own (Match.timeNs), never the wall clock: a replay of
// the same file gives the same alerts.
//
// Bounded: all keys of all rules share one LRU map of at most maxKeys entries (the least recently touched
// is evicted), each first_seen key keeps at most maxValues values (least recently seen evicted), a threshold
// key keeps at most `count` times and its 3 latest audit IDs. Every eviction is counted.
import type { Match } from '../engine/engine.js';
import type { StatefulSpec } from '../rules/stateful-spec.js';

/** The caps on the state (falco.yaml `stateful:`). */
export interface StateLimits {
  /** Keys across all rules (threshold, first_seen and suppress keys). */
  maxKeys: number;
  /** Values remembered per first_seen key. */
  maxValues: number;
}

/** Why a match did not become an alert. */
export type HoldReason = 'below_threshold' | 'learning' | 'seen' | 'suppressed';

/** What becomes of one match: an alert with these extra output fields and line suffix, or held for a reason. */
export type Decision =
  | { alert: true; fields: Record<string, string | string[]>; note: string }
  | { alert: false; reason: HoldReason };

/** Audit IDs kept per threshold key (the latest ones): the alert names a few of the events it counted. */
const SAMPLE = 3;
/** The audit ID field: a threshold samples it (stateful-spec.ts adds it to such a rule's output_fields). */
const AUDIT_ID = 'ka.auditid';

/** A threshold key: its match times within the window (oldest first) and latest audit IDs. */
interface Counted { k: 't'; times: number[]; sample: string[] }
/** A first_seen key: when it was first seen (its learning starts then) and its values, least recently seen first. */
interface Seen { k: 'f'; since: number; values: string[] }
/** A suppress key: when it last alerted (-1: never) and the alerts held since. */
interface Suppressed { k: 's'; last: number; held: number }
type Entry = Counted | Seen | Suppressed;

/** The saved form of the state (stateful.state_file). */
export interface StateSnapshot {
  version: 1;
  /** Entries, least recently touched first. */
  entries: [string, Entry][];
}

export class StatefulState {
  private readonly entries = new Map<string, Entry>();
  readonly evictions = { keys: 0, values: 0 };

  constructor(private readonly limits: StateLimits) {}

  get size(): number {
    return this.entries.size;
  }

  /** The decision for a match of a rule with a `kawa:` key. */
  decide(match: Match, spec: StatefulSpec): Decision {
    const rule = match.rule.name;
    const t = Number(match.timeNs / 1_000_000n);
    const fields: Record<string, string | string[]> = {};
    let note = '';
    if (spec.threshold) {
      const { count, windowMs, by } = spec.threshold;
      const id = `${rule}\0t\0${keyOf(match, by)}`;
      const e = this.touch<Counted>(id, { k: 't', times: [], sample: [] });
      // times older than the window no longer count
      while (e.times.length && e.times[0]! <= t - windowMs) e.times.shift();
      e.times.push(t);
      e.sample.push(valueText(match.fields[AUDIT_ID]));
      if (e.sample.length > SAMPLE) e.sample.shift();
      if (e.times.length < count) return { alert: false, reason: 'below_threshold' };
      fields['kawa.threshold.count'] = String(e.times.length);
      fields['kawa.threshold.window'] = durationText(windowMs);
      fields['kawa.threshold.first'] = new Date(e.times[0]!).toISOString();
      fields['kawa.threshold.last'] = new Date(t).toISOString();
      fields['kawa.threshold.sample'] = [...e.sample];
      note += ` (kawa: ${e.times.length} matches within ${durationText(windowMs)}, ${fields['kawa.threshold.first']} to ${fields['kawa.threshold.last']})`;
      // counting starts over: the next alert for this key needs `count` new matches
      this.entries.delete(id);
    }
    if (spec.firstSeen) {
      const { key, value, learnMs } = spec.firstSeen;
      const k = keyOf(match, key);
      const v = keyOf(match, value);
      const e = this.touch<Seen>(`${rule}\0f\0${k}`, { k: 'f', since: t, values: [] });
      const at = e.values.indexOf(v);
      if (at >= 0) e.values.splice(at, 1);
      e.values.push(v);
      if (e.values.length > this.limits.maxValues) { e.values.shift(); this.evictions.values++; }
      if (at >= 0) return { alert: false, reason: 'seen' };
      if (t < e.since + learnMs) return { alert: false, reason: 'learning' };
      fields['kawa.first_seen.key'] = k;
      fields['kawa.first_seen.value'] = v;
      note += ` (kawa: first seen ${v} for ${k})`;
    }
    if (spec.suppress) {
      const { windowMs, by } = spec.suppress;
      const e = this.touch<Suppressed>(`${rule}\0s\0${keyOf(match, by)}`, { k: 's', last: -1, held: 0 });
      if (e.last >= 0 && t < e.last + windowMs) { e.held++; return { alert: false, reason: 'suppressed' }; }
      fields['kawa.suppressed'] = String(e.held);
      if (e.held) note += ` (kawa: ${e.held} repeats suppressed since the previous alert)`;
      e.last = t;
      e.held = 0;
    }
    return { alert: true, fields, note };
  }

  snapshot(): StateSnapshot {
    return { version: 1, entries: [...this.entries] };
  }

  /** Restores a snapshot (already checked by the state file's reader); the caps apply to what it holds. */
  restore(s: StateSnapshot): void {
    this.entries.clear();
    for (const [id, e] of s.entries) this.entries.set(id, e);
    while (this.entries.size > this.limits.maxKeys) this.evictOldest();
  }

  /**
   * The entry for `id`, made the most recently used; `fresh` (evicting the oldest when full) if absent. The
   * id names the entry's kind (rule, kind letter, key), so the entry found has fresh's kind.
   */
  private touch<E extends Entry>(id: string, fresh: E): E {
    let e = this.entries.get(id) as E | undefined;
    if (e) this.entries.delete(id);
    else {
      e = fresh;
      if (this.entries.size >= this.limits.maxKeys) this.evictOldest();
    }
    this.entries.set(id, e);
    return e;
  }

  private evictOldest(): void {
    const oldest = this.entries.keys().next();
    if (oldest.done) return;
    this.entries.delete(oldest.value);
    this.evictions.keys++;
  }
}

/** A key's text: each field's value ("<NA>" when missing, a list joined by commas), joined by " / ". */
function keyOf(match: Match, fields: string[]): string {
  return fields.map((f) => valueText(match.fields[f])).join(' / ');
}

function valueText(v: string | string[] | null | undefined): string {
  if (v === null || v === undefined) return '<NA>';
  return Array.isArray(v) ? v.join(',') : v;
}

/** 300000 -> "5m": the largest unit that divides the window. */
function durationText(ms: number): string {
  for (const [unit, size] of [['d', 86_400_000], ['h', 3_600_000], ['m', 60_000], ['s', 1000]] as const) {
    if (ms % size === 0) return `${ms / size}${unit}`;
  }
  return `${ms}ms`;
}
