// The shared alert table (design.md §6, layer 3): one DynamoDB item per alert id that makes alert emission
// exactly-once across the processes reading a stream, whatever re-read the stream's at-least-once delivery
// causes (a CloudWatch retry in another shard, a dead owner's un-checkpointed records, a lost checkpoint).
//
//   item: alertId S (hash key) · writer S (process that claimed it, for people reading the table) · claim S
//   (the claim's own token) · state S (sending | sent) · expiresAt N (Unix s; enable TTL on it in AWS, at
//   least the stream's retention)
//
// Protocol for each alert, before any output sees it, under a token new to each attempt to send it:
//   claim   PutItem if attribute_not_exists(alertId)            → send it
//   taken, our token                                             → an earlier try of this same claim wrote it and
//           its answer was lost (a timeout, a reset): ours, send it
//   taken, state sent                                            → a repeat: drop it
//   taken, state sending under another token                     → another process (or an earlier read in this
//           one) is sending it or died doing so: wait, re-reading; once the marker stayed unchanged for staleMs
//           by this process's clock (no clocks are compared across machines), take it over (claim = theirs AND
//           state = sending) and send it
//   after the outputs accepted and flushed it: state := sent, if the claim is still ours
// The token, not the process, owns a marker: a process that meets its own `sending` marker cannot tell a claim
// still being sent from one it abandoned (its request timed out after the write landed, its outputs failed), so
// it waits like anyone else rather than drop an alert nobody will send.
// A process that dies between its outputs writing an alert and marking it sent makes the alert go out twice,
// and so does one cut from DynamoDB in that moment for longer than staleMs (it cannot be told from a dead
// one); one that dies before writing it loses nothing (the next owner sends it). The choice favours a rare
// repeat over a lost alert.
import {
  CreateTableCommand, DescribeTableCommand, GetItemCommand, PutItemCommand, UpdateItemCommand, type DynamoDBClient,
} from '@aws-sdk/client-dynamodb';

export type Claim = 'claimed' | 'duplicate';

const conditionFailed = (e: unknown) => (e as Error)?.name === 'ConditionalCheckFailedException';

export interface AlertTableOptions {
  ttlHours: number;
  /** How long a `sending` marker of another process must stay unchanged before it is taken over. */
  staleMs: number;
  /** Between re-reads of a marker that another process is sending. */
  pollMs?: number;
  clock?: () => number;
}

export class AlertTable {
  private readonly clock: () => number;

  constructor(
    private readonly client: DynamoDBClient,
    readonly name: string,
    private readonly writer: string,
    private readonly o: AlertTableOptions,
  ) {
    this.clock = o.clock ?? (() => performance.now());
  }

  async ensure(create: boolean, signal?: AbortSignal): Promise<void> {
    const status = async () => {
      try {
        return (await this.client.send(new DescribeTableCommand({ TableName: this.name }), { abortSignal: signal })).Table?.TableStatus;
      } catch (e) {
        if ((e as Error).name === 'ResourceNotFoundException') return undefined;
        throw e;
      }
    };
    if (await status() === 'ACTIVE') return;
    if (!create) throw Object.assign(new Error(`alert table ${this.name} does not exist`), { name: 'ResourceNotFoundException' });
    try {
      await this.client.send(new CreateTableCommand({
        TableName: this.name, BillingMode: 'PAY_PER_REQUEST',
        AttributeDefinitions: [{ AttributeName: 'alertId', AttributeType: 'S' }],
        KeySchema: [{ AttributeName: 'alertId', KeyType: 'HASH' }],
      }), { abortSignal: signal });
    } catch (e) {
      if ((e as Error).name !== 'ResourceInUseException') throw e;
    }
    for (let i = 0; await status() !== 'ACTIVE'; i++) await new Promise((r) => setTimeout(r, Math.min(1000, 50 * 2 ** i)));
  }

  /** Claims the alert for this process under `token` (the same for every retry of one claim), or says it was
   *  already sent. Waits while another claim of it is being sent. */
  async claim(alertId: string, token: string, signal?: AbortSignal): Promise<Claim> {
    const expiresAt = Math.floor(Date.now() / 1000) + this.o.ttlHours * 3600;
    try {
      await this.client.send(new PutItemCommand({
        TableName: this.name,
        Item: { alertId: { S: alertId }, writer: { S: this.writer }, claim: { S: token }, state: { S: 'sending' }, expiresAt: { N: String(expiresAt) } },
        ConditionExpression: 'attribute_not_exists(alertId)',
      }), { abortSignal: signal });
      return 'claimed';
    } catch (e) {
      if (!conditionFailed(e)) throw e;
    }
    let first: { claim: string; since: number } | undefined;
    for (;;) {
      const out = await this.client.send(new GetItemCommand({ TableName: this.name, Key: { alertId: { S: alertId } }, ConsistentRead: true }), { abortSignal: signal });
      if (!out.Item) return this.claim(alertId, token, signal);
      const theirs = out.Item.claim?.S;
      if (theirs === token) return 'claimed';
      if (out.Item.state?.S === 'sent') return 'duplicate';
      // a marker without a token is one an earlier kawa wrote: its writer identifies the claim
      const held = theirs ?? `writer:${out.Item.writer?.S ?? ''}`;
      const now = this.clock();
      if (!first || first.claim !== held) first = { claim: held, since: now };
      if (now - first.since >= this.o.staleMs) {
        try {
          await this.client.send(new UpdateItemCommand({
            TableName: this.name, Key: { alertId: { S: alertId } },
            UpdateExpression: 'SET #w = :me, #c = :token',
            ConditionExpression: theirs === undefined ? 'attribute_not_exists(#c) AND #w = :them AND #s = :sending' : '#c = :them AND #s = :sending',
            ExpressionAttributeNames: { '#s': 'state', '#w': 'writer', '#c': 'claim' },
            ExpressionAttributeValues: {
              ':me': { S: this.writer }, ':token': { S: token }, ':them': { S: theirs ?? out.Item.writer?.S ?? '' }, ':sending': { S: 'sending' },
            },
          }), { abortSignal: signal });
          return 'claimed';
        } catch (e) {
          if (!conditionFailed(e)) throw e;
          first = undefined;
          continue;
        }
      }
      await new Promise((r) => setTimeout(r, this.o.pollMs ?? 200));
    }
  }

  /** How long a claim may age before the claimer must check it still holds it (another may take it over at staleMs). */
  get recheckAfterMs(): number {
    return this.o.staleMs / 2;
  }

  /** The marker is still this claim's: no other process took it over while we were stalled. */
  async stillMine(alertId: string, token: string, signal?: AbortSignal): Promise<boolean> {
    const out = await this.client.send(new GetItemCommand({ TableName: this.name, Key: { alertId: { S: alertId } }, ConsistentRead: true }), { abortSignal: signal });
    return out.Item?.claim?.S === token;
  }

  async markSent(alertId: string, token: string, signal?: AbortSignal): Promise<void> {
    try {
      await this.client.send(new UpdateItemCommand({
        TableName: this.name, Key: { alertId: { S: alertId } },
        UpdateExpression: 'SET #s = :sent',
        ConditionExpression: '#c = :token',
        ExpressionAttributeNames: { '#s': 'state', '#c': 'claim' },
        ExpressionAttributeValues: { ':sent': { S: 'sent' }, ':token': { S: token } },
      }), { abortSignal: signal });
    } catch (e) {
      // another process took the marker over (we stalled past staleMs): it sends; nothing to mark
      if (!conditionFailed(e)) throw e;
    }
  }
}
