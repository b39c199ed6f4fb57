// One EKS cluster's audit log, /aws/eks/<cluster>/cluster (streams kube-apiserver-audit-*), read with
// FilterLogEvents, none lost, none repeated (fetcher-design.md §2). A CloudWatch source runs one of these per
// cluster of its fleet, all handing batches to the source's one queue.
//
// Two loops read pages. The head loop reads from its cursor to now every polling interval (at once again
// while it catches up); the sweep loop re-reads each stretch of time when it reaches each age of the tier
// list (tiers.ts), which finds events that became searchable late: a lagging API-server stream, slow
// ingestion, a millisecond whose events were not all visible at first. Every page passes the rate limiter
// of the cluster's account and region (head first, clusters in turn) and waits for room before it is
// requested (buffer_size events of this cluster, and the source's byte budget for all), so what is held
// between CloudWatch and the outputs stays bounded however long an output stalls. Events whose eventId was
// already delivered are dropped; the others become SourceBatches carrying their eventIds and the cluster.
//
// Durability (positions.ts): a tier's cursor moves in the checkpoint only once every batch emitted before its
// read ended was acknowledged, and the checkpoint's id set holds only acknowledged ids; a restart re-reads
// what was not acknowledged, and the id set suppresses the rest.
import { setMaxListeners } from 'node:events';
import type { Logger } from '../../core/logger.js';
import type { KawaErrorCode } from '../../core/errors.js';
import type { SourceBatch } from '../../pipeline/types.js';
import type { ByteBudget } from './budget.js';
import { PAGE_BYTES } from './budget.js';
import { CheckpointFile } from './checkpoint-file.js';
import { decodeCheckpoint, encodeCheckpoint } from './checkpoint-state.js';
import { Checkpointer } from './checkpointer.js';
import type { ClusterTarget, CloudWatchConfig } from './config.js';
import { describe, type FailureKind } from './errors.js';
import type { CloudWatchMetrics } from './metrics.js';
import { PageReader, TokenInvalidError, sleep, type LogsClient } from './page-reader.js';
import type { PageEvent } from './page-shape.js';
import { Positions } from './positions.js';
import { abortError, type RateLimiter } from './rate-limiter.js';
import { SeenIds, type IdBudget } from './seen.js';
import { HeadOverlap } from './head-overlap.js';
import { HeadEdge, Tiers, type TierWindow } from './tiers.js';
import { TRUNCATION_MARK } from '../../core/truncation.js';
import { LogThrottle } from '../../core/log-throttle.js';

const MAX_PAGE_EVENTS = 10_000;
/** The head is saturated when it stays this far behind for SATURATION_MS: it cannot keep up at the quota. */
const SATURATION_LAG_MS = 10_000;
const SATURATION_MS = 60_000;
const SATURATION_LOG_EVERY_MS = 600_000;
/** Requests failing in a row (5xx, resets, timeouts) this long make the cluster unhealthy, said at most once a minute. */
const FAILING_UNHEALTHY_MS = 15_000;
const FAILING_LOG_EVERY_MS = 60_000;
/** The other warnings of a condition that lasts (late events, skipped seconds, malformed events). */
const WARN_EVERY_MS = 60_000;

export type ClusterHealth = { state: 'starting' | 'ok' } | { state: 'unhealthy'; reason: string };

export interface ClusterStats {
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
  /** Events of answers that were not the API's shape (a message that is no string...): skipped (page-shape.ts). */
  malformed: number;
  /** Events first found by each tier (index 0: the head); finds by tiers > 0 arrived late. */
  foundByTier: number[];
  /** Largest ingestionTime - timestamp seen. */
  maxIngestLagMs: number;
  checkpointWrites: number;
}

