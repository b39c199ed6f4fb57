// The CloudWatch source's metrics.
import type { MetricsRegistry } from '../../core/metrics.js';

export function cloudWatchMetrics(m: MetricsRegistry) {
  return {
    requests: m.counter('cloudwatch_requests_total', 'CloudWatch Logs API requests, per cluster', ['operation', 'outcome', 'cluster']),
    throttles: m.counter('cloudwatch_throttles_total', 'CloudWatch Logs requests throttled, per cluster', ['operation', 'cluster']),
    /** How far behind now the newest fully read time is, per cluster (log group). */
    lag: m.gauge('cloudwatch_lag_seconds', 'Age of the newest event read, per cluster', ['cluster', 'group']),
    /** Seconds since the checkpoint was last written. */
    checkpointAge: m.gauge('checkpoint_age_seconds', 'Seconds since the checkpoint was last written'),
  };
}

export type CloudWatchMetrics = ReturnType<typeof cloudWatchMetrics>;
