// kawa in another program, in one call: given a configuration (falco.yaml text, an object, or a file) and
// rules, start() selects and opens the configured source, starts the configured outputs (and, for a
// service, the web server), and returns a handle: stop(), reload(), health, the metrics registry, and the
// alerts as events or an async iterator. It is what `kawa run` does, without the process-wide parts
// (signals, exit codes, stdout summaries), which stay the embedding program's.
//
//   const kawa = await start({ config: { cloudwatch: { clusters: ['prod'] } }, rules: ['rules/'] });
//   kawa.on('alert', (a) => console.log(a.rule, a.output_fields['kawa.cluster']));
//   ...
//   await kawa.stop();
import { EventEmitter } from 'node:events';
import { stringify } from 'yaml';
import { parseFalcoConfig, readFalcoConfig, type FalcoConfig } from '../config/falco-config.js';
import { checkOverrideKeys } from '../config/schema.js';
import { KawaError } from '../core/errors.js';
import { createLogger, type Logger } from '../core/logger.js';
import type { MetricsRegistry } from '../core/metrics.js';
import { OutputSink } from '../outputs/sink.js';
import type { PipelineStats } from '../pipeline/pipeline.js';
import type { Source } from '../pipeline/types.js';
import type { LoadResult } from '../rules/types.js';
import type { FlagValues } from '../sources/index.js';
import { AlertStream, type KawaAlert } from './alert-stream.js';
import { loadConfiguredRules, reloadConfiguredRules, Run } from './assemble.js';
import type { Health } from './health-server.js';
import { logWriter, Reports } from './reports.js';
import { selectSource } from './select.js';
import { startService } from './service.js';

export type { KawaAlert } from './alert-stream.js';

/** What {@link start} runs: the configuration, the rules and the source, as the CLI's flags give them. */
export interface StartOptions {
  /** The configuration: falco.yaml text, or the same as an object. Default: empty (kawa's defaults). */
  config?: string | Record<string, unknown>;
  /** A falco.yaml file to read instead of `config`. */
  configFile?: string;
  /** `-o key=value` overrides, applied in order. */
  overrides?: string[];
  /** Rules files or directories (replaces the configuration's rules_files). */
  rules?: string[];
  /** The source, as `kawa run`'s flags name it: `{ events: ['audit.jsonl'] }`, `{ cloudwatch: 'prod' }`,
   *  `{ webhook: true }`, `{ kinesis: 'stream' }`; default: the one the configuration selects. */
  source?: FlagValues;
  /** Evaluation threads (default: the source's choice). */
  workers?: number;
  /** Default: a logger at the configuration's log_level on stderr. */
  logger?: Logger;
  /** Alerts an alerts() iterator holds before the pipeline waits for its reader (default 1000). */
  alertBuffer?: number;
}

/** What the service's /healthz and /readyz say. */
export interface KawaHealth {
  /** False once the pipeline failed (liveness). */
  readonly live: boolean;
  /** Why kawa is not ready (starting, stopping, a source that cannot read), or undefined when it is. */
  readonly notReady: string | undefined;
}

/** The source being read. */
export interface SourceInfo {
  /** file, webhook, cloudwatch or kinesis. */
  readonly name: string;
  /** The audit webhook's URL (with the port it took when listen_port is 0). */
  readonly url?: string;
}

/** A running kawa. Emits 'alert' (a {@link KawaAlert}) for every alert, and 'end' once it ended. */
export interface Kawa extends EventEmitter {
  /** The source being read. */
  readonly source: SourceInfo;
  /** Whether kawa is live and ready, as /healthz and /readyz say. */
  readonly health: KawaHealth;
  /** The Prometheus metrics (kawa_*), as the service serves them on /metrics. */
  readonly metrics: MetricsRegistry;
  /** Settles when kawa ended: by stop(), or because its input ended (files); rejects when it failed. */
  readonly done: Promise<PipelineStats>;
  /** The alerts from now on, until kawa ends. A reader that falls behind slows kawa down. */
  alerts(): AsyncIterableIterator<KawaAlert>;
  /** Loads the rules again; false (the running rules stay) when they do not load. */
  reload(): Promise<boolean>;
  /** Stops reading, delivers what was read, closes the source and the outputs. */
  stop(): Promise<void>;
}

/** Starts kawa as configured. Throws KawaError for a configuration, rules or source that does not work. */
export async function start(o: StartOptions = {}): Promise<Kawa> {
  const read = (): FalcoConfig => {
    const config = o.configFile ? readFalcoConfig(o.configFile, o.overrides)
      : parseFalcoConfig(typeof o.config === 'object' ? stringify(o.config) : o.config ?? '', '', o.overrides);
    if (o.rules?.length) config.rulesFiles = o.rules;
    return config;
  };
  checkOverrideKeys(o.overrides ?? []);
  const config = read();
  if (!config.rulesFiles.length) throw new KawaError('KAWA_ERR_USAGE', 'no rules: give rules (or rules_files in the configuration)');
  const source = selectSource(config, o.source ?? {});
  const rules: LoadResult = loadConfiguredRules(config);
  if (!rules.ok) {
    const e = rules.errors[0]!;
    throw new KawaError(e.code, e.message, e);
  }
  const logger = o.logger ?? createLogger({ level: config.service.logLevel });
  for (const w of config.warnings) logger.warn({ code: w.code, file: w.file, line: w.line, column: w.column }, w.message);
  const stream = new AlertStream(new OutputSink(config.outputs, { logger }), config.outputs.format, o.alertBuffer);
  const common = {
    config, source, rules, logger, workers: o.workers, outputs: stream,
    loadRules: (signal: AbortSignal) => reloadConfiguredRules(read(), signal),
    watchFiles: config.files,
  };
  let run: Run;
  let done: Promise<PipelineStats>;
  let stop: () => Promise<void>;
  let health: Health;
  let metrics: MetricsRegistry;
  if (source.kind.service(source.config)) {
    const service = await startService(common);
    ({ run, health, metrics } = service);
    done = service.done.finally(() => stream.close());
    stop = async () => {
      await service.stop();
      await done.catch(() => undefined);
    };
  } else {
    run = await Run.assemble({ ...common, reports: new Reports(logWriter(logger)) });
    ({ health, metrics } = run);
    health.ready = true;
    done = run.run().finally(async () => {
      health.ready = false;
      await run.close();
      await stream.close();
    });
    stop = async () => {
      await run.stop();
      await done.catch(() => undefined);
    };
  }
  const src = run.source as Source & { url?: string };
  const kawa = Object.assign(stream as AlertStream & Partial<Kawa>, {
    health: { get live() { return !health.failed; }, get notReady() { return health.notReady(); } },
    source: { name: src.name, ...(src.url ? { url: src.url } : {}) },
    metrics, done,
    reload: () => run.reload('reload()'),
    stop,
  }) as unknown as Kawa;
  done.then(() => stream.emit('end'), () => stream.emit('end'));
  return kawa;
}
