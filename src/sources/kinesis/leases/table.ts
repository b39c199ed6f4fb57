// The lease table in DynamoDB: one item per shard, with the Kinesis Client Library's attribute names so an
// operator who knows the KCL can read it (leases.md §2; kawa does not claim interoperability):
//
//   leaseKey S (shard id, hash key) · leaseOwner S (absent = free) · leaseCounter N · checkpoint S (sequence
//   number or TRIM_HORIZON / LATEST / AT_TIMESTAMP:<ms> / SHARD_END) · checkpointSubSequenceNumber N (0) ·
//   ownerSwitchesSinceCheckpoint N · parentShardId SS · startingHashKey / endingHashKey S ·
//   kawa's: handoffTo S (graceful hand-off request), lastOwnerVersion S, updatedAt N (informational only).
//
// Every mutation is conditional: on `leaseCounter` (the version every renew/take/checkpoint/release bumps) or,
// for creation, on the item not existing. A failed condition is a value (`false`/'lost'), not an exception.
import {
  ConditionalCheckFailedException, CreateTableCommand, DeleteItemCommand, DescribeTableCommand, GetItemCommand, PutItemCommand,
  ScanCommand, UpdateItemCommand, type AttributeValue, type DynamoDBClient,
} from '@aws-sdk/client-dynamodb';

export const SHARD_END = 'SHARD_END';
export const TRIM_HORIZON = 'TRIM_HORIZON';
export const LATEST = 'LATEST';

export interface LeaseItem {
  leaseKey: string;
  leaseOwner?: string;
  leaseCounter: number;
  checkpoint: string;
  ownerSwitchesSinceCheckpoint: number;
  parentShardIds: string[];
  handoffTo?: string;
}

export interface NewLease {
  shardId: string;
  checkpoint: string;
  parentShardIds: string[];
  startingHashKey?: string;
  endingHashKey?: string;
}

type Item = Record<string, AttributeValue>;

const s = (v: string): AttributeValue => ({ S: v });
const n = (v: number): AttributeValue => ({ N: String(v) });

export function parseLease(item: Item): LeaseItem {
  return {
    leaseKey: item.leaseKey?.S ?? '',
    leaseOwner: item.leaseOwner?.S,
    leaseCounter: Number(item.leaseCounter?.N ?? 0),
    checkpoint: item.checkpoint?.S ?? TRIM_HORIZON,
    ownerSwitchesSinceCheckpoint: Number(item.ownerSwitchesSinceCheckpoint?.N ?? 0),
    parentShardIds: item.parentShardId?.SS ?? [],
    handoffTo: item.handoffTo?.S,
  };
}

const isConditionFailure = (e: unknown) =>
  e instanceof ConditionalCheckFailedException || (e as Error)?.name === 'ConditionalCheckFailedException';

export class LeaseTable {
  constructor(
    private readonly client: DynamoDBClient,
    readonly name: string,
    private readonly version = 'kawa',
  ) {}

  /** Creates the table (on-demand billing) unless it exists, and waits until it is ACTIVE. */
  async ensure(create: boolean, signal?: AbortSignal): Promise<void> {
    if (await this.status(signal) === 'ACTIVE') return;
    if (create) {
      try {
        await this.client.send(new CreateTableCommand({
          TableName: this.name,
          BillingMode: 'PAY_PER_REQUEST',
          AttributeDefinitions: [{ AttributeName: 'leaseKey', AttributeType: 'S' }],
          KeySchema: [{ AttributeName: 'leaseKey', KeyType: 'HASH' }],
        }), { abortSignal: signal });
      } catch (e) {
        // another process is creating it at the same time: wait for it like for our own
        if ((e as Error).name !== 'ResourceInUseException') throw e;
      }
    }
    for (let i = 0; ; i++) {
      const st = await this.status(signal);
      if (st === 'ACTIVE') return;
      if (st === undefined && !create) throw Object.assign(new Error(`lease table ${this.name} does not exist`), { name: 'ResourceNotFoundException' });
      await new Promise((r) => setTimeout(r, Math.min(1000, 50 * 2 ** i)));
    }
  }

