// Micro benchmarks beside their baselines, measured in the same run:
//   compile  loading and compiling the upstream rules file (YAML, conditions, macros, program): target
//            < 100 ms; baseline: the yaml package parsing the same text (the floor any loader pays)
//   extract  four fields of each event through kawa's extractor (one wasm call per event, values decoded
//            to strings) beside JSON.parse and reading the same four properties
// (evaluation per event is bench/engine.mjs; per-stage scan/parse costs are bench/micro-stages.mjs.)
//
//   node bench/micro.mjs [--quick] [--count N]
import { readFileSync } from 'node:fs';
import { Bench } from 'tinybench';
import { parse as parseYaml } from 'yaml';
import { corpusFile, corpusLines, UPSTREAM_RULES } from './corpus.mjs';
import { argValue, printTable } from './util.mjs';

const quick = process.argv.includes('--quick');
const count = Number(argValue('--count', quick ? 5000 : 20000));
const { Engine, FieldExtractor, engineModule, loadRulesFiles, parseFieldSpec } = await import('../dist/index.js');

const rulesText = readFileSync(UPSTREAM_RULES, 'utf8');
// compiling engine.wasm happens once per process whatever the rules (and a reload does not repeat it):
// measured on its own, so the cold figure below is the rules' load and compile
const wasmStart = performance.now();
engineModule();
const wasmMs = performance.now() - wasmStart;
// the first load in a process (cold code: what `kawa run` pays once), before the warm repeated runs
const coldStart = performance.now();
const coldRules = Engine.create({ rules: loadRulesFiles([UPSTREAM_RULES]) }).rules.length;
const coldMs = performance.now() - coldStart;
const compile = new Bench({ name: 'compile', iterations: quick ? 10 : 30, time: 0, warmupIterations: 2 });
let sink = 0;
compile
  .add('yaml parse alone (baseline)', () => { sink += parseYaml(rulesText).length; })
  .add('kawa load + compile (upstream rules)', () => {
    const rules = loadRulesFiles([UPSTREAM_RULES]);
    sink += Engine.create({ rules }).rules.length;
  });
await compile.run();
printTable(`compile: ${UPSTREAM_RULES.split('/').pop()} (${(rulesText.length / 1024).toFixed(0)} KiB)`, [
  ...compile.tasks.map((t) => ({
    task: t.name, msMean: t.result.latency.mean, msP99: t.result.latency.p99, target: t.name.startsWith('kawa') ? '< 100 ms' : '',
  })),
  { task: 'kawa load + compile, first in the process (cold)', msMean: coldMs, msP99: coldMs, target: '< 100 ms' },
  { task: 'engine.wasm module compile, once per process (not per rules load)', msMean: wasmMs, msP99: wasmMs, target: '' },
]);
sink += coldRules;

const lines = corpusLines(corpusFile({ count }));
const strings = lines.map((b) => b.toString('utf8'));
const specs = ['ka.user.name', 'ka.verb', 'ka.target.resource', 'ka.target.namespace'].map(parseFieldSpec);
const extractor = new FieldExtractor();
const parseOr = (s) => { try { return JSON.parse(s); } catch { return undefined; } };
const extract = new Bench({ name: 'extract', iterations: quick ? 3 : 5, time: 0, warmupIterations: 1 });
extract
  .add('JSON.parse + 4 properties (baseline)', () => {
    for (const s of strings) {
      const e = parseOr(s);
      if (e) sink += (e.user?.username?.length ?? 0) + (e.verb?.length ?? 0) + (e.objectRef?.resource?.length ?? 0) + (e.objectRef?.namespace?.length ?? 0);
    }
  })
  .add('kawa extractor, 4 fields (bytes in)', () => {
    for (const b of lines) for (const v of extractor.extract(b, specs)) sink += v ? v.length : 0;
  });
await extract.run();
const rows = extract.tasks.map((t) => ({ task: t.name, nsPerEvent: (t.result.latency.mean * 1e6) / lines.length }));
for (const r of rows) r.ratioToJsonParse = r.nsPerEvent / rows[0].nsPerEvent;
printTable(`extract: ${lines.length} events`, rows);
if (sink === -1) console.log(sink);
