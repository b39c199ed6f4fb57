// Encodes an IP list for a kawa.sourceips.listed / kawa.ips.listed field: the argument the VM passes to the
// extractor (assembly/ip-match.ts reads it in place):
//   u32 range count, u32 pointer length, the JSON pointer's bytes (none: the field's own path, sourceIPs),
//   zero padding to a multiple of 4, u32 sample count, then the samples: the low end (two u64, high word
//   first) of every SAMPLE_EVERY-th range, then the ranges as ip-ranges.ts packRanges wrote them.
// The search reads the samples first: for 100,000 ranges they are 25 KB, which stay in cache, where a plain
// binary search over the 3.2 MB of ranges misses the cache at nearly every step when other rules run too.
import type { IpList } from '../rules/types.js';
import { RANGE_BYTES } from '../rules/ip-ranges.js';
import { ByteWriter } from './byte-writer.js';

/** One sample per this many ranges (the WebAssembly side's SAMPLE_SHIFT is its log2). */
export const SAMPLE_EVERY = 64;

const encoder = new TextEncoder();

export function encodeIpTable(list: IpList, pointer: string | undefined): Uint8Array {
  const w = new ByteWriter();
  const p = encoder.encode(pointer ?? '');
  w.u32(list.count);
  w.u32(p.length);
  w.bytes(p);
  w.align4();
  const samples = Math.ceil(list.count / SAMPLE_EVERY);
  w.u32(samples);
  for (let i = 0; i < samples; i++) {
    const at = i * SAMPLE_EVERY * RANGE_BYTES;
    w.bytes(list.ranges.subarray(at, at + 16));
  }
  w.bytes(list.ranges);
  return w.toBytes();
}
