// `kawa run`: evaluate audit events from files (or stdin) against rules files, print Falco alerts.
//
//   kawa run [-c falco.yaml] -r RULES... -e EVENTS... [--json] [-o key=value]... [--workers N] [--summary]
//   kawa run [-c falco.yaml] -r RULES... --webhook [--port 9765] [--path /k8s-audit] [-o key=value]...
//   kawa run [-c falco.yaml] -r RULES... --cloudwatch CLUSTER [--region R] [--profile P] [--endpoint URL] [--checkpoint FILE]
//   kawa run [-c falco.yaml] -r RULES... --kinesis STREAM [--region R] [--endpoint URL] [--dynamodb-endpoint URL] [--lease-table T] [--alert-table T]
//
// With --cloudwatch, or a configuration that loads the k8saudit-eks plugin and no -e, kawa reads the EKS
// audit log from CloudWatch Logs as a service (src/sources/cloudwatch/source.ts).
// With --kinesis, or `source.type: kinesis` in the configuration, kawa is one of any number of processes
// sharing a Kinesis stream fed by a CloudWatch Logs subscription filter (src/sources/kinesis/source.ts).
//
// With --webhook kawa runs as a service (src/service/serve.ts): the API server's audit webhook posts events,
// alerts go to the configured outputs, /healthz and /metrics are served, SIGTERM stops it gracefully.
// Every run sends alerts to the outputs of the configuration (stdout, file, program, http).
//
// Evaluation: --workers N runs N worker threads (the pool); large JSON-lines files are split into byte
// ranges the workers read themselves. --workers 0 evaluates on the main thread. By default a run uses one
// worker per core when its input files total at least POOL_MIN_BYTES, and the main thread for smaller
// inputs and stdin, where starting threads (about 100 ms each) costs more than it saves.
// Rules reload on SIGHUP or when a rules file changes: batches submitted after the reload use the new rules,
// none sees a half-loaded set; rules that fail to load are reported and the previous ones kept.
// A progress bar (events/s, bytes, ETA) is drawn on stderr when it is a terminal; --summary (implied on a
// terminal) ends with a `kawa:` line of events, bytes, seconds, events/s and alerts on stderr.
//
// stdout: one alert per line (text, or JSON with --json/json_output), then Falco's end-of-run statistics
// (on stderr instead when the output is JSON, so stdout carries only alerts). stderr: payloads that could
// not be evaluated, as `kawa: FILE:LINE: CODE: message` (the first MAX_REPORTS of each kind; all are
// counted), and a `kawa:` line of input counters when something was skipped, cut or not recognised.
// Exit status: 0 after a run (bad events do not fail it), 1 when the rules do not load, 2 on bad usage.
import type { Command } from 'commander';
import { unwatchFile, watchFile } from 'node:fs';
import { stat } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { AlertStats } from '../alerts/stats.js';
import type { OutputOptions } from '../alerts/output-options.js';
import { parseFalcoConfig, readFalcoConfig, type FalcoConfig } from '../config/falco-config.js';
import type { Rejection } from '../engine/engine.js';
import { KawaError, type Code } from '../core/errors.js';
import { loadRulesFiles } from '../rules/load.js';
import { EngineEvaluator } from '../pipeline/engine-evaluator.js';
import { Pipeline } from '../pipeline/pipeline.js';
import { Progress } from '../pipeline/progress.js';
import { lineFormat } from '../outputs/config.js';
import { OutputSink } from '../outputs/sink.js';
import { createLogger } from '../core/logger.js';
import { checkOverrideKeys } from '../core/overrides.js';
import { applyCloudWatchFlags } from '../sources/cloudwatch/config.js';
import { applyKinesisFlags } from '../sources/kinesis/config.js';
import type { KinesisSource } from '../sources/kinesis/source.js';
import type { Evaluator } from '../pipeline/types.js';
import { WorkerPool } from '../pool/pool.js';
import type { LoadResult } from '../rules/types.js';
import { FileSource, listInputs } from '../sources/file.js';
import { addRulesOptions, formatProblem } from './rules-options.js';

/** Reports of one kind printed before the rest are only counted. */
const MAX_REPORTS = 20;
/** Inputs smaller than this are evaluated on the main thread unless --workers says otherwise. */
const POOL_MIN_BYTES = 8 << 20;
/** Byte ranges the workers read of a large JSON-lines file (about 2,500 EKS events each). */
const RANGE_BYTES = 4 << 20;

