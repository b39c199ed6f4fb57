// The audit webhook's metrics.
import type { MetricsRegistry } from '../../core/metrics.js';

export function webhookMetrics(m: MetricsRegistry) {
  return {
    requests: m.counter('webhook_requests_total', 'Audit webhook requests, by HTTP status', ['code']),
  };
}
