// FilterLogEvents (emulator.md §3): events of a group, interleaved across the selected streams, in key
// order (timestamp, ingestionTime, seq), only those visible at query time, paged by limit / 1 MB / the
// page-shape knobs, with nextToken continuing strictly after the last examined key.
import { invalidParameter } from '../aws-error.js';
import { compileFilterPattern } from '../filter-pattern.js';
import { decodeToken, encodeToken, keyFrom, keyOf, queryHash, type FilterToken } from '../page-token.js';
import { boundKey, lowerBoundTimestamp } from '../store.js';
import type { StoredEvent } from '../types.js';
import { Checker, streamNameRule } from '../validate.js';
import { readableGroup, groupNameOf, MAX_PAGE_BYTES, type OpHandler } from './common.js';

/** startFromHead:false is only allowed for startTime at or after 2024-01-01T00:00:00Z. */
const NEWEST_FIRST_MIN_START = Date.UTC(2024, 0, 1);

export const filterLogEvents: OpHandler = (ctx, body) => {
  const check = new Checker(body);
  const groupName = groupNameOf(check);
  const names = check.stringList('logStreamNames', { min: 1, max: 100, item: streamNameRule });
  const prefix = check.string('logStreamNamePrefix', streamNameRule);
  const startTime = check.integer('startTime', { min: 0 });
  const endTime = check.integer('endTime', { min: 0 });
  const pattern = check.string('filterPattern', { min: 0, max: 1024 });
  const token = check.string('nextToken', { min: 1 });
  const limit = check.integer('limit', { min: 1, max: 10_000 }) ?? 10_000;
  const startFromHead = check.boolean('startFromHead');
  check.boolean('interleaved');
  check.boolean('unmask');
  check.done();
  if (names !== undefined && prefix !== undefined) throw invalidParameter('logStreamNames and logStreamNamePrefix are mutually exclusive');
  if (startFromHead === false && (startTime === undefined || startTime < NEWEST_FIRST_MIN_START)) {
    throw invalidParameter('startFromHead=false is only supported when startTime is on or after 2024-01-01T00:00:00Z.');
  }
  const matches = compileFilterPattern(pattern);
  const group = readableGroup(ctx, 'FilterLogEvents', groupName!);

  const hash = queryHash([ctx.store.namespaceKey(ctx.caller), groupName, names, prefix, startTime, endTime, pattern ?? '']);
  const prev = token === undefined ? undefined : decodeToken(token, { hash, now: ctx.now, epoch: ctx.tokenEpoch });
  const direction = prev?.d ?? (startFromHead === false ? 'desc' : 'asc');
  const makeToken = (a: FilterToken['a'], emptyPages: number) =>
    encodeToken({ h: hash, a, d: direction, x: ctx.now + ctx.config.pagination.tokenTtlMs, e: emptyPages, g: ctx.tokenEpoch });
  const emptyPages = prev?.e ?? 0;
  if (emptyPages < ctx.config.pagination.emptyPagesBeforeData) {
    return { body: page([], makeToken(prev?.a ?? null, emptyPages + 1)), events: 0 };
  }

  const events = group.events.view();
  const lo = startTime === undefined ? 0 : lowerBoundTimestamp(events, startTime);
  const hi = endTime === undefined ? events.length : lowerBoundTimestamp(events, ctx.config.endTimeInclusive ? endTime + 1 : endTime);
  const nameSet = names ? new Set(names) : undefined;
  const wanted = (e: StoredEvent) => e.visibleAt <= ctx.now && (nameSet ? nameSet.has(e.stream) : prefix === undefined || e.stream.startsWith(prefix)) && matches(e.message);

  // chaos knob: start at the previous key inclusively, so the last event of the previous page repeats
  const repeat = !!prev?.a && ctx.config.duplicateAcrossPages > 0 && ctx.random() < ctx.config.duplicateAcrossPages;
  const after = prev?.a ? keyFrom(prev.a) : undefined;
  const step = direction === 'asc' ? 1 : -1;
  let i: number;
  if (direction === 'asc') i = after ? Math.max(lo, boundKey(events, after, repeat)) : lo;
  else i = (after ? Math.min(hi, boundKey(events, after, !repeat)) : hi) - 1;
  const inRange = (j: number) => j >= lo && j < hi;

  const { maxEventsPerPage, randomPartialPages, scanBudget } = ctx.config.pagination;
  let cap = Math.min(limit, maxEventsPerPage ?? limit);
  if (randomPartialPages) cap = 1 + Math.floor(ctx.random() * cap);
  let budget = scanBudget ?? Infinity;

  const out: StoredEvent[] = [];
  let bytes = 0;
  let lastExamined: StoredEvent | undefined;
  let full = false;
  for (; inRange(i) && budget > 0; i += step) {
    const e = events[i]!;
    if (wanted(e)) {
      if (out.length >= cap || (out.length > 0 && bytes + e.bytes > MAX_PAGE_BYTES)) { full = true; break; }
      out.push(e);
      bytes += e.bytes;
    }
    lastExamined = e;
    budget--;
  }
  // A full page resumes after its last event (only said to be full when another wanted event exists, so
  // an exact fit ends the pagination); a page cut by the scan budget resumes after the last examined
  // event, skipping whatever was invisible in that stretch, as a time-bounded scan does.
  const budgetOut = !full && inRange(i);
  for (const e of out) ctx.served(e);
  let resumeAt: FilterToken['a'] | undefined;
  if (full) resumeAt = keyOf(out[out.length - 1]!);
  else if (budgetOut) resumeAt = lastExamined ? keyOf(lastExamined) : prev?.a ?? null;
  return { body: page(out, resumeAt === undefined ? undefined : makeToken(resumeAt, emptyPages)), events: out.length };
};

function page(events: StoredEvent[], nextToken: string | undefined): string {
  const items = events.map((e) => (e.json ??= `{"logStreamName":${JSON.stringify(e.stream)},"timestamp":${e.timestamp},"message":${JSON.stringify(e.message)},"ingestionTime":${e.ingestionTime},"eventId":"${e.eventId}"}`));
  return `{"events":[${items.join(',')}],"searchedLogStreams":[]${nextToken === undefined ? '' : `,"nextToken":${JSON.stringify(nextToken)}`}}`;
}

