// The CloudWatch Logs source: the EKS audit logs of one cluster or of a fleet of clusters in many accounts
// and regions, each read by its own ClusterReader (cluster-reader.ts: none lost, none repeated), all handing
// their batches to one queue, each batch naming its cluster (kawa.cluster, kawa.account, kawa.region).
//
// What the clusters share: the rate limiter of their account and region (AWS's FilterLogEvents quota is per
// account and region: head reads first, clusters in turn), the clients of their identity (a role assumed
// through STS, refreshed before expiry), and one byte budget for what is held between CloudWatch and the
// outputs. What they do not share is failure: a cluster whose role cannot be assumed, whose log group is
// missing or whose requests are refused is reported (its readiness detail, its metrics, a log line) and
// retried while the others read on; it catches up from its checkpoint once it works again. With several
// clusters the checkpoint is a directory holding one file per cluster, so adding or removing a cluster does
// not disturb the others.
//
// With `clusters: auto` the clusters are found by their log groups (discovery.ts) in the configured accounts
// and regions, listed again every discovery_interval: a new cluster joins (cold start from `shift`, or its
// checkpoint), a deleted one leaves.
import { setMaxListeners } from 'node:events';
import { DescribeLogGroupsCommand } from '@aws-sdk/client-cloudwatch-logs';
import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { AsyncQueue } from '../../core/async-queue.js';
import { KawaError } from '../../core/errors.js';
import { checkWritableDir, checkWritableFile } from '../../core/writable.js';
import type { Logger } from '../../core/logger.js';
import type { MetricsRegistry } from '../../core/metrics.js';
import type { Source, SourceBatch, SourceProgress } from '../../pipeline/types.js';
import { ByteBudget } from './budget.js';
import { resolveRegion, type LogsSdkClient } from './client.js';
import { FleetClients } from './clients.js';
import { ClusterReader, type ClusterStats } from './cluster-reader.js';
import { targetsOf, type AccountScope, type ClusterTarget, type CloudWatchConfig } from './config.js';
import { listClusters } from './discovery.js';
import { describe } from './errors.js';
import { cloudWatchMetrics, type CloudWatchMetrics } from './metrics.js';
import { sleep } from './page-reader.js';
import { IdBudget } from './seen.js';
import { RateLimiter, sharedRateLimiter } from './rate-limiter.js';

const DAY_MS = 86_400_000;

export interface CloudWatchSourceOptions {
  logger?: Logger;
  metrics?: MetricsRegistry;
  /** One client for every cluster instead of clients built from the configuration (tests). */
  client?: LogsSdkClient;
  /** "Now" in ms: the wall clock by default; tests pass the emulator's virtual clock. */
  clock?: () => number;
  /** One limiter for every cluster instead of the shared ones of each account and region (tests). */
  limiter?: RateLimiter;
  backoffBaseMs?: number;
  backoffCapMs?: number;
  /** Wait between attempts while the log group is missing or the credentials fail (default 30 s). */
  slowPollMs?: number;
}

export type CloudWatchStats = ClusterStats;

export class CloudWatchSource implements Source {
  readonly name = 'cloudwatch';
  private readonly readers = new Map<string, ClusterReader>();
  /** Unbounded in batches: what bounds it is the room the readers reserve before each page. */
  private readonly queue = new AsyncQueue<SourceBatch>({ maxItems: Number.MAX_SAFE_INTEGER });
  private readonly budget: ByteBudget;
  private readonly ids: IdBudget;
  private readonly clients: FleetClients;
  private readonly clock: () => number;
  private readonly metrics: CloudWatchMetrics | undefined;
  private readonly checkpointListeners: (() => void)[] = [];
  private readonly abort = new AbortController();
  private started = false;
  private discovering: Promise<void> | undefined;
  /** Ends the wait between listings early (a discovered cluster's log group went missing). */
  private wakeDiscovery: (() => void) | undefined;
  /** Why discovery failed last, per account scope and region (cleared by a good listing). */
  private readonly discoveryProblems = new Map<string, string>();

