// The outputs' metrics: alerts raised, throttled by the rate limit, and per output sent, failed, dropped
// and queued.
import type { MetricsRegistry } from '../core/metrics.js';

export function outputMetrics(m: MetricsRegistry) {
  return {
    alerts: m.counter('alerts_total', 'Alerts raised, by rule and priority', ['rule', 'priority']),
    /** Alerts dropped by the outputs.rate / outputs.max_burst token bucket. */
    alertsThrottled: m.counter('alerts_throttled_total', 'Alerts dropped by the outputs rate limit'),
    sent: m.counter('output_alerts_sent_total', 'Alerts an output delivered', ['output']),
    /** Alerts an output tried and gave up on (retries exhausted, write error). */
    failed: m.counter('output_alerts_failed_total', 'Alerts an output gave up on after trying', ['output']),
    /** Alerts an output never tried: its queue was full while it was failing. */
    dropped: m.counter('output_alerts_dropped_total', 'Alerts an output dropped unsent (queue full while failing)', ['output']),
    queue: m.gauge('output_queue_alerts', 'Alerts waiting in an output queue', ['output']),
  };
}

export type OutputMetrics = ReturnType<typeof outputMetrics>;
