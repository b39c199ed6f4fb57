// kawa as a service: a run (assemble.ts) of a long-running source (the audit webhook, CloudWatch, Kinesis),
// with what operating it needs around the pipeline:
//   - the web server: /healthz (liveness), /readyz (readiness), /metrics (Prometheus, kawa_*), started before
//     the source opens so that probes answer while it does;
//   - structured logs on stderr at log_level;
//   - SIGTERM/SIGINT: stop reading, finish in-flight batches, flush the outputs, close the source (which
//     writes its checkpoint), exit 0, all within shutdown_timeout_ms;
//   - SIGHUP: reload the rules and reopen output files; watch_config_files: reload when a rules or the
//     configuration file changes. A reload that fails keeps the running rules.
import { MetricsRegistry } from '../core/metrics.js';
import { OutputSink } from '../outputs/sink.js';
import { Run, type AssembleOptions } from './assemble.js';
import { Health, startServiceServer } from './health-server.js';
import { logWriter, Reports } from './reports.js';
import { handleSignals } from './signals.js';

export type ServeOptions = Omit<AssembleOptions, 'metrics' | 'health' | 'reports'>;

/** Runs until SIGTERM/SIGINT or until the pipeline fails; resolves with the exit code. */
export async function serve(o: ServeOptions): Promise<number> {
  const { config, logger } = o;
  const metrics = new MetricsRegistry({ processMetrics: true });
  const health = new Health();
  const web = config.service.webserver;
  const server = web.enabled ? await startServiceServer(web, health, metrics) : undefined;
  if (server) logger.info({ url: server.url, healthz: web.healthzEndpoint }, 'web server listening');
  const reports = new Reports(logWriter(logger));
  let run: Run;
  try {
    run = await Run.assemble({ ...o, metrics, health, reports });
  } catch (e) {
    await server?.close();
    throw e;
  }
  let done: Promise<unknown> = Promise.resolve();
  const unhandle = handleSignals({
    timeoutMs: config.service.shutdownTimeoutMs,
    logger,
    shutdown: async () => {
      health.ready = false;
      await run.stop();
      await done;
    },
    hangup: () => {
      run.outputs.reopen?.();
      void run.reload('SIGHUP');
    },
  });
  health.ready = true;
  const outputs = run.outputs instanceof OutputSink ? run.outputs.outputs.map((out) => out.name) : undefined;
  logger.info({ source: run.source.name, rules: o.rules.rules.filter((r) => r.enabled).length, outputs, workers: run.workers }, 'kawa running');
  let code = 0;
  try {
    done = run.run();
    await done;
  } catch (e) {
    health.failed = (e as Error).message;
    logger.error({ err: (e as Error).message }, 'the pipeline failed');
    code = 1;
  } finally {
    health.ready = false;
    await run.close();
    await server?.close();
    unhandle();
  }
  const { batches, events, alerts, failedBatches } = run.stats;
  logger.info({ batches, events, alerts, failed_batches: failedBatches, rejected: Object.fromEntries(reports.counts) }, 'kawa stopped');
  return code;
}
