// Single-thread evaluation speed over the EKS corpus with the upstream rules, beside its baselines from the
// same run: JSON.parse alone over the same events, and the reference evaluator (JSON.parse + AST walk).
// kawa's figure includes the copy of each batch into WebAssembly memory and decoding the matches.
//
//   node bench/engine.mjs [--count N] [--batch B] [--quick] [--wasm path/to/engine.wasm]
// The TypeScript side is compiled fresh (bench/out/build), so the figures never come from a stale dist/.
import { readFileSync } from 'node:fs';
import { Bench } from 'tinybench';
import { corpusFile, corpusLines, toBatches, UPSTREAM_RULES } from './corpus.mjs';
import { build, argValue, printTable } from './util.mjs';

const quick = process.argv.includes('--quick');
const count = Number(argValue('--count', quick ? 20000 : 200000));
const batchSize = Number(argValue('--batch', 256));
const wasmPath = argValue('--wasm', 'wasm/engine.wasm');
// a type error in a file another change is halfway through still leaves the emitted JavaScript usable
const out = (() => { try { return build(); } catch { console.warn('tsc reported errors; benchmarking the JavaScript it emitted'); return 'bench/out/build'; } })();
const { Engine, loadRulesFiles } = await import(`../${out}/src/index.js`);
const { ReferenceEvaluator } = await import(`../${out}/test/reference/evaluator.js`);

const lines = corpusLines(corpusFile({ count }));
const strings = lines.map((b) => b.toString('utf8'));
const batches = toBatches(lines, batchSize);
const rules = loadRulesFiles([UPSTREAM_RULES]);
const engine = Engine.create({ rules, ruleMatching: 'first', module: new WebAssembly.Module(readFileSync(wasmPath)) });
const reference = new ReferenceEvaluator(rules, 'first');

let sink = 0;
// Truncated events are not JSON: JSON.parse pays up to the cut, then throws
const parseOrZero = (s) => { try { return JSON.parse(s) ? 1 : 0; } catch { return 0; } };
const bench = new Bench({ name: 'evaluate', iterations: quick ? 3 : 5, time: 0, warmupIterations: 1, warmupTime: 0 });
bench
  .add('JSON.parse alone', () => { for (const s of strings) sink += parseOrZero(s); })
  .add('kawa (wasm, batches of ' + batchSize + ')', () => { for (const b of batches) sink += engine.evaluate(b.data, b.offsets, b.count).matches.length; })
  .add('reference evaluator', () => { for (const s of strings) { const r = reference.evaluatePayload(s); sink += r.kind === 'evaluated' ? r.matches.length : 0; } });
await bench.run();
for (const t of bench.tasks) if (t.result.state !== "completed") throw t.result.error ?? new Error(`${t.name}: ${t.result.state}`);

const rows = bench.tasks.map((t) => ({ task: t.name, nsPerEvent: (t.result.latency.mean * 1e6) / lines.length }));
const base = rows[0].nsPerEvent;
for (const r of rows) r.ratioToJsonParse = r.nsPerEvent / base;
printTable(`evaluate: ${lines.length} events, ${(lines.reduce((n, l) => n + l.length, 0) / lines.length) | 0} B/event, upstream rules (${engine.rules.length} enabled)`, rows);
if (sink === -1) console.log(sink);
