// `kawa demo --kinesis N`: the demo cluster read the scale-out way. The emulator's subscription filter
// forwards the log group to a local Kinesis stream (kinesalite); N Kinesis sources in this process stand for
// N kawa processes: each its own worker id, lease manager, shard readers and pipeline (its own engine). They
// share what separate processes would share: the lease table and the alert table in a local DynamoDB
// (dynalite), and here also the outputs (one stdout), each pipeline reaching them through its source's
// alert-table sink, so an alert repeated by a lease hand-off is printed once.
//
// Which worker reads which shards goes to stderr whenever it changes: the workers first race for the free
// leases, then balance by graceful hand-off within a few lease scans. The summary says, per worker, the
// events read and the shards held at the end, then the alerts, whether each attack alerted exactly once,
// and the duplicates the alert table and the event ids removed.
import type { LocalKinesis } from '../emulator/subscription-demo.js';
import { Run } from '../runtime/assemble.js';
import { logWriter, Reports } from '../runtime/reports.js';
import { defaultKinesisConfig, type KinesisConfig } from '../sources/kinesis/config.js';
import { kinesisSource } from '../sources/kinesis/index.js';
import type { KinesisSource } from '../sources/kinesis/source.js';
import type { DemoReader, DemoScene } from './demo-scene.js';

export const SHARDS = 4;
/** The generator writes the cluster's traffic when something reads the emulator; here nothing does, so a timer runs it. */
const TICK_MS = 200;
/** How often the shard assignment is looked at (it changes on lease scans, 1.5 s apart). */
const WATCH_MS = 1000;
/** On stop, how long the attacks already written may take to come out of the stream (usually under a second). */
const DRAIN_MS = 5000;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** One kawa process's Kinesis configuration on the local stream: short leases, so failover takes seconds. */
export function localKinesisConfig(local: LocalKinesis, workerId: string): KinesisConfig {
  const c = defaultKinesisConfig(local.streamName);
  c.region = 'us-east-1';
  c.endpoint = local.kinesisEndpoint;
  c.pollIdleMs = 250;
  Object.assign(c.leases, {
    table: `${local.streamName}-leases`, endpoint: local.dynamodbEndpoint, workerId,
    leaseDurationMs: 3000, renewIntervalMs: 1000, scanIntervalMs: 1500, checkpointIntervalMs: 500,
  });
  c.dedup.alertTable = `${local.streamName}-alerts`;
  return c;
}

export async function openKinesisReader({ emu, config, rules, outputs, attacks, logger }: DemoScene, local: LocalKinesis, processes: number): Promise<DemoReader> {
  const workers = Array.from({ length: processes }, (_, i) => `worker-${i + 1}`);
  const reports = new Reports(logWriter(logger));
  // each "process" its own run (source, engine, pipeline) in front of the one shared stdout
  const runs = await Promise.all(workers.map((w) =>
    Run.assemble({ config, source: { kind: kinesisSource, config: localKinesisConfig(local, w) }, rules, logger, reports, outputs, workers: 0 })));
  const sources = runs.map((r) => r.source as KinesisSource);
  let held = sources.map(() => [] as string[]);
  let shown = '';
  const look = () => {
    held = sources.map((s) => s.shards);
    const assignment = workers.map((w, i) => `${w} reads ${held[i]!.join(', ') || 'no shard'}`).join('; ');
    if (assignment === shown || !held.some((h) => h.length)) return;
    shown = assignment;
    process.stderr.write(`kawa demo: ${assignment}\n`);
  };
  let tick: NodeJS.Timeout | undefined;
  let watcher: NodeJS.Timeout | undefined;
  let stopping: Promise<void> | undefined;
  const stop = () => (stopping ??= (async () => {
    clearInterval(tick);
    // the attacks already written are on their way through the stream: let them out, so that the summary's
    // count of attacks alerted is whole
    for (const until = performance.now() + DRAIN_MS; attacks.pending(outputs) && performance.now() < until;) await sleep(100);
    clearInterval(watcher);
    look();
    // each source stops taking, drains, checkpoints and releases its leases
    await Promise.all(runs.map((r) => r.stop()));
  })());

  return {
    banner: `kawa demo: a subscription filter forwards the log group to Kinesis stream ${local.streamName} (${SHARDS} shards, kinesalite at ${local.kinesisEndpoint}), `
      + `read by ${processes} kawa Kinesis process${processes > 1 ? 'es' : ''} (${workers.join(', ')}); leases and the alert table in DynamoDB (dynalite at ${local.dynamodbEndpoint})\n`,
    stop,
    run: async () => {
      tick = setInterval(() => emu.control.catchUp(), TICK_MS);
      watcher = setInterval(look, WATCH_MS);
      try {
        // one pipeline failing stops the others: the demo ends with its error
        const outcomes = await Promise.allSettled(runs.map((r) => r.run().catch(async (e: unknown) => {
          await stop();
          throw e;
        })));
        const failed = outcomes.find((o) => o.status === 'rejected');
        if (failed) throw failed.reason;
        // a pipeline's run ends with its source's iteration, before the source finished checkpointing and
        // releasing its leases: the tables must outlive that
        await stop();
      } finally {
        clearInterval(tick);
        clearInterval(watcher);
        await Promise.all(runs.map((r) => r.close()));
      }
    },
    summary: (alerts) => {
      const lines = sources.map((s, i) => `${workers[i]} read ${s.stats.events} audit events, holding ${held[i]!.join(', ') || 'no shard'} at the end`);
      const sum = (key: 'duplicateAlerts' | 'duplicateEvents') => sources.reduce((n, s) => n + s.stats[key], 0);
      lines.push(alerts, `${attacks.report(outputs)}; duplicates removed: ${sum('duplicateAlerts')} alerts by the alert table, ${sum('duplicateEvents')} events by event id`);
      return lines.map((l) => `kawa demo: ${l}\n`).join('');
    },
  };
}
