// What a GetRecords answer must look like before the shard reader trusts it. The SDK checks nothing: a proxy
// or an endpoint that is not Kinesis could answer `Records: "x"` or a record without its sequence number, and
// the reader would checkpoint `undefined` or read characters as records. An answer wrong as a whole is a failed
// request (MalformedAnswerError, retried like any other failure); a record without a sequence number cannot be
// checkpointed past and is a poison record (counted, the shard goes on).
import type { GetRecordsCommandOutput } from '@aws-sdk/client-kinesis';
import { MalformedAnswerError } from '../malformed-answer.js';

export interface ShardRecord {
  seq: string;
  /** The record's bytes (empty when the answer had none: decodeRecord calls that a broken gzip). */
  data: Uint8Array;
}

export interface CheckedRecords {
  records: ShardRecord[];
  /** Records without a sequence number: skipped. */
  unsequenced: number;
  next?: string;
  millisBehind: number;
}

export function checkRecords(out: GetRecordsCommandOutput): CheckedRecords {
  const answer = out as unknown as Record<string, unknown>;
  const list = answer.Records ?? [];
  if (!Array.isArray(list)) throw new MalformedAnswerError('Records is not a list');
  const next = answer.NextShardIterator ?? undefined;
  if (next !== undefined && (typeof next !== 'string' || next === '')) throw new MalformedAnswerError('NextShardIterator is not a string');
  const behind = answer.MillisBehindLatest ?? 0;
  const records: ShardRecord[] = [];
  let unsequenced = 0;
  for (const r of list as unknown[]) {
    const rec = (r ?? {}) as Record<string, unknown>;
    if (typeof rec.SequenceNumber !== 'string' || rec.SequenceNumber === '') {
      unsequenced++;
      continue;
    }
    records.push({ seq: rec.SequenceNumber, data: rec.Data instanceof Uint8Array ? rec.Data : new Uint8Array() });
  }
  return { records, unsequenced, ...(next ? { next } : {}), millisBehind: typeof behind === 'number' && Number.isFinite(behind) ? behind : 0 };
}
