// The CloudWatch source's metrics.
import type { MetricsRegistry } from '../../core/metrics.js';

export function cloudWatchMetrics(m: MetricsRegistry) {
  return {
    requests: m.counter('cloudwatch_requests_total', 'CloudWatch Logs API requests, per cluster', ['operation', 'outcome', 'cluster']),
    throttles: m.counter('cloudwatch_throttles_total', 'CloudWatch Logs requests throttled, per cluster', ['operation', 'cluster']),
    /** Events of FilterLogEvents answers that were not the API's shape, skipped (page-shape.ts). */
    malformed: m.counter('cloudwatch_malformed_events_total', 'Events of CloudWatch answers that were not the API\'s shape: skipped', ['cluster']),
    /** How far behind now the newest fully read time is, per cluster (log group). */
    lag: m.gauge('cloudwatch_lag_seconds', 'Age of the newest event read, per cluster', ['cluster', 'group']),
    /** How far behind schedule each re-check tier is: re-checks deferred while the head needs the quota. */
    recheckBacklog: m.gauge('cloudwatch_recheck_backlog_seconds', 'Due event time not yet re-checked, per cluster and tier', ['cluster', 'tier']),
    /** Seconds of event time given up by the re-checks because the event id budget (max_event_ids) was spent. */
    recheckSkipped: m.counter('cloudwatch_recheck_skipped_seconds_total', 'Seconds no longer re-checked for late events: the event id budget was spent', ['cluster']),
    /** 1 while a cluster's head falls behind even with every request of the quota: it needs Kinesis. */
    saturated: m.gauge('cloudwatch_head_saturated', '1 while the head of a cluster cannot keep up at the request quota', ['cluster']),
    /** How much time each head read reads again (cloudwatch.skew_ms; automatic unless set). */
    headOverlap: m.gauge('cloudwatch_head_overlap_seconds', 'Time each head read reads again before its cursor, per cluster', ['cluster']),
    /** Seconds since the checkpoint was last written. */
    checkpointAge: m.gauge('checkpoint_age_seconds', 'Seconds since the checkpoint was last written'),
  };
}

export type CloudWatchMetrics = ReturnType<typeof cloudWatchMetrics>;
