// `kawa run`: evaluate audit events from a source against rules files and send alerts to the outputs.
//
//   kawa run [-c falco.yaml] -r RULES... SOURCE [--json] [-o key=value]... [--workers N] [--summary]
//            [--rules-cache DIR | --no-rules-cache]
//
// SOURCE is one kind of source of sources/index.ts, chosen by its flag (-e files, --webhook, --cloudwatch,
// --kinesis) or by the configuration file (runtime/select.ts); each kind adds its own flags here. A source
// that ends with its input (files, stdin) is a run: alerts, then Falco's end-of-run statistics. The others
// run as a service (runtime/service.ts) until SIGTERM. Either way the pipeline is the one of
// runtime/assemble.ts: rules reload on SIGHUP or when a rules file changes, events that cannot be evaluated
// are reported with their code and counted.
//
// A run over files: stdout carries one alert per line (text, or JSON with --json/json_output), then Falco's
// statistics (on stderr instead when the output is JSON, so stdout carries only alerts). stderr: payloads
// that could not be evaluated, as `kawa: FILE:LINE: CODE: message` (the first 20 of each kind; all are
// counted), and a `kawa:` line of input counters when something was skipped, cut or not recognised. A
// progress bar (events/s, bytes, ETA) is drawn on stderr when it is a terminal; --summary (implied on a
// terminal) ends with a line of events, bytes, seconds, events/s and alerts.
// An input that cannot be read to its end (a damaged gzip, a file that fails to open or to read) is reported
// with its code and place, what came before the damage is evaluated, and the run goes on with the next input.
// SIGINT or SIGTERM (Ctrl-C, a Job's pod deleted) stops reading: the batches read are evaluated, the outputs
// flushed within shutdown_timeout_ms and the statistics of what was read printed, as for a service; a second
// signal ends it at once.
// Exit status: 0 after a run (bad events and damaged inputs do not fail it); 1 when the rules do not load,
// when an output lost alerts (it says how many), or with --fail-on-damaged-input when an input was damaged or
// unreadable (after reading everything else); 2 on bad usage; 128 + the signal's number (130, 143) for a run
// a signal stopped, whose inputs were not read to their end. A reader of stdout that goes away first
// (`| head`) ends it with 0.
import type { Command } from 'commander';
import { constants as osConstants } from 'node:os';
import { AlertStats } from '../alerts/stats.js';
import { parseFalcoConfig, readFalcoConfig, type FalcoConfig } from '../config/falco-config.js';
import { KawaError } from '../core/errors.js';
import { createLogger } from '../core/logger.js';
import { checkOverrideKeys } from '../config/schema.js';
import { OutputSink } from '../outputs/sink.js';
import { Progress } from '../pipeline/progress.js';
import { cacheDirProblem } from '../core/cache-dir.js';
import { checkCacheDir, defaultCacheDir } from '../rules/load-cache.js';
import { loadConfiguredRules, loadConfiguredRulesCached, reloadConfiguredRules, Run } from '../runtime/assemble.js';
import { Reports, stderrWriter } from '../runtime/reports.js';
import { handleSignals } from '../runtime/signals.js';
import { selectSource, type SelectedSource } from '../runtime/select.js';
import { SOURCE_KINDS, type FlagValues } from '../sources/index.js';
import type { LoadResult } from '../rules/types.js';
import { addRulesOptions, formatProblem } from './rules-options.js';

interface RunOptions {
  config?: string;
  rules?: string[];
  json?: boolean;
  option?: string[];
  workers?: number;
  summary?: boolean;
  failOnDamagedInput?: boolean;
  /** A directory, false for --no-rules-cache, undefined for the user's cache directory. */
  rulesCache?: string | false;
  [sourceFlag: string]: unknown;
}

const collect = (value: string, previous: string[] = []) => [...previous, value];

