// The Kinesis path's Prometheus metrics, registered on the service's registry (src/service/metrics.ts) with
// its kawa_ prefix: leases held, takeovers, hand-offs, lost leases, per-shard MillisBehindLatest and
// checkpoint age, throttled reads, duplicates removed (by layer), control messages and poison records.
import { Counter, Gauge, type Registry } from 'prom-client';
import type { LeaseCounters } from './leases/manager.js';
import { METRIC_PREFIX } from '../../runtime/metrics.js';

export class KinesisMetrics {
  readonly leasesHeld: Gauge;
  readonly leaseEvents: Counter<'event'>;
  readonly millisBehind: Gauge<'shard'>;
  readonly checkpointAge: Gauge<'shard'>;
  readonly throttled: Counter<'shard'>;
  readonly duplicates: Counter<'layer'>;
  readonly skipped: Counter<'kind'>;
  private readonly last: Record<string, number> = {};

  constructor(registry: Registry) {
    const registers = [registry];
    this.leasesHeld = new Gauge({ name: `${METRIC_PREFIX}kinesis_leases_held`, help: 'Shard leases this process holds', registers });
    this.leaseEvents = new Counter({ name: `${METRIC_PREFIX}kinesis_lease_events_total`, help: 'Lease changes: taken, takeover (from a dead or unresponsive owner), handoff_in, handoff_out, released, lost, renew_failure', labelNames: ['event'], registers });
    this.millisBehind = new Gauge({ name: `${METRIC_PREFIX}kinesis_millis_behind_latest`, help: 'GetRecords MillisBehindLatest, per shard held', labelNames: ['shard'], registers });
    this.checkpointAge = new Gauge({ name: `${METRIC_PREFIX}kinesis_checkpoint_age_seconds`, help: 'Seconds since the shard\'s checkpoint was last written', labelNames: ['shard'], registers });
    this.throttled = new Counter({ name: `${METRIC_PREFIX}kinesis_getrecords_throttled_total`, help: 'GetRecords calls throttled (ProvisionedThroughputExceeded)', labelNames: ['shard'], registers });
    this.duplicates = new Counter({ name: `${METRIC_PREFIX}kinesis_duplicates_removed_total`, help: 'Repeats removed: events by the in-process id set, alerts by the alert table', labelNames: ['layer'], registers });
    this.skipped = new Counter({ name: `${METRIC_PREFIX}kinesis_records_skipped_total`, help: 'Records not evaluated: control, filtered (log group/stream), poison', labelNames: ['kind'], registers });
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