export interface ClusterReaderOptions {
  target: ClusterTarget;
  config: CloudWatchConfig;
  client: LogsClient;
  limiter: RateLimiter;
  budget: ByteBudget;
  /** The ids every cluster may hold together (seen.ts). */
  ids: IdBudget;
  /** Where batches go (the source's queue). */
  deliver(batch: SourceBatch): void;
  /** The checkpoint file of this cluster, if any. */
  checkpoint?: string;
  /** Called after each write of the checkpoint. */
  onCheckpoint?: () => void;
  clock: () => number;
  logger?: Logger;
  metrics?: CloudWatchMetrics;
  backoffBaseMs: number;
  backoffCapMs: number;
  slowPollMs: number;
  /** Set for a cluster found by discovery: its log group missing most likely means it was deleted, which the
   *  source settles by listing again (called on each not-found answer) rather than as an error. */
  onMissing?: () => void;
}

export class ClusterReader {
  readonly stats: ClusterStats;
  health: ClusterHealth = { state: 'starting' };
  readonly positions: Positions;
  private readonly abort = new AbortController();
  private readonly reader: PageReader;
  private readonly pageLimit: number;
  /** Events of pages being read, reserved so that held + reserved never exceeds buffer_size. */
  private reserved = 0;
  private readonly checkpointer: Checkpointer | undefined;
  private loops: Promise<void> | undefined;
  private closed = false;
  private readonly lateWarning = new LogThrottle(WARN_EVERY_MS);
  /** Newest event timestamp read (a backfill's progress: pages come in time order). */
  private newest = 0;
  private reportedSkips = 0;
  private readonly skipWarning = new LogThrottle(WARN_EVERY_MS);
  private readonly malformedWarning = new LogThrottle(WARN_EVERY_MS);
  /** Since when the head has been behind by more than SATURATION_LAG_MS (0: it is not). */
  private behindSince = 0;
  private readonly saturationWarning = new LogThrottle(SATURATION_LOG_EVERY_MS);
  /** Since when requests have been failing in a row (0: the last one succeeded). */
  private failingSince = 0;
  private readonly failingWarning = new LogThrottle(FAILING_LOG_EVERY_MS);
  private readonly labels: { cluster: string };
  private readonly overlap: HeadOverlap;

  constructor(private readonly o: ClusterReaderOptions, state?: { cursors: number[]; seen: SeenIds }) {
    // the head, every tier and the describe call wait on this signal at once (limiter, request, backoff):
    // more than Node's default of 10 listeners is normal here, not a leak
    setMaxListeners(64, this.abort.signal);
    const { config, target } = o;
    this.labels = { cluster: target.name || target.logGroup };
    const tiers = state ? new Tiers(config.tiersMs, config.skewMs, this.resumeCursors(state.cursors)) : Tiers.cold(config.tiersMs, config.skewMs, o.clock(), config.shiftMs);
    this.positions = new Positions(tiers, state?.seen ?? new SeenIds(o.ids));
    this.overlap = new HeadOverlap(config.skewMs, !config.skewAuto);
    if (o.checkpoint) {
      this.checkpointer = new Checkpointer(new CheckpointFile(o.checkpoint), config.checkpointIntervalMs, () => this.positions.dirty, () => encodeCheckpoint({
        logGroup: target.logGroup, streamPrefix: config.streamPrefix, tiers: config.tiersMs, ...this.positions.snapshot(), writtenAt: o.clock(),
      }), () => {
        this.stats.checkpointWrites++;
        o.onCheckpoint?.();
      });
    }
    this.pageLimit = Math.min(MAX_PAGE_EVENTS, Math.floor(config.bufferSize / 2));
    this.stats = {
      requests: 0, pages: 0, throttles: 0, retries: 0, tokenRestarts: 0, events: 0, repeats: 0, truncated: 0, malformed: 0,
      foundByTier: Array.from({ length: tiers.count }, () => 0), maxIngestLagMs: 0, checkpointWrites: 0,
    };
    this.reader = new PageReader({
      client: o.client, limiter: o.limiter, signal: this.abort.signal, key: this.labels.cluster,
      backoffBaseMs: o.backoffBaseMs, backoffCapMs: o.backoffCapMs, slowPollMs: o.slowPollMs,
      ...(config.since !== undefined ? { giveUpAfter: 3 } : {}),
      onOutcome: (outcome, error) => this.outcome(outcome, error), clock: o.clock,
    });
  }