const REJECTION_REPORT: Record<Rejection['reason'], { code: Code; message: string }> = {
  unrecognized: { code: 'KAWA_ERR_EVENT_UNRECOGNIZED', message: 'data not recognized as a k8s audit event' },
  parse: { code: 'KAWA_ERR_EVENT_PARSE', message: 'event is not valid JSON' },
  no_timestamp: { code: 'KAWA_ERR_EVENT_TIMESTAMP', message: 'audit event without a valid stageTimestamp, dropped' },
  too_large: { code: 'KAWA_ERR_EVENT_TOO_LARGE', message: 'audit event larger than the maximum event size, dropped' },
};

interface RunOptions {
  config?: string;
  rules?: string[];
  events?: string[];
  json?: boolean;
  option?: string[];
  workers?: number;
  summary?: boolean;
  webhook?: boolean;
  port?: string;
  path?: string;
  cloudwatch?: string;
  region?: string;
  profile?: string;
  endpoint?: string;
  checkpoint?: string;
  kinesis?: string;
  dynamodbEndpoint?: string;
  leaseTable?: string;
  alertTable?: string;
}

const collect = (value: string, previous: string[] = []) => [...previous, value];

export function register(program: Command, setExit: (code: number) => void): void {
  addRulesOptions(program.command('run').description('evaluate audit events from files or stdin against rules and print alerts'))
    .option('-e, --events <file>', 'events: JSON lines, JSON documents, .gz, a directory, or - for stdin (repeatable)', collect)
    .option('--json', 'print alerts as JSON (json_output=true)')
    .option('-o, --option <key=value>', 'override a configuration key (repeatable)', collect)
    .option('--workers <n>', 'worker threads (0: evaluate on the main thread; default: one per core for inputs of 8 MiB or more)', parseWorkers)
    .option('--summary', 'end with events, bytes, seconds, events/s and alerts on stderr (always on a terminal)')
    .option('--webhook', 'run as a service receiving the API server\'s audit webhook (keys: webhook.*)')
    .option('--port <port>', 'webhook port (webhook.listen_port, default 9765)')
    .option('--path <path>', 'webhook path (webhook.path, default /k8s-audit)')
    .option('--cloudwatch <cluster>', 'read the EKS cluster\'s audit log from CloudWatch Logs, as a service')
    .option('--region <region>', 'AWS region of the cluster (CloudWatch)')
    .option('--profile <profile>', 'AWS profile for the credentials (CloudWatch)')
    .option('--endpoint <url>', 'CloudWatch Logs endpoint, e.g. the emulator\'s')
    .option('--checkpoint <file>', 'where the CloudWatch position is kept across restarts')
    .option('--kinesis <stream>', 'read a Kinesis stream fed by a CloudWatch Logs subscription filter, sharing it with other kawa processes')
    .option('--dynamodb-endpoint <url>', 'DynamoDB endpoint for the lease and alert tables (Kinesis)')
    .option('--lease-table <name>', 'DynamoDB lease table (Kinesis; default kawa-STREAM-leases)')
    .option('--alert-table <name>', 'DynamoDB table making alerts exactly-once across processes (Kinesis)')
    .action(async (opts: RunOptions) => {
      setExit(await run(opts));
    });
}

function parseWorkers(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 256) throw new KawaError('KAWA_ERR_USAGE', `--workers ${value}: not a number of threads (0 to 256)`);
  return n;
}

interface RunConfig { rules: FalcoConfig; output: OutputOptions }

/** `-c` file with each `-o key=value` applied to it in order (any key, as Falco), then the flags. */
function buildConfig(opts: RunOptions): RunConfig {
  const overrides = [...(opts.option ?? [])];
  checkOverrideKeys(overrides);
  if (opts.port !== undefined) overrides.push(`webhook.listen_port=${opts.port}`);
  if (opts.path !== undefined) overrides.push(`webhook.path=${opts.path}`);
  const rules = opts.config ? readFalcoConfig(opts.config, overrides) : parseFalcoConfig('', '', overrides);
  const output: OutputOptions = rules.outputs.format;
  if (opts.json) output.jsonOutput = true;
  if (opts.rules?.length) rules.rulesFiles = opts.rules;
  return { rules, output };
}

/** Counts per kind of skipped input, and prints the first few of each. */
class InputReports {
  readonly counts = new Map<string, number>();

