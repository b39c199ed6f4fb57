// Stateful rules at the pipeline's end: between the pipeline and the outputs, each alert of a rule with a
// `kawa:` key goes through the state (state.ts), which lets it out (with its count, first-seen value or
// suppressed repeats added) or holds it. The pipeline hands alerts over in source order whatever the
// worker count, so the same input gives the same alerts with 0, 1 or 2 workers; the engine's hot path is
// unchanged. The state is saved to stateful.state_file with the source's checkpoint (checkpointed(), at most
// once a second; a restart then resumes both from about the same point), every saveIntervalMs for a source
// without checkpoints, when the run ends and at close.
import type { MetricsRegistry } from '../core/metrics.js';
import type { Alert, AlertSink } from '../pipeline/types.js';
import type { LoadedRule } from '../rules/types.js';
import { StatefulState, type Decision, type StateLimits } from './state.js';
import { readStateFile, writeStateFile } from './state-file.js';

export interface StatefulOptions extends StateLimits {
  /** Where the state is kept across restarts; none: it lives as long as the process. */
  stateFile?: string;
  /** Wall-clock time between saves while alerts flow (the state's checkpoint). */
  saveIntervalMs: number;
  metrics?: MetricsRegistry;
  /** Called for each match held (no alert): the run's statistics count alerts, not matches. */
  onHeld?(rule: LoadedRule): void;
}

/** The least time between two saves that follow the source's checkpoints (a state file can be megabytes). */
const CHECKPOINT_SAVE_GAP_MS = 1000;

export class StatefulSink implements AlertSink {
  readonly state: StatefulState;
  /** Matches held (no alert), since the start. */
  held = 0;
  private lastSave = Date.now();
  /** The state changed since it was last saved. */
  private dirty = false;
  private pendingSave: NodeJS.Timeout | undefined;
  private saveError: Error | undefined;
  private readonly metrics;
  private counted = { keys: 0, values: 0 };

  /** Reads the state file (throws KAWA_ERR_STATE_FILE when it is unreadable or not a state file). */
  constructor(private readonly inner: AlertSink, private readonly opts: StatefulOptions) {
    this.state = new StatefulState(opts);
    const saved = opts.stateFile ? readStateFile(opts.stateFile) : undefined;
    if (saved) this.state.restore(saved);
    const m = opts.metrics;
    this.metrics = m && {
      keys: m.gauge('stateful_keys', 'Keys the stateful rules hold (threshold, first_seen and suppress keys)'),
      evictions: m.counter('stateful_evictions_total', 'Stateful keys (what=keys) or first_seen values (what=values) evicted at their cap', ['what']),
      held: m.counter('stateful_held_total', 'Matches of stateful rules that did not alert, by reason', ['reason']),
      saves: m.counter('stateful_saves_total', 'Saves of stateful.state_file'),
    };
    this.counted = { ...this.state.evictions };
    this.record();
  }

  /** The outputs get the values of every match (this sink adds fields and changes lines): no line is rendered ahead. */
  get lineFormat(): undefined {
    return undefined;
  }

  async emit(alerts: Alert[]): Promise<void> {
    if (this.saveError) throw this.saveError;
    const out: Alert[] = [];
    for (const a of alerts) {
      const spec = a.match.rule.stateful;
      if (!spec) { out.push(a); continue; }
      this.dirty = true;
      const d = this.state.decide(a.match, spec);
      if (d.alert) out.push(withDecision(a, d));
      else {
        this.held++;
        this.metrics?.held.inc({ reason: d.reason });
        this.opts.onHeld?.(a.match.rule);
      }
    }
    this.record();
    if (out.length) await this.inner.emit(out);
    if (Date.now() - this.lastSave >= this.opts.saveIntervalMs) this.save();
  }

  async flush(): Promise<void> {
    await this.inner.flush();
    this.save();
  }

  async close(): Promise<void> {
    this.save();
    await this.inner.close();
  }

  /** The source wrote its checkpoint: the state follows, now or (within a second of the last save) soon. */
  checkpointed(): void {
    if (!this.dirty || this.pendingSave) return;
    const wait = CHECKPOINT_SAVE_GAP_MS - (Date.now() - this.lastSave);
    if (wait <= 0) { this.saveLater(); return; }
    this.pendingSave = setTimeout(() => this.saveLater(), wait);
    this.pendingSave.unref();
  }

  /** A save outside the pipeline's calls: a failure (an unwritable state file) fails the next emit, as one
   *  of emit's own saves would, instead of the source's checkpoint or a timer. */
  private saveLater(): void {
    try {
      this.save();
    } catch (e) {
      this.saveError = e as Error;
    }
  }

  reopen(): void {
    this.inner.reopen?.();
  }

  /** Writes the state file now (nothing without one). */
  save(): void {
    this.lastSave = Date.now();
    this.dirty = false;
    clearTimeout(this.pendingSave);
    this.pendingSave = undefined;
    if (!this.opts.stateFile) return;
    writeStateFile(this.opts.stateFile, this.state.snapshot());
    this.metrics?.saves.inc();
  }

  private record(): void {
    if (!this.metrics) return;
    const { keys, values } = this.state.evictions;
    if (keys > this.counted.keys) this.metrics.evictions.inc({ what: 'keys' }, keys - this.counted.keys);
    if (values > this.counted.values) this.metrics.evictions.inc({ what: 'values' }, values - this.counted.values);
    this.counted = { keys, values };
    this.metrics.keys.set(this.state.size);
  }
}

/** The alert with the decision's fields in output_fields and its note at the end of the line. */
function withDecision(a: Alert, d: Extract<Decision, { alert: true }>): Alert {
  const { match } = a;
  const rule = d.note ? { ...match.rule, output: { ...match.rule.output, parts: [...match.rule.output.parts, { kind: 'text' as const, text: d.note }] } } : match.rule;
  return { ...a, match: { ...match, rule, fields: { ...match.fields, ...d.fields } } };
}