  private constructor(readonly config: CloudWatchConfig, private readonly defaultRegion: string, private readonly opts: CloudWatchSourceOptions) {
    this.clock = opts.clock ?? Date.now;
    this.metrics = opts.metrics ? cloudWatchMetrics(opts.metrics) : undefined;
    this.budget = new ByteBudget(config.bufferBytes);
    this.ids = new IdBudget(config.maxEventIds);
    this.clients = new FleetClients(config);
    // every cluster's first DescribeLogGroups waits on this signal at once: as many listeners as the fleet
    // has clusters, which is no leak (0: no limit)
    setMaxListeners(0, this.abort.signal);
  }

  /**
   * Checks the configuration, resolves the default region, reads every listed cluster's checkpoint
   * (KAWA_ERR_CHECKPOINT when one is corrupt or belongs to another log group) and returns the source;
   * reading starts with the iteration.
   */
  static async open(config: CloudWatchConfig, opts: CloudWatchSourceOptions = {}): Promise<CloudWatchSource> {
    const targets = targetsOf(config);
    if (!targets.length && !config.discover) {
      throw new KawaError('KAWA_ERR_CONFIG', 'no EKS cluster for CloudWatch: set the k8saudit-eks plugin\'s open_params (or cloudwatch.cluster, cloudwatch.clusters, --cloudwatch CLUSTER)');
    }
    for (const t of targets) {
      if (!/^[.\-_/#A-Za-z0-9]{1,512}$/.test(t.logGroup)) {
        throw new KawaError('KAWA_ERR_CONFIG', `"${t.logGroup}" is not a CloudWatch log group name: is the cluster name "${t.name}" right?`);
      }
    }
    if (!config.streamPrefix) throw new KawaError('KAWA_ERR_CONFIG', 'cloudwatch.stream_prefix must not be empty');
    const fleet = targets.length > 1 || config.discover !== undefined;
    if (config.since !== undefined && config.checkpoint) {
      opts.logger?.warn({ checkpoint: config.checkpoint }, 'CloudWatch backfill: the checkpoint is neither read nor written');
      config = { ...config, checkpoint: undefined };
    }
    if (fleet && config.checkpoint && !(existsSync(config.checkpoint) && statSync(config.checkpoint).isDirectory())) {
      throw new KawaError('KAWA_ERR_CONFIG', `with several clusters, cloudwatch.checkpoint names a directory (one file per cluster): ${config.checkpoint} is not one`);
    }
    if (config.checkpoint) {
      if (fleet) checkWritableDir(config.checkpoint, 'cloudwatch.checkpoint', 'KAWA_ERR_CHECKPOINT');
      else checkWritableFile(config.checkpoint, 'cloudwatch.checkpoint', 'KAWA_ERR_CHECKPOINT');
    }
    // the region of clusters that name none: the configuration's, else the SDK's (AWS_REGION, the profile)
    let region = config.region ?? '';
    const needsRegion = targets.some((t) => !t.region) || (config.discover ?? []).some((s) => !s.regions.length);
    if (!region && needsRegion) region = opts.client ? 'local' : await resolveRegion(new FleetClients(config).for({}));
    const source = new CloudWatchSource(config, region, opts);
    for (const t of targets) source.add({ ...t, region: t.region ?? region });
    opts.logger?.info({
      clusters: targets.map((t) => t.name || t.logGroup), discovery: config.discover ? config.discover.map((s) => ({ role: s.roleArn ?? 'self', regions: s.regions.length ? s.regions : [region] })) : null,
      stream_prefix: config.streamPrefix, endpoint: config.endpoint ?? 'aws', tiers_s: config.tiersMs.map((t) => t / 1000), max_tps: config.maxTps,
      checkpoint: config.checkpoint ?? null,
    }, 'CloudWatch source ready');
    return source;
  }

  /** Clusters being read now, by name. */
  get clusters(): string[] {
    return [...this.readers.values()].map((r) => r.name);
  }

  /** Every cluster's stats, summed. */
  get stats(): CloudWatchStats {
    const sum: CloudWatchStats = { requests: 0, pages: 0, throttles: 0, retries: 0, tokenRestarts: 0, events: 0, repeats: 0, truncated: 0, malformed: 0, foundByTier: [], maxIngestLagMs: 0, checkpointWrites: 0 };
    for (const r of this.readers.values()) {
      const s = r.stats;
      for (const k of ['requests', 'pages', 'throttles', 'retries', 'tokenRestarts', 'events', 'repeats', 'truncated', 'malformed', 'checkpointWrites'] as const) sum[k] += s[k];
      s.foundByTier.forEach((n, i) => (sum.foundByTier[i] = (sum.foundByTier[i] ?? 0) + n));
      sum.maxIngestLagMs = Math.max(sum.maxIngestLagMs, s.maxIngestLagMs);
    }
    return sum;
  }

  /** Any cluster's checkpoint was written. */
  onCheckpoint(listener: () => void): void {
    this.checkpointListeners.push(listener);
  }

  /** The head lag of the cluster furthest behind (ms). */
  get lagMs(): number {
    let lag = 0;
    for (const r of this.readers.values()) lag = Math.max(lag, r.lagMs);
    return lag;
  }

  /** Events read and not yet acknowledged, all clusters. */
  get held(): number {
    let n = 0;
    for (const r of this.readers.values()) n += r.held;
    return n;
  }

  /** One cluster's reader (tests, the demo). */
  reader(name: string): ClusterReader | undefined {
    return [...this.readers.values()].find((r) => r.name === name);
  }

  /** Readiness: not ready only when no cluster can be read (each broken one is in detail()). */
  unhealthy(): string | undefined {
    const readers = [...this.readers.values()];
    if (!readers.length) return this.discoveryProblems.size ? `no cluster found: ${[...this.discoveryProblems.values()].join('; ')}` : undefined;
    const broken = readers.filter((r) => r.unhealthy());
    if (broken.length < readers.length) return undefined;
    return broken.length === 1 ? broken[0]!.unhealthy() : `no cluster can be read: ${broken.map((r) => `${r.name}: ${r.unhealthy()}`).join('; ')}`;
  }

  /** Per cluster: ok, starting, or why it cannot be read; per discovery scope that failed, why. */
  detail(): Record<string, unknown> {
    const clusters: Record<string, string> = {};
    for (const r of this.readers.values()) clusters[r.name] = r.unhealthy() ?? r.health.state;
    return { clusters, ...(this.discoveryProblems.size ? { discovery: Object.fromEntries(this.discoveryProblems) } : {}) };
  }

  /** A backfill's progress: event time covered, all clusters together. */
  progress(): SourceProgress {
    const { since, until } = this.config;
    const span = since !== undefined && until !== undefined ? until - since : 0;
    let done = 0;
    for (const r of this.readers.values()) done += r.covered;
    return { done, total: span * this.readers.size, unit: 'time' };
  }

  [Symbol.asyncIterator](): AsyncIterator<SourceBatch> {
    if (!this.started) {
      this.started = true;
      if (this.config.since !== undefined) this.backfill();
      else {
        for (const r of this.readers.values()) this.run(r);
        if (this.config.discover) this.discovering = this.discoverLoop(this.config.discover);
      }
    }
    return this.queue[Symbol.asyncIterator]();
  }

  /** Reads every cluster's range once (found first, with `clusters: auto`), then ends the iteration. */
  private backfill(): void {
    void (async () => {
      for (const scope of this.config.discover ?? []) {
        for (const region of scope.regions.length ? scope.regions : [this.defaultRegion]) await this.discover(scope, region);
      }
      const readers = [...this.readers.values()];
      for (const r of readers) r.start();
      const outcomes = await Promise.allSettled(readers.map((r) => r.done));
      // the clusters that could be read were read to the end; those that could not fail the run, by name
      const failed = outcomes.flatMap((o, i) => (o.status === 'rejected' ? [`${readers[i]!.name}: ${(o.reason as Error).message}`] : []));
      if (failed.length) this.queue.fail(new KawaError('KAWA_ERR_INPUT_READ', `backfill incomplete: ${failed.join('; ')}`));
      else this.queue.close();
    })();
  }

  /** Stops reading; batches already handed out are still acknowledged, and each cluster's checkpoint is written after each. */
  async close(): Promise<void> {
    this.abort.abort();
    this.queue.close();
    await this.discovering;
    await Promise.all([...this.readers.values()].map((r) => r.stop()));
    this.clients.destroy();
  }

  private key(t: ClusterTarget): string {
    return `${t.account ?? (t.roleArn ? '?' : 'self')}/${t.region ?? ''}/${t.logGroup}`;
  }

  /** Adds a cluster (not started until the iteration starts); `discovered`: found by `clusters: auto`. */
  private add(t: ClusterTarget, discovered = false): ClusterReader {
    const config = this.config;
    const fleet = targetsOf(config).length > 1 || config.discover !== undefined;
    const file = !config.checkpoint ? undefined : fleet ? join(config.checkpoint, checkpointName(t)) : config.checkpoint;
    const state = ClusterReader.readState(file, t, config, this.ids);
    const client = this.opts.client ?? this.clients.for(t);
    const limiter = this.opts.limiter ?? sharedRateLimiter(t.account ?? (t.roleArn ? t.roleArn : 'self'), t.region ?? this.defaultRegion, t.endpoint, config.maxTps);
    const reader = new ClusterReader({
      target: t, config, client, limiter, budget: this.budget, ids: this.ids, checkpoint: file, clock: this.clock,
      deliver: (batch) => this.queue.tryPut(batch), logger: this.opts.logger, metrics: this.metrics,
      onCheckpoint: () => { for (const l of this.checkpointListeners) l(); },
      backoffBaseMs: this.opts.backoffBaseMs ?? 1000, backoffCapMs: this.opts.backoffCapMs ?? 30_000, slowPollMs: this.opts.slowPollMs ?? 30_000,
      ...(discovered ? { onMissing: () => this.wakeDiscovery?.() } : {}),
    }, state);
    this.readers.set(this.key(t), reader);
    const name = reader.name;
    if (state) {
      this.opts.logger?.info({ cluster: name, log_group: t.logGroup, checkpoint: file, written: new Date(state.writtenAt).toISOString(), behind_s: Math.round((this.clock() - Math.min(...state.cursors)) / 1000) }, 'CloudWatch: resuming from the checkpoint');
    } else {
      this.opts.logger?.info({ cluster: name, log_group: t.logGroup, look_back_s: config.shiftMs / 1000 }, 'CloudWatch: cold start');
    }
    void this.describe(reader, client, state ? Math.min(...state.cursors) : undefined);
    if (this.started) this.run(reader);
    return reader;
  }

  private run(reader: ClusterReader): void {
    reader.start();
    // a reader stops by itself only on an error no retry can fix (an invalid query): the whole source stops
    reader.done.catch((e: unknown) => {
      if (this.abort.signal.aborted) return;
      this.queue.fail(e);
      void this.close();
    });
  }

  /** The log group's account (for kawa.account) and retention: a checkpoint older than the retention cannot
   *  be caught up, so say which stretch is gone. Best effort: the reader reports access problems itself. */
  private async describe(reader: ClusterReader, client: LogsSdkClient, oldest: number | undefined): Promise<void> {
    const t = reader.target;
    try {
      const out = await client.send(new DescribeLogGroupsCommand({ logGroupNamePrefix: t.logGroup, limit: 5 }), { abortSignal: this.abort.signal });
      const group = out.logGroups?.find((g) => g.logGroupName === t.logGroup);
      const account = /^arn:[^:]+:logs:[^:]*:(\d{12}):/.exec(group?.arn ?? '')?.[1];
      if (account && !t.account) t.account = account;
      const days = group?.retentionInDays;
      if (days === undefined || oldest === undefined) return;
      const oldestKept = this.clock() - days * DAY_MS;
      if (oldest >= oldestKept) return;
      this.opts.logger?.warn({ cluster: reader.name, log_group: t.logGroup, retention_days: days, checkpoint_from: new Date(oldest).toISOString(), gone_until: new Date(oldestKept).toISOString() },
        'CloudWatch: the checkpoint is older than the log group\'s retention: events before gone_until have expired and cannot be read');
    } catch {
      // not allowed to describe, or not reachable now: the reader's own requests say so
    }
  }

  /** Lists the clusters of every scope and region now, then every discovery_interval. */
  private async discoverLoop(scopes: AccountScope[]): Promise<void> {
    while (!this.abort.signal.aborted) {
      for (const scope of scopes) {
        for (const region of scope.regions.length ? scope.regions : [this.defaultRegion]) await this.discover(scope, region);
      }
      // one wait, ended by the interval, by a discovered cluster whose log group went missing, or by close()
      const wait = new AbortController();
      const stop = () => wait.abort();
      this.abort.signal.addEventListener('abort', stop, { once: true });
      this.wakeDiscovery = stop;
      try {
        await sleep(this.config.discoveryIntervalMs, wait.signal);
      } catch {
        if (this.abort.signal.aborted) return;
      } finally {
        this.abort.signal.removeEventListener('abort', stop);
        this.wakeDiscovery = undefined;
      }
    }
  }

  private async discover(scope: AccountScope, region: string): Promise<void> {
    const where = `${scope.roleArn ?? 'self'} ${region}`;
    const identity = { ...scope, region };
    let found;
    try {
      found = await listClusters(this.opts.client ?? this.clients.for(identity), this.abort.signal);
    } catch (e) {
      if (this.abort.signal.aborted) return;
      const reason = describe(e);
      if (this.discoveryProblems.get(where) !== reason) this.opts.logger?.warn({ scope: where, err: reason }, 'CloudWatch: cannot list the clusters; trying again at the next discovery');
      this.discoveryProblems.set(where, reason);
      return;
    }
    this.discoveryProblems.delete(where);
    const inScope = (r: ClusterReader) => r.target.region === region && r.target.roleArn === scope.roleArn;
    const now = new Set<string>();
    for (const f of found) {
      const t: ClusterTarget = { ...identity, name: f.name, logGroup: f.logGroup, ...(f.account ?? scope.roleArn ? { account: f.account ?? accountOfScope(scope) } : {}) };
      const key = this.key(t);
      now.add(key);
      if (!this.readers.has(key)) {
        this.opts.logger?.info({ cluster: t.name, account: t.account ?? null, region }, 'CloudWatch: cluster found, reading it');
        this.add(t, true);
      }
    }
    for (const [key, r] of this.readers) {
      if (!inScope(r) || now.has(key)) continue;
      this.readers.delete(key);
      this.opts.logger?.info({ cluster: r.name, region }, 'CloudWatch: cluster gone (its log group was deleted), no longer read');
      void r.stop();
    }
  }
}

function accountOfScope(scope: AccountScope): string | undefined {
  return scope.roleArn ? /^arn:[^:]+:iam::(\d{12}):/.exec(scope.roleArn)?.[1] : undefined;
}

/** The checkpoint file of a cluster in the checkpoint directory: account, region and cluster. */
export function checkpointName(t: ClusterTarget): string {
  const name = (t.name || t.logGroup).replace(/[^\w.-]+/g, '_');
  return `${t.account ?? 'self'}.${t.region ?? 'default'}.${name}.json`;
}
