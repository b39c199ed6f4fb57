// The one place a run is put together. Every caller (a run over files, the service, `kawa demo`, the
// library) gets the same pieces wired the same way:
//
//   source (its descriptor opens it) ──▶ evaluator (main thread or worker pool, its window) ──▶ pipeline
//        ──▶ the source's sink wrapper, if any (the Kinesis alert table) ──▶ stateful rules' state, when
//        the rules have any (stateful/sink.ts) ──▶ outputs
//
// and around them: the pipeline metrics on one registry, the health the web server reports, one rules
// reloader (a changed file or SIGHUP) and one reporter of events not evaluated, with codes. What differs
// between callers is only what they pass: where reports go, which outputs, whether files are watched. The
// caller runs it (run()), stops it (stop(), e.g. on SIGTERM), and closes it (close()).
import { keepProgram, programOf, type Program } from '../compile/compiler.js';
import type { FalcoConfig } from '../config/falco-config.js';
import type { Logger } from '../core/logger.js';
import { MetricsRegistry } from '../core/metrics.js';
import { OutputSink } from '../outputs/sink.js';
import { Pipeline, type PipelineStats } from '../pipeline/pipeline.js';
import type { AlertSink, Evaluation, Evaluator, Source, SourceBatch } from '../pipeline/types.js';
import { loadRulesFiles } from '../rules/load.js';
import { loadRulesCached, type CachedLoad } from '../rules/load-cache.js';
import type { LoadedRule, LoadOptions, LoadResult } from '../rules/types.js';
import { buildInfo } from './build-info.js';
import { createEvaluator } from './evaluator.js';
import { Health } from './health-server.js';
import { MeteredEvaluator, meteredSource } from './instrument.js';
import { loadRulesInChild } from './load-in-child.js';
import { pipelineMetrics, type PipelineMetrics } from './metrics.js';
import { RulesReloader } from './reload.js';
import { StatefulSink } from '../stateful/sink.js';
import type { Reports } from './reports.js';
import type { SelectedSource } from './select.js';

export interface AssembleOptions {
  config: FalcoConfig;
  source: SelectedSource;
  /** The rules loaded at start (successfully). */
  rules: LoadResult;
  /** Loads the rules as configured now, for a reload (default: the configuration's rules files again, off-thread). */
  loadRules?(signal: AbortSignal): Promise<LoadResult>;
  /** Worker threads (default: the source's choice, else the main thread). */
  workers?: number;
  logger: Logger;
  reports: Reports;
  /** Default: a new registry. */
  metrics?: MetricsRegistry;
  /** What the web server reports (the service creates it before the source opens). */
  health?: Health;
  /** The outputs (default: those of the configuration). A run closes only the outputs it created. */
  outputs?: AlertSink;
  /** Files besides the rules files whose change reloads the rules (the -c file), when watch_config_files. */
  watchFiles?: string[];
  /** Called for each match a stateful rule held (no alert), after that batch's onResult. */
  onHeld?(rule: LoadedRule): void;
  /** Called in source order with each batch's result, after the reports and before its alerts go out. */
  onResult?(batch: SourceBatch, result: Evaluation): void;
}

function ipListFiles(rules: LoadResult): string[] {
  return Object.values(rules.ipLists ?? {}).flatMap((l) => l.files);
}

/** The rules of a configuration: its files, minimum priority, rule selection, append_output and static_fields. */
export function loadConfiguredRules(config: FalcoConfig): LoadResult {
  return loadRulesFiles(config.rulesFiles, loadOptions(config));
}

/**
 * The same through the rules cache in `dir` (rules/load-cache.ts; cacheDirProblem first), which keeps the
 * compiled program beside the load: a run that finds both skips the YAML, the checks and the compile.
 */
export function loadConfiguredRulesCached(config: FalcoConfig, dir: string): CachedLoad {
  const { version, commit } = buildInfo();
  const cached = loadRulesCached(config.rulesFiles, loadOptions(config), dir, `${version} ${commit}`, programOf);
  if (cached.cache === 'hit') keepProgram(cached.result, cached.derived as Program);
  return cached;
}

/** The same, for a reload: in a child process, within rules_limits' time and memory budget. */
export function reloadConfiguredRules(config: FalcoConfig, signal?: AbortSignal): Promise<LoadResult> {
  const { reloadTimeoutMs, reloadMaxMemoryMb } = config.rulesLimits;
  return loadRulesInChild(config.rulesFiles, loadOptions(config), { timeoutMs: reloadTimeoutMs, maxMemoryMb: reloadMaxMemoryMb }, signal);
}

function loadOptions(config: FalcoConfig): LoadOptions {
  const opts: LoadOptions = {
    sources: ['k8s_audit'],
    selection: config.selection,
    appendOutput: config.appendOutput,
    staticFields: config.staticFields,
    maxFileBytes: config.rulesLimits.maxFileBytes,
  };
  if (config.minPriority) opts.minPriority = config.minPriority;
  return opts;
}

export class Run {
  readonly health: Health;
  readonly pipeline: Pipeline;
  readonly reloader: RulesReloader;
  /** Payloads CloudWatch cut at its size limit, and events without an auditID (from the evaluations). */
  readonly counts = { truncated: 0, withoutAuditId: 0 };
  private readonly ownsOutputs: boolean;
  private running: Promise<PipelineStats> | undefined;

