// Replaces macro references in a condition AST by the macros' (already resolved) ASTs. Substitution is on
// the AST, so precedence is kept: `c and m` with m = `a or b` is and(c, or(a, b)). Which macros a condition
// sees is decided by the caller (Falco's visibility rule, rules-language.md 4.6).
//
// Before anything is substituted, the expanded size and depth are computed with one measurement per macro
// (memoised), so a macro that doubles 24 times, or a chain of 100,000 macros, is refused by arithmetic in
// microseconds instead of being built until memory or the stack runs out.
import type { Expr } from '../condition/ast.js';
import type { LoadErrorCode } from '../core/errors.js';
import { MAX_CONDITION_NODES, MAX_EXPANDED_DEPTH, type ExpansionBudget } from './limits.js';

export class MacroError extends Error {
  constructor(message: string, readonly at: number, readonly code: LoadErrorCode = 'LOAD_ERR_VALIDATE') { super(message); }
}

interface Shape { nodes: number; depth: number }

/**
 * Resolves `expr`. `lookup` gives the AST of a visible macro (undefined: not visible or unknown); every
 * macro substituted, at any depth, is added to `used`. Throws MacroError for an undefined macro, a loop, or
 * an expansion beyond the limits (the expanded nodes are taken from `budget`).
 */
export function resolveMacros(expr: Expr, lookup: (name: string) => Expr | undefined, used: Set<string>, budget?: ExpansionBudget): Expr {
  const nodes = measure(expr, lookup).nodes;
  if (budget) {
    if (nodes > budget.nodes) {
      throw new MacroError(`the rules expand to more than the maximum total of condition nodes for one load`, expr.at, 'LOAD_ERR_EXPANSION_TOO_LARGE');
    }
    budget.nodes -= nodes;
  }
  const visit = (e: Expr): Expr => {
    switch (e.kind) {
      case 'and':
      case 'or':
        return { ...e, children: e.children.map(visit) };
      case 'not':
        return { ...e, child: visit(e.child) };
      case 'check':
        return e;
      case 'macro': {
        const resolved = visit(lookup(e.name)!);
        used.add(e.name);
        return resolved;
      }
    }
  };
  return visit(expr);
}

/** Expanded size and depth of `expr`, checked against the limits; undefined and looping macros throw. */
function measure(expr: Expr, lookup: (name: string) => Expr | undefined): Shape {
  const memo = new Map<string, Shape>();
  const path: string[] = [];
  // `depth`: levels above this node, macro references counted as a level (they cost a stack frame each)
  const shape = (e: Expr, depth: number): Shape => {
    if (depth > MAX_EXPANDED_DEPTH) {
      throw new MacroError(`condition nested more than ${MAX_EXPANDED_DEPTH} levels deep once its macros are expanded`, e.at, 'LOAD_ERR_NESTING_TOO_DEEP');
    }
    switch (e.kind) {
      case 'and':
      case 'or': {
        let nodes = 1;
        let deepest = 0;
        for (const c of e.children) {
          const s = shape(c, depth + 1);
          nodes += s.nodes;
          deepest = Math.max(deepest, s.depth);
        }
        return { nodes, depth: deepest + 1 };
      }
      case 'not': {
        const s = shape(e.child, depth + 1);
        return { nodes: s.nodes + 1, depth: s.depth + 1 };
      }
      case 'check':
        return { nodes: 1 + (e.right?.kind === 'list' ? e.right.items.length : 0), depth: 1 };
      case 'macro': {
        const body = lookup(e.name);
        if (!body) throw new MacroError(`Undefined macro '${e.name}' used in filter.`, e.at);
        if (path.includes(e.name)) throw new MacroError(`reference loop in macro '${e.name}'`, e.at);
        let s = memo.get(e.name);
        if (!s) {
          path.push(e.name);
          const b = shape(body, depth + 1);
          path.pop();
          s = { nodes: b.nodes, depth: b.depth + 1 };
          memo.set(e.name, s);
        }
        if (depth + s.depth > MAX_EXPANDED_DEPTH) {
          throw new MacroError(`macro '${e.name}' nests more than ${MAX_EXPANDED_DEPTH} levels deep once expanded`, e.at, 'LOAD_ERR_NESTING_TOO_DEEP');
        }
        if (s.nodes > MAX_CONDITION_NODES) {
          throw new MacroError(`macro '${e.name}' expands to ${s.nodes} condition nodes, more than the maximum ${MAX_CONDITION_NODES}`, e.at, 'LOAD_ERR_EXPANSION_TOO_LARGE');
        }
        return s;
      }
    }
  };
  const s = shape(expr, 0);
  if (s.nodes > MAX_CONDITION_NODES) {
    throw new MacroError(`condition expands to ${s.nodes} nodes, more than the maximum ${MAX_CONDITION_NODES}`, expr.at, 'LOAD_ERR_EXPANSION_TOO_LARGE');
  }
  return s;
}
