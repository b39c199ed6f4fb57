// The AlertSink of a run: every alert passes the minimum priority and the rate limit once, is formatted
// once, and goes to each enabled output (stdout, file, program, http). emit() resolves when every output
// accepted the alerts (queued, or dropped and counted by a failing output), so the pipeline acknowledges
// a batch only then.
import { AlertFormatter } from '../alerts/format.js';
import type { OutputOptions } from '../alerts/output-options.js';
import type { Alert, AlertSink } from '../pipeline/types.js';
import { PRIORITIES, type Priority } from '../rules/types.js';
import type { Logger } from '../core/logger.js';
import type { MetricsRegistry } from '../core/metrics.js';
import type { OutputsConfig } from './config.js';
import { FileOutput } from './file-output.js';
import { outputMetrics, type OutputMetrics } from './metrics.js';
import { HttpOutput } from './http-output.js';
import { ProgramOutput } from './program-output.js';
import { StdoutOutput } from './stdout-output.js';
import { TokenBucket } from './token-bucket.js';
import { FormattedAlert, type Output } from './types.js';

export interface OutputSinkOptions {
  /** Alerts of rules below this priority are not sent (Falco's `priority`, applied again at the outputs). */
  minPriority?: Priority;
  metrics?: MetricsRegistry;
  logger?: Logger;
  /** Where stdout_output writes (tests). */
  stdout?: NodeJS.WritableStream;
  /** A run over files: stdout's reader going away ends the run quietly instead of failing the output. */
  stdoutEndsRun?: boolean;
}

const THROTTLE_LOG_EVERY_MS = 10_000;

export class OutputSink implements AlertSink {
  readonly outputs: Output[];
  throttled = 0;
  private readonly formatter: AlertFormatter;
  private readonly bucket: TokenBucket;
  private readonly maxRank: number;
  private readonly stdout: StdoutOutput | undefined;
  private throttleLog = { pending: 0, at: 0 };
  private readonly metrics: OutputMetrics | undefined;

  constructor(private readonly config: OutputsConfig, private readonly opts: OutputSinkOptions = {}) {
    this.formatter = new AlertFormatter(config.format);
    this.bucket = new TokenBucket(config.rate, config.maxBurst);
    this.maxRank = opts.minPriority ? PRIORITIES.indexOf(opts.minPriority) : PRIORITIES.length - 1;
    this.metrics = opts.metrics ? outputMetrics(opts.metrics) : undefined;
    const common = { capacity: config.queueCapacity, maxBytes: config.queueMaxBytes, metrics: this.metrics, logger: opts.logger, lingerMs: config.buffered ? 1000 : 0 };
    const outputs: Output[] = [];
    if (config.stdout.enabled) outputs.push((this.stdout = new StdoutOutput({ ...common, lingerMs: 0 }, opts.stdout, opts.stdoutEndsRun)));
    if (config.file.enabled) outputs.push(new FileOutput(config.file.filename, config.file.keepAlive, common));
    if (config.program.enabled) outputs.push(new ProgramOutput(config.program.program, config.program.keepAlive, { ...common, sendTimeoutMs: config.program.timeoutMs }));
    if (config.http.enabled) outputs.push(new HttpOutput(config.http, { ...common, lingerMs: 0 }));
    this.outputs = outputs;
  }

  /** The format with which alert lines may be rendered ahead (by the workers): set when every output writes
   *  the line, which with json_output is the JSON too; undefined when some output needs the values. */
  get lineFormat(): OutputOptions | undefined {
    const json = this.config.format.jsonOutput ?? false;
    return this.outputs.every((o) => o.writes === 'line' || json) ? this.config.format : undefined;
  }

  /** Alerts each output failed to deliver or dropped (by output name; only those that lost some). */
  get lost(): Record<string, number> {
    const out: Record<string, number> = {};
    for (const o of this.outputs) {
      const stats = (o as { stats?: { failed: number; dropped: number } }).stats;
      const n = (stats?.failed ?? 0) + (stats?.dropped ?? 0);
      if (n) out[o.name] = n;
    }
    return out;
  }

  /**
   * A shutdown ran out of time: the alerts each output still holds (queued or being sent) will never be
   * delivered. Counts them (kawa_output_alerts_abandoned_total) and returns them by output name (only
   * outputs that hold some).
   */
  abandon(): Record<string, number> {
    const out: Record<string, number> = {};
    for (const o of this.outputs) {
      if (!o.pending) continue;
      out[o.name] = o.pending;
      this.metrics?.abandoned.inc({ output: o.name }, o.pending);
    }
    return out;
  }

  /** The outputs that cannot deliver now, with why (empty while every output delivers). */
  problems(): Record<string, string> {
    const out: Record<string, string> = {};
    for (const o of this.outputs) if (o.problem) out[o.name] = o.problem;
    return out;
  }

  /**
   * Why no alert can be delivered now: every output's circuit breaker is open. Undefined otherwise, and
   * again when a breaker's open period ends: readiness must come back for the next alert to arrive and be
   * the trial (a webhook pod kept unready gets no traffic, so nothing would ever test the output).
   */
  blocked(): string | undefined {
    if (!this.outputs.length || !this.outputs.every((o) => o.circuitOpen)) return undefined;
    return `no output can deliver: ${this.outputs.map((o) => `${o.name}: ${o.problem ?? 'circuit open'}`).join('; ')}`;
  }

  /** stdout's reader went away (`| head`): a run over files can stop. */
  get closed(): boolean {
    return this.stdout?.gone ?? false;
  }

  async emit(alerts: Alert[]): Promise<void> {
    const out: FormattedAlert[] = [];
    const json = this.config.format.jsonOutput ?? false;
    for (const alert of alerts) {
      const rule = alert.match.rule;
      if (PRIORITIES.indexOf(rule.priority) > this.maxRank) continue;
      if (!this.bucket.take()) {
        this.throttle();
        continue;
      }
      this.metrics?.alerts.inc({ rule: rule.name, priority: rule.priority });
      out.push(new FormattedAlert(alert, this.formatter, json));
    }
    if (out.length) await Promise.all(this.outputs.map((o) => o.write(out)));
  }

  /** Text on stdout after every alert so far (the end-of-run summary). */
  async write(text: string): Promise<void> {
    if (this.stdout) await this.stdout.writeText(text);
    else process.stdout.write(text);
  }

  async flush(): Promise<void> {
    await Promise.all(this.outputs.map((o) => o.flush()));
  }

  async close(): Promise<void> {
    await Promise.all(this.outputs.map((o) => o.close()));
    this.logThrottled(true);
  }

  /** SIGHUP: file outputs reopen their file. */
  reopen(): void {
    for (const o of this.outputs) o.reopen?.();
  }

  private throttle(): void {
    this.throttled++;
    this.throttleLog.pending++;
    this.metrics?.alertsThrottled.inc();
    this.logThrottled(false);
  }

  private logThrottled(final: boolean): void {
    const t = this.throttleLog;
    const now = Date.now();
    if (!t.pending || (!final && now - t.at < THROTTLE_LOG_EVERY_MS)) return;
    this.opts.logger?.warn({ throttled: t.pending, rate: this.config.rate, max_burst: this.config.maxBurst }, 'alerts dropped by the outputs rate limit');
    this.throttleLog = { pending: 0, at: now };
  }
}
