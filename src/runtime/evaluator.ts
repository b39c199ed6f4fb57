// Which evaluator a run uses: the engine on the main thread (workers = 0), or the worker pool. Both are an
// Evaluator with its window (pipeline/types.ts); the rest of the run does not care which.
import { availableParallelism } from 'node:os';
import type { OutputOptions } from '../alerts/output-options.js';
import { EngineEvaluator } from '../pool/engine-evaluator.js';
import type { Evaluator } from '../pipeline/types.js';
import type { LoadResult } from '../rules/types.js';

export interface EvaluatorChoice {
  /** Worker threads; 0 evaluates on the main thread. At most four per core are started. */
  workers: number;
  ruleMatching: 'first' | 'all';
  maxEventSize?: number;
  /** The format in which the evaluator may write alert lines (AlertSink.lineFormat). */
  render?: OutputOptions;
  /** A worker died and its batch was sent again. */
  onRestart?(): void;
}

export async function createEvaluator(rules: LoadResult, c: EvaluatorChoice): Promise<Evaluator> {
  const engine = { ruleMatching: c.ruleMatching, maxEventSize: c.maxEventSize };
  if (c.workers <= 0) return new EngineEvaluator(rules, { ...engine, render: c.render });
  // piscina (about twenty CommonJS files, 20 ms) loads only for a pool: a run on the main thread starts sooner
  const { WorkerPool } = await import('../pool/pool.js');
  return new WorkerPool(rules, { threads: Math.min(c.workers, availableParallelism() * 4), render: c.render, onRestart: c.onRestart, ...engine });
}
