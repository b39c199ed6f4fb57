// The CloudWatch source's metrics.
import type { MetricsRegistry } from '../../core/metrics.js';

export function cloudWatchMetrics(m: MetricsRegistry) {
  return {
    requests: m.counter('cloudwatch_requests_total', 'CloudWatch Logs API requests', ['operation', 'outcome']),
    throttles: m.counter('cloudwatch_throttles_total', 'CloudWatch Logs requests throttled', ['operation']),
    /** How far behind now the newest fully read time is, per log group. */
    lag: m.gauge('cloudwatch_lag_seconds', 'Age of the newest event read, per log group', ['group']),
    /** Seconds since the checkpoint was last written. */
    checkpointAge: m.gauge('checkpoint_age_seconds', 'Seconds since the checkpoint was last written'),
  };
}

export type CloudWatchMetrics = ReturnType<typeof cloudWatchMetrics>;