  /**
   * A checkpoint's cursors, none later than now: a checkpoint written by a clock ahead of this one (another
   * node, a clock set back) would otherwise skip the events between now and its cursors for good. Read again
   * instead; the stored ids drop what repeats.
   */
  private resumeCursors(cursors: number[]): number[] {
    const now = this.o.clock();
    const ahead = Math.max(...cursors) - now;
    if (ahead <= 0) return cursors;
    this.o.logger?.warn({ cluster: this.name, log_group: this.o.target.logGroup, ahead_s: Math.round(ahead / 1000) },
      'CloudWatch: the checkpoint is ahead of this clock (was it written by a clock ahead of this one?): reading from now, not from its cursors');
    return cursors.map((c) => Math.min(c, now));
  }

  /** The stored position of this cluster, or undefined (a cold start). KAWA_ERR_CHECKPOINT when it is corrupt
   *  or belongs to another log group. */
  static readState(file: string | undefined, target: ClusterTarget, config: CloudWatchConfig, ids: IdBudget): { cursors: number[]; seen: SeenIds; writtenAt: number } | undefined {
    if (!file) return undefined;
    const doc = new CheckpointFile(file).read();
    return doc === undefined ? undefined : decodeCheckpoint(doc, file, { logGroup: target.logGroup, streamPrefix: config.streamPrefix, tiers: config.tiersMs }, ids);
  }

  get name(): string {
    return this.labels.cluster;
  }

  get target(): ClusterTarget {
    return this.o.target;
  }

  /** Lag of the head: how far behind now the newest fully read time is (ms). */
  get lagMs(): number {
    return this.o.clock() - this.positions.tiers.cursors[0]!;
  }

  /** Events read and not yet acknowledged (queued or in the pipeline). */
  get held(): number {
    return this.positions.held;
  }

  start(): void {
    const { since, until } = this.o.config;
    this.loops ??= since !== undefined
      ? this.guard(() => this.readWindow({ tier: 0, tiers: [0], start: since, end: until, advanceTo: until ?? since }))
      : (async () => {
        this.checkpointer?.start();
        await Promise.all([this.guard(() => this.headLoop()), this.guard(() => this.sweepLoop())]);
      })();
  }

  /** A backfill's progress: event time (ms) covered of its range. */
  get covered(): number {
    const { since, until } = this.o.config;
    if (since === undefined || until === undefined) return 0;
    return Math.max(0, Math.min(until, this.newest) - since);
  }

  /** Stops reading; the batches already delivered are still acknowledged, and the checkpoint written after each. */
  async stop(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.abort.abort();
    this.o.budget.wake();
    await this.loops;
    this.checkpointer?.finish();
  }

  unhealthy(): string | undefined {
    return this.health.state === 'unhealthy' ? this.health.reason : undefined;
  }

  /** A loop ends only on shutdown; any other error is a bug or a configuration error: it stops the whole source. */
  private async guard(loop: () => Promise<void>): Promise<void> {
    try {
      await loop();
    } catch (e) {
      if ((e as Error).name === 'AbortError' && this.closed) return;
      this.closed = true;
      this.abort.abort();
      throw e;
    }
  }

  /** Resolves when both loops ended; rejects with the error that stopped them. */
  get done(): Promise<void> {
    return this.loops ?? Promise.resolve();
  }

  private async headLoop(): Promise<void> {
    const { config, metrics } = this.o;
    while (!this.closed) {
      const started = performance.now();
      const now = this.o.clock();
      const overlap = this.overlap.value(now);
      metrics?.headOverlap.set({ cluster: this.name }, overlap / 1000);
      await this.readWindow(this.positions.tiers.head(now, overlap), overlap);
      metrics?.lag.labels({ cluster: this.name, group: this.o.target.logGroup }).set(this.lagMs / 1000);
      this.watchSaturation();
      const age = this.checkpointer?.ageSeconds;
      if (age !== undefined) metrics?.checkpointAge.set(age);
      // a read that took longer than the interval was catching up: read again at once
      const wait = config.pollingIntervalMs - (performance.now() - started);
      if (wait > 0) await sleep(wait, this.abort.signal);
    }
  }

