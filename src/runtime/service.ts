// kawa as a service: a run (assemble.ts) of a long-running source (the audit webhook, CloudWatch, Kinesis),
// with what operating it needs around the pipeline:
//   - the web server: /healthz (liveness), /readyz (readiness), /metrics (Prometheus, kawa_*), started before
//     the source opens so that probes answer while it does;
//   - structured logs on stderr at log_level;
//   - SIGTERM/SIGINT (serve(), the command line): stop reading, finish in-flight batches, flush the outputs,
//     close the source (which writes its checkpoint), exit 0, all within shutdown_timeout_ms;
//   - SIGHUP: reload the rules and reopen output files; watch_config_files: reload when a rules or the
//     configuration file changes. A reload that fails keeps the running rules.
// startService() is the same service without the process-wide parts (signals, exit code): what the library's
// start() (start.ts) gives an embedding program.
import { isLoopback } from '../core/bearer-token.js';
import { MetricsRegistry } from '../core/metrics.js';
import { OutputSink } from '../outputs/sink.js';
import type { PipelineStats } from '../pipeline/pipeline.js';
import { Run, type AssembleOptions } from './assemble.js';
import { buildInfo } from './build-info.js';
import { Health, startServiceServer, type ServiceServer } from './health-server.js';
import { logWriter, Reports } from './reports.js';
import { handleSignals } from './signals.js';

export type ServeOptions = Omit<AssembleOptions, 'health' | 'reports'>;

/** A running service. */
export interface Service {
  readonly run: Run;
  readonly health: Health;
  readonly metrics: MetricsRegistry;
  readonly reports: Reports;
  readonly server: ServiceServer | undefined;
  /** Settles when the service ended: stop() was called, or the pipeline failed (rejects). The web server
   *  is closed and the outputs flushed by then. */
  readonly done: Promise<PipelineStats>;
  /** Stops reading; resolves once what was read was delivered (done settled). */
  stop(): Promise<void>;
}

/** Starts the web server, opens the source and runs the pipeline until stop() or a failure. */
export async function startService(o: ServeOptions): Promise<Service> {
  const { config, logger } = o;
  const metrics = o.metrics ?? new MetricsRegistry({ processMetrics: true });
  const b = buildInfo();
  metrics.gauge('build_info', 'Always 1: the running version, commit, Node.js, engine and rules engine', ['version', 'commit', 'node', 'engine', 'rules_engine'])
    .set({ version: b.version, commit: b.commit, node: b.node, engine: b.engine, rules_engine: b.rulesEngine }, 1);
  const health = new Health();
  const web = config.service.webserver;
  const server = web.enabled ? await startServiceServer(web, health, metrics) : undefined;
  if (server) {
    const listen = `${web.listenAddress}:${server.port}`;
    logger.info({ listen, url: server.url, healthz: web.healthzEndpoint, authentication: web.tokenFile ? 'bearer token' : 'none' }, 'web server listening');
    if (!isLoopback(web.listenAddress) && !web.tokenFile && web.metricsEnabled) {
      logger.warn({ listen }, 'web server reachable beyond this host without authentication: anyone who reaches it can read /metrics, '
        + 'which shows which rules alert; set webserver.token_file (Prometheus: bearer_token_file), or listen_address: 127.0.0.1');
    }
  }
  const reports = new Reports(logWriter(logger));
  let run: Run;
  try {
    run = await Run.assemble({ ...o, metrics, health, reports });
  } catch (e) {
    await server?.close();
    throw e;
  }
  health.ready = true;
  const outputs = run.outputs instanceof OutputSink ? run.outputs.outputs.map((out) => out.name) : undefined;
  logger.info({ source: run.source.name, rules: o.rules.rules.filter((r) => r.enabled).length, outputs, workers: run.workers, version: b.version }, 'kawa running');
  const done = (async () => {
    try {
      return await run.run();
    } catch (e) {
      health.failed = (e as Error).message;
      logger.error({ err: (e as Error).message }, 'the pipeline failed');
      throw e;
    } finally {
      health.ready = false;
      await run.close();
      await server?.close();
      const { batches, events, alerts, failedBatches } = run.stats;
      logger.info({ batches, events, alerts, failed_batches: failedBatches, rejected: Object.fromEntries(reports.counts) }, 'kawa stopped');
    }
  })();
  done.catch(() => undefined);
  return {
    run, health, metrics, reports, server, done,
    stop: async () => {
      health.ready = false;
      await run.stop();
      await done.catch(() => undefined);
    },
  };
}

/** The command line's service: runs until SIGTERM/SIGINT or until the pipeline fails; resolves with the exit code. */
export async function serve(o: ServeOptions): Promise<number> {
  // 'kawa running' is logged inside startService: a SIGHUP sent on seeing it can arrive before the handlers
  // below exist, and SIGHUP's default action ends the process. One that arrives while starting is held and
  // carried out once the service runs.
  let heldHangup = false;
  const holdHangup = () => { heldHangup = true; };
  process.on('SIGHUP', holdHangup);
  let service: Service;
  try {
    service = await startService(o);
  } catch (e) {
    process.off('SIGHUP', holdHangup);
    throw e;
  }
  const hangup = () => {
    service.run.outputs.reopen?.();
    void service.run.reload('SIGHUP');
  };
  const unhandle = handleSignals({
    timeoutMs: o.config.service.shutdownTimeoutMs,
    logger: o.logger,
    shutdown: () => service.stop(),
    // an embedder's own sink cannot say what it holds
    abandon: () => (service.run.outputs instanceof OutputSink ? service.run.outputs.abandon() : {}),
    hangup,
  });
  // only now: Node stops watching a signal when its last listener goes, and a signal caught but not yet
  // dispatched is then dropped; with the service's own listener added first, it reaches that listener
  process.off('SIGHUP', holdHangup);
  if (heldHangup) hangup();
  try {
    await service.done;
    return 0;
  } catch {
    return 1;
  } finally {
    unhandle();
  }
}
