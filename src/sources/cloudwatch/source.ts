// The CloudWatch Logs source: EKS audit events of /aws/eks/<cluster>/cluster (streams kube-apiserver-audit-*)
// read with FilterLogEvents, none lost, none repeated (fetcher-design.md §2).
//
// Two loops read pages. The head loop reads from its cursor to now every polling interval (at once again
// while it catches up); the sweep loop re-reads each stretch of time when it reaches each age of the tier
// list (tiers.ts), which finds events that became searchable late: a lagging API-server stream, slow
// ingestion, a millisecond whose events were not all visible at first. Every page passes the shared rate
// limiter (head first) and waits for room before it is requested, so at most buffer_size events are held
// between CloudWatch and the outputs however long an output stalls. Events whose eventId was already
// delivered are dropped; the others become SourceBatches carrying their eventIds.
//
// Durability: a tier's cursor moves in the checkpoint only once every batch emitted before its read ended was
// acknowledged (its alerts accepted by the outputs), and the checkpoint's id set holds only acknowledged ids.
// A restart therefore re-reads what was not acknowledged, and the id set suppresses the rest. The checkpoint
// is written at most every checkpoint_interval while acknowledgements arrive, and at shutdown after the last
// acknowledgement.
//
// Truncated messages ("[Truncated...]") go out alone in a batch whose receivedNs is their CloudWatch
// timestamp: the engine salvages them and gives them that time when their own timestamps were cut off.
import type { FilteredLogEvent } from '@aws-sdk/client-cloudwatch-logs';
import { CheckpointFile } from '../../checkpoint/checkpoint-file.js';
import { KawaError } from '../../errors/codes.js';
import type { Source, SourceBatch } from '../../pipeline/types.js';
import type { Logger } from '../../service/logger.js';
import type { Metrics } from '../../service/metrics.js';
import { decodeCheckpoint, encodeCheckpoint } from './checkpoint-state.js';
import { createLogsClient, resolveRegion, retentionDays } from './client.js';
import type { CloudWatchConfig } from './config.js';
import { describe, type FailureKind } from './errors.js';
import { PageReader, TokenInvalidError, sleep, type LogsClient } from './page-reader.js';
import { RateLimiter, sharedRateLimiter } from './rate-limiter.js';
import { SeenIds } from './seen.js';
import { Tiers, type TierWindow } from './tiers.js';

const TRUNCATED = '[Truncated...]';
const MAX_PAGE_EVENTS = 10_000;
const DAY_MS = 86_400_000;

export interface CloudWatchSourceOptions {
  logger?: Logger;
  metrics?: Metrics;
  /** A client to use instead of building one from the configuration (tests). */
  client?: LogsClient & { config?: unknown };
  /** "Now" in ms: the wall clock by default; tests pass the emulator's virtual clock. */
  clock?: () => number;
  limiter?: RateLimiter;
  backoffBaseMs?: number;
  backoffCapMs?: number;
  /** Wait between attempts while the log group is missing or the credentials fail (default 30 s). */
  slowPollMs?: number;
}

export type Health = { state: 'starting' | 'ok' } | { state: 'unhealthy'; reason: string };

export interface CloudWatchStats {
  requests: number;
  pages: number;
  throttles: number;
  retries: number;
  tokenRestarts: number;
  /** Distinct events delivered. */
  events: number;
  /** Events read again and dropped because their id was already delivered. */
  repeats: number;
  truncated: number;
  /** Events first found by each tier (index 0: the head); finds by tiers > 0 arrived late. */
  foundByTier: number[];
  /** Largest ingestionTime - timestamp seen. */
  maxIngestLagMs: number;
  checkpointWrites: number;
}

interface Emitted {
  count: number;
  ids: string[];
}