  /** A head that stays far behind although it reads first is a cluster too busy for the request quota. */
  private watchSaturation(): void {
    const now = this.o.clock();
    const { limiter, metrics, logger } = this.o;
    // lag after a read ~ the read's duration: far above the polling interval means the head waited for tokens
    const behind = this.lagMs > Math.max(SATURATION_LAG_MS, 3 * this.o.config.pollingIntervalMs);
    if (!behind) {
      this.behindSince = 0;
      metrics?.saturated.set({ cluster: this.name }, 0);
      return;
    }
    this.behindSince ||= now;
    if (now - this.behindSince < SATURATION_MS) return;
    metrics?.saturated.set({ cluster: this.name }, 1);
    if (!this.saturationWarning.due(now)) return;
    logger?.warn({ cluster: this.name, head_lag_s: Math.round(this.lagMs / 1000), max_tps: limiter.configuredRate, rate_now: limiter.currentRate },
      'CloudWatch: this cluster\'s audit log is too busy to read at the FilterLogEvents quota (its newest events are read late although they go first): read it through Kinesis (docs/kinesis.md)');
  }

  private async sweepLoop(): Promise<void> {
    const tiers = this.positions.tiers;
    while (!this.closed) {
      const now = this.o.clock();
      this.positions.tiers.backlog(now).forEach((ms, i) => this.o.metrics?.recheckBacklog.set({ cluster: this.name, tier: String(i + 1) }, ms / 1000));
      const window = tiers.nextDue(now);
      if (window) await this.readWindow(window);
      else await sleep(Math.max(10, Math.min(this.o.config.pollingIntervalMs, tiers.untilDue(now))), this.abort.signal);
    }
  }

  /** Reads one window through all its pages, then moves the tier's cursor. */
  private async readWindow(w: TierWindow, overlap = this.o.config.skewMs): Promise<void> {
    const input = {
      logGroupName: this.o.target.logGroup, logStreamNamePrefix: this.o.config.streamPrefix,
      startTime: Math.max(0, w.start), ...(w.end !== undefined ? { endTime: w.end } : {}), limit: this.pageLimit,
    };
    const edge = w.end === undefined ? new HeadEdge(overlap) : undefined;
    let nextToken: string | undefined;
    for (;;) {
      await this.reserve(this.pageLimit);
      let admitted = false;
      const admit = async () => {
        await this.o.budget.reserve(PAGE_BYTES, this.abort.signal);
        admitted = true;
      };
      let page, sentAt;
      try {
        ({ out: page, sentAt } = await this.reader.read(nextToken ? { ...input, nextToken } : input, w.tier === 0 ? 0 : 1, admit));
      } catch (e) {
        this.unreserve(this.pageLimit, admitted ? PAGE_BYTES : 0);
        if (!(e instanceof TokenInvalidError)) throw e;
        // an expired or invalid token: the whole window again; the id set absorbs what repeats
        this.stats.tokenRestarts++;
        this.o.logger?.warn({ cluster: this.name, tier: w.tier, err: e.message }, 'CloudWatch: pagination token refused, reading the window again');
        nextToken = undefined;
        continue;
      }
      this.stats.pages++;
      if (page.malformed.length) this.skipMalformed(page.malformed.length, page.malformed[0]!.reason);
      if (w.end !== undefined && !page.nextToken) this.newest = Math.max(this.newest, w.end);
      edge?.page(sentAt, page.events.at(-1)?.timestamp, !!page.nextToken);
      const kept = page.events.length ? this.accept(page.events, w.tier) : 0;
      // the page's reservation becomes what its new events hold until they are acknowledged
      this.unreserve(this.pageLimit, PAGE_BYTES - kept);
      nextToken = page.nextToken || undefined;
      if (!nextToken) break;
    }
    this.positions.windowRead(edge ? edge.advanced(w) : w);
    this.checkpointer?.maybeWrite();
  }

