// kawa's Prometheus metrics, in one registry served on /metrics. Every name starts with kawa_. Sources,
// the pool and the outputs record into the metrics defined here, so the names stay in one place; a part
// that needs a metric of its own registers it on `registry` (prom-client's Registry) with the same prefix.
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

export const METRIC_PREFIX = 'kawa_';

export class Metrics {
  readonly registry: Registry;

  /** Payloads taken from a source (one per line, document or webhook request body). */
  readonly eventsRead: Counter<'source'>;
  /** Audit events evaluated (an EventList payload counts each of its items). */
  readonly eventsParsed: Counter;
  /** Payloads that CloudWatch cut at its size limit. */
  readonly eventsTruncated: Counter;
  /** Payloads or items not evaluated, by reason (unrecognized, parse, no_timestamp, too_large). */
  readonly eventsDropped: Counter<'reason'>;
  readonly alerts: Counter<'rule' | 'priority'>;
  /** Alerts dropped by the outputs.rate / outputs.max_burst token bucket. */
  readonly alertsThrottled: Counter;
  readonly outputSent: Counter<'output'>;
  /** Alerts an output tried and gave up on (retries exhausted, write error). */
  readonly outputFailed: Counter<'output'>;
  /** Alerts an output never tried: its queue was full while it was failing. */
  readonly outputDropped: Counter<'output'>;
  readonly outputQueue: Gauge<'output'>;
  readonly cloudwatchRequests: Counter<'operation' | 'outcome'>;
  readonly cloudwatchThrottles: Counter<'operation'>;
  /** How far behind the newest ingested event the reading is, per log group. */
  readonly cloudwatchLag: Gauge<'group'>;
  /** Seconds since the checkpoint was last written. */
  readonly checkpointAge: Gauge;
  readonly workerRestarts: Counter;
  /** Time to evaluate one batch. */
  readonly batchSeconds: Histogram;
  readonly rulesLoaded: Gauge;
  readonly reloads: Counter<'result'>;
  readonly webhookRequests: Counter<'code'>;

  constructor(opts: { registry?: Registry; processMetrics?: boolean } = {}) {
    const registers = [(this.registry = opts.registry ?? new Registry())];
    const counter = <L extends string>(name: string, help: string, labelNames: L[] = []) =>
      new Counter<L>({ name: METRIC_PREFIX + name, help, labelNames, registers });
    const gauge = <L extends string>(name: string, help: string, labelNames: L[] = []) =>
      new Gauge<L>({ name: METRIC_PREFIX + name, help, labelNames, registers });

    this.eventsRead = counter('events_read_total', 'Payloads read from a source', ['source']);
    this.eventsParsed = counter('events_parsed_total', 'Audit events evaluated');
    this.eventsTruncated = counter('events_truncated_total', 'Payloads cut by CloudWatch at its size limit');
    this.eventsDropped = counter('events_dropped_total', 'Payloads or events not evaluated, by reason', ['reason']);
    this.alerts = counter('alerts_total', 'Alerts raised, by rule and priority', ['rule', 'priority']);
    this.alertsThrottled = counter('alerts_throttled_total', 'Alerts dropped by the outputs rate limit');
    this.outputSent = counter('output_alerts_sent_total', 'Alerts an output delivered', ['output']);
    this.outputFailed = counter('output_alerts_failed_total', 'Alerts an output gave up on after trying', ['output']);
    this.outputDropped = counter('output_alerts_dropped_total', 'Alerts an output dropped unsent (queue full while failing)', ['output']);
    this.outputQueue = gauge('output_queue_alerts', 'Alerts waiting in an output queue', ['output']);
    this.cloudwatchRequests = counter('cloudwatch_requests_total', 'CloudWatch Logs API requests', ['operation', 'outcome']);
    this.cloudwatchThrottles = counter('cloudwatch_throttles_total', 'CloudWatch Logs requests throttled', ['operation']);
    this.cloudwatchLag = gauge('cloudwatch_lag_seconds', 'Age of the newest event read, per log group', ['group']);
    this.checkpointAge = gauge('checkpoint_age_seconds', 'Seconds since the checkpoint was last written');
    this.workerRestarts = counter('worker_restarts_total', 'Evaluation workers restarted after a crash');
    this.batchSeconds = new Histogram({
      name: `${METRIC_PREFIX}batch_duration_seconds`,
      help: 'Time to evaluate one batch',
      buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      registers,
    });
    this.rulesLoaded = gauge('rules_loaded', 'Enabled rules being evaluated');
    this.reloads = counter('rules_reloads_total', 'Rules reloads, by result (ok, rejected)', ['result']);
    this.webhookRequests = counter('webhook_requests_total', 'Audit webhook requests, by HTTP status', ['code']);
    if (opts.processMetrics) collectDefaultMetrics({ register: this.registry, prefix: METRIC_PREFIX });
  }

  /** The text exposition format served on /metrics. */
  text(): Promise<string> {
    return this.registry.metrics();
  }
}
