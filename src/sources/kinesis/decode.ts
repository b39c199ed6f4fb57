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
import { gunzipSync } from 'node:zlib';

export interface LogEvent {
  id: string;
  timestamp: number;
  message: string;
}

export type Decoded =
  | { kind: 'data'; logGroup: string; logStream: string; owner?: string; events: LogEvent[] }
  | { kind: 'control' }
  | { kind: 'filtered'; logGroup: string; logStream: string }
  | { kind: 'poison'; reason: string };

export interface AcceptLists {
  /** Log groups accepted; empty: any. */
  logGroups: string[];
  /** Log stream name prefix accepted; '' : any. */
  logStreamPrefix: string;
}

export function decodeRecord(data: Uint8Array, accept: AcceptLists): Decoded {
  let doc: unknown;
  try {
    doc = JSON.parse(gunzipSync(data).toString('utf8'));
  } catch (e) {
    return { kind: 'poison', reason: (e as Error).message };
  }
  if (!doc || typeof doc !== 'object') return { kind: 'poison', reason: 'not a JSON object' };
  const d = doc as Record<string, unknown>;
  if (d.messageType === 'CONTROL_MESSAGE') return { kind: 'control' };
  if (d.messageType !== 'DATA_MESSAGE') return { kind: 'poison', reason: `messageType ${JSON.stringify(d.messageType)}` };
  const { logGroup, logStream, logEvents } = d;
  if (typeof logGroup !== 'string' || typeof logStream !== 'string' || !Array.isArray(logEvents)) {
    return { kind: 'poison', reason: 'DATA_MESSAGE without logGroup, logStream or logEvents' };
  }
  if ((accept.logGroups.length && !accept.logGroups.includes(logGroup)) || !logStream.startsWith(accept.logStreamPrefix)) {
    return { kind: 'filtered', logGroup, logStream };
  }
  const events: LogEvent[] = [];
  for (const e of logEvents as Record<string, unknown>[]) {
    if (!e || typeof e.id !== 'string' || typeof e.message !== 'string') return { kind: 'poison', reason: 'a log event without id or message' };
    events.push({ id: e.id, timestamp: typeof e.timestamp === 'number' ? e.timestamp : 0, message: e.message });
  }
  // owner: the account of the log group, which may be another account's (a CloudWatch Logs destination)
  return { kind: 'data', logGroup, logStream, ...(typeof d.owner === 'string' && d.owner ? { owner: d.owner } : {}), events };
}
