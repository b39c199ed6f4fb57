// Replaces macro references in a condition AST by the macros' (already resolved) ASTs. Substitution is on
// the AST, so precedence is kept: `c and m` with m = `a or b` is and(c, or(a, b)). Which macros a condition
// sees is decided by the caller (Falco's visibility rule, rules-language.md 4.6).
import type { Expr } from '../condition/ast.js';

export class MacroError extends Error {
  constructor(message: string, readonly at: number) { super(message); }
}

/**
 * Resolves `expr`. `lookup` gives the AST of a visible macro (undefined: not visible or unknown); every
 * macro substituted, at any depth, is added to `used`. Throws MacroError for an undefined macro or a loop.
 */
export function resolveMacros(expr: Expr, lookup: (name: string) => Expr | undefined, used: Set<string>): Expr {
  const path: string[] = [];
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
        const body = lookup(e.name);
        if (!body) throw new MacroError(`Undefined macro '${e.name}' used in filter.`, e.at);
        if (path.includes(e.name)) throw new MacroError(`reference loop in macro '${e.name}'`, e.at);
        path.push(e.name);
        const resolved = visit(body);
        path.pop();
        used.add(e.name);
        return resolved;
      }
    }
  };
  return visit(expr);
}
