// Deciding, per AWS request, which fault (if any) to inject: first the quota buckets, then the fault
// rules in order (emulator.md §4). Rule counters and the seeded draw live here so decisions replay
// identically for a given seed and request sequence.
import type { EmulatorConfig, FaultKind, FaultRule } from './config.js';
import { createRandom, type Random } from './prng.js';
import { Quotas } from './quota.js';
import type { OpName } from './types.js';

export interface FaultDecision {
  /** Added delay before answering (sum of firing latency rules). */
  latencyMs: number;
  fault?: { kind: FaultKind; retryAfterMs?: number; source: 'quota' | 'rule' };
}

interface ActiveRule {
  rule: FaultRule;
  remaining: number;
}

export class Faults {
  private rules: ActiveRule[] = [];
  private random: Random = createRandom(1, 'faults');
  private readonly quotas = new Quotas();
  private quota: EmulatorConfig['quota'] = {};

  configure(config: EmulatorConfig): void {
    this.rules = config.faults.map((rule) => ({ rule, remaining: rule.count ?? Infinity }));
    this.random = createRandom(config.seed, 'faults');
    this.quota = config.quota;
    this.quotas.clear();
  }

  add(rules: FaultRule[]): void {
    for (const rule of rules) this.rules.push({ rule, remaining: rule.count ?? Infinity });
  }

  clear(): void {
    this.rules = [];
  }

  /** The rules still in force, with what is left of each count. */
  list(): (FaultRule & { remaining: number | null })[] {
    return this.rules.map((r) => ({ ...r.rule, remaining: Number.isFinite(r.remaining) ? r.remaining : null }));
  }

  decide(op: OpName, namespace: string, serverNow: number): FaultDecision {
    const decision: FaultDecision = { latencyMs: 0 };
    const rate = this.quota[op];
    if (rate !== undefined && !this.quotas.take(`${namespace}|${op}`, rate)) {
      decision.fault = { kind: 'throttle', source: 'quota' };
      return decision;
    }
    for (const active of this.rules) {
      const r = active.rule;
      if (active.remaining <= 0) continue;
      if (r.ops && !r.ops.includes(op)) continue;
      if (r.fromMs !== undefined && serverNow < r.fromMs) continue;
      if (r.toMs !== undefined && serverNow >= r.toMs) continue;
      if (r.probability !== undefined && this.random() >= r.probability) continue;
      active.remaining--;
      if (r.kind === 'latency') {
        decision.latencyMs += r.latencyMs ?? 0;
        continue;
      }
      decision.fault = { kind: r.kind, retryAfterMs: r.retryAfterMs, source: 'rule' };
      break;
    }
    this.rules = this.rules.filter((r) => r.remaining > 0);
    return decision;
  }
}
