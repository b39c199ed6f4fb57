// Which compiled rules end up in the ruleset and enabled (rules-language.md 4.8): rules less severe than the
// minimum priority are dropped entirely; the rest start from their `enabled` flag, then the configuration's
// `rules:` enable/disable entries apply in order, by rule-name wildcard or by tag.
import { priorityNumber } from './priority.js';
import type { LoadedRule, Priority, RuleSelection } from './types.js';

/** Falco's rule-name wildcard: the whole name must match, `*` matches any run, nothing else is special. */
export function wildcardMatch(pattern: string, name: string): boolean {
  const re = new RegExp(`^${pattern.split('*').map((s) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('.*')}$`, 's');
  return re.test(name);
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
