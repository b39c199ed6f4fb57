// The Kinesis source: any number of kawa processes share a stream fed by a CloudWatch Logs subscription
// filter, each shard read by exactly one process at a time (design.md). This process's part:
//
//   LeaseManager (src/leases)  which shards are ours: renew, take, balance by hand-off, self-fence
//   ShardReader, one per held shard   GetRecords → decoded log events, queued; checkpoint after acks
//   this source                hands the queued events to the pipeline as SourceBatches, one per GetRecords
//                              response, dropping events whose (logGroup, id) this process already handed
//                              out (RecentIds); each payload is one audit event with its CloudWatch id as
//                              eventId; ack() moves the shard's checkpoint
//   wrapSink()                 the alert table in front of the outputs (src/dedup), when configured
//
// A batch of a fenced lease (renewals failing) waits here and is not handed out; a lost lease's queued
// batches are dropped (the next owner reads them again). close() (SIGTERM): stop taking, stop fetching,
// wait for the outputs to acknowledge what was handed out, checkpoint, release every lease.
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { KinesisClient } from '@aws-sdk/client-kinesis';
import { AlertTable } from './dedup/alert-table.js';
import { DedupSink } from './dedup/dedup-sink.js';
import { RecentIds } from './dedup/recent-ids.js';
import { KawaError } from '../../core/errors.js';
import { LeaseManager, type Tenure } from './leases/manager.js';
import { syncShards } from './leases/shard-sync.js';
import { LeaseTable } from './leases/table.js';
import type { AlertSink, Source, SourceBatch } from '../../pipeline/types.js';
import type { Logger } from '../../core/logger.js';
import type { MetricsRegistry } from '../../core/metrics.js';
import { createDynamoClient, createKinesisClient } from './clients.js';
import { clusterOf } from '../eks.js';
import type { KinesisConfig } from './config.js';
import { KinesisMetrics } from './metrics.js';
import { ShardReader, type Fetched } from './shard-reader.js';

export interface KinesisSourceOptions {
  logger?: Logger;
  metrics?: MetricsRegistry;
  kinesis?: KinesisClient;
  dynamo?: DynamoDBClient;
  /** How long a shutdown waits for the outputs to acknowledge what was handed out before it checkpoints
   *  and releases the leases (default: half the lease duration); the service gives half its shutdown timeout. */
  drainMs?: number;
}

export interface KinesisStats {
  batches: number;
  /** Events handed to the pipeline. */
  events: number;
  /** Events dropped because this process had already handed out the same (logGroup, id). */
  duplicateEvents: number;
  /** Alerts dropped by the alert table. */
  duplicateAlerts: number;
  control: number;
  filtered: number;
  poison: number;
}

const encoder = new TextEncoder();
/** A GetRecords response can hold tens of thousands of events: it goes downstream in batches of at most this. */
const BATCH_EVENTS = 1000;
const BATCH_CHARS = 4 << 20;
/** While the alert table fails, a warning at most this often. */
const ALERT_TABLE_WARN_MS = 30_000;

export class KinesisSource implements Source {
  readonly name = 'kinesis';
  readonly stats: KinesisStats = { batches: 0, events: 0, duplicateEvents: 0, duplicateAlerts: 0, control: 0, filtered: 0, poison: 0 };
  readonly manager: LeaseManager;
  private readonly readers = new Map<string, ShardReader>();
  private readonly recent: RecentIds;
  private readonly metrics: KinesisMetrics | undefined;
  private readonly checkpointListeners: (() => void)[] = [];
  private wakeIterator: (() => void) | undefined;
  private closing = false;
  private closed: Promise<void> | undefined;
  private started = false;
  private turn = 0;
  /** Set while the alert table's calls fail (the batches wait): a readiness problem. */
  private alertTableProblem: string | undefined;
  private alertTableWarnedAt = -Infinity;
  private alertTableFailures = 0;

  private constructor(
    readonly config: KinesisConfig,
    private readonly kinesis: KinesisClient,
    readonly leaseTable: LeaseTable,
    readonly alertTable: AlertTable | undefined,
    private readonly opts: KinesisSourceOptions,
  ) {
    this.recent = new RecentIds(Math.max(1, config.dedup.recentEventIds));
    this.metrics = opts.metrics ? new KinesisMetrics(opts.metrics) : undefined;
    const L = config.leases;
    this.manager = new LeaseManager({
      table: leaseTable, workerId: L.workerId, leaseDurationMs: L.leaseDurationMs, renewIntervalMs: L.renewIntervalMs,
      scanIntervalMs: L.scanIntervalMs, maxLeasesPerWorker: L.maxLeasesPerWorker, gracefulHandoff: L.gracefulHandoff,
      logger: opts.logger,
      sync: (leases, signal) => syncShards(kinesis, config, leaseTable, leases, config.initialPosition, signal),
      onChange: (c, held) => this.metrics?.leases(c, held),
      onCheckpoint: () => { for (const l of this.checkpointListeners) l(); },
      listener: {
        acquired: (t) => this.acquired(t),
        lost: (t) => this.readers.get(t.shardId)?.lose(),
        handoffRequested: (t) => void this.readers.get(t.shardId)?.finish('handoff'),
      },
    });
  }

