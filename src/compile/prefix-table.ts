// Encodes the search paths of a `pmatch` check as the prefix table assembly/pmatch.ts walks: a trie of
// path components (layout documented there). Paths are split on '/', empty components dropped, so
// `opt/dir` and `/opt/dir/` are the same path and `/` is the root itself (which matches every value).
import { ByteWriter } from './byte-writer.js';

interface TrieNode { terminal: boolean; edges: Map<string, TrieNode> }

const encoder = new TextEncoder();

export function encodePrefixTable(paths: readonly string[]): Uint8Array {
  const root: TrieNode = { terminal: false, edges: new Map() };
  for (const path of paths) {
    let node = root;
    for (const comp of path.split('/').filter((c) => c !== '')) {
      let next = node.edges.get(comp);
      if (!next) {
        next = { terminal: false, edges: new Map() };
        node.edges.set(comp, next);
      }
      node = next;
    }
    node.terminal = true;
  }
  const w = new ByteWriter();
  const write = (node: TrieNode): number => {
    const at = w.length;
    w.u32(node.terminal ? 1 : 0);
    // a terminal node matches whatever follows, so its subtree is never walked
    const edges = node.terminal ? [] : [...node.edges];
    w.u32(edges.length);
    const childSlots: number[] = [];
    for (const [comp, _] of edges) {
      const bytes = encoder.encode(comp);
      childSlots.push(w.length);
      w.u32(0);
      w.u32(/[?*[]/.test(comp) ? 1 : 0);
      w.u32(bytes.length);
      w.bytes(bytes);
    }
    edges.forEach(([, child], i) => w.patchU32(childSlots[i], write(child)));
    return at;
  };
  write(root);
  return w.toBytes();
}
