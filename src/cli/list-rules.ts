// `kawa list-rules`: like `falco -L`, every loaded rule with its priority, source, tags, enabled state and
// fully resolved condition (macros and lists expanded, exceptions added), in rule order.
import type { Command } from 'commander';
import { addRulesOptions, formatProblems, loadFromOptions, type RulesOptions } from './rules-options.js';

export function register(program: Command, setExit: (code: number) => void): void {
  const cmd = program.command('list-rules').description('list the rules the files define, with their resolved conditions');
  addRulesOptions(cmd)
    .option('--json', 'print one JSON array of rules')
    .action((opts: RulesOptions) => {
      const { result } = loadFromOptions(opts);
      if (!result.ok) {
        process.stderr.write(formatProblems(result));
        setExit(1);
        return;
      }
      if (opts.json) {
        process.stdout.write(`${JSON.stringify(result.rules.map((r) => ({
          name: r.name, priority: r.priority, source: r.source, tags: r.tags, enabled: r.enabled,
          desc: r.desc, condition: r.conditionText, output: r.output.text, file: r.file, line: r.line, stateful: r.stateful,
        })))}\n`);
      } else {
        const blocks = result.rules.map((r) => [
          `${r.name}`,
          `  priority: ${r.priority}  source: ${r.source}  enabled: ${r.enabled ? 'yes' : 'no'}  tags: ${r.tags.length ? r.tags.join(', ') : '-'}`,
          `  desc: ${r.desc.trim().replace(/\s*\n\s*/g, ' ')}`,
          `  condition: ${r.conditionText}`,
          `  output: ${r.output.text}`,
          ...(r.stateful ? [`  kawa: ${JSON.stringify({ ...r.stateful, fields: undefined })}`] : []),
        ].join('\n'));
        process.stdout.write(blocks.map((b) => `${b}\n`).join('\n'));
      }
      setExit(0);
    });
}
