// GetLogEvents (wire.md §2.2): one stream, startTime inclusive, endTime EXCLUSIVE, newest page first
// unless startFromHead, events without eventId/logStreamName. Tokens are `f/<56 digits>` (events after a
// key) and `b/<56 digits>` (events before it); when nothing is left the same token comes back, which is
// how clients detect the end of a stream.
import { invalidParameter, streamNotFound } from '../aws-error.js';
import { boundKey, lowerBoundTimestamp, type Key } from '../store.js';
import type { StoredEvent } from '../types.js';
import { Checker, streamNameRule } from '../validate.js';
import { readableGroup, groupNameOf, MAX_PAGE_BYTES, type OpHandler } from './common.js';

// 56 digits = timestamp (16) + ingestionTime (16) + seq (24)
const encode = (k: Key) => `${String(k.timestamp).padStart(16, '0')}${String(k.ingestionTime).padStart(16, '0')}${String(k.seq).padStart(24, '0')}`;
const TOKEN = /^([fb])\/(\d{16})(\d{16})(\d{24})$/;
const MAX_TIMESTAMP = 9_999_999_999_999_999;

export const getLogEvents: OpHandler = (ctx, body) => {
  const check = new Checker(body);
  const groupName = groupNameOf(check);
  const streamName = check.string('logStreamName', { ...streamNameRule, required: true });
  const startTime = check.integer('startTime', { min: 0 });
  const endTime = check.integer('endTime', { min: 0 });
  const token = check.string('nextToken', { min: 1 });
  const limit = check.integer('limit', { min: 1, max: 10_000 }) ?? 10_000;
  const startFromHead = check.boolean('startFromHead') ?? false;
  check.boolean('unmask');
  check.done();
  const stream = readableGroup(ctx, 'GetLogEvents', groupName!).streams.get(streamName!);
  if (!stream) throw streamNotFound();

  let forward = startFromHead;
  let from: Key | undefined;
  if (token !== undefined) {
    const m = TOKEN.exec(token);
    if (!m) throw invalidParameter('The specified nextToken is invalid.');
    forward = m[1] === 'f';
    from = { timestamp: Number(m[2]), ingestionTime: Number(m[3]), seq: Number(m[4]) };
  }

  const events = stream.events.view();
  const lo = startTime === undefined ? 0 : lowerBoundTimestamp(events, startTime);
  const hi = endTime === undefined ? events.length : lowerBoundTimestamp(events, endTime);
  const out: StoredEvent[] = [];
  let bytes = 0;
  const take = (e: StoredEvent) => {
    if (e.visibleAt > ctx.now) return true;
    if (out.length >= limit || (out.length > 0 && bytes + e.bytes > MAX_PAGE_BYTES)) return false;
    out.push(e);
    bytes += e.bytes;
    return true;
  };
  if (forward) {
    for (let i = from ? Math.max(lo, boundKey(events, from, false)) : lo; i < hi && take(events[i]!); i++);
  } else {
    for (let i = (from ? Math.min(hi, boundKey(events, from, true)) : hi) - 1; i >= lo && take(events[i]!); i--);
    out.reverse();
  }
  for (const e of out) ctx.served(e);

  const first = out[0], last = out[out.length - 1];
  const lowEdge: Key = { timestamp: startTime ?? 0, ingestionTime: 0, seq: 0 };
  const highEdge: Key = { timestamp: endTime ?? MAX_TIMESTAMP, ingestionTime: 0, seq: 0 };
  const nextForwardToken = last ? `f/${encode(last)}` : token !== undefined && forward ? token : `f/${encode(forward ? lowEdge : from ?? highEdge)}`;
  const nextBackwardToken = first ? `b/${encode(first)}` : token !== undefined && !forward ? token : `b/${encode(forward ? from ?? lowEdge : highEdge)}`;
  const items = out.map((e) => `{"timestamp":${e.timestamp},"message":${JSON.stringify(e.message)},"ingestionTime":${e.ingestionTime}}`);
  return {
    body: `{"events":[${items.join(',')}],"nextForwardToken":${JSON.stringify(nextForwardToken)},"nextBackwardToken":${JSON.stringify(nextBackwardToken)}}`,
    events: out.length,
  };
};