  /** The new events of a page become one batch; returns the bytes it holds. */
  private accept(events: PageEvent[], tier: number): number {
    const fresh: PageEvent[] = [];
    const now = this.o.clock();
    for (const ev of events) {
      const id = ev.eventId ?? `${ev.logStreamName}/${ev.timestamp}/${ev.ingestionTime}/${ev.message.length}`;
      if (!this.positions.isNew(id, ev.timestamp)) {
        this.stats.repeats++;
        continue;
      }
      ev.eventId = id;
      if (ev.timestamp > this.newest) this.newest = ev.timestamp;
      this.stats.foundByTier[tier]!++;
      const lag = (ev.ingestionTime ?? 0) - ev.timestamp;
      if (lag > this.stats.maxIngestLagMs) this.stats.maxIngestLagMs = lag;
      this.overlap.record(lag, now);
      if (ev.message.endsWith(TRUNCATION_MARK)) this.stats.truncated++;
      fresh.push(ev);
    }
    this.reportSkips();
    const lastTier = this.positions.tiers.count - 1;
    if (tier === lastTier && tier > 0 && this.stats.foundByTier[tier]! > 0 && this.lateWarning.due(this.o.clock())) {
      this.o.logger?.warn({ cluster: this.name, found_by_last_tier: this.stats.foundByTier[tier], last_age_s: this.o.config.tiersMs[lastTier - 1]! / 1000 },
        'CloudWatch: events became searchable so late that only the last re-check found them; events later than the last tier age would be missed (raise cloudwatch.tiers)');
    }
    return fresh.length ? this.emit(fresh) : 0;
  }

  /** Events of a page that were not the API's shape: counted, and said at most once a minute. */
  private skipMalformed(n: number, firstReason: string): void {
    this.stats.malformed += n;
    this.o.metrics?.malformed.inc({ cluster: this.name }, n);
    if (!this.malformedWarning.due(this.o.clock())) return;
    this.o.logger?.warn({ cluster: this.name, log_group: this.o.target.logGroup, code: 'KAWA_ERR_SOURCE_MALFORMED' satisfies KawaErrorCode, skipped: this.stats.malformed, reason: firstReason },
      'CloudWatch: events that are not the API\'s shape were skipped (is the endpoint CloudWatch Logs?)');
  }

  /** Seconds given up for the id budget: counted, and said at most once a minute. */
  private reportSkips(): void {
    const n = this.positions.skippedSeconds - this.reportedSkips;
    if (!n) return;
    this.reportedSkips += n;
    this.o.metrics?.recheckSkipped.inc({ cluster: this.name }, n);
    if (!this.skipWarning.due(this.o.clock())) return;
    this.o.logger?.warn({ cluster: this.name, skipped_s: this.positions.skippedSeconds, max_event_ids: this.o.config.maxEventIds },
      'CloudWatch: the event id budget is spent: the oldest seconds are no longer re-checked for late events (raise cloudwatch.max_event_ids, or shorten the last tier)');
  }

  /** Hands one batch to the source; returns its bytes (held until it is acknowledged). */
  private emit(events: PageEvent[]): number {
    const messages = events.map((e) => e.message);
    let total = 0;
    for (const m of messages) total += Buffer.byteLength(m, 'utf8');
    const data = Buffer.allocUnsafe(total);
    const offsets = new Uint32Array(events.length + 1);
    const arrivalNs = new BigInt64Array(events.length);
    let at = 0;
    for (let i = 0; i < messages.length; i++) {
      at += data.write(messages[i]!, at, 'utf8');
      offsets[i + 1] = at;
      arrivalNs[i] = BigInt(events[i]!.timestamp) * 1_000_000n;
    }
    const ids = events.map((e) => e.eventId!);
    const streams = events.map((e) => e.logStreamName ?? '');
    const ticket = this.positions.emitted(ids, events.map((e) => e.timestamp));
    this.stats.events += events.length;
    const { target, budget } = this.o;
    const group = target.logGroup;
    let acked = false;
    this.o.deliver({
      data: new Uint8Array(data.buffer, data.byteOffset, data.length),
      offsets,
      count: events.length,
      arrivalNs,
      context: { cluster: target.name, account: target.account, region: target.region },
      origin: (k) => `${group}:${streams[k]}/${ids[k]}`,
      eventId: (k) => ids[k],
      ack: () => {
        if (acked) return;
        acked = true;
        this.positions.acked(ticket);
        budget.release(total);
        this.checkpointer?.maybeWrite();
      },
    });
    return total;
  }

