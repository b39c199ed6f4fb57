// The pipeline's own metrics, recorded by the runtime around the source and the evaluator (instrument.ts),
// the reloader and the worker pool. Outputs and sources register theirs in their own folders.
import type { MetricsRegistry } from '../core/metrics.js';

export function pipelineMetrics(m: MetricsRegistry) {
  return {
    /** Payloads taken from a source (one per line, document or webhook request body). */
    eventsRead: m.counter('events_read_total', 'Payloads read from a source', ['source']),
    /** Audit events evaluated (an EventList payload counts each of its items). */
    eventsParsed: m.counter('events_parsed_total', 'Audit events evaluated'),
    /** Payloads that CloudWatch cut at its size limit. */
    eventsTruncated: m.counter('events_truncated_total', 'Payloads cut by CloudWatch at its size limit'),
    /** Payloads or items not evaluated, by reason (unrecognized, parse, no_timestamp, too_large). */
    eventsDropped: m.counter('events_dropped_total', 'Payloads or events not evaluated, by reason', ['reason']),
    /** Time to evaluate one batch. */
    batchSeconds: m.histogram('batch_duration_seconds', 'Time to evaluate one batch',
      [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5]),
    /** Events evaluated without an auditID: their ka.* fields are empty (as in the Falco plugin). */
    eventsWithoutAuditId: m.counter('events_without_audit_id_total', 'Audit events evaluated without an auditID (their ka.* fields are empty)'),
    rulesLoaded: m.gauge('rules_loaded', 'Enabled rules being evaluated'),
    reloads: m.counter('rules_reloads_total', 'Rules reloads, by result (ok, rejected)', ['result']),
    workerRestarts: m.counter('worker_restarts_total', 'Evaluation workers restarted after a crash'),
  };
}

export type PipelineMetrics = ReturnType<typeof pipelineMetrics>;
