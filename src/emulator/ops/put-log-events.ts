// PutLogEvents with the service's batch rules (wire.md §2.4): ≤ 10,000 events, chronological order,
// ≤ 24 h span, Σ(bytes + 26) ≤ 1,048,576, each event ≤ maxEventBytes. Events too old (> 14 days) or too
// new (> 2 h ahead) are rejected one by one and reported in rejectedLogEventsInfo; the rest are stored.
import { invalidParameter, streamNotFound } from '../aws-error.js';
import type { NewEvent } from '../store.js';
import { truncateMessage } from '../truncate.js';
import { Checker, groupNameRule, streamNameRule } from '../validate.js';
import { findGroup, MAX_PAGE_BYTES, type OpHandler } from './common.js';

const DAY_MS = 24 * 3600_000;
const TOO_NEW_MS = 2 * 3600_000;
const TOO_OLD_MS = 14 * DAY_MS;

export const putLogEvents: OpHandler = (ctx, body) => {
  const check = new Checker(body);
  const groupName = check.string('logGroupName', { ...groupNameRule, required: true });
  const streamName = check.string('logStreamName', { ...streamNameRule, required: true });
  check.string('sequenceToken', { min: 1 });
  const raw = check.list('logEvents', { required: true, min: 1, max: 10_000 }) ?? [];
  const events = raw.map((item, i) => {
    const member = `logEvents.${i + 1}.member`;
    const e = (typeof item === 'object' && item !== null ? item : {}) as Record<string, unknown>;
    const c = new Checker(e);
    const timestamp = c.integer('timestamp', { required: true, min: 0 });
    const message = c.string('message', { required: true, min: 1 });
    try {
      c.done();
    } catch {
      check.add(member, JSON.stringify(item), 'Member must have a timestamp >= 0 and a non-empty message');
    }
    return { timestamp: timestamp ?? 0, message: message ?? '' };
  });
  check.done();

  const group = findGroup(ctx, groupName!);
  const stream = group.streams.get(streamName!);
  if (!stream) throw streamNotFound();

  for (let i = 1; i < events.length; i++) {
    if (events[i]!.timestamp < events[i - 1]!.timestamp) throw invalidParameter('Log events in a single PutLogEvents request must be in chronological order.');
  }
  if (events[events.length - 1]!.timestamp - events[0]!.timestamp > DAY_MS) {
    throw invalidParameter('The batch of log events in a single PutLogEvents request cannot span more than 24 hours.');
  }
  const { truncateAt, maxEventBytes, putTimeChecks } = ctx.config;
  let total = 0;
  const prepared = events.map((e) => {
    const cut = truncateAt === null ? { message: e.message, truncated: false } : truncateMessage(e.message, truncateAt);
    const bytes = Buffer.byteLength(cut.message, 'utf8') + 26;
    if (bytes > maxEventBytes) throw invalidParameter(`Log event too large: ${bytes} bytes exceeds limit of ${maxEventBytes}`);
    total += bytes;
    return { ...e, ...cut };
  });
  if (total > MAX_PAGE_BYTES) throw invalidParameter(`Upload too large: ${total} bytes exceeds limit of ${MAX_PAGE_BYTES}`);

  // chronological order makes the rejected events a prefix (too old) and a suffix (too new)
  let first = 0, end = prepared.length;
  if (putTimeChecks) {
    while (first < end && prepared[first]!.timestamp < ctx.now - TOO_OLD_MS) first++;
    while (end > first && prepared[end - 1]!.timestamp > ctx.now + TOO_NEW_MS) end--;
  }
  const batch: NewEvent[] = prepared.slice(first, end).map((e) => ({
    stream: streamName!, timestamp: e.timestamp, message: e.message, truncated: e.truncated,
    ...ctx.visibility.forPut(streamName!, e.timestamp, ctx.now),
  }));
  const stored = ctx.store.insert(group, batch);

  const rejected: Record<string, number> = {};
  if (first > 0) rejected.tooOldLogEventEndIndex = first - 1;
  if (end < prepared.length) rejected.tooNewLogEventStartIndex = end;
  const last = stored[stored.length - 1];
  const response: Record<string, unknown> = { nextSequenceToken: String(last?.seq ?? 0).padStart(56, '4') };
  if (Object.keys(rejected).length) response.rejectedLogEventsInfo = rejected;
  return { body: JSON.stringify(response) };
};
