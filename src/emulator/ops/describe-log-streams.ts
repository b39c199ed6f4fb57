// DescribeLogStreams: order by name (default) or LastEventTime, descending, literal prefix (not with
// LastEventTime), pages of limit 1..50. first/last event timestamps are eventually consistent: with
// describeLagMs they only reflect events ingested at least that long ago. storedBytes is always 0 (AWS
// stopped reporting it for streams in 2019).
import { invalidParameter } from '../aws-error.js';
import type { LogStream } from '../store.js';
import { Checker, streamNameRule } from '../validate.js';
import { readableGroup, groupArn, groupNameOf, type OpContext, type OpHandler } from './common.js';
import { listOffset, listToken } from './list-token.js';

interface StreamInfo {
  stream: LogStream;
  first?: number;
  last?: number;
  lastIngestion?: number;
}

function describe(stream: LogStream, cutoff: number): StreamInfo {
  const info: StreamInfo = { stream };
  for (const e of stream.events.view()) {
    if (e.ingestionTime > cutoff) continue;
    info.first = Math.min(info.first ?? Infinity, e.timestamp);
    info.last = Math.max(info.last ?? -Infinity, e.timestamp);
    info.lastIngestion = Math.max(info.lastIngestion ?? -Infinity, e.ingestionTime);
  }
  return info;
}

export const describeLogStreams: OpHandler = (ctx, body) => {
  const check = new Checker(body);
  const groupName = groupNameOf(check);
  const prefix = check.string('logStreamNamePrefix', streamNameRule);
  const orderBy = check.string('orderBy') ?? 'LogStreamName';
  if (orderBy !== 'LogStreamName' && orderBy !== 'LastEventTime') check.add('orderBy', orderBy, 'Member must satisfy enum value set: [LogStreamName, LastEventTime]');
  const descending = check.boolean('descending') ?? false;
  const token = check.string('nextToken', { min: 1 });
  const limit = check.integer('limit', { min: 1, max: 50 }) ?? 50;
  check.done();
  if (prefix !== undefined && orderBy === 'LastEventTime') throw invalidParameter('Cannot order by LastEventTime with a logStreamNamePrefix.');
  const group = readableGroup(ctx, 'DescribeLogStreams', groupName!);
  const query = ['streams', ctx.store.namespaceKey(ctx.caller), groupName, prefix, orderBy, descending];
  const offset = listOffset(token, query);

  const cutoff = ctx.now - ctx.config.describeLagMs;
  const infos = [...group.streams.values()].filter((s) => prefix === undefined || s.name.startsWith(prefix)).map((s) => describe(s, cutoff));
  const byName = (a: StreamInfo, b: StreamInfo) => (a.stream.name < b.stream.name ? -1 : a.stream.name > b.stream.name ? 1 : 0);
  infos.sort(orderBy === 'LogStreamName' ? byName : (a, b) => (a.last ?? 0) - (b.last ?? 0) || byName(a, b));
  if (descending) infos.reverse();
  const page = infos.slice(offset, offset + limit).map((i) => render(ctx, groupName!, i));
  const response: Record<string, unknown> = { logStreams: page };
  if (offset + limit < infos.length) response.nextToken = listToken(offset + limit, query);
  return { body: JSON.stringify(response) };
};

function render(ctx: OpContext, groupName: string, i: StreamInfo): Record<string, unknown> {
  const out: Record<string, unknown> = { logStreamName: i.stream.name, creationTime: i.stream.creationTime };
  if (i.first !== undefined) out.firstEventTimestamp = i.first;
  if (i.last !== undefined) out.lastEventTimestamp = i.last;
  if (i.lastIngestion !== undefined) out.lastIngestionTime = i.lastIngestion;
  out.uploadSequenceToken = String(i.stream.events.size).padStart(56, '4');
  out.arn = `${groupArn(ctx, groupName)}:log-stream:${i.stream.name}`;
  out.storedBytes = 0;
  return out;
}
