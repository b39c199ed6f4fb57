// `kawa validate`: load rules files as Falco would and report whether they are valid. Exit 0 when they load,
// 1 when they do not. --json prints one object: {ok, errors, warnings, rules: [{name, enabled, priority,
// source}], files, ip_lists: {<list>: {entries, ranges, files}}}; the text form prints each problem, then
// Falco's per-file summary line, then a line per IP list the rules read (how much of a feed loaded).
import type { Command } from 'commander';
import { addRulesOptions, formatProblems, loadFromOptions, type RulesOptions } from './rules-options.js';

export function register(program: Command, setExit: (code: number) => void): void {
  const cmd = program.command('validate').description('check rules files (as Falco loads them) and report errors and warnings');
  addRulesOptions(cmd)
    .option('--json', 'print one JSON object instead of text')
    .action((opts: RulesOptions) => {
      const { result } = loadFromOptions(opts);
      if (opts.json) {
        process.stdout.write(`${JSON.stringify({
          ok: result.ok,
          errors: result.errors,
          warnings: result.warnings,
          rules: result.rules.map((r) => ({ name: r.name, enabled: r.enabled, priority: r.priority, source: r.source })),
          files: result.files ?? [],
          ip_lists: Object.fromEntries(Object.entries(result.ipLists ?? {}).map(([name, l]) => [name, { entries: l.entries, ranges: l.count, files: l.files }])),
        })}\n`);
      } else {
        let out = formatProblems(result);
        for (const f of result.files ?? []) out += `${f.name}: ${f.status}\n`;
        for (const [name, l] of Object.entries(result.ipLists ?? {})) {
          out += `IP list ${name}: ${count(l.entries, 'address or range', 'addresses or ranges')}, ${count(l.count, 'range')} after merging${l.files.length ? ` (${l.files.join(', ')})` : ''}\n`;
        }
        if (result.ok) {
          const enabled = result.rules.filter((r) => r.enabled).length;
          out += `${count(result.rules.length, 'rule')} loaded, ${enabled} enabled, ${count(result.warnings.length, 'warning')}\n`;
        } else {
          out += `${count(result.errors.length, 'error')}, ${count(result.warnings.length, 'warning')}\n`;
        }
        process.stdout.write(out);
      }
      setExit(result.ok ? 0 : 1);
    });
}

const count = (n: number, what: string, plural = `${what}s`) => `${n} ${n === 1 ? what : plural}`;