export function register(program: Command, setExit: (code: number) => void): void {
  const cmd = addRulesOptions(program.command('run').description('evaluate audit events from a source against rules and send alerts to the outputs'));
  // every source's flags, each once (--region and --endpoint serve two sources)
  const added = new Set<string>();
  for (const kind of SOURCE_KINDS) {
    for (const f of kind.flags) {
      if (added.has(f.flags)) continue;
      added.add(f.flags);
      if (f.repeatable) cmd.option(f.flags, f.description, collect);
      else cmd.option(f.flags, f.description);
    }
  }
  cmd
    .option('--json', 'print alerts as JSON (json_output=true)')
    .option('-o, --option <key=value>', 'override a configuration key (repeatable)', collect)
    .option('--workers <n>', 'worker threads (0: evaluate on the main thread; default: one per core for inputs of 8 MiB or more)', parseWorkers)
    .option('--summary', 'end with events, bytes, seconds, events/s and alerts on stderr (always on a terminal)')
    .option('--rules-cache <dir>', 'keep the loaded rules in DIR (yours, writable by no one else) and reuse them while the rules files are unchanged (default: $XDG_CACHE_HOME/kawa/rules or ~/.cache/kawa/rules when it can be made)')
    .option('--no-rules-cache', 'load the rules files every time, keeping nothing')
    .option('--fail-on-damaged-input', 'exit 1 after a run over files in which an input could not be read to its end (damaged gzip, read error); default: report it and exit 0')
    .action(async (opts: RunOptions) => {
      setExit(await run(opts));
    });
}

function parseWorkers(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 256) throw new KawaError('KAWA_ERR_USAGE', `--workers ${value}: not a number of threads (0 to 256)`);
  return n;
}

/** `-c` file with each `-o key=value` applied to it in order (any key, as Falco), then --json and -r. */
function buildConfig(opts: RunOptions): FalcoConfig {
  const overrides = opts.option ?? [];
  checkOverrideKeys(overrides);
  const config = opts.config ? readFalcoConfig(opts.config, overrides) : parseFalcoConfig('', '', overrides);
  if (opts.json) config.outputs.format.jsonOutput = true;
  if (opts.rules?.length) config.rulesFiles = opts.rules;
  return config;
}

export async function run(opts: RunOptions): Promise<number> {
  const config = buildConfig(opts);
  if (!config.rulesFiles.length) throw new KawaError('KAWA_ERR_USAGE', 'no rules: give -r FILE (or rules_files in the -c configuration)');
  const source = selectSource(config, opts as FlagValues);
  const rules = configuredRules(config, opts.rulesCache);
  // like Falco, a run shows load errors but not warnings (kawa validate lists those)
  if (!rules.ok) {
    for (const e of rules.errors) process.stderr.write(`${formatProblem(e, 'error')}\n`);
    return 1;
  }
  const logger = createLogger({ level: config.service.logLevel });
  for (const w of config.warnings) {
    if (source.kind.service(source.config)) logger.warn({ code: w.code, file: w.file, line: w.line, column: w.column }, w.message);
    else process.stderr.write(`${formatProblem(w, 'warning')}\n`);
  }
  const common = {
    config,
    source,
    rules,
    // a reload re-reads the configuration file too: its rules_files, priority and selection may have changed
    loadRules: async (signal: AbortSignal) => reloadConfiguredRules(buildConfig(opts), signal),
    workers: opts.workers,
    logger,
    watchFiles: config.files,
  };
  if (source.kind.service(source.config)) {
    // the service (and the AWS SDK behind some sources) loads only when used: file runs start faster
    const { serve } = await import('../runtime/service.js');
    return serve(common);
  }
  return replay(common, opts);
}

/** The configured rules, through the rules cache when there is one to use (rulesCacheDir). */
function configuredRules(config: FalcoConfig, named: string | false | undefined): LoadResult {
  const dir = rulesCacheDir(named);
  if (dir === undefined) return loadConfiguredRules(config);
  const { result, problem } = loadConfiguredRulesCached(config, dir);
  if (problem) warn(problem);
  return result;
}

/**
 * The directory --rules-cache names (an error if unusable); else the user's (defaultCacheDir), unless it
 * cannot be made (a read-only file system or no home: how containers run, nothing to say) or is refused
 * (a warning); none with --no-rules-cache.
 */
function rulesCacheDir(named: string | false | undefined): string | undefined {
  if (named === false) return undefined;
  if (named !== undefined) {
    checkCacheDir(named);
    return named;
  }
  const dir = defaultCacheDir();
  const refused = dir === undefined ? undefined : cacheDirProblem(dir);
  if (refused && !refused.absent) warn(`rules cache ${dir}: ${refused.why}; the rules files are loaded without it (--rules-cache DIR names another, --no-rules-cache turns it off)`);
  return refused ? undefined : dir;
}

