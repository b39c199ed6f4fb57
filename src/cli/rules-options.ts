// The options every rules-reading command shares (-r rules files, -c Falco configuration) and turning them
// into a LoadResult, plus the human-readable printing of load problems.
import type { Command } from 'commander';
import { readFalcoConfig, type FalcoConfig } from '../config/falco-config.js';
import { KawaError, type Problem } from '../core/errors.js';
import { loadRulesFiles } from '../rules/load.js';
import type { LoadOptions, LoadResult } from '../rules/types.js';

export interface RulesOptions { rules?: string[]; config?: string; json?: boolean }

const collect = (value: string, previous: string[] = []) => [...previous, value];

export function addRulesOptions(cmd: Command): Command {
  return cmd
    .option('-r, --rules <path>', 'rules file or directory of *.yaml files (repeatable, loaded in order)', collect)
    .option('-c, --config <falco.yaml>', 'Falco configuration: rules_files, priority, rules (enable/disable), append_output, static_fields');
}

/** Loads the rules named by -r (or the configuration's rules_files), with the configuration's selection. */
export function loadFromOptions(opts: RulesOptions): { result: LoadResult; config?: FalcoConfig } {
  const config = opts.config ? readFalcoConfig(opts.config) : undefined;
  const files = opts.rules?.length ? opts.rules : config?.rulesFiles ?? [];
  if (files.length === 0) throw new KawaError('KAWA_ERR_USAGE', 'no rules files: give -r <file> (or rules_files in the -c configuration)');
  const load: LoadOptions = {};
  if (config?.minPriority) load.minPriority = config.minPriority;
  if (config?.selection.length) load.selection = config.selection;
  if (config?.appendOutput.length) load.appendOutput = config.appendOutput;
  if (config && Object.keys(config.staticFields).length) load.staticFields = config.staticFields;
  if (config) load.maxFileBytes = config.rulesLimits.maxFileBytes;
  const result = loadRulesFiles(files, load);
  // the configuration's own warnings (unknown keys, Falco keys kawa does not use) come with the rules'
  if (config?.warnings.length) result.warnings.unshift(...config.warnings);
  const out: { result: LoadResult; config?: FalcoConfig } = { result };
  if (config) out.config = config;
  return out;
}

/** `file:line:col: CODE: message`, the enclosing item, then the snippet, indented. */
export function formatProblem(p: Problem, kind: 'error' | 'warning'): string {
  const where = p.file ? `${p.file}${p.line ? `:${p.line}` : ''}${p.column ? `:${p.column}` : ''}: ` : '';
  const lines = [`${where}${kind} ${p.code}: ${p.message || '(no message)'}`];
  const item = p.items?.filter((i) => i.name !== '' || i.type !== 'exceptions').map((i) => (i.name ? `${i.type} '${i.name}'` : i.type)).join(', ');
  if (item) lines.push(`    in ${item}`);
  if (p.snippet) lines.push(...p.snippet.split('\n').map((l) => `    ${l}`));
  return lines.join('\n');
}

export function formatProblems(result: LoadResult): string {
  return [...result.errors.map((p) => formatProblem(p, 'error')), ...result.warnings.map((p) => formatProblem(p, 'warning'))]
    .map((s) => `${s}\n`).join('');
}