  /** Checks the configuration, creates the clients and (if configured) the tables; reading starts with the iteration. */
  static async open(config: KinesisConfig, opts: KinesisSourceOptions = {}): Promise<KinesisSource> {
    if (!config.streamName && !config.streamArn) throw new KawaError('KAWA_ERR_CONFIG', 'no Kinesis stream: set source.kinesis.stream (or --kinesis STREAM)');
    if (!config.leases.table) throw new KawaError('KAWA_ERR_CONFIG', 'no lease table: set source.leases.table');
    const kinesis = opts.kinesis ?? createKinesisClient(config);
    const dynamo = opts.dynamo ?? createDynamoClient(config);
    const leaseTable = new LeaseTable(dynamo, config.leases.table);
    try {
      await leaseTable.ensure(config.leases.createTable);
    } catch (e) {
      throw new KawaError('KAWA_ERR_CONFIG', `lease table ${config.leases.table}: ${(e as Error).message}`);
    }
    let alertTable: AlertTable | undefined;
    if (config.dedup.alertTable) {
      alertTable = new AlertTable(dynamo, config.dedup.alertTable, config.leases.workerId, { ttlHours: config.dedup.alertTtlHours, staleMs: 2 * config.leases.leaseDurationMs });
      try {
        await alertTable.ensure(config.dedup.createTable);
      } catch (e) {
        throw new KawaError('KAWA_ERR_CONFIG', `alert table ${config.dedup.alertTable}: ${(e as Error).message}`);
      }
    }
    opts.logger?.info({
      stream: config.streamArn ?? config.streamName, endpoint: config.endpoint ?? 'aws', lease_table: config.leases.table,
      alert_table: config.dedup.alertTable ?? null, worker: config.leases.workerId, lease_duration_ms: config.leases.leaseDurationMs,
    }, 'Kinesis source ready');
    return new KinesisSource(config, kinesis, leaseTable, alertTable, opts);
  }

  /** The outputs behind the alert ids and, when configured, the shared alert table. */
  wrapSink(outputs: AlertSink): DedupSink {
    return new DedupSink(outputs, this.alertTable, {
      duplicates: (n) => {
        this.stats.duplicateAlerts += n;
        this.metrics?.duplicates.inc({ layer: 'alert_table' }, n);
      },
      tableError: (call, e) => {
        this.metrics?.alertTableErrors.inc({ call });
        this.alertTableFailures++;
        const err = e instanceof Error ? `${e.name}: ${e.message}` : String(e);
        this.alertTableProblem = `the alert table cannot be used: ${err}`;
        // said when it starts, then every 30 s while it lasts, with the failed calls in between
        const now = performance.now();
        if (now - this.alertTableWarnedAt < ALERT_TABLE_WARN_MS) return;
        this.opts.logger?.warn({ table: this.config.dedup.alertTable, call, err, failed_calls: this.alertTableFailures }, 'alert table call failed: alerts wait, and reading stops once the pipeline is full');
        this.alertTableWarnedAt = now;
        this.alertTableFailures = 0;
      },
      tableOk: () => {
        if (this.alertTableProblem === undefined) return;
        this.opts.logger?.info({ table: this.config.dedup.alertTable }, 'alert table reachable again');
        this.alertTableProblem = undefined;
        this.alertTableWarnedAt = -Infinity;
        this.alertTableFailures = 0;
      },
    });
  }

  /** Readiness: while the lease table cannot be read, this process can neither take nor keep shards; while the
   *  alert table cannot be used, its alerts wait. */
  unhealthy(): string | undefined {
    return this.manager.scanProblem ?? this.alertTableProblem;
  }

  /** Any shard's checkpoint was written. */
  onCheckpoint(listener: () => void): void {
    this.checkpointListeners.push(listener);
  }

  /** The stream's region: events of a fleet's clusters reach it only from this region (kawa.region). */
  get region(): string | undefined {
    return this.config.region ?? /^arn:[^:]+:kinesis:([^:]+):/.exec(this.config.streamArn ?? '')?.[1];
  }

  /** Shards being read now. */
  get shards(): string[] {
    return [...this.readers.keys()].sort();
  }

