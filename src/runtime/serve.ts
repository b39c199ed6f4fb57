// kawa as a service: a long-running source (the audit webhook, CloudWatch) through the pipeline to the
// configured outputs, with what operating it needs around the pipeline:
//   - the web server: /healthz (liveness), /readyz (readiness), /metrics (Prometheus, kawa_*);
//   - structured logs on stderr at log_level;
//   - SIGTERM/SIGINT: stop reading, finish in-flight batches, flush the outputs, close the source (which
//     writes its checkpoint), exit 0, all within shutdown_timeout_ms;
//   - SIGHUP: reload the rules and reopen output files; watch_config_files: reload when a rules or the
//     configuration file changes. A reload that fails keeps the running rules.
import { availableParallelism } from 'node:os';
import type { FalcoConfig } from '../config/falco-config.js';
import { lineFormat } from '../outputs/config.js';
import { OutputSink } from '../outputs/sink.js';
import { EngineEvaluator } from '../pipeline/engine-evaluator.js';
import { Pipeline } from '../pipeline/pipeline.js';
import type { AlertSink, Evaluator, Source } from '../pipeline/types.js';
import { WorkerPool } from '../pool/pool.js';
import type { LoadResult } from '../rules/types.js';
import { Health, startServiceServer } from './health-server.js';
import { MeteredEvaluator, meteredSource } from './instrument.js';
import { createLogger, type Logger } from '../core/logger.js';
import { Metrics } from './metrics.js';
import { RulesReloader } from './reload.js';
import { handleSignals } from './signals.js';

export interface ServeOptions {
  config: FalcoConfig;
  /** The rules loaded at start (successfully). */
  rules: LoadResult;
  /** Loads the rules as configured now, re-reading the configuration file (reload). */
  reload(): LoadResult;
  /** Opens the source once logging and metrics exist. */
  openSource(ctx: { logger: Logger; metrics: Metrics }): Promise<Source>;
  /** Events longer than this many bytes are rejected and counted (the source's max_event_size). */
  maxEventSize?: number;
  /** Worker threads; 0 (default) evaluates on the main thread. */
  workers?: number;
  /** Puts something in front of the outputs (the Kinesis source's alert dedup), given the opened source. */
  wrapSink?(outputs: AlertSink, source: Source): AlertSink;
  /** Files whose change reloads the rules (besides the rules files): the configuration file. */
  watchFiles?: string[];
}

/** Per rejection reason, the first few are logged with their origin; all are counted. */
const REJECTIONS_LOGGED = 20;

export async function serve(opts: ServeOptions): Promise<number> {
  const { config } = opts;
  const logger = createLogger({ level: config.service.logLevel });
  const metrics = new Metrics({ processMetrics: true });
  const health = new Health();
  const threads = opts.workers === undefined ? 0 : opts.workers;
  const engineOptions = { ruleMatching: config.ruleMatching, maxEventSize: opts.maxEventSize };
  const pool = threads > 0
    ? new WorkerPool(opts.rules, { threads: Math.min(threads, availableParallelism() * 4), render: lineFormat(config.outputs), ...engineOptions })
    : undefined;
  const inner: Evaluator = pool ?? new EngineEvaluator(opts.rules, engineOptions);
  const evaluator = new MeteredEvaluator(inner, metrics);
  metrics.rulesLoaded.set(opts.rules.rules.filter((r) => r.enabled).length);

  const server = config.service.webserver.enabled ? await startServiceServer(config.service.webserver, health, metrics) : undefined;
  if (server) logger.info({ url: server.url, healthz: config.service.webserver.healthzEndpoint }, 'web server listening');
  let source: Source;
  let opened: Source;
  try {
    opened = await opts.openSource({ logger, metrics });
    source = meteredSource(opened, metrics);
    health.sourceProblem = () => opened.unhealthy?.();
  } catch (e) {
    await server?.close();
    await evaluator.close();
    throw e;
  }
  // no minimum priority here: rules below it are not loaded at all (selectRules), and a reload that lowers
  // it must let the newly loaded rules' alerts through
  const sink = new OutputSink(config.outputs, { metrics, logger });
  const rejections = new Map<string, number>();
  let restarts = 0;
  const pipeline = new Pipeline(source, evaluator, opts.wrapSink ? opts.wrapSink(sink, opened) : sink, {
    inFlight: (pool as { window?: number } | undefined)?.window,
    onResult: (batch, result) => {
      for (const r of result.rejections) {
        const n = (rejections.get(r.reason) ?? 0) + 1;
        rejections.set(r.reason, n);
        if (n <= REJECTIONS_LOGGED) logger.warn({ origin: batch.origin(r.payload), item: r.item, reason: r.reason }, 'event not evaluated');
        if (n === REJECTIONS_LOGGED) logger.warn({ reason: r.reason }, 'further events not evaluated for this reason are only counted');
      }
      if (pool && pool.stats.retried > restarts) {
        metrics.workerRestarts.inc(pool.stats.retried - restarts);
        restarts = pool.stats.retried;
      }
    },
    onFailure: (batch, e) => logger.error({ origin: batch.origin(0), err: e.message }, 'batch given up'),
  });
  const reloader = new RulesReloader({
    load: opts.reload,
    apply: (rules) => evaluator.reload(rules),
    files: () => [...config.rulesFiles, ...(opts.watchFiles ?? [])],
    watch: config.service.watchConfigFiles,
    logger,
    metrics,
  });
  let done: Promise<unknown> = Promise.resolve();
  const unhandle = handleSignals({
    timeoutMs: config.service.shutdownTimeoutMs,
    logger,
    shutdown: async () => {
      health.ready = false;
      await pipeline.stop();
      await done;
    },
    hangup: () => {
      sink.reopen();
      void reloader.reload('SIGHUP');
    },
  });
  reloader.start();
  health.ready = true;
  logger.info({ source: source.name, rules: opts.rules.rules.filter((r) => r.enabled).length, outputs: sink.outputs.map((o) => o.name) }, 'kawa running');
  let code = 0;
  try {
    done = pipeline.run();
    await done;
  } catch (e) {
    health.failed = (e as Error).message;
    logger.error({ err: (e as Error).message }, 'the pipeline failed');
    code = 1;
  } finally {
    health.ready = false;
    reloader.stop();
    await sink.close();
    await evaluator.close();
    await server?.close();
    unhandle();
  }
  const { batches, events, alerts, failedBatches } = pipeline.stats;
  logger.info({ batches, events, alerts, failed_batches: failedBatches, rejected: Object.fromEntries(rejections) }, 'kawa stopped');
  return code;
}