  report(kind: string, code: Code, origin: string, message: string): void {
    const n = (this.counts.get(kind) ?? 0) + 1;
    this.counts.set(kind, n);
    if (n <= MAX_REPORTS) process.stderr.write(`kawa: ${origin}: ${code}: ${message}\n`);
    else if (n === MAX_REPORTS + 1) process.stderr.write(`kawa: further "${kind}" reports are only counted\n`);
  }
}

export async function run(opts: RunOptions): Promise<number> {
  const { rules: config, output } = buildConfig(opts);
  if (!config.rulesFiles.length) throw new KawaError('KAWA_ERR_USAGE', 'no rules: give -r FILE (or rules_files in the -c configuration)');
  if (opts.webhook && opts.events?.length) throw new KawaError('KAWA_ERR_USAGE', '--webhook and -e are two different sources: give one');
  if (opts.cloudwatch && (opts.webhook || opts.events?.length)) throw new KawaError('KAWA_ERR_USAGE', '--cloudwatch, --webhook and -e are different sources: give one');
  if (opts.kinesis && (opts.cloudwatch || opts.webhook || opts.events?.length)) throw new KawaError('KAWA_ERR_USAGE', '--kinesis, --cloudwatch, --webhook and -e are different sources: give one');
  const kinesis = opts.webhook || opts.events?.length || opts.cloudwatch ? undefined : applyKinesisFlags(config.kinesis, opts);
  const cloudwatch = opts.webhook || opts.events?.length || kinesis ? undefined : applyCloudWatchFlags(config.cloudwatch, opts);
  if (!opts.webhook && !opts.events?.length && !cloudwatch && !kinesis) throw new KawaError('KAWA_ERR_USAGE', 'no events: give -e FILE (a file, a directory, or - for stdin), --webhook, --cloudwatch CLUSTER or --kinesis STREAM');

  const loaded = loadConfiguredRules(config);
  // like Falco, a run shows load errors but not warnings (kawa validate lists those)
  if (!loaded.ok) {
    for (const e of loaded.errors) process.stderr.write(`${formatProblem(e, 'error')}\n`);
    return 1;
  }
  // the long-running sources: their modules (the AWS SDK, the service around them) load only when used,
  // which keeps a file run, and every other command, fast to start
  if (kinesis || cloudwatch || opts.webhook) {
    const { serve } = await import('../runtime/serve.js');
    const common = {
      config,
      rules: loaded,
      reload: () => loadConfiguredRules(buildConfig(opts).rules),
      workers: opts.workers,
      watchFiles: opts.config ? [opts.config] : [],
    };
    if (kinesis) {
      const { KinesisSource } = await import('../sources/kinesis/source.js');
      return serve({
        ...common,
        openSource: ({ logger, metrics }) => KinesisSource.open(kinesis, { logger, metrics, drainMs: config.service.shutdownTimeoutMs / 2 }),
        wrapSink: (outputs, source) => (source as KinesisSource).wrapSink(outputs),
      });
    }
    if (cloudwatch) {
      const { CloudWatchSource } = await import('../sources/cloudwatch/source.js');
      return serve({
        ...common,
        openSource: ({ logger, metrics }) => CloudWatchSource.open(cloudwatch, { logger, metrics }),
        maxEventSize: cloudwatch.maxEventSize,
      });
    }
    const { WebhookSource } = await import('../sources/webhook/source.js');
    return serve({ ...common, openSource: ({ logger, metrics }) => WebhookSource.start(config.webhook, { logger, metrics }) });
  }

  const reports = new InputReports();
  const files = await listInputs(opts.events ?? []);
  const inputBytes = await sizeOf(files);
  const workers = opts.workers ?? (inputBytes >= POOL_MIN_BYTES ? availableParallelism() : 0);
  const evaluator: Evaluator & { window?: number } = workers > 0
    ? new WorkerPool(loaded, { threads: workers, ruleMatching: config.ruleMatching, render: lineFormat(config.outputs) })
    : new EngineEvaluator(loaded, { ruleMatching: config.ruleMatching });
  const source = openSource(files, reports, workers > 0);
  const sink = new OutputSink(config.outputs, { logger: createLogger({ level: config.service.logLevel }) });
  const stats = new AlertStats();
  const progress = Progress.forTerminal(files.includes('-') || anyGzip(files) ? 0 : inputBytes);
  const stopReloading = reloadOnChange(config, evaluator);
  const started = performance.now();
  let truncated = 0;
  const pipeline: Pipeline = new Pipeline(source, evaluator, sink, {
    inFlight: evaluator.window,
    onFailure: (batch, e) => reports.report('given up', e.code, batch.range ? batch.range.file : batch.origin(0), e.message),
    onResult: (batch, result) => {
      truncated += result.truncated ?? 0;
      for (const r of result.rejections) {
        const { code, message } = REJECTION_REPORT[r.reason];
        const kind = r.reason === 'no_timestamp' ? 'no timestamp' : r.reason === 'too_large' ? 'too large' : r.reason;
        // the usual case: CloudWatch cut the event before its stageTimestamp, which comes near the end
        const cut = r.cut ? ' (CloudWatch cut it before its stageTimestamp)' : '';
        reports.report(kind, code, batch.origin(r.payload), `${message}${cut}`);
      }
      for (const m of result.matches) stats.add(m.rule);
      progress?.update({ events: pipeline.stats.events + result.events, bytes: source.stats.bytes });
      if (sink.closed) void pipeline.stop();
    },
  });
  try {
    await pipeline.run();
  } finally {
    progress?.stop();
    stopReloading();
    await evaluator.close();
  }
  await sink.close();
  if (sink.closed) return 0;
  const seconds = (performance.now() - started) / 1000;

  const counters: string[] = [];
  const count = (n: number, what: string) => { if (n) counters.push(`${n} ${what}`); };
  count(source.stats.payloads + source.stats.tooLarge, 'payloads read');
  count(pipeline.stats.events, 'events evaluated');
  count(truncated, 'truncated by CloudWatch');
  for (const [kind, n] of reports.counts) count(n, kind);
  const summary = stats.summary();
  if (output.jsonOutput) process.stderr.write(summary);
  else await sink.write(summary);
  if (reports.counts.size || truncated) process.stderr.write(`kawa: ${counters.join(', ')}\n`);
  if (opts.summary || process.stderr.isTTY) {
    const { events, alerts } = pipeline.stats;
    process.stderr.write(`kawa: ${events} events, ${source.stats.bytes} bytes in ${seconds.toFixed(2)} s: `
      + `${Math.round(events / Math.max(seconds, 1e-6))} events/s, ${alerts} alerts, ${workers ? `${workers} workers` : 'main thread'}\n`);
  }
  return 0;
}

