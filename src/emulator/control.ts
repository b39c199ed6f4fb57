// The control surface of an emulator instance, used in-process (startEmulator().control) and over HTTP
// (/_emu/...): configuration, reset, clock, inserts, faults, token invalidation, ground truth, stats and
// the request log.
import type { EmulatorConfig, FaultRule } from './config.js';
import { checkFault } from './config.js';
import type { GeneratorStatus } from './generator.js';
import { insertEvents, type InsertRequest } from './insert.js';
import type { RequestLogEntry } from './request-log.js';
import type { EmulatorState } from './state.js';

/** One stored event as ground truth (GET /_emu/truth, NDJSON). */
export interface TruthEvent {
  namespace: string;
  group: string;
  stream: string;
  eventId: string;
  timestamp: number;
  ingestionTime: number;
  visibleAt: number;
  truncated: boolean;
  message?: string;
}

export interface TruthFilter {
  group?: string;
  /** Restrict to one namespace (both default to the config defaults when one is given). */
  accessKeyId?: string;
  region?: string;
  includeMessages?: boolean;
}

export class EmulatorControl {
  constructor(private readonly state: EmulatorState) {}

  config(): EmulatorConfig {
    return structuredClone(this.state.config);
  }

  /** Merges a partial configuration (objects merged, arrays replaced); throws KAWA_ERR_CONFIG. */
  configure(patch: unknown): EmulatorConfig {
    return structuredClone(this.state.patchConfig(patch));
  }

  reset(): void {
    this.state.reset();
  }

  now(): number {
    return this.state.now();
  }

  /** Virtual clock only. Returns the new server time. */
  advanceClock(ms: number): number {
    const now = this.state.clock.advance(ms);
    this.state.catchUp();
    return now;
  }

  insert(req: InsertRequest): { inserted: number; eventIds: string[] } {
    this.state.catchUp();
    return insertEvents(this.state, req);
  }

  /** Appends fault rules after the configured ones (e.g. "the next 3 FilterLogEvents are throttled"). */
  addFaults(rules: FaultRule[]): void {
    rules.forEach((r, i) => checkFault(`faults[${i}]`, r));
    this.state.faults.add(rules);
  }

  clearFaults(): void {
    this.state.faults.clear();
  }

  activeFaults(): (FaultRule & { remaining: number | null })[] {
    return this.state.faults.list();
  }

  /** Every outstanding FilterLogEvents nextToken becomes invalid. */
  invalidateTokens(): void {
    this.state.tokenEpoch++;
  }

  /** Rotates the streams of the generators writing into `group` (all generators when omitted). */
  rotateStreams(group?: string): GeneratorStatus[] {
    this.state.catchUp();
    const now = this.state.now();
    const chosen = this.state.generators.filter((g) => group === undefined || g.status().group === group);
    for (const g of chosen) g.rotate(now);
    return chosen.map((g) => g.status());
  }

  /** Runs the generators up to now. Reading the store does it too; a caller that reads nothing (the events
   *  leave through a subscription filter) calls this on a timer. */
  catchUp(): void {
    this.state.catchUp();
  }

  generators(): GeneratorStatus[] {
    this.state.catchUp();
    return this.state.generators.map((g) => g.status());
  }

  truth(filter: TruthFilter = {}): TruthEvent[] {
    this.state.catchUp();
    const ns = filter.accessKeyId !== undefined || filter.region !== undefined
      ? this.state.store.namespaceKey({ accessKeyId: filter.accessKeyId ?? this.state.config.defaultAccessKeyId, region: filter.region ?? this.state.config.defaultRegion })
      : undefined;
    const out: TruthEvent[] = [];
    for (const { namespace, group } of this.state.store.allGroups()) {
      if ((ns !== undefined && namespace !== ns) || (filter.group !== undefined && group.name !== filter.group)) continue;
      for (const e of group.events.view()) {
        out.push({
          namespace, group: group.name, stream: e.stream, eventId: e.eventId, timestamp: e.timestamp, ingestionTime: e.ingestionTime,
          visibleAt: e.visibleAt, truncated: e.truncated, ...(filter.includeMessages ? { message: e.message } : {}),
        });
      }
    }
    return out;
  }

  stats(): ReturnType<EmulatorState['stats']['snapshot']> & { storedEvents: number; serverTime: number } {
    this.state.catchUp();
    let storedEvents = 0;
    for (const { group } of this.state.store.allGroups()) storedEvents += group.events.size;
    return { ...this.state.stats.snapshot(), storedEvents, serverTime: this.state.now() };
  }

  requests(since = 0): RequestLogEntry[] {
    return this.state.requestLog.list(since);
  }
}
