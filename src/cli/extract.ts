// `kawa extract -e EVENTS -f FIELD [-f FIELD]... [--json]`: the values of fields in JSON documents, each
// taken as it is (no audit-event ingestion). The documents are read as every command reads them (the file
// source: JSON lines or pretty-printed documents, .gz, directories, '-' for stdin). Prints one line per
// document: with --json an object mapping each field spec, spelled as given, to a string, an array of
// strings (list fields) or null (no value); otherwise `field=value` pairs, lists as (a,b) and <NA> for no
// value, as Falco prints them. A document that is not JSON gives all null. Exit 0, also when the reader
// of stdout goes away first.
import type { Command } from 'commander';
import { FieldExtractor, parseFieldSpec, type FieldValue } from '../engine/extractor.js';
import { FileSource } from '../sources/file/source.js';
import { writeOut } from './stdout.js';

interface ExtractOptions { events: string[]; field: string[]; json?: boolean }

const collect = (value: string, previous: string[] = []) => [...previous, value];

function render(v: FieldValue): string {
  if (v === null) return '<NA>';
  return Array.isArray(v) ? `(${v.join(',')})` : v;
}

export function register(program: Command, setExit: (code: number) => void): void {
  program.command('extract')
    .description('print the values of fields in JSON documents (one per line)')
    .requiredOption('-e, --events <path>', "JSON documents: JSON lines or pretty-printed, .gz, a file, a directory or '-' (repeatable)", collect)
    .requiredOption('-f, --field <field>', 'field to extract, e.g. ka.user.name or json.value[/a/b] (repeatable)', collect)
    .option('--json', 'print one JSON object per document')
    .action(async (opts: ExtractOptions) => {
      const specs = opts.field.map(parseFieldSpec);
      const extractor = new FieldExtractor();
      for await (const batch of new FileSource(opts.events)) {
        const out: string[] = [];
        for (let k = 0; k < batch.count; k++) {
          const values = extractor.extract(batch.data.subarray(batch.offsets[k], batch.offsets[k + 1]), specs);
          if (opts.json) {
            const row: Record<string, FieldValue> = {};
            specs.forEach((s, i) => { row[s.text] = values[i]!; });
            out.push(JSON.stringify(row));
          } else {
            out.push(specs.map((s, i) => `${s.text}=${render(values[i]!)}`).join(' '));
          }
        }
        if (!(await writeOut(out.length ? `${out.join('\n')}\n` : ''))) break;
      }
      setExit(0);
    });
}