async function sizeOf(files: string[]): Promise<number> {
  let total = 0;
  for (const f of files) if (f !== '-') total += (await stat(f)).size;
  return total;
}

/** The size of a gzip file says little about its events: its progress shows no percentage. */
function anyGzip(files: string[]): boolean {
  return files.some((f) => f.endsWith('.gz'));
}

/** SIGHUP or a changed rules file reloads the rules into the evaluator; returns the function that stops it. */
function reloadOnChange(config: FalcoConfig, evaluator: Evaluator): () => void {
  let running = Promise.resolve();
  const reload = () => {
    running = running.then(async () => {
      const next = loadConfiguredRules(config);
      if (!next.ok) {
        for (const e of next.errors) process.stderr.write(`${formatProblem(e, 'error')}\n`);
        process.stderr.write('kawa: the rules did not load; evaluating with the previous rules\n');
        return;
      }
      await evaluator.reload(next);
      process.stderr.write(`kawa: rules reloaded (${next.rules.filter((r) => r.enabled).length} enabled)\n`);
    });
  };
  const onChange = (now: { mtimeMs: number }, before: { mtimeMs: number }) => { if (now.mtimeMs !== before.mtimeMs) reload(); };
  process.on('SIGHUP', reload);
  for (const f of config.rulesFiles) watchFile(f, { interval: 1000, persistent: false }, onChange);
  return () => {
    process.off('SIGHUP', reload);
    for (const f of config.rulesFiles) unwatchFile(f, onChange);
  };
}

function loadConfiguredRules(config: FalcoConfig): LoadResult {
  return loadRulesFiles(config.rulesFiles, {
    sources: ['k8s_audit'],
    minPriority: config.minPriority,
    selection: config.selection,
    appendOutput: config.appendOutput,
  });
}

/** Where the events come from: the one place a new kind of source plugs in. With workers, large JSON-lines
 *  files are split into byte ranges the workers read themselves. */
function openSource(events: string[], reports: InputReports, workers: boolean): FileSource {
  return new FileSource(events, {
    rangeBytes: workers ? RANGE_BYTES : 0,
    onTooLarge: (file, line, length) =>
      reports.report('too large', 'KAWA_ERR_EVENT_TOO_LARGE', `${file}:${line}`, `${length} bytes, more than the line limit, skipped`),
  });
}
