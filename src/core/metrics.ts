// The Prometheus registry kawa serves on /metrics. Each subsystem registers its own metrics here, next to
// the code that records them (runtime/metrics.ts for the pipeline, outputs/metrics.ts, each source's
// metrics.ts); this module only holds the registry and the naming rule: every name starts with kawa_.
//
// Registration is idempotent: asking again for a name returns the metric registered first, so several
// instances of one subsystem in a process (the demo's Kinesis readers, a fleet's CloudWatch clusters)
// record into the same series, told apart by their labels.
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics, type Metric } from 'prom-client';

export const METRIC_PREFIX = 'kawa_';

/** The Prometheus registry of one kawa process: every metric is named `kawa_<name>`, and asking twice for a name returns the first registration. */
export class MetricsRegistry {
  /** The underlying prom-client registry, for embedders that merge it into their own. */
  readonly registry: Registry;

  constructor(opts: { processMetrics?: boolean } = {}) {
    this.registry = new Registry();
    if (opts.processMetrics) collectDefaultMetrics({ register: this.registry, prefix: METRIC_PREFIX });
  }

  /** A counter `kawa_<name>` with the given label names (registered once, then shared). */
  counter<L extends string = never>(name: string, help: string, labelNames: readonly L[] = []): Counter<L> {
    return this.once(name, () => new Counter<L>({ name: METRIC_PREFIX + name, help, labelNames, registers: [this.registry] }));
  }

  /** A gauge `kawa_<name>` with the given label names (registered once, then shared). */
  gauge<L extends string = never>(name: string, help: string, labelNames: readonly L[] = []): Gauge<L> {
    return this.once(name, () => new Gauge<L>({ name: METRIC_PREFIX + name, help, labelNames, registers: [this.registry] }));
  }

  /** A histogram `kawa_<name>` with the given bucket bounds and label names (registered once, then shared). */
  histogram<L extends string = never>(name: string, help: string, buckets: number[], labelNames: readonly L[] = []): Histogram<L> {
    return this.once(name, () => new Histogram<L>({ name: METRIC_PREFIX + name, help, buckets, labelNames, registers: [this.registry] }));
  }

  /** The text exposition format served on /metrics. */
  text(): Promise<string> {
    return this.registry.metrics();
  }

  /** The Content-Type header that goes with {@link MetricsRegistry.text}. */
  get contentType(): string {
    return this.registry.contentType;
  }

  private once<M extends Metric>(name: string, create: () => M): M {
    return (this.registry.getSingleMetric(METRIC_PREFIX + name) as M | undefined) ?? create();
  }
}