  /** Waits until n more events fit in this cluster's buffer (and takes them) and a page fits in the source's
   *  byte budget (taken when the request has its turn: budget.ts). */
  private async reserve(n: number): Promise<void> {
    const capacity = Math.max(this.o.config.bufferSize, n);
    while (this.positions.held + this.reserved + n > capacity) {
      if (this.abort.signal.aborted) throw abortError();
      await this.positions.acknowledged.wait(1000);
    }
    await this.o.budget.fits(PAGE_BYTES, this.abort.signal);
    this.reserved += n;
  }

  /** Gives back a page's reservation: its events, and the bytes its batch does not hold. */
  private unreserve(n: number, bytes: number): void {
    this.reserved -= n;
    this.o.budget.release(bytes);
  }

  private outcome(outcome: 'ok' | FailureKind, error?: unknown): void {
    const { logger, metrics, target } = this.o;
    this.stats.requests++;
    metrics?.requests.inc({ operation: 'FilterLogEvents', outcome, cluster: this.name });
    if (outcome === 'ok') {
      this.failingSince = 0;
      if (this.health.state !== 'ok') {
        if (this.health.state === 'unhealthy') logger?.info({ cluster: this.name, log_group: target.logGroup }, 'CloudWatch: reading again');
        this.health = { state: 'ok' };
      }
      return;
    }
    if (outcome === 'abort') return;
    if (outcome === 'throttle') {
      this.stats.throttles++;
      metrics?.throttles.inc({ operation: 'FilterLogEvents', cluster: this.name });
    } else {
      this.stats.retries++;
    }
    if (outcome === 'notFound' || outcome === 'credentials') {
      const reason = outcome === 'notFound'
        ? `log group ${target.logGroup} not found (is control-plane audit logging enabled for the cluster?)`
        : `credentials refused: ${describe(error)}`;
      const discovered = outcome === 'notFound' && this.o.onMissing;
      if (this.health.state !== 'unhealthy' || this.health.reason !== reason) {
        if (discovered) logger?.info({ cluster: this.name, log_group: target.logGroup }, 'CloudWatch: log group not found (deleted?); listing the clusters again');
        else logger?.error({ cluster: this.name, log_group: target.logGroup, retry_s: this.o.slowPollMs / 1000 }, `CloudWatch: ${reason}`);
      }
      this.health = { state: 'unhealthy', reason };
      if (discovered) this.o.onMissing!();
    } else if (outcome === 'transient' || outcome === 'throttle') {
      logger?.debug({ cluster: this.name, err: describe(error) }, 'CloudWatch: request failed, retrying');
      // one failure is a blip; failures in a row for a while are an outage the operator must see
      const now = performance.now();
      this.failingSince ||= now;
      if (outcome === 'transient' && now - this.failingSince >= FAILING_UNHEALTHY_MS) {
        const reason = `cannot reach CloudWatch Logs (${target.endpoint ?? 'AWS'}) for ${Math.round((now - this.failingSince) / 1000)} s: ${describe(error)}`;
        this.health = { state: 'unhealthy', reason };
        if (this.failingWarning.due(now)) {
          logger?.warn({ cluster: this.name, log_group: target.logGroup, err: describe(error) }, 'CloudWatch: requests keep failing; retrying');
        }
      }
    }
  }
}
