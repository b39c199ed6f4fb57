// One held shard's polling loop (design.md §2.4, §7, §9, §10): iterator from the lease's checkpoint →
// GetRecords → decode → queue for the source, at most maxInflightBatchesPerShard batches fetched and not
// acknowledged (the data waits in Kinesis, not in memory) → the checkpoint follows the acknowledgements.
//
// How it ends:
//   lost      the lease was taken: stop at once, drop what was not handed downstream, write nothing.
//   handoff   another process asked for the shard: stop fetching, wait until what was handed downstream is
//             acknowledged, checkpoint, transfer the lease to it (it starts right after our checkpoint).
//   drain     shutdown: the same, then release the lease (free for anyone).
//   shard end no NextShardIterator: wait for every acknowledgement, checkpoint SHARD_END, release; the
//             children's leases (created by shard sync) become eligible.
// Errors: throttling backs off (1 s → 10 s, full jitter) keeping the iterator; an expired iterator is
// re-issued after the last sequence number fetched; other failures back off and, after a few, restart from
// the checkpoint (the dedup layers absorb the re-read).
import { GetRecordsCommand, GetShardIteratorCommand, type GetShardIteratorCommandInput, type KinesisClient } from '@aws-sdk/client-kinesis';
import type { LeaseManager, Tenure } from './leases/manager.js';
import type { StreamRef } from './leases/shard-sync.js';
import { LATEST, SHARD_END, TRIM_HORIZON } from './leases/table.js';
import type { Logger } from '../../core/logger.js';
import type { KawaErrorCode } from '../../core/errors.js';
import { AckWindow, type Ticket } from '../../core/ack-window.js';
import type { KinesisConfig } from './config.js';
import { decodeRecord, type Decoded, type LogEvent, type PoisonCause } from './decode.js';
import { checkRecords } from './records-shape.js';
import type { KinesisMetrics } from './metrics.js';

/** One GetRecords response in the shard's ack window: its last sequence number, and whether any of it was
 *  handed downstream yet (a response never handed out is simply read again by the next owner). */
export interface Fetch {
  readonly seq: string;
  handed: boolean;
}

/** Events of one GetRecords response, waiting to become SourceBatches (several when it is large). */
export interface Fetched {
  reader: ShardReader;
  entry: Ticket<Fetch>;
  events: (LogEvent & { logGroup: string; owner?: string })[];
  /** Events already handed downstream. */
  taken: number;
  /** Batches cut from it that were handed downstream and not acknowledged yet. */
  open: number;
}

export interface ReaderContext {
  kinesis: KinesisClient;
  stream: StreamRef;
  config: KinesisConfig;
  manager: LeaseManager;
  /** How long a shutdown (drain) waits for acknowledgements: the lease is renewed meanwhile. */
  drainMs: number;
  /** A batch is queued, or the reader ended: the source looks again. */
  wake(): void;
  logger?: Logger;
  metrics?: KinesisMetrics;
  /** A record not evaluated; a poison one with its cause. */
  onSkip?(d: Exclude<Decoded, { kind: 'data' }>): void;
}

