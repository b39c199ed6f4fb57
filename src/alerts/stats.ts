// The end-of-run statistics Falco prints (rules-language.md 5.4):
//
//   Events detected: <total alerts>
//   Rule counts by severity:
//      <SHORT PRIORITY>: <n>      only non-zero, most severe first
//   Triggered rules by rule name:
//      <rule name>: <n>           only non-zero, in rule order
import { PRIORITIES, type LoadedRule, type Priority } from '../rules/types.js';

/** Falco's short upper-case priority names, in PRIORITIES order. */
const SHORT: Record<Priority, string> = {
  Emergency: 'EMERGENCY', Alert: 'ALERT', Critical: 'CRITICAL', Error: 'ERROR',
  Warning: 'WARNING', Notice: 'NOTICE', Informational: 'INFO', Debug: 'DEBUG',
};

export class AlertStats {
  private total = 0;
  private readonly byPriority = new Map<Priority, number>();
  /** Keyed by rule index, so the order is rule order whatever the order of alerts. */
  private readonly byRule = new Map<number, { name: string; n: number }>();

  /** Counts a match of `rule`; n = -1 takes one back (a stateful rule held it: no alert). */
  add(rule: LoadedRule, n = 1): void {
    this.total += n;
    this.byPriority.set(rule.priority, (this.byPriority.get(rule.priority) ?? 0) + n);
    const entry = this.byRule.get(rule.index);
    if (entry) entry.n += n;
    else this.byRule.set(rule.index, { name: rule.name, n });
  }

  get detected(): number {
    return this.total;
  }

  summary(): string {
    let out = `Events detected: ${this.total}\nRule counts by severity:\n`;
    for (const p of PRIORITIES) {
      const n = this.byPriority.get(p);
      if (n) out += `   ${SHORT[p]}: ${n}\n`;
    }
    out += 'Triggered rules by rule name:\n';
    for (const [, { name, n }] of [...this.byRule].sort((a, b) => a[0] - b[0])) if (n) out += `   ${name}: ${n}\n`;
    return out;
  }
}
