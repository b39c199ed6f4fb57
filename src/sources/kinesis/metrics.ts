// The Kinesis path's Prometheus metrics (registered on the process's registry, core/metrics.ts): leases held,
// takeovers, hand-offs, lost leases, per-shard MillisBehindLatest and checkpoint age, throttled reads,
// duplicates removed (by layer), control messages and poison records (by cause), failed alert table calls.
import type { Counter, Gauge } from 'prom-client';
import type { MetricsRegistry } from '../../core/metrics.js';
import type { LeaseCounters } from './leases/manager.js';

export class KinesisMetrics {
  readonly leasesHeld: Gauge;
  readonly leaseEvents: Counter<'event'>;
  readonly millisBehind: Gauge<'shard'>;
  readonly checkpointAge: Gauge<'shard'>;
  readonly throttled: Counter<'shard'>;
  readonly duplicates: Counter<'layer'>;
  readonly skipped: Counter<'kind'>;
  readonly poison: Counter<'cause'>;
  readonly alertTableErrors: Counter<'call'>;
  private readonly last: Record<string, number> = {};

  constructor(m: MetricsRegistry) {
    this.leasesHeld = m.gauge('kinesis_leases_held', 'Shard leases this process holds');
    this.leaseEvents = m.counter('kinesis_lease_events_total', 'Lease changes: taken, takeover (from a dead or unresponsive owner), handoff_in, handoff_out, released, lost, renew_failure', ['event']);
    this.millisBehind = m.gauge('kinesis_millis_behind_latest', 'GetRecords MillisBehindLatest, per shard held', ['shard']);
    this.checkpointAge = m.gauge('kinesis_checkpoint_age_seconds', 'Seconds since the shard\'s checkpoint was last written', ['shard']);
    this.throttled = m.counter('kinesis_getrecords_throttled_total', 'GetRecords calls throttled (ProvisionedThroughputExceeded)', ['shard']);
    this.duplicates = m.counter('kinesis_duplicates_removed_total', 'Repeats removed: events by the in-process id set, alerts by the alert table', ['layer']);
    this.skipped = m.counter('kinesis_records_skipped_total', 'Records not evaluated: control, filtered (log group/stream), poison', ['kind']);
    this.alertTableErrors = m.counter('kinesis_alert_table_errors_total', 'Alert table calls that failed and were retried (the batch waits), by call: claim, recheck, mark_sent', ['call']);
    this.poison = m.counter('kinesis_poison_records_total', 'Poison records, by cause: gzip (broken), too_large (inflates past 16 MiB: a gzip bomb), json, shape', ['cause']);
  }

  /** The lease manager's counters, as increments since the last call. */
  leases(c: Readonly<LeaseCounters>, held: number): void {
    this.leasesHeld.set(held);
    const map: Record<string, number> = {
      taken: c.taken, takeover: c.takeovers, handoff_in: c.handoffsIn, handoff_out: c.handoffsOut,
      released: c.released, lost: c.lost, renew_failure: c.renewFailures,
    };
    for (const [event, v] of Object.entries(map)) {
      const d = v - (this.last[event] ?? 0);
      if (d > 0) this.leaseEvents.inc({ event }, d);
      this.last[event] = v;
    }
  }
}