function warn(message: string): void {
  process.stderr.write(`${formatProblem({ code: 'KAWA_WARN_RULES_CACHE', message }, 'warning')}\n`);
}

/** A run over a source that ends (files, stdin): alerts as they come, then Falco's statistics. */
async function replay(common: { config: FalcoConfig; source: SelectedSource; rules: LoadResult; loadRules(signal: AbortSignal): Promise<LoadResult>; workers?: number; logger: ReturnType<typeof createLogger>; watchFiles: string[] }, opts: RunOptions): Promise<number> {
  const { config, logger } = common;
  const outputs = new OutputSink(config.outputs, { logger, stdoutEndsRun: true });
  const reports = new Reports(stderrWriter());
  const stats = new AlertStats();
  let progress: Progress | undefined;
  const started = performance.now();
  const r = await Run.assemble({
    ...common,
    outputs,
    reports,
    onResult: (_batch, result) => {
      for (const m of result.matches) stats.add(m.rule);
      progress?.update(r.stats.events + result.events, r.source.progress?.());
      // stdout's reader went away (`| head`): nothing more can be shown
      if (outputs.closed) void r.stop();
    },
    onHeld: (rule) => stats.add(rule, -1),
  });
  progress = Progress.forTerminal(r.source.progress?.());
  let stoppedBy: NodeJS.Signals | undefined;
  // the shutdown's deadline also bounds the flush below: past it, handleSignals exits 1 and says what was lost
  const unhandle = handleSignals({
    timeoutMs: config.service.shutdownTimeoutMs,
    logger,
    shutdown: async (signal) => {
      stoppedBy = signal as NodeJS.Signals;
      await r.stop();
    },
    abandon: () => outputs.abandon(),
    hangup: () => void r.reload('SIGHUP'),
  });
  try {
    await r.run();
  } finally {
    progress?.stop();
    await r.close();
  }
  try {
    await outputs.close();
  } finally {
    unhandle();
  }
  if (outputs.closed) return 0;
  // alerts that did not reach an output make the run fail: they were found and are gone
  const lost = outputs.lost;
  const lostTotal = Object.values(lost).reduce((a, b) => a + b, 0);
  const seconds = (performance.now() - started) / 1000;
  const read = r.source.read ?? { bytes: 0, payloads: r.stats.payloads };

  const counters: string[] = [];
  const count = (n: number, what: string) => { if (n) counters.push(`${n} ${what}`); };
  count(read.payloads, 'payloads read');
  count(r.stats.events, 'events evaluated');
  count(r.counts.truncated, 'truncated by CloudWatch');
  for (const [kind, n] of reports.counts) count(n, kind);
  const summary = stats.summary();
  if (config.outputs.format.jsonOutput) process.stderr.write(summary);
  else await outputs.write(summary);
  if (reports.counts.size || r.counts.truncated) process.stderr.write(`kawa: ${counters.join(', ')}\n`);
  if (lostTotal) {
    process.stderr.write(`kawa: KAWA_ERR_OUTPUT: ${lostTotal} of ${r.stats.alerts} alerts were not delivered (${Object.entries(lost).map(([o, n]) => `${o}: ${n}`).join(', ')}); see the log above\n`);
  }
  if (opts.summary || process.stderr.isTTY) {
    const { events, alerts } = r.stats;
    process.stderr.write(`kawa: ${events} events, ${read.bytes} bytes in ${seconds.toFixed(2)} s: `
      + `${Math.round(events / Math.max(seconds, 1e-6))} events/s, ${alerts} alerts, ${r.workers ? `${r.workers} workers` : 'main thread'}\n`);
  }
  if (stoppedBy) {
    process.stderr.write(`kawa: stopped by ${stoppedBy} after ${read.payloads} payloads: the inputs were not read to their end\n`);
    // everything read was delivered and said; a read still waiting on an input that may never end (stdin
    // from a program that keeps it open, a FIFO whose writer is silent) must not hold the process
    process.exit(lostTotal ? 1 : 128 + osConstants.signals[stoppedBy]);
  }
  // every input was read; one that could not be read to its end was reported with its place
  return lostTotal || (opts.failOnDamagedInput && read.incomplete) ? 1 : 0;
}
