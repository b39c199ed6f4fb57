// The in-thread evaluator: the Engine on the main thread. Used for small inputs and tests (`--workers 0`),
// where starting worker threads costs more than it saves. A reload swaps the engine between two calls, and
// evaluation is synchronous, so no batch ever sees a half-loaded rule set.
import { Engine } from '../engine/engine.js';
import type { LoadResult } from '../rules/types.js';
import type { Evaluation, Evaluator, SourceBatch } from './types.js';

export interface EngineEvaluatorOptions {
  ruleMatching?: 'first' | 'all';
  module?: WebAssembly.Module;
  /** Events whose compact JSON is longer than this many bytes are rejected (the source's max_event_size; default 262144). */
  maxEventSize?: number;
}

export class EngineEvaluator implements Evaluator {
  /** Evaluation is synchronous here: a few batches ahead only keep the source and the sink busy. */
  readonly window = 4;
  private engine: Engine;

  constructor(rules: LoadResult, private readonly opts: EngineEvaluatorOptions = {}) {
    this.engine = this.create(rules);
  }

  async evaluate(batch: SourceBatch): Promise<Evaluation> {
    return this.engine.evaluate(batch.data, batch.offsets, batch.count, batch.arrivalNs, batch.context);
  }

  async reload(rules: LoadResult): Promise<void> {
    this.engine = this.create(rules);
  }

  private create(rules: LoadResult): Engine {
    const { ruleMatching, module, maxEventSize } = this.opts;
    return Engine.create({ rules, ruleMatching, module, maxEventSize });
  }

  async close(): Promise<void> {}
}
