// `kawa extract -e FILE -f FIELD [-f FIELD]... [--json]`: the values of fields in JSON documents, one
// document per line ('-' reads stdin), each taken as it is (no audit-event ingestion). Prints one line per
// non-blank input line: with --json an object mapping each field spec, spelled as given, to a string, an
// array of strings (list fields) or null (no value); otherwise `field=value` pairs, lists as (a,b) and
// <NA> for no value, as Falco prints them. A line that is not JSON gives all null. Exit 0.
import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { FieldExtractor, parseFieldSpec, type FieldValue } from '../engine/extractor.js';
import { KawaError } from '../core/errors.js';

interface ExtractOptions { events: string; field: string[]; json?: boolean }

const collect = (value: string, previous: string[] = []) => [...previous, value];

function readInput(path: string): Buffer {
  try {
    return readFileSync(path === '-' ? 0 : path);
  } catch (e) {
    throw new KawaError('KAWA_ERR_INPUT_READ', `cannot read ${path}: ${(e as Error).message}`, { file: path });
  }
}

function isBlank(line: Uint8Array): boolean {
  return line.every((b) => b === 0x20 || b === 0x09 || b === 0x0d);
}

function render(v: FieldValue): string {
  if (v === null) return '<NA>';
  return Array.isArray(v) ? `(${v.join(',')})` : v;
}

export function register(program: Command, setExit: (code: number) => void): void {
  program.command('extract')
    .description('print the values of fields in JSON documents (one per line)')
    .requiredOption('-e, --events <path>', "file of JSON documents, one per line, or '-' for stdin")
    .requiredOption('-f, --field <field>', 'field to extract, e.g. ka.user.name or json.value[/a/b] (repeatable)', collect)
    .option('--json', 'print one JSON object per document')
    .action((opts: ExtractOptions) => {
      const specs = opts.field.map(parseFieldSpec);
      const data = readInput(opts.events);
      const extractor = new FieldExtractor();
      const out: string[] = [];
      for (let start = 0; start < data.length; ) {
        let end = data.indexOf(0x0a, start);
        if (end < 0) end = data.length;
        const line = data.subarray(start, end);
        start = end + 1;
        if (isBlank(line)) continue;
        const values = extractor.extract(line, specs);
        if (opts.json) {
          const row: Record<string, FieldValue> = {};
          specs.forEach((s, i) => { row[s.text] = values[i]!; });
          out.push(JSON.stringify(row));
        } else {
          out.push(specs.map((s, i) => `${s.text}=${render(values[i]!)}`).join(' '));
        }
        if (out.length >= 1024) process.stdout.write(out.splice(0).join('\n') + '\n');
      }
      if (out.length) process.stdout.write(out.join('\n') + '\n');
      setExit(0);
    });
}
