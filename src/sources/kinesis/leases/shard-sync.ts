// Shard sync: every shard of the stream that should be read gets a lease (design.md §2, §7). Run in every
// process before each take; idempotent, because creation is conditional on the lease not existing.
//
// Which shards get a lease: open shards; closed shards that descend from a shard that has a lease (a shard
// split or merged again before anyone saw it); and, when the table is empty and reading starts at
// TRIM_HORIZON or AT_TIMESTAMP, every shard. A lease's first checkpoint is TRIM_HORIZON for the child of a
// shard the stream or the table still knows (a child is read from its first record, after its parents), the
// configured initial position otherwise. Children are found here through ListShards, not through
// GetRecords' ChildShards, which kinesalite does not return.
//
// Clean-up: a SHARD_END lease is deleted once its shard has expired from the stream (ListShards no longer
// returns it) and every child lease has started (its checkpoint is a sequence number or SHARD_END): nothing
// can need it then, neither the parent-before-child rule nor shard sync.
import { ListShardsCommand, type KinesisClient, type Shard } from '@aws-sdk/client-kinesis';
import { SHARD_END, TRIM_HORIZON, type LeaseItem, type LeaseTable, type NewLease } from './table.js';

export interface StreamRef {
  streamName?: string;
  streamArn?: string;
}

/** Every shard of the stream, open and closed (ListShards pages followed; an expired token restarts). */
export async function listShards(kinesis: KinesisClient, stream: StreamRef, signal?: AbortSignal): Promise<Shard[]> {
  for (;;) {
    const shards: Shard[] = [];
    let token: string | undefined;
    try {
      do {
        const out = await kinesis.send(new ListShardsCommand(token
          ? { NextToken: token }
          : { ...(stream.streamArn ? { StreamARN: stream.streamArn } : { StreamName: stream.streamName }) }), { abortSignal: signal });
        shards.push(...(out.Shards ?? []));
        token = out.NextToken;
      } while (token);
      return shards;
    } catch (e) {
      if ((e as Error).name !== 'ExpiredNextTokenException') throw e;
    }
  }
}

/** The initial checkpoint for a shard with no known parent: TRIM_HORIZON, LATEST or AT_TIMESTAMP:<ms>. */
export type InitialPosition = string;

export function leasesToCreate(shards: Shard[], leases: LeaseItem[], initial: InitialPosition): NewLease[] {
  const known = new Set(leases.map((l) => l.leaseKey));
  const listed = new Set(shards.map((s) => s.ShardId!));
  const parentsOf = (s: Shard) => [s.ParentShardId, s.AdjacentParentShardId].filter((p): p is string => !!p);
  const fromStart = leases.length === 0 && initial !== 'LATEST';
  const out: NewLease[] = [];
  const creating = new Set<string>();
  // parents come before children in ListShards order; one pass lets a closed child of a new lease in too
  for (const s of shards) {
    const id = s.ShardId!;
    if (known.has(id)) continue;
    const parents = parentsOf(s);
    const closed = !!s.SequenceNumberRange?.EndingSequenceNumber;
    const tracked = parents.some((p) => known.has(p) || creating.has(p));
    if (closed && !fromStart && !tracked) continue;
    const child = parents.some((p) => known.has(p) || listed.has(p));
    out.push({
      shardId: id,
      checkpoint: child ? TRIM_HORIZON : initial,
      parentShardIds: parents,
      startingHashKey: s.HashKeyRange?.StartingHashKey,
      endingHashKey: s.HashKeyRange?.EndingHashKey,
    });
    creating.add(id);
  }
  return out;
}

const started = (checkpoint: string) => checkpoint === SHARD_END || /^\d+$/.test(checkpoint);

export function leasesToDelete(shards: Shard[], leases: LeaseItem[]): LeaseItem[] {
  const listed = new Set(shards.map((s) => s.ShardId!));
  return leases.filter((l) => l.checkpoint === SHARD_END && !listed.has(l.leaseKey)
    && leases.every((c) => !c.parentShardIds.includes(l.leaseKey) || started(c.checkpoint)));
}

/** Lists the shards, creates the missing leases and deletes the finished ones; true when it changed any. */
export async function syncShards(kinesis: KinesisClient, stream: StreamRef, table: LeaseTable, leases: LeaseItem[], initial: InitialPosition, signal?: AbortSignal): Promise<boolean> {
  const shards = await listShards(kinesis, stream, signal);
  let created = false;
  for (const lease of leasesToCreate(shards, leases, initial)) {
    if (await table.create(lease, signal)) created = true;
  }
  for (const lease of leasesToDelete(shards, leases)) {
    if (await table.deleteEnded(lease.leaseKey, signal)) created = true;
  }
  return created;
}
