// Replay throughput across cores: events/s of the pipeline (file source split into byte ranges, worker
// pool, alerts formatted to a null sink) for 1..N workers over the EKS corpus with the upstream rules,
// beside the in-thread baseline (the Engine on the main thread, file streamed) from the same run. Each
// figure is the best of `--runs` runs, timed after the pool started and compiled the rules. Also: peak and
// quartile RSS of the process (workers included), and the main thread's busy share
// (performance.eventLoopUtilization) while workers run.
//
//   node bench/macro.mjs [--quick] [--count N] [--max-workers N] [--runs R] [--repeat K]
// --repeat K replays the corpus K times in one run (default 2 without --quick: 1,000,000 events).
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { corpusFile, UPSTREAM_RULES } from './corpus.mjs';
import { argValue, printTable } from './util.mjs';

const quick = process.argv.includes('--quick');
const count = Number(argValue('--count', quick ? 100000 : 500000));
const maxWorkers = Number(argValue('--max-workers', availableParallelism()));
const runs = Number(argValue('--runs', quick ? 2 : 3));
const repeat = Number(argValue('--repeat', quick ? 1 : 2));

const { loadRulesFiles } = await import('../dist/index.js');
const { Pipeline } = await import('../dist/pipeline/pipeline.js');
const { EngineEvaluator } = await import('../dist/pool/engine-evaluator.js');
const { WorkerPool } = await import('../dist/pool/pool.js');
const { FileSource } = await import('../dist/sources/file/source.js');
const { AlertFormatter } = await import('../dist/alerts/format.js');

const file = corpusFile({ count, truncateAt: 10000 });
const rules = loadRulesFiles([UPSTREAM_RULES]);
const formatter = new AlertFormatter({});

/** Formats every alert as `kawa run` does (workers render the lines of file events: PoolOptions.render), then drops it. */
const nullSink = { async emit(alerts) { for (const a of alerts) a.line ?? formatter.text(a.match); }, async flush() {}, async close() {} };

async function once(evaluator, rangeBytes) {
  const source = new FileSource(Array(repeat).fill(file), { rangeBytes });
  const rss = [];
  const sampler = setInterval(() => rss.push(process.memoryUsage.rss()), 50);
  const elu0 = performance.eventLoopUtilization();
  const t0 = performance.now();
  const stats = await new Pipeline(source, evaluator, nullSink, { inFlight: evaluator.window ?? 4 }).run();
  const seconds = (performance.now() - t0) / 1000;
  const elu = performance.eventLoopUtilization(elu0);
  clearInterval(sampler);
  rss.push(process.memoryUsage.rss());
  const q = (f) => rss[Math.min(rss.length - 1, Math.floor(f * rss.length))] / 2 ** 20;
  return { events: stats.events, alerts: stats.alerts, eventsPerSec: stats.events / seconds, busy: elu.utilization, peakMb: Math.max(...rss) / 2 ** 20, rssQuartilesMb: [0.25, 0.5, 0.75, 0.999].map(q) };
}

async function best(make, rangeBytes) {
  const evaluator = make();
  // let the workers start and compile the rules before timing
  if (evaluator.window) await Promise.all(Array.from({ length: evaluator.threads }, () => evaluator.evaluate({ data: new Uint8Array(0), offsets: new Uint32Array(1), count: 0, origin: () => '' })));
  let top;
  for (let r = 0; r < runs; r++) {
    const res = await once(evaluator, rangeBytes);
    if (!top || res.eventsPerSec > top.eventsPerSec) top = res;
  }
  await evaluator.close();
  return top;
}

/** The control: cores this process actually gets from n spinning threads for 1 s (other load shares them). */
async function coresAvailable(n) {
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  await Promise.all(Array.from({ length: n }, () => new Promise((done) => {
    new Worker('const end = Date.now() + 1000; let x = 0; while (Date.now() < end) x++;', { eval: true }).on('exit', done);
  })));
  const c = process.cpuUsage(c0);
  return (c.user + c.system) / ((performance.now() - t0) * 1000);
}

const rows = [];
const base = await best(() => new EngineEvaluator(rules), 0);
rows.push({ evaluator: 'main thread (baseline)', workers: 0, ...base });
let one;
for (let w = 1; w <= maxWorkers; w++) {
  const res = await best(() => new WorkerPool(rules, { threads: w, render: {} }), 4 << 20);
  one ??= res;
  rows.push({ evaluator: 'pool, byte ranges', workers: w, ...res });
}
const spin = [];
for (let w = 1; w <= maxWorkers; w++) spin.push(await coresAvailable(w));
console.log(`\ncontrol, cores obtained by 1..${maxWorkers} spinning threads in this run: ${spin.map((x) => x.toFixed(2)).join(', ')}`
  + ` (a ratio of ${(spin[spin.length - 1] / spin[0]).toFixed(2)} is the most ${maxWorkers} workers can gain over 1 now)`);
printTable(`replay: ${base.events} events (${count} x ${repeat}), upstream rules, ${base.alerts} alerts`, rows.map((r) => ({
  evaluator: r.evaluator,
  workers: r.workers,
  eventsPerSec: Math.round(r.eventsPerSec),
  perCore: Math.round(r.eventsPerSec / Math.max(1, Math.min(r.workers, availableParallelism()))),
  vs1Worker: r.workers ? r.eventsPerSec / one.eventsPerSec : '',
  vsMainThread: r.eventsPerSec / base.eventsPerSec,
  mainBusy: r.busy,
  peakRssMb: Math.round(r.peakMb),
  rssQuartilesMb: r.rssQuartilesMb.map((x) => Math.round(x)).join(' / '),
})));
