// `kawa demo`: kawa watching an EKS cluster, on a machine with nothing but kawa. It starts the CloudWatch
// Logs emulator in this process, writes a realistic EKS audit stream into /aws/eks/demo/cluster (the
// emulator's generator: kubelet leases, controllers, EKS system users, pod creations, over two rotating
// kube-apiserver-audit-* streams) with an attack mixed in every few seconds (demo-attacks.ts), and runs the
// real CloudWatch source, engine and stdout output against it with the project's rules
// (rules/kawa-eks-rules.yaml). Alerts print as they happen, until Ctrl-C (or --duration seconds); then a
// summary goes to stderr.
//
// --kinesis [N] shows the scale-out path instead (demo-kinesis.ts): a subscription filter on the log group
// forwards it to a local Kinesis stream of 4 shards (kinesalite), read by N Kinesis sources in this process
// as N kawa processes would read it: distinct workers sharing the lease table and the alert table in a local
// DynamoDB (dynalite), each with its own pipeline, all printing to the one stdout. kinesalite and dynalite
// are development dependencies: an installed package without them refuses --kinesis with KAWA_ERR_USAGE.
//
//   kawa demo [--duration S] [--rate EVENTS_PER_S] [--attack-every S] [--json] [--kinesis [PROCESSES]]
import { Option, type Command } from 'commander';
import { fileURLToPath } from 'node:url';
import { parseFalcoConfig } from '../config/falco-config.js';
import { MAX_TIMER_S } from '../core/config-view.js';
import { MAX_GENERATOR_RATE } from '../emulator/config.js';
import type { LocalKinesis } from '../emulator/subscription-demo.js';
import { KawaError } from '../core/errors.js';
import { OutputSink } from '../outputs/sink.js';
import type { LoadResult } from '../rules/types.js';
import { loadRulesFiles } from '../rules/load.js';
import { Run } from '../runtime/assemble.js';
import { logWriter, Reports } from '../runtime/reports.js';
import { cloudWatchSource } from '../sources/cloudwatch/index.js';
import { defaultCloudWatchConfig } from '../sources/cloudwatch/config.js';
import type { CloudWatchSource } from '../sources/cloudwatch/source.js';
import { createLogger } from '../core/logger.js';
import { AlertTally, AttackFeeder } from './demo-attacks.js';
import type { DemoReader, DemoScene } from './demo-scene.js';
import { formatProblem } from './rules-options.js';

const CLUSTER = 'demo';
const GROUP = `/aws/eks/${CLUSTER}/cluster`;
const RULES = fileURLToPath(new URL('../../rules/kawa-eks-rules.yaml', import.meta.url));
/** The emulator's namespace (and credentials) of the demo cluster's log group. */
const ACCESS_KEY_ID = 'demo';

export interface DemoOptions {
  duration?: number;
  rate?: number;
  attackEvery?: number;
  json?: boolean;
  /** Read through a local Kinesis stream with this many Kinesis "processes" (1..8). */
  kinesis?: number;
  /** Where alerts go (tests); default stdout. */
  stdout?: NodeJS.WritableStream;
}

export function register(program: Command, setExit: (code: number) => void): void {
  program.command('demo')
    .description('watch a simulated EKS cluster through a local CloudWatch emulator (with --kinesis: through its subscription filter '
      + 'and a local Kinesis stream) and print alerts (Ctrl-C stops)')
    .option('--duration <s>', 'stop after this many seconds', positive('--duration', MAX_TIMER_S))
    .option('--rate <n>', `audit events per second (default 20, at most ${MAX_GENERATOR_RATE})`, positive('--rate', MAX_GENERATOR_RATE))
    .option('--attack-every <s>', 'seconds between attacks (default 4)', positive('--attack-every', MAX_TIMER_S))
    .option('--json', 'print alerts as JSON')
    .addOption(new Option('--kinesis [processes]', 'the scale-out path: a subscription filter forwards the log group to a local Kinesis stream '
      + '(4 shards) read by this many kawa Kinesis processes (1-8) sharing leases and the alert table in a local DynamoDB; '
      + 'needs the development dependencies kinesalite and dynalite').preset('2').argParser(processes))
    .action(async (opts: DemoOptions) => setExit(await demo(opts)));
}

function positive(flag: string, max: number) {
  return (v: string) => {
    const n = Number(v);
    if (!(n > 0 && n <= max)) throw new KawaError('KAWA_ERR_USAGE', `${flag} expects a number > 0 and at most ${max}, got '${v}'`);
    return n;
  };
}

function processes(v: string | number): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1 || n > 8) throw new KawaError('KAWA_ERR_USAGE', `--kinesis expects a number of processes from 1 to 8, got '${v}'`);
  return n;
}

