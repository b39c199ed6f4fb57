// Alert formatting (alerts/format.ts), the JavaScript an alert costs after the engine has matched it: the
// JSON alert (json_output) and the text line, over the matches of the upstream rules on the EKS corpus,
// beside JSON.stringify of each match's output fields alone. Then the same alerts' JSON lines as a run
// writes them: evaluating the batches and formatting and encoding each alert in JavaScript (what kawa did
// before), against evaluating them with the engine writing the lines itself (Engine.setLineRendering); the
// difference of the two, per alert, is what a line costs each way. ns per alert.
//
//   node bench/micro-format.mjs [--count N]
import { readFileSync } from 'node:fs';
import { Bench } from 'tinybench';
import { corpusFile, corpusLines, toBatches, UPSTREAM_RULES } from './corpus.mjs';
import { build, argValue, printTable } from './util.mjs';

const count = Number(argValue('--count', 20000));
const out = build();
const { Engine } = await import(`../${out}/src/engine/engine.js`);
const { loadRulesFiles } = await import(`../${out}/src/rules/load.js`);
const { AlertFormatter } = await import(`../${out}/src/alerts/format.js`);
const { AlertLineTemplates } = await import(`../${out}/src/alerts/line-templates.js`);

// bench/out/build has no wasm/ beside it: the module is given
const engine = Engine.create({ rules: loadRulesFiles([UPSTREAM_RULES]), module: new WebAssembly.Module(readFileSync('wasm/engine.wasm')) });
const batches = toBatches(corpusLines(corpusFile({ count })), 256);
const matches = batches.flatMap((b) => engine.evaluate(b.data, b.offsets, b.count).matches);
const formatter = new AlertFormatter({ hostname: 'bench' });
const templates = new AlertLineTemplates({ hostname: 'bench', jsonOutput: true });
const lineBuffer = Buffer.allocUnsafe(1 << 16);

let sink = 0;
const bench = new Bench({ name: 'format', iterations: 20, time: 0, warmupIterations: 3, warmupTime: 0 });
bench
  .add('JSON.stringify(output fields) alone', () => { for (const m of matches) sink += JSON.stringify(m.fields).length; })
  .add('JSON alert (json_output)', () => { for (const m of matches) sink += formatter.json(m).length; })
  .add('text line', () => { for (const m of matches) sink += formatter.text(m).length; })
  .add('evaluate, no lines', () => { for (const b of batches) sink += engine.evaluate(b.data, b.offsets, b.count).matches.length; })
  .add('evaluate, then each JSON line formatted and encoded in JS', () => {
    for (const b of batches) for (const m of engine.evaluate(b.data, b.offsets, b.count).matches) sink += lineBuffer.write(formatter.json(m));
  })
  .add('evaluate, the JSON lines written by the engine', () => {
    engine.setLineRendering(templates);
    for (const b of batches) sink += engine.evaluate(b.data, b.offsets, b.count).lines?.bytes.length ?? 0;
    engine.setLineRendering(undefined);
  });
await bench.run();
for (const t of bench.tasks) if (t.result.state !== 'completed') throw t.result.error ?? new Error(`${t.name}: ${t.result.state}`);
const rows = bench.tasks.map((t) => ({ task: t.name, nsPerAlert: (t.result.latency.mean * 1e6) / matches.length }));
for (const row of rows) row.ratioToStringify = row.nsPerAlert / rows[0].nsPerAlert;
// a line's own cost each way: the evaluation with it, less the evaluation alone
const evaluateAlone = rows[3].nsPerAlert;
for (const [i, row] of rows.entries()) row.lineNs = i > 3 ? row.nsPerAlert - evaluateAlone : '';
printTable(`alert formatting: ${matches.length} alerts of ${count} events (upstream rules)`, rows);
if (sink === -1) console.log(sink);
