// YAML aliases of a rules file, resolved once per document. The yaml package resolves an alias by walking
// the whole document (Alias.resolve), which costs quadratic time over many aliases, and its maxAliasCount
// guard applies only to toJS(), which the reader does not use. So kawa indexes anchors in one pass, counts
// aliases (MAX_YAML_ALIASES), and computes the size the document would have with every alias expanded
// (memoised per node, without expanding): a "billion laughs" of nested aliases, an alias inside its own
// anchor, or one long scalar aliased many times is refused with its place before the reader walks it.
import { isAlias, isCollection, isPair, isScalar, visit, type Alias, type Document, type Node } from 'yaml';
import { LoadFailure } from './load-failure.js';
import { MAX_YAML_ALIASES, MAX_YAML_EXPANDED_CHARS } from './limits.js';
import type { SourceText } from './source-text.js';

/** Each alias of the document and the node it stands for (undefined: no such anchor before it). */
export type AliasTargets = Map<Alias, Node | undefined>;

export function indexAliases(doc: Document, src: SourceText): AliasTargets {
  const anchors = new Map<string, Node>();
  const targets: AliasTargets = new Map();
  visit(doc, {
    Node: (_key, node) => {
      if (isAlias(node)) {
        if (targets.size >= MAX_YAML_ALIASES) {
          throw new LoadFailure('LOAD_ERR_YAML_ALIASES', `more than ${MAX_YAML_ALIASES} YAML aliases in one document`, src.at(node.range?.[0] ?? 0));
        }
        targets.set(node, anchors.get(node.source));
      } else if (node.anchor) {
        anchors.set(node.anchor, node);
      }
    },
  });
  if (targets.size) checkExpandedSize(doc, targets, src);
  return targets;
}

/** Children of a node, aliases standing for their targets' content. */
function children(node: Node): Node[] {
  if (!isCollection(node)) return [];
  const out: Node[] = [];
  for (const item of node.items as unknown[]) {
    if (isPair(item)) {
      if (item.key) out.push(item.key as Node);
      if (item.value) out.push(item.value as Node);
    } else if (item) {
      out.push(item as Node);
    }
  }
  return out;
}

/**
 * The document's size with aliases expanded (one per node plus scalar characters), iteratively so that deep
 * nesting costs no stack; an alias that reaches its own anchor is a loop.
 */
function checkExpandedSize(doc: Document, targets: AliasTargets, src: SourceText): void {
  const size = new Map<Node, number>();
  const open = new Set<Node>();
  const fail = (message: string, node: Node): never => {
    throw new LoadFailure('LOAD_ERR_YAML_ALIASES', message, src.at(node.range?.[0] ?? 0));
  };
  const root = doc.contents as Node | null;
  if (!root) return;
  const stack: Node[] = [root];
  while (stack.length) {
    const node = stack[stack.length - 1]!;
    if (size.has(node)) { stack.pop(); continue; }
    const next = isAlias(node) ? [targets.get(node)].filter((n): n is Node => n !== undefined) : children(node);
    if (!open.has(node)) {
      open.add(node);
      for (const c of next) {
        if (open.has(c) && !size.has(c)) fail('a YAML alias refers to a node that contains it', node);
        if (!size.has(c)) stack.push(c);
      }
      continue;
    }
    let total = isScalar(node) ? 1 + String(node.value ?? '').length : 1;
    for (const c of next) total += size.get(c) ?? 0;
    if (total > MAX_YAML_EXPANDED_CHARS) {
      fail(`YAML aliases expand the document past ${MAX_YAML_EXPANDED_CHARS} characters`, node);
    }
    size.set(node, total);
    open.delete(node);
    stack.pop();
  }
}
