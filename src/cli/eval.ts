// `kawa eval --condition COND [-r FILE...] -e FILE... [--json]`: evaluates one condition against JSON
// documents, each as it is (no audit-event ingestion: a plain JSON document works with json.* fields).
// Prints one line per document: "true"/"false", or {"match": bool} with --json. A condition that does not
// compile is a KAWA_ERR_CONDITION error (exit 1) with the reason.
import type { Command } from 'commander';
import { conditionEngine } from '../engine/condition.js';
import { KawaError } from '../core/errors.js';
import { readInputs } from '../rules/files.js';
import { FileSource } from '../sources/file/source.js';
import { writeOut } from './stdout.js';

interface EvalOptions { condition: string; rules?: string[]; events: string[]; json?: boolean }

const collect = (value: string, previous: string[] = []) => [...previous, value];

export function register(program: Command, setExit: (code: number) => void): void {
  program.command('eval')
    .description('evaluate one condition against JSON documents (macros and lists from -r files)')
    .requiredOption('--condition <condition>', 'the condition to evaluate')
    .option('-r, --rules <path>', 'rules file whose macros and lists the condition may use (repeatable)', collect)
    .requiredOption('-e, --events <path>', "JSON documents: JSON lines or pretty-printed, a file, a directory or '-' (repeatable)", collect)
    .option('--json', 'print {"match": bool} per document')
    .action(async (opts: EvalOptions) => {
      const inputs = readInputs(opts.rules ?? []);
      const failed = inputs.find((i) => i.error);
      if (failed?.error) throw new KawaError(failed.error.code, failed.error.message, { file: failed.name });
      const engine = conditionEngine(opts.condition, inputs);
      let out = '';
      for await (const batch of new FileSource(opts.events)) {
        const result = engine.evaluate(batch.data, batch.offsets, batch.count);
        const matched = new Uint8Array(batch.count);
        for (const m of result.matches) matched[m.payload] = 1;
        for (let k = 0; k < batch.count; k++) {
          out += opts.json ? `{"match":${matched[k] === 1}}\n` : `${matched[k] === 1}\n`;
        }
        if (!(await writeOut(out))) break;
        out = '';
      }
      setExit(0);
    });
}
