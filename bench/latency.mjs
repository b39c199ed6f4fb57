// Latency at a steady input rate: events are written to kawa's stdin source at `--rate` events/s (in
// chunks every 2 ms, as a log shipper would), go through the worker pool, and alerts are formatted and
// written to a null stream. Measured per alert: from its event entering the source to its alert text
// leaving the sink; and per event: from entering to its batch's result. Batches flush on a timer
// (`--flush-ms`, the file source's default 10 ms), not only when full (`--batch` events).
//
//   node bench/latency.mjs [--quick] [--rate 5000] [--seconds S] [--workers N] [--flush-ms F] [--batch B]
import { availableParallelism } from 'node:os';
import { Readable } from 'node:stream';
import { corpusFile, corpusLines, UPSTREAM_RULES } from './corpus.mjs';
import { argValue, printTable } from './util.mjs';

const quick = process.argv.includes('--quick');
const rate = Number(argValue('--rate', 5000));
const seconds = Number(argValue('--seconds', quick ? 5 : 20));
const workers = Number(argValue('--workers', availableParallelism()));
const flushMs = Number(argValue('--flush-ms', 10));
const batchEvents = Number(argValue('--batch', 256));

const { loadRulesFiles, AlertFormatter } = await import('../dist/index.js');
const { Pipeline } = await import('../dist/pipeline/pipeline.js');
const { WorkerPool } = await import('../dist/pool/pool.js');
const { FileSource } = await import('../dist/sources/file/source.js');

const total = rate * seconds;
const lines = corpusLines(corpusFile({ count: Math.min(total, 500000) }));
const rules = loadRulesFiles([UPSTREAM_RULES]);
const pool = new WorkerPool(rules, { threads: workers, render: {} });
await Promise.all(Array.from({ length: workers }, () => pool.evaluate({ data: new Uint8Array(0), offsets: new Uint32Array(1), count: 0, origin: () => '' })));

// line k (1-based) entered at enteredAt[k]
const enteredAt = new Float64Array(total + 2);
const input = new Readable({ read() {} });
const t0 = performance.now();
let sent = 0;
const pump = setInterval(() => {
  const due = Math.min(total, Math.floor(((performance.now() - t0) / 1000) * rate));
  if (due <= sent) return;
  const now = performance.now();
  const parts = [];
  for (; sent < due; sent++) {
    enteredAt[sent + 1] = now;
    parts.push(lines[sent % lines.length], Buffer.from('\n'));
  }
  input.push(Buffer.concat(parts));
  if (sent >= total) {
    clearInterval(pump);
    input.push(null);
  }
}, 2);

const formatter = new AlertFormatter({});
const lineOf = new Map();
const alertLatency = [];
const eventLatency = [];
const sink = {
  async emit(alerts) {
    let text = '';
    for (const a of alerts) text += `${a.line ?? formatter.text(a.match)}\n`;
    const now = performance.now();
    if (text) for (const a of alerts) alertLatency.push(now - enteredAt[lineOf.get(a.match)]);
  },
  async flush() {}, async close() {},
};
const lineNo = (origin) => Number(origin.slice(origin.lastIndexOf(':') + 1));
const source = new FileSource(['-'], { stdin: input, flushMs, batchEvents });
const stats = await new Pipeline(source, pool, sink, {
  inFlight: pool.window,
  onResult: (batch, result) => {
    const now = performance.now();
    for (let k = 0; k < batch.count; k++) eventLatency.push(now - enteredAt[lineNo(batch.origin(k))]);
    for (const m of result.matches) lineOf.set(m, lineNo(batch.origin(m.payload)));
  },
}).run();
await pool.close();

const pct = (xs, p) => { const s = [...xs].sort((a, b) => a - b); return s[Math.min(s.length - 1, Math.floor(p * s.length))]; };
const row = (what, xs) => ({ measured: what, samples: xs.length, p50Ms: pct(xs, 0.5), p99Ms: pct(xs, 0.99), maxMs: Math.max(...xs), target: what.startsWith('event to alert') ? 'p99 < 50 ms' : '' });
printTable(`latency: ${stats.events} events at ${rate}/s for ${seconds} s, ${workers} workers, flush ${flushMs} ms, batches <= ${batchEvents}`, [
  row('event to alert written', alertLatency),
  row('event to batch result', eventLatency),
]);
