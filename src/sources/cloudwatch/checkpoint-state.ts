// The CloudWatch source's checkpoint document (one JSON object, written atomically by CheckpointFile):
//
//   { "kind": "kawa-cloudwatch-checkpoint", "version": 2,
//     "logGroup": "/aws/eks/c/cluster", "streamPrefix": "kube-apiserver-audit-",
//     "tiers": [2000, 15000, 120000, 600000],       re-check ages (ms) the cursors belong to
//     "cursors": [t0, t1, ..., tK],                    event time (ms) each tier has read up to
//     "seen": [[second, "<base64>"], ...],             acknowledged eventIds still inside a window, as 64-bit
//                                                      hashes per second of event time (seen.ts); version 1
//                                                      stored the ids themselves, front-coded: still read
//     "writtenAt": ms }
//
// Cursors only cover events whose alerts the outputs accepted, and `seen` only holds acknowledged ids, so a
// restart reads again exactly what was not acknowledged (plus what was acknowledged after the last write).
import { KawaError } from '../../core/errors.js';
import { SeenIds, type IdBudget } from './seen.js';

export const CHECKPOINT_KIND = 'kawa-cloudwatch-checkpoint';
export const CHECKPOINT_VERSION = 2;

export interface CheckpointState {
  logGroup: string;
  streamPrefix: string;
  tiers: number[];
  cursors: number[];
  seen: [number, string][];
  writtenAt: number;
}

export interface LoadedCheckpoint {
  cursors: number[];
  seen: SeenIds;
  writtenAt: number;
}

export function encodeCheckpoint(s: CheckpointState): Record<string, unknown> {
  return { kind: CHECKPOINT_KIND, version: CHECKPOINT_VERSION, ...s };
}

/**
 * Checks and decodes a stored checkpoint for this log group and tier list. A checkpoint of other tier ages
 * is still used: every tier restarts from the oldest cursor, so nothing is skipped. Throws KAWA_ERR_CHECKPOINT
 * naming the file.
 */
export function decodeCheckpoint(doc: unknown, file: string, expect: { logGroup: string; streamPrefix: string; tiers: number[] }, budget?: IdBudget): LoadedCheckpoint {
  const bad = (why: string): never => {
    throw new KawaError('KAWA_ERR_CHECKPOINT', `not a usable CloudWatch checkpoint: ${why}; move it away to start over from the configured look-back`, { file });
  };
  if (!doc || typeof doc !== 'object' || Array.isArray(doc)) return bad('not a JSON object');
  const d = doc as Record<string, unknown>;
  if (d.kind !== CHECKPOINT_KIND) return bad(`"kind" is ${JSON.stringify(d.kind)}, not "${CHECKPOINT_KIND}"`);
  if (d.version !== 1 && d.version !== CHECKPOINT_VERSION) return bad(`version ${JSON.stringify(d.version)} is not ${CHECKPOINT_VERSION}`);
  if (d.logGroup !== expect.logGroup || d.streamPrefix !== expect.streamPrefix) {
    throw new KawaError('KAWA_ERR_CHECKPOINT', `the checkpoint belongs to log group ${JSON.stringify(d.logGroup)} (streams ${JSON.stringify(d.streamPrefix)}), not ${expect.logGroup} (${expect.streamPrefix}): give each log group its own checkpoint file`, { file });
  }
  const numbers = (v: unknown) => Array.isArray(v) && v.length > 0 && v.every((x) => Number.isFinite(x));
  if (!numbers(d.tiers)) return bad('"tiers" is not a list of numbers');
  if (!numbers(d.cursors) || (d.cursors as number[]).length !== (d.tiers as number[]).length + 1) return bad('"cursors" is not one number per tier');
  if (!Number.isFinite(d.writtenAt)) return bad('"writtenAt" is missing');
  // a cursor is a time already read when the checkpoint was written, by the same clock
  if ((d.cursors as number[]).some((c) => c > (d.writtenAt as number))) return bad('a cursor is later than the time the checkpoint was written');
  let seen: SeenIds;
  try {
    seen = SeenIds.decode(d.seen, d.version as number, budget);
  } catch (e) {
    return bad((e as Error).message);
  }
  let cursors = d.cursors as number[];
  const sameTiers = (d.tiers as number[]).length === expect.tiers.length && (d.tiers as number[]).every((t, i) => t === expect.tiers[i]);
  if (!sameTiers) {
    const oldest = Math.min(...cursors);
    cursors = Array.from({ length: expect.tiers.length + 1 }, () => oldest);
  }
  return { cursors, seen, writtenAt: d.writtenAt as number };
}
