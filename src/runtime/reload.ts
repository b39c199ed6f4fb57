// Rules reload on SIGHUP, or when a rules or configuration file changes (watch_config_files). The new rules
// are loaded completely first, in a child process with a time and memory budget (assemble.ts
// reloadConfiguredRules, load-in-child.ts), so the service keeps answering while they compile; a load with
// errors, or over its budget, is rejected with its errors logged, and the running rules stay. Reloads never
// overlap: one requested during another runs once after it.
//
// Files are polled (fs.watchFile) rather than watched for events: polling sees editors that replace a file,
// and Kubernetes ConfigMap volumes that swap a symlink, which inotify watches of the old file miss.
import { unwatchFile, watchFile, type Stats } from 'node:fs';
import type { LoadResult } from '../rules/types.js';
import type { Logger } from '../core/logger.js';
import type { PipelineMetrics } from './metrics.js';

export interface ReloaderOptions {
  /** Loads the rules as configured now (re-reading the configuration file), off the event loop; gives up
   *  (rejects) when `signal` aborts. */
  load(signal: AbortSignal): Promise<LoadResult>;
  /** Swaps the running rules (the evaluator's reload). */
  apply(rules: LoadResult): Promise<void>;
  /** The files whose change triggers a reload (rules files, configuration file). */
  files(): string[];
  watch: boolean;
  intervalMs?: number;
  logger: Logger;
  metrics?: PipelineMetrics;
}

export class RulesReloader {
  private running: Promise<boolean> | undefined;
  private again = false;
  private watched: string[] = [];
  /** Aborts the load in progress: a run that closes does not wait up to reload_timeout_ms for it. */
  private abort: AbortController | undefined;

  constructor(private readonly opts: ReloaderOptions) {}

  start(): void {
    if (!this.opts.watch) return;
    this.watched = [...new Set(this.opts.files())];
    for (const f of this.watched) {
      watchFile(f, { interval: this.opts.intervalMs ?? 1000, persistent: false }, (cur: Stats, prev: Stats) => {
        if (cur.mtimeMs !== prev.mtimeMs || cur.ino !== prev.ino || cur.size !== prev.size) void this.reload(`${f} changed`);
      });
    }
  }

  /** Stops watching and abandons a load in progress (its rules are not applied). */
  stop(): void {
    this.unwatch();
    this.again = false;
    this.abort?.abort();
  }

  private unwatch(): void {
    for (const f of this.watched) unwatchFile(f);
    this.watched = [];
  }

  /** Resolves true when new rules run, false when the reload was rejected or abandoned. */
  reload(reason: string): Promise<boolean> {
    if (this.running) {
      this.again = true;
      return this.running;
    }
    this.running = this.run(reason).finally(() => {
      this.running = undefined;
      if (this.again) {
        this.again = false;
        void this.reload('changed during a reload');
      }
    });
    return this.running;
  }

  private async run(reason: string): Promise<boolean> {
    const { logger, metrics } = this.opts;
    const abort = (this.abort = new AbortController());
    let rules: LoadResult;
    try {
      rules = await this.opts.load(abort.signal);
    } catch (e) {
      if (abort.signal.aborted) return this.abandoned(reason);
      metrics?.reloads.inc({ result: 'rejected' });
      logger.error({ reason, err: (e as Error).message }, 'rules reload rejected; the running rules stay');
      return false;
    }
    if (abort.signal.aborted) return this.abandoned(reason);
    if (!rules.ok) {
      metrics?.reloads.inc({ result: 'rejected' });
      const errors = rules.errors.map((e) => `${e.file ?? ''}${e.line ? `:${e.line}` : ''}${e.column ? `:${e.column}` : ''}: ${e.code}: ${e.message}`);
      logger.error({ reason, errors }, 'rules reload rejected; the running rules stay');
      return false;
    }
    await this.opts.apply(rules);
    metrics?.reloads.inc({ result: 'ok' });
    logger.info({ reason, rules: rules.rules.filter((r) => r.enabled).length }, 'rules reloaded');
    // the set of files may have changed with the configuration
    if (this.opts.watch) {
      this.unwatch();
      this.start();
    }
    return true;
  }

  private abandoned(reason: string): false {
    this.opts.logger.info({ reason }, 'rules reload abandoned: the run is closing');
    return false;
  }
}
