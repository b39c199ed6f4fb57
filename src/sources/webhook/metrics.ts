// The audit webhook's metrics.
import type { MetricsRegistry } from '../../core/metrics.js';

export function webhookMetrics(m: MetricsRegistry) {
  return {
    requests: m.counter('webhook_requests_total', 'Audit webhook requests, by HTTP status (429: refused, full; 408: too slow)', ['code']),
    connections: m.gauge('webhook_connections', 'Open audit webhook connections'),
    inflightBytes: m.gauge('webhook_inflight_bytes', 'Bytes of audit webhook request bodies held (reserved when admitted, freed when answered)'),
  };
}
