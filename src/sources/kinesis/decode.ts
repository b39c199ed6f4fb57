// Decoding one Kinesis record written by a CloudWatch Logs subscription filter (subscription.md §1).
//
//   Data = gzip( JSON {
//     messageType: "DATA_MESSAGE" | "CONTROL_MESSAGE",
//     owner, logGroup, logStream, subscriptionFilters: [...],
//     logEvents: [ { id: "<56-digit decimal>", timestamp: <ms>, message: "<one audit event as JSON text>" }, ... ]
//   } )
//
// Control messages (CloudWatch's reachability probe, id "") are skipped before any id is looked at. Records
// of another log group or log stream than the accept-lists allow are skipped whole. A record whose gzip or
// JSON is broken, or whose shape is not the one above, is a poison record: the caller counts and logs it and
// the shard goes on. Unknown fields are ignored (newer CloudWatch features add some).
//
// A record is inflated off the event loop (zlib's thread pool) and only up to MAX_INFLATED_BYTES: one record
// of just under 1 MiB can hold about 1 GiB of zeros, which inflated whole blocked the event loop for seconds
// and held the gigabyte. A record that would inflate past the cap is a poison record too.
import { promisify } from 'node:util';
import { gunzip } from 'node:zlib';

/**
 * The most one record may inflate to. A record's data is at most 1 MiB of gzip, and CloudWatch puts in one
 * the log events of one stream, at most about 1 MiB of messages (a PutLogEvents batch), which JSON escaping
 * makes at most a few MiB: 16 MiB never refuses a real record and bounds a gzip bomb.
 */
export const MAX_INFLATED_BYTES = 16 << 20;

const inflate = promisify(gunzip);

export interface LogEvent {
  id: string;
  timestamp: number;
  message: string;
}

export type Decoded =
  | { kind: 'data'; logGroup: string; logStream: string; owner?: string; events: LogEvent[] }
  | { kind: 'control' }
  | { kind: 'filtered'; logGroup: string; logStream: string }
  | { kind: 'poison'; cause: PoisonCause; reason: string };

/** Why a record is poison: its gzip is broken, it inflates past the cap, its JSON is broken, or its shape. */
export type PoisonCause = 'gzip' | 'too_large' | 'json' | 'shape';

export interface AcceptLists {
  /** Log groups accepted; empty: any. */
  logGroups: string[];
  /** Log stream name prefix accepted; '' : any. */
  logStreamPrefix: string;
}

export async function decodeRecord(data: Uint8Array, accept: AcceptLists, maxInflatedBytes = MAX_INFLATED_BYTES): Promise<Decoded> {
  let text: string;
  try {
    text = (await inflate(data, { maxOutputLength: maxInflatedBytes })).toString('utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE') {
      return poison('too_large', `inflates to more than ${maxInflatedBytes} bytes (${data.length} bytes of gzip)`);
    }
    return poison('gzip', (e as Error).message);
  }
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (e) {
    return poison('json', (e as Error).message);
  }
  if (!doc || typeof doc !== 'object') return poison('shape', 'not a JSON object');
  const d = doc as Record<string, unknown>;
  if (d.messageType === 'CONTROL_MESSAGE') return { kind: 'control' };
  if (d.messageType !== 'DATA_MESSAGE') return poison('shape', `messageType ${JSON.stringify(d.messageType)}`);
  const { logGroup, logStream, logEvents } = d;
  if (typeof logGroup !== 'string' || typeof logStream !== 'string' || !Array.isArray(logEvents)) {
    return poison('shape', 'DATA_MESSAGE without logGroup, logStream or logEvents');
  }
  if ((accept.logGroups.length && !accept.logGroups.includes(logGroup)) || !logStream.startsWith(accept.logStreamPrefix)) {
    return { kind: 'filtered', logGroup, logStream };
  }
  const events: LogEvent[] = [];
  for (const e of logEvents as Record<string, unknown>[]) {
    if (!e || typeof e.id !== 'string' || typeof e.message !== 'string') return poison('shape', 'a log event without id or message');
    events.push({ id: e.id, timestamp: typeof e.timestamp === 'number' ? e.timestamp : 0, message: e.message });
  }
  // owner: the account of the log group, which may be another account's (a CloudWatch Logs destination)
  return { kind: 'data', logGroup, logStream, ...(typeof d.owner === 'string' && d.owner ? { owner: d.owner } : {}), events };
}

const poison = (cause: PoisonCause, reason: string): Decoded => ({ kind: 'poison', cause, reason });
