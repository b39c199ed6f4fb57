// The outputs' metrics: alerts raised, throttled by the rate limit, and per output sent, failed, dropped,
// queued and abandoned at a shutdown that ran out of time.
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
    queueBytes: m.gauge('output_queue_bytes', 'Characters of formatted alerts waiting in an output queue', ['output']),
    queueFullWaits: m.counter('output_queue_full_waits_total', 'Times detection waited for room in a healthy output\'s full queue', ['output']),
    circuitOpen: m.gauge('output_circuit_open', '1 while an output\'s circuit breaker fails alerts at once', ['output']),
    /** Alerts still queued or being sent when a shutdown ran out of time: never delivered. */
    abandoned: m.counter('output_alerts_abandoned_total', 'Alerts an output still held when a shutdown ran out of time', ['output']),
  };
}

export type OutputMetrics = ReturnType<typeof outputMetrics>;
