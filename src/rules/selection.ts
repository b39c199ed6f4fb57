// Which compiled rules end up in the ruleset and enabled (rules-language.md 4.8): rules less severe than the
// minimum priority are dropped entirely; the rest start from their `enabled` flag, then the configuration's
// `rules:` enable/disable entries apply in order, by rule-name wildcard or by tag.
import { priorityNumber } from './priority.js';
import type { LoadedRule, Priority, RuleSelection } from './types.js';

/**
 * Falco's rule-name wildcard: the whole name must match, `*` matches any run, nothing else is special.
 * Matched by the greedy two-pointer method (backtrack only to the last `*`): at most pattern x name steps,
 * where a regular expression of `a*a*a*...` backtracks exponentially.
 */
export function wildcardMatch(pattern: string, name: string): boolean {
  let p = 0;
  let n = 0;
  let star = -1;
  let resume = 0;
  while (n < name.length) {
    if (p < pattern.length && pattern[p] !== '*' && pattern[p] === name[n]) {
      p++;
      n++;
    } else if (p < pattern.length && pattern[p] === '*') {
      star = p++;
      resume = n;
    } else if (star >= 0) {
      p = star + 1;
      n = ++resume;
    } else {
      return false;
    }
  }
  while (p < pattern.length && pattern[p] === '*') p++;
  return p === pattern.length;
}

export function selectRules(rules: LoadedRule[], minPriority: Priority, selection: RuleSelection[]): LoadedRule[] {
  const min = priorityNumber(minPriority);
  const kept = rules.filter((r) => priorityNumber(r.priority) <= min);
  for (const entry of selection) {
    const enable = 'enable' in entry;
    const target = 'enable' in entry ? entry.enable : entry.disable;
    for (const r of kept) {
      const byRule = target.rule !== undefined && wildcardMatch(target.rule, r.name);
      const byTag = target.tag !== undefined && r.tags.includes(target.tag);
      if (byRule || byTag) r.enabled = enable;
    }
  }
  return kept;
}