export class CloudWatchSource implements Source {
  readonly name = 'cloudwatch';
  readonly stats: CloudWatchStats;
  health: Health = { state: 'starting' };
  private readonly tiers: Tiers;
  private readonly seen: SeenIds;
  private readonly clock: () => number;
  private readonly abort = new AbortController();
  private readonly reader: PageReader;
  private readonly pageLimit: number;
  private readonly queue: SourceBatch[] = [];
  private wakeReader: (() => void) | undefined;
  private roomWaiters: (() => void)[] = [];
  private loops: Promise<void> | undefined;
  private failure: unknown;
  private closed = false;
  // acknowledgement bookkeeping: batches are numbered in emission order
  private emittedSeq = 0;
  private ackedSeq = 0;
  private readonly outstanding = new Map<number, Emitted>();
  private readonly ackedAhead = new Set<number>();
  private readonly unackedIds = new Set<string>();
  private unackedEvents = 0;
  private reserved = 0;
  private readonly durableCursors: number[];
  private readonly pendingCursors: { tier: number; value: number; needSeq: number }[] = [];
  // checkpoint
  private readonly checkpoint: CheckpointFile | undefined;
  private dirty = false;
  private lastWrite = 0;
  private checkpointTimer: NodeJS.Timeout | undefined;
  private lastLateWarning = 0;

  private constructor(
    readonly config: CloudWatchConfig,
    client: LogsClient,
    limiter: RateLimiter,
    state: { cursors: number[]; seen: SeenIds } | undefined,
    private readonly opts: CloudWatchSourceOptions,
  ) {
    this.clock = opts.clock ?? Date.now;
    const now = this.clock();
    this.tiers = state ? new Tiers(config.tiersMs, config.skewMs, state.cursors) : Tiers.cold(config.tiersMs, config.skewMs, now, config.shiftMs);
    this.seen = state?.seen ?? new SeenIds();
    this.durableCursors = [...this.tiers.cursors];
    this.checkpoint = config.checkpoint ? new CheckpointFile(config.checkpoint) : undefined;
    this.pageLimit = Math.min(MAX_PAGE_EVENTS, Math.floor(config.bufferSize / 2));
    this.stats = {
      requests: 0, pages: 0, throttles: 0, retries: 0, tokenRestarts: 0, events: 0, repeats: 0, truncated: 0,
      foundByTier: Array.from({ length: this.tiers.count }, () => 0), maxIngestLagMs: 0, checkpointWrites: 0,
    };
    this.reader = new PageReader({
      client, limiter, signal: this.abort.signal,
      backoffBaseMs: opts.backoffBaseMs ?? 1000, backoffCapMs: opts.backoffCapMs ?? 30_000, slowPollMs: opts.slowPollMs ?? 30_000,
      onOutcome: (outcome, error) => this.outcome(outcome, error),
    });
  }

