// The log store: namespaces (per access key or account, + region) → groups → streams → events. Each group keeps all
// its events in one array sorted by the read key (timestamp, ingestionTime, seq) so FilterLogEvents is a
// binary search plus a scan; each stream keeps its own sorted array for GetLogEvents. Writes append and
// only mark the array unsorted when the key goes backwards; the next read re-sorts, which is cheap for
// V8's TimSort on "sorted run + small tail".
import { AwsError } from './aws-error.js';
import { makeEventId } from './event-id.js';
import type { NamespaceBy } from './config.js';
import type { Caller, StoredEvent } from './types.js';

export interface Key {
  timestamp: number;
  ingestionTime: number;
  seq: number;
}

export function compareKey(a: Key, b: Key): number {
  return a.timestamp - b.timestamp || a.ingestionTime - b.ingestionTime || a.seq - b.seq;
}

/** A sorted event array that tolerates out-of-order appends. */
class SortedEvents {
  private readonly items: StoredEvent[] = [];
  private sorted = true;

  add(ev: StoredEvent): void {
    const last = this.items[this.items.length - 1];
    if (last && compareKey(last, ev) > 0) this.sorted = false;
    this.items.push(ev);
  }

  get size(): number {
    return this.items.length;
  }

  view(): readonly StoredEvent[] {
    if (!this.sorted) {
      this.items.sort(compareKey);
      this.sorted = true;
    }
    return this.items;
  }
}

export class LogStream {
  readonly events = new SortedEvents();
  constructor(readonly name: string, readonly creationTime: number) {}
}

export class LogGroup {
  readonly streams = new Map<string, LogStream>();
  readonly events = new SortedEvents();
  /** Caller-chosen event ids (test inserts): must stay unique. Generated ids are unique by construction. */
  readonly explicitIds = new Set<string>();
  storedBytes = 0;
  /** `owner`: the account the group belongs to (the `owner` of subscription records). */
  constructor(readonly name: string, readonly creationTime: number, readonly owner: string) {}
}

/** An event as handed to the store; seq and (unless given) eventId are assigned here. */
export interface NewEvent {
  stream: string;
  timestamp: number;
  message: string;
  ingestionTime: number;
  visibleAt: number;
  truncated: boolean;
  eventId?: string;
}


export class LogStore {
  private readonly namespaces = new Map<string, Map<string, LogGroup>>();
  private seq = 0;
  /** Told of every stored batch (subscription filters forward it to Kinesis). */
  onInsert: ((group: LogGroup, events: StoredEvent[]) => void) | undefined;

  constructor(private readonly limits: () => { maxEventsPerGroup: number; namespaceBy: NamespaceBy }) {}

  namespaceKey(caller: Pick<Caller, 'accessKeyId' | 'region' | 'account'>): string {
    switch (this.limits().namespaceBy) {
      case 'none': return '*';
      case 'region': return `*/${caller.region}`;
      case 'accountAndRegion': return `${caller.account}/${caller.region}`;
      default: return `${caller.accessKeyId}/${caller.region}`;
    }
  }

  /** The groups of a caller's namespace (created empty on first use). */
  groups(caller: Pick<Caller, 'accessKeyId' | 'region' | 'account'>): Map<string, LogGroup> {
    const key = this.namespaceKey(caller);
    let groups = this.namespaces.get(key);
    if (!groups) this.namespaces.set(key, (groups = new Map()));
    return groups;
  }

  *allGroups(): Iterable<{ namespace: string; group: LogGroup }> {
    for (const [namespace, groups] of this.namespaces) for (const group of groups.values()) yield { namespace, group };
  }

  /**
   * Appends a batch. All-or-nothing: the group cap and explicit-id uniqueness are checked before anything
   * is stored, so a failed call leaves no partial batch behind.
   */
  insert(group: LogGroup, batch: NewEvent[]): StoredEvent[] {
    const cap = this.limits().maxEventsPerGroup;
    if (group.events.size + batch.length > cap) {
      throw new AwsError('EmulatorLimitExceededException',
        `Emulator limit: log group '${group.name}' holds ${group.events.size} events and this call adds ${batch.length}, above maxEventsPerGroup=${cap}. ` +
        'Raise it (--max-events-per-group or POST /_emu/config {"maxEventsPerGroup":N}) or POST /_emu/reset.');
    }
    const seen = new Set<string>();
    for (const e of batch) {
      if (e.eventId === undefined) continue;
      if (group.explicitIds.has(e.eventId) || seen.has(e.eventId)) throw new AwsError('InvalidParameterException', `Duplicate eventId ${e.eventId} in log group '${group.name}'.`);
      seen.add(e.eventId);
    }
    const stored: StoredEvent[] = [];
    for (const e of batch) {
      const stream = group.streams.get(e.stream);
      if (!stream) throw new Error(`internal: stream ${e.stream} missing`);
      const seq = ++this.seq;
      const ev: StoredEvent = {
        seq, stream: e.stream, timestamp: e.timestamp, ingestionTime: e.ingestionTime, visibleAt: e.visibleAt,
        message: e.message, eventId: e.eventId ?? makeEventId(e.timestamp, seq),
        bytes: Buffer.byteLength(e.message, 'utf8') + 26, truncated: e.truncated, served: 0,
      };
      if (e.eventId !== undefined) group.explicitIds.add(e.eventId);
      group.events.add(ev);
      stream.events.add(ev);
      group.storedBytes += ev.bytes - 26;
      stored.push(ev);
    }
    this.onInsert?.(group, stored);
    return stored;
  }

  /** How many more events the group may hold before maxEventsPerGroup. */
  capacityLeft(group: LogGroup): number {
    return Math.max(0, this.limits().maxEventsPerGroup - group.events.size);
  }

  clear(): void {
    this.namespaces.clear();
  }
}

/** First index whose event has timestamp >= ts. */
export function lowerBoundTimestamp(events: readonly StoredEvent[], ts: number): number {
  let lo = 0, hi = events.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (events[mid]!.timestamp < ts) lo = mid + 1; else hi = mid;
  }
  return lo;
}

/** First index whose event key is > key (or >= key when inclusive). */
export function boundKey(events: readonly StoredEvent[], key: Key, inclusive: boolean): number {
  let lo = 0, hi = events.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    const c = compareKey(events[mid]!, key);
    if (c < 0 || (c === 0 && !inclusive)) lo = mid + 1; else hi = mid;
  }
  return lo;
}