const sleep = (ms: number, signal: AbortSignal) =>
  new Promise<void>((resolve) => {
    if (signal.aborted) return resolve();
    const t = setTimeout(done, ms);
    function done() {
      clearTimeout(t);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
  });

const isThrottle = (e: unknown) => ['ProvisionedThroughputExceededException', 'LimitExceededException', 'ThrottlingException'].includes((e as Error).name);

export class ShardReader {
  readonly queue: Fetched[] = [];
  /** Responses in fetch order; the checkpoint follows what is acknowledged together with all before it. */
  readonly acks = new AckWindow<Fetch>();
  /** The last sequence number acknowledged with everything before it. */
  private acknowledged: string | undefined;
  /** Set once the reader stopped fetching; `done` resolves when it has finished its ending. */
  ending: 'lost' | 'handoff' | 'drain' | 'shard-end' | undefined;
  readonly done: Promise<void>;
  private readonly stopFetch = new AbortController();
  private wakeRoom: (() => void) | undefined;
  private lastFetched: string | undefined;
  private lastCheckpointAt = performance.now();
  /** Acknowledged past the last checkpoint written. */
  private unwritten: string | undefined;
  private readonly shardId: string;

  constructor(readonly tenure: Tenure, private readonly ctx: ReaderContext) {
    this.shardId = tenure.shardId;
    this.done = this.run().catch((e) => {
      ctx.logger?.error({ shard: this.shardId, err: (e as Error).message }, 'shard reader failed');
    }).then(async () => {
      // a reader that ended without handing the lease on (failed, or its last checkpoint could not be
      // written) frees it: the next owner reads on from the last checkpoint written
      if (this.tenure.active) await ctx.manager.release(this.tenure);
    }).finally(() => {
      ctx.metrics?.millisBehind.remove({ shard: this.shardId });
      ctx.metrics?.checkpointAge.remove({ shard: this.shardId });
      ctx.wake();
    });
  }

  /** The lease was lost: stop now, hand nothing more downstream. */
  lose(): void {
    this.stop('lost');
  }

  /** Stop fetching, finish what is in flight, checkpoint, then hand off (to the requester) or release. */
  finish(how: 'handoff' | 'drain'): Promise<void> {
    this.stop(how);
    return this.done;
  }

  /** Called by the source when a batch it handed downstream was acknowledged. */
  acked(e: Ticket<Fetch>): void {
    this.advance(this.acks.ack(e));
    this.wakeRoom?.();
  }

  /** The batch may be handed downstream now (the lease is held and renewals are current). */
  get open(): boolean {
    return this.ending !== 'lost' && !this.ctx.manager.fenced(this.tenure);
  }

  private stop(how: 'lost' | 'handoff' | 'drain'): void {
    if (this.ending === 'lost' || this.ending === how) return;
    this.ending = how;
    if (how === 'lost' || how === 'drain') {
      // never handed downstream: the next owner reads these records again; a response partly handed out
      // will never be complete, so the checkpoint must stop before it
      const front = this.queue[0];
      if (front && front.taken > 0) this.advance(this.acks.forget(front.entry));
      this.queue.length = 0;
      this.advance(this.acks.forgetWhere((f) => !f.handed));
    }
    this.stopFetch.abort();
    this.wakeRoom?.();
  }

  private async run(): Promise<void> {
    await this.fetchLoop();
    if (this.ending === 'lost') return;
    // handoff and shard end: what was fetched is still to be handed downstream; drain: only what is handed
    await this.waitAcked();
    if (!this.tenure.active) return;
    const m = this.ctx.manager;
    if (this.ending === 'shard-end') {
      if (await m.checkpoint(this.tenure, SHARD_END)) {
        await m.release(this.tenure);
        this.ctx.logger?.info({ shard: this.shardId }, 'shard read to its end');
      }
      return;
    }
    await this.writeCheckpoint(true);
    if (!this.tenure.active) return;
    await m.release(this.tenure, this.ending === 'handoff' ? this.tenure.handoffTo : undefined);
  }

  /** Waits until every batch still to deliver is acknowledged (the checkpoint advanced past it), or the lease is lost. */
  private async waitAcked(): Promise<void> {
    // shutdown waits within the service's own timeout; a hand-off as long as the requester waits
    const limit = performance.now() + (this.ending === 'drain' ? this.ctx.drainMs : 2 * this.ctx.config.leases.leaseDurationMs);
    while (this.unacked > 0 && this.ending !== 'lost' && performance.now() < limit) {
      await new Promise<void>((r) => {
        this.wakeRoom = r;
        setTimeout(r, 100);
      });
      await this.writeCheckpoint(false);
    }
  }

  private async fetchLoop(): Promise<void> {
    const c = this.ctx.config;
    const signal = this.stopFetch.signal;
    let iterator = await this.iterator(this.tenure.checkpoint);
    let failures = 0;
    let backoff = 1000;
    while (!signal.aborted && iterator) {
      await this.writeCheckpoint(false);
      if (this.unacked >= c.maxInflightBatchesPerShard) {
        await new Promise<void>((r) => {
          this.wakeRoom = r;
          setTimeout(r, 200);
        });
        continue;
      }
      let out;
      try {
        out = checkRecords(await this.ctx.kinesis.send(new GetRecordsCommand({ ShardIterator: iterator, Limit: c.maxRecordsPerCall }), { abortSignal: signal }));
        failures = 0;
        backoff = 1000;
      } catch (e) {
        if (signal.aborted) return;
        const name = (e as Error).name;
        if (isThrottle(e)) {
          this.ctx.metrics?.throttled.inc({ shard: this.shardId });
          await sleep(Math.random() * backoff, signal);
          backoff = Math.min(backoff * 2, 10_000);
          continue;
        }
        if (name === 'ExpiredIteratorException') {
          iterator = await this.iterator(this.lastFetched ?? this.tenure.checkpoint);
          continue;
        }
        if (name === 'ResourceNotFoundException') {
          // the shard expired from the stream: its data is gone
          this.ctx.logger?.error({ shard: this.shardId }, 'shard no longer exists in the stream: marking it ended');
          this.ending = 'shard-end';
          return;
        }
        failures++;
        this.ctx.logger?.warn({ shard: this.shardId, err: (e as Error).message, failures }, 'GetRecords failed, retrying');
        await sleep(Math.min(10_000, 500 * 2 ** Math.min(failures, 5)), signal);
        if (failures % 5 === 0) iterator = await this.iterator(this.lastFetched ?? this.tenure.checkpoint);
        continue;
      }
      this.ctx.metrics?.millisBehind.set({ shard: this.shardId }, out.millisBehind);
      const { records } = out;
      for (let k = 0; k < out.unsequenced; k++) this.skipPoison(undefined, 'a record without a sequence number');
      if (records.length) {
        const events: Fetched['events'] = [];
        for (const r of records) {
          const d = await decodeRecord(r.data, { logGroups: c.logGroups, logStreamPrefix: c.logStreamPrefix });
          if (d.kind === 'data') {
            for (const ev of d.events) events.push({ ...ev, logGroup: d.logGroup, ...(d.owner ? { owner: d.owner } : {}) });
          } else if (d.kind === 'poison') {
            this.skipPoison(r.seq, d.reason, d.cause);
          } else {
            this.ctx.onSkip?.(d);
          }
        }
        // decoding takes turns of the event loop: the reader may have been stopped meanwhile, and what it
        // fetched is then read again by the next owner from the checkpoint
        if (signal.aborted) return;
        this.lastFetched = records[records.length - 1]!.seq;
        const entry = this.acks.push({ seq: this.lastFetched, handed: false });
        if (events.length) {
          this.queue.push({ reader: this, entry, events, taken: 0, open: 0 });
          this.ctx.wake();
        } else {
          this.advance(this.acks.ack(entry));
        }
      }
      if (!out.next) {
        this.ending = 'shard-end';
        return;
      }
      iterator = out.next;
      await sleep(records.length ? c.pollBusyMs : c.pollIdleMs, signal);
    }
  }

  /** A record not evaluated because it cannot be read: counted by cause and logged. */
  private skipPoison(seq: string | undefined, reason: string, cause: PoisonCause = 'shape'): void {
    this.ctx.onSkip?.({ kind: 'poison', cause, reason });
    this.ctx.logger?.warn({ shard: this.shardId, seq, code: 'KAWA_ERR_SOURCE_MALFORMED' satisfies KawaErrorCode, cause, reason }, 'record not decodable: skipped');
  }

  /** Writes the checkpoint when it moved and the interval passed (or `now`); a refusal means the lease is lost. */
  private async writeCheckpoint(now: boolean): Promise<void> {
    const interval = this.ctx.config.leases.checkpointIntervalMs;
    const sinceMs = performance.now() - this.lastCheckpointAt;
    this.ctx.metrics?.checkpointAge.set({ shard: this.shardId }, sinceMs / 1000);
    if (!now && sinceMs < interval) return;
    // an advance made while fenced is kept and written after the next successful renewal
    const seq = this.acknowledged ?? this.unwritten;
    this.acknowledged = undefined;
    if (seq === undefined) return;
    this.unwritten = seq;
    if (this.ctx.manager.fenced(this.tenure)) return;
    if (await this.ctx.manager.checkpoint(this.tenure, seq)) {
      this.unwritten = undefined;
      this.lastCheckpointAt = performance.now();
    }
  }

  /** Responses fetched and not acknowledged (queued here or downstream). */
  private get unacked(): number {
    return this.acks.count((_, acked) => !acked);
  }

  private advance(released: Fetch[]): void {
    if (released.length) this.acknowledged = released[released.length - 1]!.seq;
  }

  private async iterator(checkpoint: string): Promise<string | undefined> {
    const input: GetShardIteratorCommandInput = {
      ShardId: this.shardId,
      ...(this.ctx.stream.streamArn ? { StreamARN: this.ctx.stream.streamArn } : { StreamName: this.ctx.stream.streamName }),
      ShardIteratorType: 'AFTER_SEQUENCE_NUMBER',
    };
    if (checkpoint === TRIM_HORIZON || checkpoint === LATEST) input.ShardIteratorType = checkpoint;
    else if (checkpoint.startsWith('AT_TIMESTAMP:')) Object.assign(input, { ShardIteratorType: 'AT_TIMESTAMP', Timestamp: new Date(Number(checkpoint.slice(13))) });
    else input.StartingSequenceNumber = checkpoint;
    for (let attempt = 1; ; attempt++) {
      try {
        const out = await this.ctx.kinesis.send(new GetShardIteratorCommand(input), { abortSignal: this.stopFetch.signal });
        return out.ShardIterator;
      } catch (e) {
        if (this.stopFetch.signal.aborted) return undefined;
        if ((e as Error).name === 'ResourceNotFoundException') {
          this.ending = 'shard-end';
          return undefined;
        }
        this.ctx.logger?.warn({ shard: this.shardId, err: (e as Error).message }, 'GetShardIterator failed, retrying');
        await sleep(Math.min(10_000, 250 * 2 ** Math.min(attempt, 6)), this.stopFetch.signal);
      }
    }
  }
}
