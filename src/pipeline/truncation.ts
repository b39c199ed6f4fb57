// CloudWatch cuts events longer than its limit and ends them with "[Truncated...]". A run counts such
// payloads and says so when one is rejected. Only the bytes tell, so this runs where the bytes are: in the
// evaluator (the main thread or a worker), never on the way back.
import type { Evaluation } from './types.js';

const MARK = new TextEncoder().encode('[Truncated...]');

const isBlank = (b: number) => b === 0x20 || b === 0x0d || b === 0x0a || b === 0x09;

/** Does data[start, end) end with the marker, before trailing blanks? */
export function isCut(data: Uint8Array, start: number, end: number): boolean {
  while (end > start && isBlank(data[end - 1])) end--;
  if (end - start < MARK.length) return false;
  for (let k = 0; k < MARK.length; k++) if (data[end - MARK.length + k] !== MARK[k]) return false;
  return true;
}

/** Counts the cut payloads of a batch into `result.truncated` and marks the rejections of cut payloads. */
export function markCuts(data: Uint8Array, offsets: Uint32Array, count: number, result: Evaluation): Evaluation {
  let truncated = 0;
  for (let i = 0; i < count; i++) if (isCut(data, offsets[i], offsets[i + 1])) truncated++;
  result.truncated = truncated;
  if (truncated) for (const r of result.rejections) r.cut = isCut(data, offsets[r.payload], offsets[r.payload + 1]);
  return result;
}
