// Metrics around the pipeline's stages without changing them: a Source and an Evaluator wrapped so that
// what passes through is counted (events read, evaluated, truncated, dropped; batch evaluation time).
import type { Evaluation, Evaluator, Source, SourceBatch } from '../pipeline/types.js';
import type { LoadResult } from '../rules/types.js';
import type { PipelineMetrics } from './metrics.js';

export function meteredSource<S extends Source>(source: S, metrics: PipelineMetrics): S {
  const counter = metrics.eventsRead.labels({ source: source.name });
  return new Proxy(source, {
    get(target, key, receiver) {
      if (key !== Symbol.asyncIterator) return Reflect.get(target, key, receiver);
      return async function* (): AsyncGenerator<SourceBatch> {
        for await (const batch of target) {
          counter.inc(batch.count);
          yield batch;
        }
      };
    },
  });
}

export class MeteredEvaluator implements Evaluator {
  constructor(private readonly inner: Evaluator, private readonly metrics: PipelineMetrics) {}

  get window(): number {
    return this.inner.window;
  }

  async evaluate(batch: SourceBatch): Promise<Evaluation> {
    const end = this.metrics.batchSeconds.startTimer();
    const result = await this.inner.evaluate(batch);
    end();
    this.metrics.eventsParsed.inc(result.events);
    if (result.truncated) this.metrics.eventsTruncated.inc(result.truncated);
    if (result.withoutAuditId) this.metrics.eventsWithoutAuditId.inc(result.withoutAuditId);
    for (const r of result.rejections) this.metrics.eventsDropped.inc({ reason: r.reason });
    return result;
  }

  async reload(rules: LoadResult): Promise<void> {
    await this.inner.reload(rules);
    this.metrics.rulesLoaded.set(rules.rules.filter((r) => r.enabled).length);
  }

  close(): Promise<void> {
    return this.inner.close();
  }
}