  private async status(signal?: AbortSignal): Promise<string | undefined> {
    try {
      const out = await this.client.send(new DescribeTableCommand({ TableName: this.name }), { abortSignal: signal });
      return out.Table?.TableStatus;
    } catch (e) {
      if ((e as Error).name === 'ResourceNotFoundException') return undefined;
      throw e;
    }
  }

  /** Every lease, read consistently (pages followed). */
  async scan(signal?: AbortSignal): Promise<LeaseItem[]> {
    const out: LeaseItem[] = [];
    let start: Item | undefined;
    do {
      const page = await this.client.send(new ScanCommand({ TableName: this.name, ConsistentRead: true, ExclusiveStartKey: start }), { abortSignal: signal });
      for (const item of page.Items ?? []) out.push(parseLease(item));
      start = page.LastEvaluatedKey;
    } while (start);
    return out;
  }

  async get(shardId: string, signal?: AbortSignal): Promise<LeaseItem | undefined> {
    const out = await this.client.send(new GetItemCommand({ TableName: this.name, Key: { leaseKey: s(shardId) }, ConsistentRead: true }), { abortSignal: signal });
    return out.Item ? parseLease(out.Item) : undefined;
  }

  /** Creates a free lease unless one exists; true when this call created it. */
  async create(lease: NewLease, signal?: AbortSignal): Promise<boolean> {
    const item: Item = {
      leaseKey: s(lease.shardId), leaseCounter: n(0), checkpoint: s(lease.checkpoint), checkpointSubSequenceNumber: n(0),
      ownerSwitchesSinceCheckpoint: n(0), updatedAt: n(Date.now()),
    };
    if (lease.parentShardIds.length) item.parentShardId = { SS: lease.parentShardIds };
    if (lease.startingHashKey) item.startingHashKey = s(lease.startingHashKey);
    if (lease.endingHashKey) item.endingHashKey = s(lease.endingHashKey);
    return this.conditional(() => this.client.send(new PutItemCommand({
      TableName: this.name, Item: item, ConditionExpression: 'attribute_not_exists(leaseKey)',
    }), { abortSignal: signal }));
  }

  /** Renewal: bumps the counter if we still own it at `counter`; the item after, or undefined when the condition failed. */
  async renew(shardId: string, owner: string, counter: number, signal?: AbortSignal): Promise<LeaseItem | undefined> {
    try {
      const out = await this.client.send(new UpdateItemCommand({
        TableName: this.name, Key: { leaseKey: s(shardId) },
        UpdateExpression: 'SET leaseCounter = leaseCounter + :one, updatedAt = :now',
        ConditionExpression: 'leaseOwner = :me AND leaseCounter = :c',
        ExpressionAttributeValues: { ':one': n(1), ':now': n(Date.now()), ':me': s(owner), ':c': n(counter) },
        ReturnValues: 'ALL_NEW',
      }), { abortSignal: signal });
      return out.Attributes ? parseLease(out.Attributes) : undefined;
    } catch (e) {
      if (isConditionFailure(e)) return undefined;
      throw e;
    }
  }

  /** Take (free, expired or stolen): owner := me if the counter is still the one we observed. */
  async take(shardId: string, owner: string, observedCounter: number, signal?: AbortSignal): Promise<boolean> {
    return this.conditional(() => this.client.send(new UpdateItemCommand({
      TableName: this.name, Key: { leaseKey: s(shardId) },
      UpdateExpression: 'SET leaseOwner = :me, leaseCounter = leaseCounter + :one, lastOwnerVersion = :v, updatedAt = :now ADD ownerSwitchesSinceCheckpoint :one REMOVE handoffTo',
      ConditionExpression: 'leaseCounter = :c',
      ExpressionAttributeValues: { ':me': s(owner), ':one': n(1), ':v': s(this.version), ':now': n(Date.now()), ':c': n(observedCounter) },
    }), { abortSignal: signal }));
  }