  async *[Symbol.asyncIterator](): AsyncIterator<SourceBatch> {
    if (!this.started) {
      this.started = true;
      this.manager.start();
    }
    while (!this.closing) {
      const batch = this.next();
      if (batch) {
        yield batch;
        continue;
      }
      await new Promise<void>((r) => {
        this.wakeIterator = r;
        // a fenced shard becomes readable again without an event: look again soon
        setTimeout(r, 200).unref();
      });
    }
  }

  close(): Promise<void> {
    this.closed ??= this.shutdown();
    return this.closed;
  }

  private async shutdown(): Promise<void> {
    this.closing = true;
    this.wake();
    await this.manager.stopTaking();
    await Promise.all([...this.readers.values()].map((r) => r.finish('drain')));
    await this.manager.releaseAll();
    await this.manager.stop();
    this.opts.logger?.info({ ...this.stats, leases: this.manager.counters }, 'Kinesis source stopped');
  }

  private acquired(t: Tenure): void {
    if (this.closing) {
      void this.manager.release(t);
      return;
    }
    const reader = new ShardReader(t, {
      kinesis: this.kinesis, stream: this.config, config: this.config, manager: this.manager,
      drainMs: this.opts.drainMs ?? this.config.leases.leaseDurationMs / 2,
      wake: () => this.wake(), logger: this.opts.logger, metrics: this.metrics,
      onSkip: (d) => {
        this.stats[d.kind]++;
        this.metrics?.skipped.inc({ kind: d.kind });
        if (d.kind === 'poison') this.metrics?.poison.inc({ cause: d.cause });
      },
    });
    this.readers.set(t.shardId, reader);
    void reader.done.then(() => {
      if (this.readers.get(t.shardId) === reader) this.readers.delete(t.shardId);
    });
  }

  /** The next batch of a shard whose lease is held and current, round robin over the shards. */
  private next(): SourceBatch | undefined {
    const readers = [...this.readers.values()];
    for (let i = 0; i < readers.length; i++) {
      const reader = readers[(this.turn + i) % readers.length]!;
      if (!reader.queue.length || !reader.open) continue;
      this.turn = (this.turn + i + 1) % readers.length;
      const batch = this.batch(reader.queue[0]!);
      if (batch) return batch;
      i--;
    }
    return undefined;
  }

  /** The next batch cut from a fetched response (undefined when all its events were repeats). A batch holds
   *  the events of one log group (one cluster: its context), so a stream carrying a fleet is cut at each
   *  change of log group or account. */
  private batch(f: Fetched): SourceBatch | undefined {
    const { reader, entry } = f;
    entry.value.handed = true;
    const first = f.events[f.taken]!;
    let end = f.taken;
    for (let chars = 0; end < f.events.length && end - f.taken < BATCH_EVENTS && chars < BATCH_CHARS; end++) {
      const ev = f.events[end]!;
      if (ev.logGroup !== first.logGroup || ev.owner !== first.owner) break;
      chars += ev.message.length;
    }
    const slice = f.events.slice(f.taken, end);
    f.taken = end;
    if (end >= f.events.length) reader.queue.shift();
    // the response is acknowledged once every batch cut from it is
    const done = () => f.taken >= f.events.length && f.open === 0;
    const ids: string[] = [];
    const times: bigint[] = [];
    const messages: Uint8Array[] = [];
    let bytes = 0;
    for (const ev of slice) {
      const key = `${ev.logGroup}\0${ev.id}`;
      if (this.recent.has(key)) {
        this.stats.duplicateEvents++;
        this.metrics?.duplicates.inc({ layer: 'event_ids' });
        continue;
      }
      this.recent.add(key);
      const m = encoder.encode(ev.message);
      messages.push(m);
      ids.push(ev.id);
      times.push(BigInt(Math.trunc(ev.timestamp)) * 1_000_000n);
      bytes += m.length;
    }
    if (!ids.length) {
      if (done()) reader.acked(entry);
      return undefined;
    }
    const data = new Uint8Array(bytes);
    const offsets = new Uint32Array(ids.length + 1);
    let at = 0;
    messages.forEach((m, k) => {
      offsets[k] = at;
      data.set(m, at);
      at += m.length;
    });
    offsets[ids.length] = at;
    f.open++;
    this.stats.batches++;
    this.stats.events += ids.length;
    const shard = reader.tenure.shardId;
    return {
      data, offsets, count: ids.length, arrivalNs: BigInt64Array.from(times),
      context: { cluster: clusterOf(first.logGroup) || first.logGroup, account: first.owner, region: this.region },
      origin: (k) => `${shard}/${ids[k]}`,
      eventId: (k) => ids[k],
      ack: () => {
        f.open--;
        if (done()) reader.acked(entry);
      },
    };
  }

  private wake(): void {
    const w = this.wakeIterator;
    this.wakeIterator = undefined;
    w?.();
  }
}
