// `kawa run`: evaluate audit events from files (or stdin) against rules files, print Falco alerts.
//
//   kawa run [-c falco.yaml] -r RULES... -e EVENTS... [--json] [-o key=value]...
//
// stdout: one alert per line (text, or JSON with --json/json_output), then Falco's end-of-run statistics
// (on stderr instead when the output is JSON, so stdout carries only alerts). stderr: payloads that could
// not be evaluated, as `kawa: FILE:LINE: CODE: message` (the first MAX_REPORTS of each kind; all are
// counted), and a `kawa:` line of input counters when something was skipped, cut or not recognised.
// Exit status: 0 after a run (bad events do not fail it), 1 when the rules do not load, 2 on bad usage.
import type { Command } from 'commander';
import { AlertStats } from '../alerts/stats.js';
import { OUTPUT_KEYS, readOutputOptions, setOutputKey, type OutputOptions } from '../alerts/output-options.js';
import { readFalcoConfig, type FalcoConfig } from '../config/falco-config.js';
import type { Rejection } from '../engine/engine.js';
import { KawaError, type Code } from '../errors/codes.js';
import { loadRulesFiles } from '../rules/load.js';
import { parsePriority } from '../rules/priority.js';
import { EngineEvaluator } from '../pipeline/engine-evaluator.js';
import { Pipeline } from '../pipeline/pipeline.js';
import { StdoutSink } from '../pipeline/stdout-sink.js';
import type { LoadResult } from '../rules/types.js';
import { FileSource } from '../sources/file.js';
import { addRulesOptions, formatProblem } from './rules-options.js';

/** Reports of one kind printed before the rest are only counted. */
const MAX_REPORTS = 20;

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
}

const collect = (value: string, previous: string[] = []) => [...previous, value];

export function register(program: Command, setExit: (code: number) => void): void {
  addRulesOptions(program.command('run').description('evaluate audit events from files or stdin against rules and print alerts'))
    .option('-e, --events <file>', 'events: JSON lines, JSON documents, .gz, a directory, or - for stdin (repeatable)', collect)
    .option('--json', 'print alerts as JSON (json_output=true)')
    .option('-o, --option <key=value>', 'override a configuration key (repeatable)', collect)
    .action(async (opts: RunOptions) => {
      setExit(await run(opts));
    });
}

interface RunConfig { rules: FalcoConfig; output: OutputOptions }

/** `-c` file, then each `-o key=value` in order, then the flags. */
function buildConfig(opts: RunOptions): RunConfig {
  const rules: FalcoConfig = opts.config
    ? readFalcoConfig(opts.config)
    : { file: '', rulesFiles: [], selection: [], appendOutput: [], ruleMatching: 'first' };
  const output: OutputOptions = opts.config ? readOutputOptions(opts.config) : {};
  for (const o of opts.option ?? []) {
    const eq = o.indexOf('=');
    if (eq <= 0) throw new KawaError('KAWA_ERR_USAGE', `-o needs key=value, not ${JSON.stringify(o)}`);
    const key = o.slice(0, eq).trim();
    const value = o.slice(eq + 1).trim();
    if (setOutputKey(output, key, value)) continue;
    if (key === 'priority') {
      const p = parsePriority(value);
      if (!p) throw new KawaError('KAWA_ERR_CONFIG', `-o priority=${value}: not a priority (emergency, alert, critical, error, warning, notice, info, debug)`);
      rules.minPriority = p;
    } else if (key === 'rule_matching') {
      if (value !== 'first' && value !== 'all') throw new KawaError('KAWA_ERR_CONFIG', `-o rule_matching=${value}: must be first or all`);
      rules.ruleMatching = value;
    } else {
      throw new KawaError('KAWA_ERR_USAGE', `-o ${key}: not a key kawa run uses (${[...OUTPUT_KEYS, 'priority', 'rule_matching'].join(', ')})`);
    }
  }
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
  if (!opts.events?.length) throw new KawaError('KAWA_ERR_USAGE', 'no events: give -e FILE (a file, a directory, or - for stdin)');

  const loaded = loadConfiguredRules(config);
  // like Falco, a run shows load errors but not warnings (kawa validate lists those)
  if (!loaded.ok) {
    for (const e of loaded.errors) process.stderr.write(`${formatProblem(e, 'error')}\n`);
    return 1;
  }

  const reports = new InputReports();
  const source = openSource(opts.events, reports);
  const evaluator = new EngineEvaluator(loaded, { ruleMatching: config.ruleMatching });
  const sink = new StdoutSink(output);
  const stats = new AlertStats();
  let truncated = 0;
  const pipeline: Pipeline = new Pipeline(source, evaluator, sink, {
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
      if (sink.closed) void pipeline.stop();
    },
  });
  try {
    await pipeline.run();
  } finally {
    await evaluator.close();
  }
  if (sink.closed) return 0;

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
  return 0;
}

function loadConfiguredRules(config: FalcoConfig): LoadResult {
  return loadRulesFiles(config.rulesFiles, {
    sources: ['k8s_audit'],
    minPriority: config.minPriority,
    selection: config.selection,
    appendOutput: config.appendOutput,
  });
}

/** Where the events come from: the one place a new kind of source plugs in. */
function openSource(events: string[], reports: InputReports): FileSource {
  return new FileSource(events, {
    onTooLarge: (file, line, length) =>
      reports.report('too large', 'KAWA_ERR_EVENT_TOO_LARGE', `${file}:${line}`, `${length} bytes, more than the line limit, skipped`),
  });
}