export async function demo(opts: DemoOptions): Promise<number> {
  // the CLI checked it already; the library's callers are checked here, before anything starts
  if (opts.kinesis !== undefined) processes(opts.kinesis);
  const rules = loadRulesFiles([RULES], { sources: ['k8s_audit'] });
  if (!rules.ok) {
    for (const e of rules.errors) process.stderr.write(`${formatProblem(e, 'error')}\n`);
    return 1;
  }
  // the emulator, the AWS SDK and the Kinesis path are imported here, so other commands start without them.
  // First: where kinesalite and dynalite are missing (an installed package), nothing else has started yet
  let local: LocalKinesis | undefined;
  if (opts.kinesis) {
    const [{ startLocalKinesis }, { SHARDS }] = await Promise.all([import('../emulator/subscription-demo.js'), import('./demo-kinesis.js')]);
    local = await startLocalKinesis({ streamName: 'kawa-demo', shards: SHARDS });
  }
  try {
    return await watch(opts, rules, local);
  } finally {
    await local?.close();
  }
}

async function watch(opts: DemoOptions, rules: LoadResult, local: LocalKinesis | undefined): Promise<number> {
  const { startEmulator } = await import('../emulator/index.js');
  const emu = await startEmulator({
    config: {
      defaultAccessKeyId: ACCESS_KEY_ID,
      truncateAt: 262_144,
      generators: [{ group: GROUP, ratePerSec: opts.rate ?? 20, streams: 2, streamPrefix: 'kube-apiserver-audit-', rotateEveryMs: 120_000, ingestDelayMs: 800, truncateAt: 262_144 }],
    },
    ...(local ? { kinesis: { endpoint: local.kinesisEndpoint } } : {}),
  });
  const config = parseFalcoConfig('', '', ['watch_config_files=false', ...(opts.json ? ['json_output=true'] : [])]);
  const outputs = new AlertTally(new OutputSink(config.outputs, { stdout: opts.stdout }));
  const attacks = new AttackFeeder(emu, GROUP, (opts.attackEvery ?? 4) * 1000);
  const scene: DemoScene = { emu, config, rules, outputs, attacks, logger: createLogger({ level: 'warn' }) };
  let reader: DemoReader | undefined;
  const stop = () => {
    attacks.stop();
    void reader?.stop();
  };
  let timer: NodeJS.Timeout | undefined;
  try {
    if (local && opts.kinesis) {
      const [{ subscribeToKinesis }, { openKinesisReader }] = await Promise.all([import('../emulator/subscription-demo.js'), import('./demo-kinesis.js')]);
      await subscribeToKinesis(emu.url, GROUP, local.streamArn, { accessKeyId: ACCESS_KEY_ID });
      reader = await openKinesisReader(scene, local, opts.kinesis);
    } else {
      reader = await openCloudWatchReader(scene);
    }
    process.stderr.write(`kawa demo: CloudWatch Logs emulator at ${emu.url}; cluster '${CLUSTER}' writes ${opts.rate ?? 20} audit events/s to ${GROUP}, `
      + `with an attack about every ${opts.attackEvery ?? 4} s; rules: ${RULES}\n${reader.banner}`
      + `kawa demo: alerts print as kawa finds them${opts.duration ? ` for ${opts.duration} s` : '; Ctrl-C stops'}\n`);
    attacks.start();
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
    timer = opts.duration ? setTimeout(stop, opts.duration * 1000) : undefined;
    await reader.run();
  } finally {
    clearTimeout(timer);
    attacks.stop();
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
    await outputs.close();
    await emu.close();
  }
  process.stderr.write(reader.summary(outputs.describe()));
  return 0;
}

async function openCloudWatchReader({ emu, config, rules, outputs, logger }: DemoScene): Promise<DemoReader> {
  const source = {
    kind: cloudWatchSource,
    config: {
      ...defaultCloudWatchConfig(CLUSTER), endpoint: emu.url, region: 'us-east-1', shiftMs: 5000,
      credentials: { accessKeyId: ACCESS_KEY_ID, secretAccessKey: 'demo' },
    },
  };
  const run = await Run.assemble({ config, source, rules, logger, reports: new Reports(logWriter(logger)), outputs, workers: 0 });
  return {
    banner: '',
    run: async () => {
      try {
        await run.run();
      } finally {
        await run.close();
      }
    },
    stop: () => run.stop(),
    summary: (alerts) => {
      const s = (run.source as CloudWatchSource).stats;
      return `kawa demo: ${s.events} audit events read from CloudWatch (${s.requests} requests, ${s.foundByTier.slice(1).reduce((a, b) => a + b, 0)} found late by a re-check, `
        + `${s.truncated} truncated), ${alerts}\n`;
    },
  };
}
