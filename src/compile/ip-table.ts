// Encodes an IP list for a kawa.sourceips.listed / kawa.ips.listed field: the argument the VM passes to the
// extractor (assembly/ip-match.ts reads it in place):
//   u32 range count, u32 pointer length, the JSON pointer's bytes (none: the field's own path, sourceIPs),
//   zero padding to a multiple of 4, then the ranges as ip-ranges.ts packRanges wrote them.
import type { IpList } from '../rules/types.js';
import { ByteWriter } from './byte-writer.js';

const encoder = new TextEncoder();

export function encodeIpTable(list: IpList, pointer: string | undefined): Uint8Array {
  const w = new ByteWriter();
  const p = encoder.encode(pointer ?? '');
  w.u32(list.count);
  w.u32(p.length);
  w.bytes(p);
  w.align4();
  w.bytes(list.ranges);
  return w.toBytes();
}