  /** Checkpoint under our ownership at `counter` (which it bumps). */
  async checkpoint(shardId: string, owner: string, counter: number, checkpoint: string, signal?: AbortSignal): Promise<boolean> {
    return this.conditional(() => this.client.send(new UpdateItemCommand({
      TableName: this.name, Key: { leaseKey: s(shardId) },
      UpdateExpression: 'SET checkpoint = :cp, checkpointSubSequenceNumber = :zero, ownerSwitchesSinceCheckpoint = :zero, leaseCounter = leaseCounter + :one, updatedAt = :now',
      ConditionExpression: 'leaseOwner = :me AND leaseCounter = :c',
      ExpressionAttributeValues: { ':cp': s(checkpoint), ':zero': n(0), ':one': n(1), ':now': n(Date.now()), ':me': s(owner), ':c': n(counter) },
    }), { abortSignal: signal }));
  }

  /**
   * Release (free the lease) or transfer it to `to` (graceful hand-off), under our ownership at `counter`; a
   * transfer also needs the request to stand (`handoffTo = to`): a requester that shut down withdrew it.
   */
  async release(shardId: string, owner: string, counter: number, to?: string, signal?: AbortSignal): Promise<boolean> {
    const values: Item = { ':one': n(1), ':now': n(Date.now()), ':me': s(owner), ':c': n(counter) };
    if (to) values[':to'] = s(to);
    return this.conditional(() => this.client.send(new UpdateItemCommand({
      TableName: this.name, Key: { leaseKey: s(shardId) },
      UpdateExpression: to
        ? 'SET leaseOwner = :to, leaseCounter = leaseCounter + :one, updatedAt = :now ADD ownerSwitchesSinceCheckpoint :one REMOVE handoffTo'
        : 'SET leaseCounter = leaseCounter + :one, updatedAt = :now REMOVE leaseOwner, handoffTo',
      ConditionExpression: to ? 'leaseOwner = :me AND leaseCounter = :c AND handoffTo = :to' : 'leaseOwner = :me AND leaseCounter = :c',
      ExpressionAttributeValues: values,
    }), { abortSignal: signal }));
  }

  /** Asks `owner` to hand the lease to `to`: does not bump the counter, so the owner's renewals go on. */
  async requestHandoff(shardId: string, owner: string, to: string, signal?: AbortSignal): Promise<boolean> {
    return this.conditional(() => this.client.send(new UpdateItemCommand({
      TableName: this.name, Key: { leaseKey: s(shardId) },
      UpdateExpression: 'SET handoffTo = :to',
      ConditionExpression: 'leaseOwner = :owner AND attribute_not_exists(handoffTo)',
      ExpressionAttributeValues: { ':to': s(to), ':owner': s(owner) },
    }), { abortSignal: signal }));
  }

  /** Deletes a finished lease (checkpoint SHARD_END) once nothing needs it. */
  async deleteEnded(shardId: string, signal?: AbortSignal): Promise<boolean> {
    return this.conditional(() => this.client.send(new DeleteItemCommand({
      TableName: this.name, Key: { leaseKey: s(shardId) },
      ConditionExpression: 'checkpoint = :end',
      ExpressionAttributeValues: { ':end': s(SHARD_END) },
    }), { abortSignal: signal }));
  }

  /** Withdraws our hand-off request (shutdown), if it still stands. */
  async withdrawHandoff(shardId: string, requester: string, signal?: AbortSignal): Promise<boolean> {
    return this.conditional(() => this.client.send(new UpdateItemCommand({
      TableName: this.name, Key: { leaseKey: s(shardId) },
      UpdateExpression: 'REMOVE handoffTo',
      ConditionExpression: 'handoffTo = :me',
      ExpressionAttributeValues: { ':me': s(requester) },
    }), { abortSignal: signal }));
  }

  private async conditional(write: () => Promise<unknown>): Promise<boolean> {
    try {
      await write();
      return true;
    } catch (e) {
      if (isConditionFailure(e)) return false;
      throw e;
    }
  }
}
