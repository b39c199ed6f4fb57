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
import { AsyncQueue } from '../../core/async-queue.js';
import { KawaError } from '../../core/errors.js';
import { Notifier } from '../../core/notifier.js';
import type { Source, SourceBatch } from '../../pipeline/types.js';
import { CheckpointFile } from './checkpoint-file.js';
import { Checkpointer } from './checkpointer.js';
import type { Logger } from '../../core/logger.js';
import type { MetricsRegistry } from '../../core/metrics.js';
import { cloudWatchMetrics, type CloudWatchMetrics } from './metrics.js';
import { decodeCheckpoint, encodeCheckpoint } from './checkpoint-state.js';
import { createLogsClient, resolveRegion, retentionDays } from './client.js';
import type { CloudWatchConfig } from './config.js';
import { describe, type FailureKind } from './errors.js';
import { PageReader, TokenInvalidError, sleep, type LogsClient } from './page-reader.js';
import { abortError, RateLimiter, sharedRateLimiter } from './rate-limiter.js';
import { Positions } from './positions.js';
import type { SeenIds } from './seen.js';
import { Tiers, type TierWindow } from './tiers.js';

const TRUNCATED = '[Truncated...]';
const MAX_PAGE_EVENTS = 10_000;
const DAY_MS = 86_400_000;

export interface CloudWatchSourceOptions {
  logger?: Logger;
  metrics?: MetricsRegistry;
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

export class CloudWatchSource implements Source {
  readonly name = 'cloudwatch';
  readonly stats: CloudWatchStats;
  health: Health = { state: 'starting' };
  private readonly positions: Positions;
  private readonly clock: () => number;
  private readonly abort = new AbortController();
  private readonly reader: PageReader;
  private readonly pageLimit: number;
  /** Unbounded in batches: what bounds it is the room reserved (in events) before each page is read. */
  private readonly queue = new AsyncQueue<SourceBatch>({ maxItems: Number.MAX_SAFE_INTEGER });
  /** Events of pages being read, reserved so that held + reserved never exceeds buffer_size. */
  private reserved = 0;
  private readonly room = new Notifier();
  private readonly checkpointer: Checkpointer | undefined;
  private readonly metrics: CloudWatchMetrics | undefined;
  private loops: Promise<void> | undefined;
  private closed = false;
  private lastLateWarning = 0;

