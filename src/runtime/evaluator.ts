// Which evaluator a run uses: the engine on the main thread (workers = 0), or the worker pool. Both are an
// Evaluator with its window (pipeline/types.ts); the rest of the run does not care which. A run that knows
// its number of workers before its rules can start the threads first (startThreads).
import { availableParallelism } from 'node:os';
import type { OutputOptions } from '../alerts/output-options.js';
import { EngineEvaluator } from '../pipeline/engine-evaluator.js';
import type { Evaluator } from '../pipeline/types.js';
import { WorkerPool, WorkerThreads } from '../pool/pool.js';
import type { LoadResult } from '../rules/types.js';

export interface EvaluatorChoice {
  /** Worker threads; 0 evaluates on the main thread. At most four per core are started. */
  workers: number;
  ruleMatching: 'first' | 'all';
  maxEventSize?: number;
  /** The format in which workers may render alert lines (AlertSink.lineFormat). */
  render?: OutputOptions;
  /** A worker died and its batch was sent again. */
  onRestart?(): void;
  /** Threads started before the rules were loaded (startThreads with the same `workers`). */
  started?: WorkerThreads;
}

/** At most four threads per core. */
const threadsFor = (workers: number) => Math.min(workers, availableParallelism() * 4);

/** Starts the threads of `workers` workers ahead of the rules (none for 0); createEvaluator adopts them. */
export function startThreads(workers: number): WorkerThreads | undefined {
  return workers > 0 ? new WorkerThreads(threadsFor(workers)) : undefined;
}

export function createEvaluator(rules: LoadResult, c: EvaluatorChoice): Evaluator {
  const engine = { ruleMatching: c.ruleMatching, maxEventSize: c.maxEventSize };
  if (c.workers <= 0) {
    void c.started?.close();
    return new EngineEvaluator(rules, engine);
  }
  return new WorkerPool(rules, { threads: threadsFor(c.workers), render: c.render, onRestart: c.onRestart, started: c.started, ...engine });
}
