// The control surface of an emulator instance, used in-process (startEmulator().control) and over HTTP
// (/_emu/...): configuration, reset, clock, inserts, log groups, the deny list, STS sessions, faults, token
// invalidation, ground truth, stats and the request log.
import { KawaError } from '../core/errors.js';
import type { DenyRule, EmulatorConfig, FaultRule } from './config.js';
import { checkDenied, checkFault } from './config.js';
import { stsNow } from './identity.js';
import { LogGroup } from './store.js';
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
  /** With namespaceBy 'accountAndRegion': the namespace by account instead of access key. */
  account?: string;
  region?: string;
  includeMessages?: boolean;
}

/** A log group in a namespace named as the control API names them (config defaults for what is missing). */
export interface NamespacedGroup {
  group: string;
  accessKeyId?: string;
  account?: string;
  region?: string;
}

function groupName(where: NamespacedGroup): string {
  if (typeof where?.group !== 'string' || !/^[.\-_/#A-Za-z0-9]{1,512}$/.test(where.group)) throw new KawaError('KAWA_ERR_USAGE', '"group" must be a log group name (1-512 of [.-_/#A-Za-z0-9])');
  return where.group;
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

  /** Creates an empty log group (a cluster appears); false when it exists already. */
  createGroup(where: NamespacedGroup): { created: boolean } {
    const caller = this.state.callerFor(where);
    const groups = this.state.store.groups(caller);
    if (groups.has(groupName(where))) return { created: false };
    groups.set(where.group, new LogGroup(where.group, this.state.now(), caller.account));
    return { created: true };
  }

  /** Deletes a log group and its events (a cluster goes away); false when there was none. */
  deleteGroup(where: NamespacedGroup): { deleted: boolean } {
    return { deleted: this.state.store.groups(this.state.callerFor(where)).delete(groupName(where)) };
  }

  /** The deny list (config `denied`): reads of these groups answer AccessDeniedException. */
  denied(): DenyRule[] {
    return structuredClone(this.state.config.denied);
  }

  /** Replaces the deny list without touching the rest of the configuration (fault counters, quotas, random streams). */
  setDenied(rules: unknown): DenyRule[] {
    checkDenied(rules);
    this.state.config = { ...this.state.config, denied: structuredClone(rules) };
    return this.denied();
  }

  /** Adds one rule (no-op when the same rule is there). */
  deny(rule: DenyRule): DenyRule[] {
    checkDenied([rule]);
    const same = (d: DenyRule) => d.group === rule.group && d.account === rule.account && d.region === rule.region;
    return this.state.config.denied.some(same) ? this.denied() : this.setDenied([...this.state.config.denied, rule]);
  }

  /** Removes the rules for `group` (all rules when no group is given), or only those of `account` / `region` when given. */
  allow(filter: Partial<DenyRule> = {}): DenyRule[] {
    const matches = (d: DenyRule) => (filter.group === undefined || d.group === filter.group) && (filter.account === undefined || d.account === filter.account) && (filter.region === undefined || d.region === filter.region);
    return this.setDenied(this.state.config.denied.filter((d) => !matches(d)));
  }

  /** Ends the STS sessions now (of one role when given): their next request is ExpiredTokenException. */
  expireSessions(roleArn?: string): { expired: number } {
    return { expired: this.state.sessions.expire(stsNow(this.state.config), roleArn) };
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
    const ns = filter.accessKeyId !== undefined || filter.account !== undefined || filter.region !== undefined
      ? this.state.store.namespaceKey(this.state.callerFor(filter))
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
