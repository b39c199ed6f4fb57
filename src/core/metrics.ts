// The Prometheus registry kawa serves on /metrics. Each subsystem registers its own metrics here, next to
// the code that records them (runtime/metrics.ts for the pipeline, outputs/metrics.ts, each source's
// metrics.ts); this module only holds the registry and the naming rule: every name starts with kawa_.
//
// Registration is idempotent: asking again for a name returns the metric registered first, so several
// instances of one subsystem in a process (the demo's Kinesis readers, a fleet's CloudWatch clusters)
// record into the same series, told apart by their labels.
//
// prom-client is imported part by part: its index loads every part (the push gateway's HTTP client, summaries
// with their digest, the process metrics with @opentelemetry/api), about 7 ms of every `kawa run`'s start
// although only the service serves process metrics; those are loaded by the service alone, on demand.
import type { Counter as CounterType, Gauge as GaugeType, Histogram as HistogramType, Metric, Registry as RegistryType } from 'prom-client';
import Counter from 'prom-client/lib/counter.js';
import Gauge from 'prom-client/lib/gauge.js';
import Histogram from 'prom-client/lib/histogram.js';
import Registry from 'prom-client/lib/registry.js';

export const METRIC_PREFIX = 'kawa_';

/** The Prometheus registry of one kawa process: every metric is named `kawa_<name>`, and asking twice for a name returns the first registration. */
export class MetricsRegistry {
  /** The underlying prom-client registry, for embedders that merge it into their own. With `processMetrics`,
   *  Node's metrics join it a moment after construction (their module loads on demand); text() waits for them. */
  readonly registry: RegistryType;
  /** Settles once the process metrics are registered (at once without them). */
  private readonly processMetrics: Promise<void>;

  /** `processMetrics`: also Node's own (CPU, memory, event loop lag, GC), registered before the first scrape. */
  constructor(opts: { processMetrics?: boolean } = {}) {
    this.registry = new Registry();
    this.processMetrics = opts.processMetrics
      ? import('prom-client/lib/defaultMetrics.js').then(({ default: collect }) => collect({ register: this.registry, prefix: METRIC_PREFIX }))
      : Promise.resolve();
    // a failure is the first scrape's (text() rejects), not an unhandled rejection before it
    this.processMetrics.catch(() => {});
  }

  /** A counter `kawa_<name>` with the given label names (registered once, then shared). */
  counter<L extends string = never>(name: string, help: string, labelNames: readonly L[] = []): CounterType<L> {
    return this.once(name, () => new Counter<L>({ name: METRIC_PREFIX + name, help, labelNames, registers: [this.registry] }));
  }

  /** A gauge `kawa_<name>` with the given label names (registered once, then shared). */
  gauge<L extends string = never>(name: string, help: string, labelNames: readonly L[] = []): GaugeType<L> {
    return this.once(name, () => new Gauge<L>({ name: METRIC_PREFIX + name, help, labelNames, registers: [this.registry] }));
  }

  /** A histogram `kawa_<name>` with the given bucket bounds and label names (registered once, then shared). */
  histogram<L extends string = never>(name: string, help: string, buckets: number[], labelNames: readonly L[] = []): HistogramType<L> {
    return this.once(name, () => new Histogram<L>({ name: METRIC_PREFIX + name, help, buckets, labelNames, registers: [this.registry] }));
  }

  /** The text exposition format served on /metrics. */
  async text(): Promise<string> {
    await this.processMetrics;
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