  private constructor(
    readonly config: CloudWatchConfig,
    client: LogsClient,
    limiter: RateLimiter,
    state: { cursors: number[]; seen: SeenIds } | undefined,
    private readonly opts: CloudWatchSourceOptions,
  ) {
    this.clock = opts.clock ?? Date.now;
    this.metrics = opts.metrics ? cloudWatchMetrics(opts.metrics) : undefined;
    const tiers = state ? new Tiers(config.tiersMs, config.skewMs, state.cursors) : Tiers.cold(config.tiersMs, config.skewMs, this.clock(), config.shiftMs);
    this.positions = new Positions(tiers, state?.seen);
    if (config.checkpoint) {
      const file = new CheckpointFile(config.checkpoint);
      this.checkpointer = new Checkpointer(file, config.checkpointIntervalMs, () => this.positions.dirty, () => encodeCheckpoint({
        logGroup: config.logGroup, streamPrefix: config.streamPrefix, tiers: config.tiersMs, ...this.positions.snapshot(), writtenAt: this.clock(),
      }), () => this.stats.checkpointWrites++);
    }
    this.pageLimit = Math.min(MAX_PAGE_EVENTS, Math.floor(config.bufferSize / 2));
    this.stats = {
      requests: 0, pages: 0, throttles: 0, retries: 0, tokenRestarts: 0, events: 0, repeats: 0, truncated: 0,
      foundByTier: Array.from({ length: tiers.count }, () => 0), maxIngestLagMs: 0, checkpointWrites: 0,
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
    const oldest = Math.min(...this.positions.tiers.cursors);
    if (oldest >= oldestKept) return;
    this.opts.logger?.warn({ log_group: this.config.logGroup, retention_days: days, checkpoint_from: new Date(oldest).toISOString(), gone_until: new Date(oldestKept).toISOString() },
      'CloudWatch: the checkpoint is older than the log group\'s retention: events before gone_until have expired and cannot be read');
  }

  /** Lag of the head: how far behind now the newest fully read time is (ms). */
  get lagMs(): number {
    return this.clock() - this.positions.tiers.cursors[0]!;
  }

  /** Events read and not yet acknowledged (queued here or in the pipeline). */
  get held(): number {
    return this.positions.held;
  }

  get cursors(): readonly number[] {
    return this.positions.tiers.cursors;
  }

  [Symbol.asyncIterator](): AsyncIterator<SourceBatch> {
    this.loops ??= this.start();
    return this.queue[Symbol.asyncIterator]();
  }

  /** Stops reading; batches already handed out are still acknowledged, and the checkpoint is written after each. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.abort.abort();
    this.queue.close();
    this.room.notify();
    await this.loops;
    this.checkpointer?.finish();
  }

  private start(): Promise<void> {
    this.checkpointer?.start();
    const run = async (loop: () => Promise<void>) => {
      try {
        await loop();
      } catch (e) {
        if ((e as Error).name === 'AbortError' && this.closed) return;
        // the iteration ends with the error once the batches already queued are taken
        this.queue.fail(e);
        this.closed = true;
        this.abort.abort();
        this.room.notify();
      }
    };
    return Promise.all([run(() => this.headLoop()), run(() => this.sweepLoop())]).then(() => undefined);
  }

  private async headLoop(): Promise<void> {
    while (!this.closed) {
      const started = performance.now();
      await this.readWindow(this.positions.tiers.head(this.clock()));
      this.metrics?.lag.labels({ group: this.config.logGroup }).set(this.lagMs / 1000);
      const age = this.checkpointer?.ageSeconds;
      if (age !== undefined) this.metrics?.checkpointAge.set(age);
      // a read that took longer than the interval was catching up: read again at once
      const wait = this.config.pollingIntervalMs - (performance.now() - started);
      if (wait > 0) await sleep(wait, this.abort.signal);
    }
  }

  private async sweepLoop(): Promise<void> {
    const tiers = this.positions.tiers;
    while (!this.closed) {
      const now = this.clock();
      const window = tiers.nextDue(now);
      if (window) await this.readWindow(window);
      else await sleep(Math.max(10, Math.min(this.config.pollingIntervalMs, tiers.untilDue(now))), this.abort.signal);
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
    this.positions.windowRead(w);
    this.checkpointer?.maybeWrite();
  }

  /** New events of a page become batches; truncated ones go alone so the engine can give them their own time. */
  private accept(events: FilteredLogEvent[], tier: number): void {
    const seen = this.positions.seen;
    let run: FilteredLogEvent[] = [];
    for (const ev of events) {
      const id = ev.eventId ?? `${ev.logStreamName}/${ev.timestamp}/${ev.ingestionTime}/${ev.message?.length}`;
      if (seen.has(id)) {
        this.stats.repeats++;
        continue;
      }
      ev.eventId = id;
      seen.add(id, ev.timestamp ?? 0);
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
    const lastTier = this.positions.tiers.count - 1;
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
    const ticket = this.positions.emitted(ids);
    this.stats.events += events.length;
    let acked = false;
    this.queue.tryPut({
      data: new Uint8Array(data.buffer, data.byteOffset, data.length),
      offsets,
      count: events.length,
      receivedNs: BigInt(events[events.length - 1]!.timestamp ?? 0) * 1_000_000n,
      origin: (k) => `${this.config.logGroup}:${streams[k]}/${ids[k]}`,
      eventId: (k) => ids[k],
      ack: () => {
        if (acked) return;
        acked = true;
        this.positions.acked(ticket);
        this.room.notify();
        this.checkpointer?.maybeWrite();
      },
    });
  }

  /** Waits until n more events fit in the buffer, then holds that room until release(). */
  private async reserve(n: number): Promise<void> {
    const capacity = Math.max(this.config.bufferSize, n);
    while (this.positions.held + this.reserved + n > capacity) {
      if (this.abort.signal.aborted) throw abortError();
      await this.room.wait();
    }
    this.reserved += n;
  }

  private release(n: number): void {
    this.reserved -= n;
    this.room.notify();
  }

  unhealthy(): string | undefined {
    return this.health.state === 'unhealthy' ? this.health.reason : undefined;
  }

  private outcome(outcome: 'ok' | FailureKind, error?: unknown): void {
    this.stats.requests++;
    this.metrics?.requests.inc({ operation: 'FilterLogEvents', outcome });
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
      this.metrics?.throttles.inc({ operation: 'FilterLogEvents' });
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