  /**
   * Checks the configuration, resolves the region, reads the checkpoint (KAWA_ERR_CHECKPOINT when it is
   * corrupt or belongs to another log group) and returns the source; reading starts with the iteration.
   */
  static async open(config: CloudWatchConfig, opts: CloudWatchSourceOptions = {}): Promise<CloudWatchSource> {
    if (!config.cluster && !config.logGroup) {
      throw new KawaError('KAWA_ERR_CONFIG', 'no EKS cluster for CloudWatch: set the k8saudit-eks plugin\'s open_params (or cloudwatch.cluster, --cloudwatch CLUSTER)');
    }
    if (!/^[.\-_/#A-Za-z0-9]{1,512}$/.test(config.logGroup)) {
      throw new KawaError('KAWA_ERR_CONFIG', `"${config.logGroup}" is not a CloudWatch log group name: is the cluster name "${config.cluster}" right?`);
    }
    if (!config.streamPrefix) throw new KawaError('KAWA_ERR_CONFIG', 'cloudwatch.stream_prefix must not be empty');
    const client = opts.client ?? createLogsClient(config);
    let region = config.region ?? 'local';
    if (!opts.client) region = await resolveRegion(client as ReturnType<typeof createLogsClient>);
    const limiter = opts.limiter ?? sharedRateLimiter(region, config.endpoint, config.maxTps);
    let state: { cursors: number[]; seen: SeenIds; writtenAt: number } | undefined;
    if (config.checkpoint) {
      const doc = new CheckpointFile(config.checkpoint).read();
      if (doc !== undefined) state = decodeCheckpoint(doc, config.checkpoint, { logGroup: config.logGroup, streamPrefix: config.streamPrefix, tiers: config.tiersMs });
    }
    const source = new CloudWatchSource(config, client, limiter, state, opts);
    const log = opts.logger;
    const now = source.clock();
    if (state) {
      log?.info({ log_group: config.logGroup, checkpoint: config.checkpoint, written: new Date(state.writtenAt).toISOString(), behind_s: Math.round((now - Math.min(...state.cursors)) / 1000), ids: state.seen.size }, 'CloudWatch: resuming from the checkpoint');
      if (!opts.client) await source.checkRetention(client as ReturnType<typeof createLogsClient>);
    } else {
      log?.info({ log_group: config.logGroup, look_back_s: config.shiftMs / 1000, checkpoint: config.checkpoint ?? null }, 'CloudWatch: cold start');
    }
    log?.info({ log_group: config.logGroup, stream_prefix: config.streamPrefix, region, endpoint: config.endpoint ?? 'aws', tiers_s: config.tiersMs.map((t) => t / 1000), max_tps: config.maxTps }, 'CloudWatch source ready');
    return source;
  }

  /** A checkpoint older than the log group's retention cannot be caught up: say which stretch is gone. */
  private async checkRetention(client: ReturnType<typeof createLogsClient>): Promise<void> {
    const days = await retentionDays(client, this.config.logGroup, this.abort.signal);
    if (days === undefined) return;
    const oldestKept = this.clock() - days * DAY_MS;
    const oldest = Math.min(...this.tiers.cursors);
    if (oldest >= oldestKept) return;
    this.opts.logger?.warn({ log_group: this.config.logGroup, retention_days: days, checkpoint_from: new Date(oldest).toISOString(), gone_until: new Date(oldestKept).toISOString() },
      'CloudWatch: the checkpoint is older than the log group\'s retention: events before gone_until have expired and cannot be read');
  }

  /** Lag of the head: how far behind now the newest fully read time is (ms). */
  get lagMs(): number {
    return this.clock() - this.tiers.cursors[0]!;
  }

  /** Events read and not yet acknowledged (queued here or in the pipeline). */
  get held(): number {
    return this.unackedEvents;
  }

  get cursors(): readonly number[] {
    return this.tiers.cursors;
  }

  async *[Symbol.asyncIterator](): AsyncIterator<SourceBatch> {
    this.loops ??= this.start();
    for (;;) {
      if (this.failure !== undefined) throw this.failure;
      const batch = this.queue.shift();
      if (batch) {
        yield batch;
        continue;
      }
      if (this.closed) return;
      await new Promise<void>((r) => (this.wakeReader = r));
    }
  }

  /** Stops reading; batches already handed out are still acknowledged, and the checkpoint is written after each. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.abort.abort();
    this.wake();
    await this.loops;
    if (this.checkpointTimer) clearInterval(this.checkpointTimer);
    this.writeCheckpoint();
  }

  private start(): Promise<void> {
    if (this.checkpoint && this.config.checkpointIntervalMs > 0) {
      this.checkpointTimer = setInterval(() => this.maybeCheckpoint(), this.config.checkpointIntervalMs);
      this.checkpointTimer.unref();
    }
    const run = async (loop: () => Promise<void>) => {
      try {
        await loop();
      } catch (e) {
        if ((e as Error).name === 'AbortError' && this.closed) return;
        this.failure ??= e;
        this.closed = true;
        this.abort.abort();
        this.wake();
      }
    };
    return Promise.all([run(() => this.headLoop()), run(() => this.sweepLoop())]).then(() => undefined);
  }

  private async headLoop(): Promise<void> {
    while (!this.closed) {
      const started = performance.now();
      await this.readWindow(this.tiers.head(this.clock()));
      this.opts.metrics?.cloudwatchLag.labels({ group: this.config.logGroup }).set(this.lagMs / 1000);
      if (this.checkpoint && this.stats.checkpointWrites) this.opts.metrics?.checkpointAge.set((performance.now() - this.lastWrite) / 1000);
      // a read that took longer than the interval was catching up: read again at once
      const wait = this.config.pollingIntervalMs - (performance.now() - started);
      if (wait > 0) await sleep(wait, this.abort.signal);
    }
  }

  private async sweepLoop(): Promise<void> {
    while (!this.closed) {
      const now = this.clock();
      const window = this.tiers.nextDue(now);
      if (window) await this.readWindow(window);
      else await sleep(Math.max(10, Math.min(this.config.pollingIntervalMs, this.tiers.untilDue(now))), this.abort.signal);
    }
  }

  /** Reads one window through all its pages, then moves the tier's cursor. */
  private async readWindow(w: TierWindow): Promise<void> {
    const input = {
      logGroupName: this.config.logGroup, logStreamNamePrefix: this.config.streamPrefix,
      startTime: Math.max(0, w.start), ...(w.end !== undefined ? { endTime: w.end } : {}), limit: this.pageLimit,
    };
    let nextToken: string | undefined;
    for (;;) {
      await this.reserve(this.pageLimit);
      let page;
      try {
        page = await this.reader.read(nextToken ? { ...input, nextToken } : input, w.tier === 0 ? 0 : 1);
      } catch (e) {
        this.release(this.pageLimit);
        if (!(e instanceof TokenInvalidError)) throw e;
        // an expired or invalid token: the whole window again; the id set absorbs what repeats
        this.stats.tokenRestarts++;
        this.opts.logger?.warn({ tier: w.tier, err: e.message }, 'CloudWatch: pagination token refused, reading the window again');
        nextToken = undefined;
        continue;
      }
      this.release(this.pageLimit);
      this.stats.pages++;
      if (page.events?.length) this.accept(page.events, w.tier);
      nextToken = page.nextToken || undefined;
      if (!nextToken) break;
    }
    this.tiers.advance(w);
    this.pendingCursors.push({ tier: w.tier, value: this.tiers.cursors[w.tier]!, needSeq: this.emittedSeq });
    this.settleCursors();
  }

  /** New events of a page become batches; truncated ones go alone so the engine can give them their own time. */
  private accept(events: FilteredLogEvent[], tier: number): void {
    let run: FilteredLogEvent[] = [];
    for (const ev of events) {
      const id = ev.eventId ?? `${ev.logStreamName}/${ev.timestamp}/${ev.ingestionTime}/${ev.message?.length}`;
      if (this.seen.has(id)) {
        this.stats.repeats++;
        continue;
      }
      ev.eventId = id;
      this.seen.add(id, ev.timestamp ?? 0);
      this.stats.foundByTier[tier]!++;
      const lag = (ev.ingestionTime ?? 0) - (ev.timestamp ?? 0);
      if (lag > this.stats.maxIngestLagMs) this.stats.maxIngestLagMs = lag;
      if ((ev.message ?? '').endsWith(TRUNCATED)) {
        this.stats.truncated++;
        if (run.length) this.emit(run);
        run = [];
        this.emit([ev]);
      } else {
        run.push(ev);
      }
    }
    if (run.length) this.emit(run);
    const lastTier = this.tiers.count - 1;
    if (tier === lastTier && tier > 0 && this.stats.foundByTier[tier]! > 0 && this.clock() - this.lastLateWarning > 60_000) {
      this.lastLateWarning = this.clock();
      this.opts.logger?.warn({ found_by_last_tier: this.stats.foundByTier[tier], last_age_s: this.config.tiersMs[lastTier - 1]! / 1000 },
        'CloudWatch: events became searchable so late that only the last re-check found them; events later than the last tier age would be missed (raise cloudwatch.tiers)');
    }
  }

  private emit(events: FilteredLogEvent[]): void {
    const messages = events.map((e) => e.message ?? '');
    let total = 0;
    for (const m of messages) total += Buffer.byteLength(m, 'utf8');
    const data = Buffer.allocUnsafe(total);
    const offsets = new Uint32Array(events.length + 1);
    let at = 0;
    for (let i = 0; i < messages.length; i++) {
      at += data.write(messages[i]!, at, 'utf8');
      offsets[i + 1] = at;
    }
    const ids = events.map((e) => e.eventId!);
    const streams = events.map((e) => e.logStreamName ?? '');
    const seq = ++this.emittedSeq;
    this.outstanding.set(seq, { count: events.length, ids });
    for (const id of ids) this.unackedIds.add(id);
    this.unackedEvents += events.length;
    this.stats.events += events.length;
    let acked = false;
    this.queue.push({
      data: new Uint8Array(data.buffer, data.byteOffset, data.length),
      offsets,
      count: events.length,
      arrivalNs: BigInt64Array.from(events, (e) => BigInt(e.timestamp ?? 0) * 1_000_000n),
      origin: (k) => `${this.config.logGroup}:${streams[k]}/${ids[k]}`,
      eventId: (k) => ids[k],
      ack: () => {
        if (acked) return;
        acked = true;
        this.acknowledge(seq);
      },
    });
    this.wake();
  }

  private acknowledge(seq: number): void {
    this.ackedAhead.add(seq);
    while (this.ackedAhead.has(this.ackedSeq + 1)) {
      const next = ++this.ackedSeq;
      this.ackedAhead.delete(next);
      const e = this.outstanding.get(next)!;
      this.outstanding.delete(next);
      for (const id of e.ids) this.unackedIds.delete(id);
      this.unackedEvents -= e.count;
    }
    for (const w of this.roomWaiters.splice(0)) w();
    this.settleCursors();
    this.dirty = true;
    this.maybeCheckpoint();
  }

  /** Moves the durable cursors of reads whose every batch was acknowledged. */
  private settleCursors(): void {
    let moved = false;
    while (this.pendingCursors.length && this.pendingCursors[0]!.needSeq <= this.ackedSeq) {
      const p = this.pendingCursors.shift()!;
      if (p.value > this.durableCursors[p.tier]!) {
        this.durableCursors[p.tier] = p.value;
        moved = true;
      }
    }
    if (!moved) return;
    this.dirty = true;
    // ids below the durable horizon will never be read again, even after a restart from the checkpoint
    this.seen.evictBelow(this.tiers.horizon(this.durableCursors));
  }

  private maybeCheckpoint(): void {
    if (!this.checkpoint || !this.dirty) return;
    // after close() every acknowledgement is written at once: the process may exit right after the last one
    if (!this.closed && performance.now() - this.lastWrite < this.config.checkpointIntervalMs) return;
    this.writeCheckpoint();
  }

  private writeCheckpoint(): void {
    if (!this.checkpoint) return;
    const horizon = this.tiers.horizon(this.durableCursors);
    this.checkpoint.write(encodeCheckpoint({
      logGroup: this.config.logGroup, streamPrefix: this.config.streamPrefix, tiers: this.config.tiersMs,
      cursors: [...this.durableCursors], seen: this.seen.encode(horizon, (id) => !this.unackedIds.has(id)), writtenAt: this.clock(),
    }));
    this.dirty = false;
    this.lastWrite = performance.now();
    this.stats.checkpointWrites++;
  }

  /** Waits until n more events fit in the buffer, then holds that room until release(). */
  private async reserve(n: number): Promise<void> {
    const capacity = Math.max(this.config.bufferSize, n);
    while (this.unackedEvents + this.reserved + n > capacity) {
      if (this.abort.signal.aborted) throw Object.assign(new Error('aborted'), { name: 'AbortError' });
      await new Promise<void>((r) => this.roomWaiters.push(r));
    }
    this.reserved += n;
  }

  private release(n: number): void {
    this.reserved -= n;
    for (const w of this.roomWaiters.splice(0)) w();
  }

  unhealthy(): string | undefined {
    return this.health.state === 'unhealthy' ? this.health.reason : undefined;
  }

  private wake(): void {
    const w = this.wakeReader;
    this.wakeReader = undefined;
    w?.();
    if (this.closed) for (const r of this.roomWaiters.splice(0)) r();
  }

  private outcome(outcome: 'ok' | FailureKind, error?: unknown): void {
    this.stats.requests++;
    this.opts.metrics?.cloudwatchRequests.inc({ operation: 'FilterLogEvents', outcome });
    if (outcome === 'ok') {
      if (this.health.state !== 'ok') {
        if (this.health.state === 'unhealthy') this.opts.logger?.info({ log_group: this.config.logGroup }, 'CloudWatch: reading again');
        this.health = { state: 'ok' };
      }
      return;
    }
    if (outcome === 'abort') return;
    if (outcome === 'throttle') {
      this.stats.throttles++;
      this.opts.metrics?.cloudwatchThrottles.inc({ operation: 'FilterLogEvents' });
    } else {
      this.stats.retries++;
    }
    if (outcome === 'notFound' || outcome === 'credentials') {
      const reason = outcome === 'notFound'
        ? `log group ${this.config.logGroup} not found (is control-plane audit logging enabled for the cluster?)`
        : `credentials refused: ${describe(error)}`;
      if (this.health.state !== 'unhealthy' || this.health.reason !== reason) {
        this.opts.logger?.error({ log_group: this.config.logGroup, retry_s: (this.opts.slowPollMs ?? 30_000) / 1000 }, `CloudWatch: ${reason}`);
      }
      this.health = { state: 'unhealthy', reason };
    } else if (outcome === 'transient' || outcome === 'throttle') {
      this.opts.logger?.debug({ err: describe(error) }, 'CloudWatch: request failed, retrying');
    }
  }
}
