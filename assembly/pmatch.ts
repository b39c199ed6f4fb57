// `pmatch`: does some search path's component list prefix the value's component list (spec 3.2)? Paths
// are split on '/', empty components dropped; a component containing '?', '*' or '[' is an fnmatch
// pattern, any other must be equal.
//
// The search paths arrive as a prefix table, a trie of components built by encodePrefixTable in
// src/compile/prefix-table.ts (all integers u32 little-endian, offsets from the table's first byte):
//   node := terminal   1 when a search path ends here (so every value reaching this node matches)
//           edgeCount
//           edge × edgeCount
//   edge := child      offset of the child node
//           isGlob     1 when the component is matched with fnmatch, 0 when it must be equal
//           len        component length in bytes
//           bytes × len
// The root node is at offset 0. `pmatch ()` is a root with no edges and terminal 0; `pmatch (/)` is a
// terminal root. A value component can match several edges (globs), so the walk tries each in turn; it
// visits every trie node at most once (a node sits at one depth, facing one value component).
import { globMatch } from './glob';
import { bytesEqual } from './bytes';

function matchNode(table: usize, node: u32, v: usize, vl: i32, from: i32): bool {
  const at = table + <usize>node;
  if (load<u32>(at)) return true;
  let start = from;
  while (start < vl && load<u8>(v + <usize>start) == 0x2f) start++;
  if (start == vl) return false;
  let end = start;
  while (end < vl && load<u8>(v + <usize>end) != 0x2f) end++;
  const comp = v + <usize>start;
  const compLen = end - start;
  const edges = load<u32>(at, 4);
  let e = at + 8;
  for (let k: u32 = 0; k < edges; k++) {
    const child = load<u32>(e);
    const isGlob = load<u32>(e, 4) != 0;
    const len = <i32>load<u32>(e, 8);
    const bytes = e + 12;
    const ok = isGlob ? globMatch(bytes, len, comp, compLen, false) : bytesEqual(bytes, len, comp, compLen);
    if (ok && matchNode(table, child, v, vl, end)) return true;
    e = bytes + <usize>len;
  }
  return false;
}

/** Whether the value v[0, vl) matches the prefix table at `table`. */
export function pathPrefixMatch(table: usize, v: usize, vl: i32): bool {
  return matchNode(table, 0, v, vl, 0);
}