  private constructor(
    readonly config: FalcoConfig,
    readonly source: Source,
    readonly evaluator: Evaluator,
    readonly outputs: AlertSink,
    readonly metrics: MetricsRegistry,
    readonly reports: Reports,
    readonly workers: number,
    pm: PipelineMetrics,
    o: AssembleOptions,
    sink: AlertSink,
    /** The stateful rules' state between the pipeline and the outputs, when the rules have stateful rules. */
    readonly stateful?: StatefulSink,
  ) {
    this.ownsOutputs = !o.outputs;
    this.health = o.health ?? new Health();
    this.health.sourceProblem = () => source.unhealthy?.();
    this.health.sourceDetail = () => source.detail?.();
    if (outputs instanceof OutputSink) {
      this.health.outputProblems = () => outputs.problems();
      this.health.outputsBlocked = () => outputs.blocked();
    }
    this.pipeline = new Pipeline(meteredSource(source, pm), evaluator, sink, {
      onResult: (batch, result) => {
        this.counts.truncated += result.truncated;
        if (result.withoutAuditId) {
          this.counts.withoutAuditId += result.withoutAuditId;
          reports.once('no auditID', 'KAWA_WARN_EVENT_NO_AUDIT_ID', batch.origin(0),
            'audit event(s) without an auditID: evaluated, but every ka.* field of theirs is empty, as in Falco', result.withoutAuditId);
        }
        for (const r of result.rejections) reports.rejection(r, batch.origin(r.payload));
        o.onResult?.(batch, result);
      },
      onFailure: (batch, e) => reports.report('given up', e.code, batch.range ? batch.range.file : batch.origin(0), e.message),
    });
    // the IP lists' files of the rules running now are watched too (the set changes with the rules)
    let listFiles = ipListFiles(o.rules);
    this.reloader = new RulesReloader({
      load: o.loadRules ?? ((signal) => reloadConfiguredRules(config, signal)),
      apply: async (rules) => {
        await evaluator.reload(rules);
        listFiles = ipListFiles(rules);
      },
      files: () => [...config.rulesFiles, ...(o.watchFiles ?? []), ...listFiles],
      watch: config.service.watchConfigFiles,
      logger: o.logger,
      metrics: pm,
    });
  }

  /** Opens the source and builds the evaluator and the outputs; nothing is read until run(). */
  static async assemble(o: AssembleOptions): Promise<Run> {
    const { config } = o;
    const { kind, config: sourceConfig } = o.source;
    const metrics = o.metrics ?? new MetricsRegistry();
    const pm = pipelineMetrics(metrics);
    const workers = o.workers ?? (await kind.defaultWorkers?.(sourceConfig)) ?? 0;
    const outputs = o.outputs ?? new OutputSink(config.outputs, { metrics, logger: o.logger });
    let stateful: StatefulSink | undefined;
    try {
      // only rules loaded at start decide it: a reload that adds the first stateful rule needs a restart
      if (o.rules.rules.some((r) => r.stateful)) stateful = new StatefulSink(outputs, { ...config.stateful, metrics, ...(o.onHeld ? { onHeld: o.onHeld } : {}) });
    } catch (e) {
      if (!o.outputs) await outputs.close();
      throw e;
    }
    const delivery = stateful ?? outputs;
    const inner = await createEvaluator(o.rules, {
      workers,
      ruleMatching: config.ruleMatching,
      ...kind.engineOptions?.(sourceConfig),
      render: delivery.lineFormat,
      onRestart: () => pm.workerRestarts.inc(),
    });
    const evaluator = new MeteredEvaluator(inner, pm);
    pm.rulesLoaded.set(o.rules.rules.filter((r) => r.enabled).length);
    let source: Source;
    try {
      source = await kind.open(sourceConfig, {
        logger: o.logger, metrics, workers, shutdownTimeoutMs: config.service.shutdownTimeoutMs,
        report: (k, code, origin, message) => o.reports.report(k, code, origin, message),
      });
    } catch (e) {
      await evaluator.close();
      if (!o.outputs) await outputs.close();
      throw e;
    }
    const sink = kind.wrapSink ? kind.wrapSink(source, delivery) : delivery;
    // the stateful rules' state is saved with the source's checkpoint, so a restart resumes both together
    if (stateful) source.onCheckpoint?.(() => stateful.checkpointed());
    return new Run(config, source, evaluator, outputs, metrics, o.reports, workers, pm, o, sink, stateful);
  }

  /** The pipeline's counts; `alerts` are those let out (a stateful rule's held matches are not alerts). */
  get stats(): PipelineStats {
    const s = this.pipeline.stats;
    return this.stateful ? { ...s, alerts: s.alerts - this.stateful.held } : s;
  }

  /** Reads until the source ends or stop() was called, and everything read was delivered. Watches the
   *  rules files meanwhile (watch_config_files). */
  run(): Promise<PipelineStats> {
    this.running ??= (async () => {
      this.reloader.start();
      try {
        await this.pipeline.run();
        return this.stats;
      } finally {
        this.reloader.stop();
      }
    })();
    return this.running;
  }

  /** Stops reading; what was read is still evaluated and delivered, and run() then resolves. */
  stop(): Promise<void> {
    return this.pipeline.stop();
  }

  /** Loads the rules again and swaps them in between batches; false when they did not load (the running
   *  rules stay). */
  reload(reason: string): Promise<boolean> {
    return this.reloader.reload(reason);
  }

  /** After run(): flushes and closes the outputs this run created, and stops the evaluator's threads. */
  async close(): Promise<void> {
    this.reloader.stop();
    try {
      // the stateful rules' state at shutdown; an unwritable file (KAWA_ERR_STATE_FILE) still closes the rest
      this.stateful?.save();
    } finally {
      if (this.ownsOutputs) await this.outputs.close();
      await this.evaluator.close();
    }
  }
}
