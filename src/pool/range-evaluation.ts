// A byte range of a JSON-lines file read straight into an engine's WebAssembly memory and evaluated where
// it lies (range-reader.ts frames it there): what a worker does with a range task, and what the in-thread
// evaluator does with a range batch, so that both give the same matches for the same range.
import type { BatchResult, Engine, InPlaceInput } from '../engine/engine.js';
import type { ByteRange, RangeOutcome } from '../pipeline/types.js';
import { readRange, type RangeReadOptions } from '../sources/file/range-reader.js';

/**
 * Evaluates the range's payloads, `batchEvents` at a time: `each` gets every evaluation, its matches and
 * rejections numbered from the range's first payload (renumbered in place: the objects are the result's own).
 */
export function evaluateRange(engine: Engine, range: ByteRange, opts: RangeReadOptions, each: (result: BatchResult) => void): RangeOutcome {
  let base = 0;
  let input: InPlaceInput | undefined;
  return readRange(range, opts, {
    memory: (bytes) => (input ??= engine.inPlace(bytes, opts.batchEvents)).view(),
    payloads: (starts, ends, count) => {
      const result = input!.evaluate(starts, ends, count);
      for (const m of result.matches) m.payload += base;
      for (const r of result.rejections) r.payload += base;
      each(result);
      base += count;
    },
  });
}
