// Direct inserts for tests and seeding (POST /_emu/events, `kawa emulator --load`): bypass the
// PutLogEvents batch rules so a test can place events anywhere in time ("late inject": old timestamps
// at any moment, including inside a millisecond that already has visible siblings) with chosen
// ingestion/visibility times and ids. The group cap still applies.
import { KawaError } from '../core/errors.js';
import { EVENT_ID_PATTERN } from './event-id.js';
import type { EmulatorState } from './state.js';
import { LogGroup, LogStream, type NewEvent } from './store.js';
import { truncateMessage } from './truncate.js';

export interface InsertEvent {
  /** Stream name; `logStreamName` is accepted too, so FilterLogEvents-shaped lines load as they are. */
  stream?: string;
  logStreamName?: string;
  timestamp: number;
  message: string;
  /** Default: server now. */
  ingestionTime?: number;
  /** Absolute visibility time; or visibleAfterMs relative to now; default: ingestionTime + the visibility knobs. */
  visibleAt?: number;
  visibleAfterMs?: number;
  eventId?: string;
}

export interface InsertRequest {
  group: string;
  accessKeyId?: string;
  /** With namespaceBy 'accountAndRegion': the account instead of an access key. */
  account?: string;
  region?: string;
  /** Create the group and streams when missing (default true). */
  createMissing?: boolean;
  /** Stream for events that name none. */
  defaultStream?: string;
  events: InsertEvent[];
}

const bad = (message: string) => new KawaError('KAWA_ERR_INPUT_READ', `emulator insert: ${message}`);

export function insertEvents(state: EmulatorState, req: InsertRequest): { inserted: number; eventIds: string[] } {
  if (!req || typeof req.group !== 'string' || !req.group) throw bad('"group" (a log group name) is required');
  if (!Array.isArray(req.events)) throw bad('"events" must be an array');
  const caller = state.callerFor(req);
  const now = state.now();
  const groups = state.store.groups(caller);
  let group = groups.get(req.group);
  if (!group) {
    if (req.createMissing === false) throw bad(`log group '${req.group}' does not exist`);
    groups.set(req.group, (group = new LogGroup(req.group, now, caller.account)));
  }
  const batch: NewEvent[] = req.events.map((e, i) => {
    const stream = e?.stream ?? e?.logStreamName ?? req.defaultStream;
    if (typeof stream !== 'string' || !stream) throw bad(`events[${i}]: "stream" is required`);
    if (!Number.isInteger(e.timestamp) || e.timestamp < 0) throw bad(`events[${i}]: "timestamp" must be an integer >= 0 (epoch ms)`);
    if (typeof e.message !== 'string') throw bad(`events[${i}]: "message" must be a string`);
    if (e.eventId !== undefined && (typeof e.eventId !== 'string' || !EVENT_ID_PATTERN.test(e.eventId))) throw bad(`events[${i}]: "eventId" must be a string of up to 56 digits`);
    if (!group!.streams.has(stream)) {
      if (req.createMissing === false) throw bad(`events[${i}]: log stream '${stream}' does not exist`);
      group!.streams.set(stream, new LogStream(stream, now));
    }
    const cut = state.config.truncateAt === null ? { message: e.message, truncated: false } : truncateMessage(e.message, state.config.truncateAt);
    const ingestionTime = e.ingestionTime ?? now;
    const visibleAt = e.visibleAt ?? (e.visibleAfterMs !== undefined ? now + e.visibleAfterMs : state.visibility.visibleAt(stream, ingestionTime));
    return { stream, timestamp: e.timestamp, message: cut.message, truncated: cut.truncated, ingestionTime, visibleAt, ...(e.eventId ? { eventId: e.eventId.padStart(56, '0') } : {}) };
  });
  const stored = state.store.insert(group, batch);
  return { inserted: stored.length, eventIds: stored.map((e) => e.eventId) };
}

/**
 * NDJSON lines → insert events. A line is either FilterLogEvents-shaped ({logStreamName, timestamp,
 * message, ingestionTime?, eventId?}, e.g. gen-eks-audit.mjs --cloudwatch) or a raw message (e.g. an audit
 * event), timestamped by its stageTimestamp / requestReceivedTimestamp when it has one, else by `nowMs`.
 */
export function parseEventLines(text: string, nowMs: number): InsertEvent[] {
  const out: InsertEvent[] = [];
  for (const line of text.split('\n')) {
    const trimmed = line.trim();
    if (!trimmed) continue;
    let parsed: unknown;
    try {
      parsed = JSON.parse(trimmed);
    } catch {
      parsed = undefined;
    }
    const o = (typeof parsed === 'object' && parsed !== null ? parsed : {}) as Record<string, unknown>;
    if (typeof o.message === 'string' && typeof o.timestamp === 'number') {
      out.push(o as unknown as InsertEvent);
      continue;
    }
    const stamp = typeof o.stageTimestamp === 'string' ? o.stageTimestamp : typeof o.requestReceivedTimestamp === 'string' ? o.requestReceivedTimestamp : undefined;
    const ms = stamp === undefined ? NaN : Date.parse(stamp);
    out.push({ timestamp: Number.isFinite(ms) ? ms : nowMs, message: trimmed });
  }
  // raw lines are not necessarily in time order; the store sorts, but keep file order among equals
  return out;
}
