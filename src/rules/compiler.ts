// The compile step, run after each file over everything collected so far (rules-language.md 4.6): lists are
// expanded, every macro is substituted, parsed and resolved (even unused ones), then each rule of a served
// source gets its exceptions, extra output, output check, condition parse, macro resolution, warnings and
// type check. The first error throws a LoadFailure; unused macro/list warnings come only after success.
import type { Expr } from '../condition/ast.js';
import { ConditionSyntaxError, parseCondition } from '../condition/parser.js';
import { printExpr } from '../condition/printer.js';
import { checkCondition } from '../condition/typecheck.js';
import type { Code, Location } from '../core/errors.js';
import type { Collector, RuleInfo } from './collector.js';
import { hasUnsafeNaCheck, constantWarnings } from './condition-warnings.js';
import { conditionWithExceptions } from './exceptions.js';
import { ipListsRead } from './ip-lists.js';
import { ExpansionBudget } from './limits.js';
import { expandLists, ListExpansionError, ListLimitError, substituteLists, type CompiledList } from './lists.js';
import { LoadFailure } from './load-failure.js';
import { MacroError, resolveMacros } from './macro-resolver.js';
import { OutputFormatError, parseOutputFormat } from './output-format.js';
import { suggestedStaticOutput, undefinedStaticField } from './static-fields.js';
import type { LoadedRule } from './types.js';

interface ExtraFieldSpec { key: string; format: string; raw: boolean }

/** Falco's loader raises the parser's depth limit from 100 to this. */
export const MAX_CONDITION_DEPTH = 1000;

/** One `append_output` entry of the Falco configuration. */
export interface AppendOutput {
  match?: { source?: string; rule?: string; tags?: string[] };
  extra_output?: string;
  /** `{key: format}` (a formatted string) or a field name (its value as it is), added to JSON output_fields. */
  extra_fields?: (string | Record<string, string>)[];
  /** Append the suggested fields (the static fields) to the output text as `static_<name>=%static.<name>`. */
  suggested_output?: boolean;
}

/** What the configuration adds to the rules: Falco's append_output and static_fields. */
export interface OutputConfig {
  appendOutput: AppendOutput[];
  staticFields: Record<string, string>;
}

export type CompileWarn = (code: Code, message: string, where: Location) => void;

const UNKNOWN_FILTER = /nonexistent field|unknown filter:|invalid formatting token|unknown event type/;

/** Compiles every rule of a served source, in rule order. Rules' `enabled` is their own flag here. */
export function compileAll(col: Collector, outputs: OutputConfig, warn: CompileWarn): LoadedRule[] {
  const budget = new ExpansionBudget();
  const lists = compileLists(col);
  const macros = compileMacros(col, lists, budget);
  const usedMacros = new Set<string>();
  const rules: LoadedRule[] = [];
  for (const r of col.rules.values()) {
    if (r.unknownSource) continue;
    const rule = compileRule(r, lists, macros, usedMacros, outputs, warn, budget);
    if (rule) rules.push(rule);
  }
  for (const m of macros.values()) {
    if (!m.used && !usedMacros.has(m.name)) warn('LOAD_UNUSED_MACRO', 'Macro not referred to by any other rule/macro', col.macros.get(m.name)!.where);
  }
  // a list an IP-list field reads is used, though no condition names it where Falco substitutes lists
  for (const name of ipListsRead(rules).keys()) {
    const l = lists.get(name);
    if (l) l.used = true;
  }
  for (const l of lists.values()) {
    if (!l.used) warn('LOAD_UNUSED_LIST', 'List not referred to by any other rule/macro', col.lists.get(l.name)!.where);
  }
  return rules;
}

/**
 * Compiles a condition that belongs to no rule (`kawa eval --condition`) against everything collected:
 * lists substituted, every macro visible, type-checked. Throws LoadFailure located at `where`.
 */
export function compileStandaloneCondition(col: Collector, condition: string, where: Location): Expr {
  const budget = new ExpansionBudget();
  const lists = compileLists(col);
  const macros = compileMacros(col, lists, budget);
  const text = substitute(condition, lists, where);
  const ast = resolve(parse(text, where), (name) => macros.get(name)?.ast, new Set(), text, where, budget);
  const problem = checkCondition(ast);
  if (problem) throw new LoadFailure('LOAD_ERR_COMPILE_CONDITION', problem.message, atOffset(where, text, problem.at));
  return ast;
}

interface CompiledMacro { name: string; ast: Expr; used: boolean }

function compileLists(col: Collector): Map<string, CompiledList> {
  try {
    return expandLists(col.lists);
  } catch (e) {
    if (e instanceof ListExpansionError) throw new LoadFailure('LOAD_ERR_EXPANSION_TOO_LARGE', e.message, e.list.where);
    throw e;
  }
}

/** List substitution, its size limit located at the condition. */
function substitute(condition: string, lists: Map<string, CompiledList>, where: Location): string {
  try {
    return substituteLists(condition, lists);
  } catch (e) {
    if (e instanceof ListLimitError) throw new LoadFailure('LOAD_ERR_EXPANSION_TOO_LARGE', e.message, where);
    throw e;
  }
}

function compileMacros(col: Collector, lists: Map<string, CompiledList>, budget: ExpansionBudget): Map<string, CompiledMacro> {
  const out = new Map<string, CompiledMacro>();
  for (const m of col.macros.values()) {
    out.set(m.name, { name: m.name, ast: parse(substitute(m.condition, lists, m.conditionWhere), m.conditionWhere), used: false });
  }
  const used = new Set<string>();
  for (const m of col.macros.values()) {
    const compiled = out.get(m.name)!;
    const lookup = (name: string) => {
      const info = col.macros.get(name);
      return info && info.index < m.visibility ? out.get(name)!.ast : undefined;
    };
    compiled.ast = resolve(compiled.ast, lookup, used, m.condition, m.conditionWhere, budget);
  }
  for (const name of used) out.get(name)!.used = true;
  return out;
}

function compileRule(r: RuleInfo, lists: Map<string, CompiledList>, macros: Map<string, CompiledMacro>, used: Set<string>,
  outputs: OutputConfig, warn: CompileWarn, budget: ExpansionBudget): LoadedRule | undefined {
  const condition = r.exceptions.length ? conditionWithExceptions(r.condition, r.exceptions) : r.condition;
  let outputText = r.output;
  const extraFields: ExtraFieldSpec[] = [];
  for (const extra of outputs.appendOutput) {
    if (!appendMatches(extra, r)) continue;
    if (extra.extra_output) outputText += ` ${extra.extra_output}`;
    if (extra.suggested_output) outputText += suggestedStaticOutput(outputs.staticFields);
    for (const f of extra.extra_fields ?? []) {
      if (typeof f === 'string') extraFields.push({ key: f, format: `%${f}`, raw: true });
      else for (const [key, format] of Object.entries(f)) extraFields.push({ key, format, raw: false });
    }
  }
  // the stateful extension reads its key and value fields from a match's output_fields: add those not there
  for (const f of r.stateful?.fields ?? []) {
    try {
      parseOutputFormat(`%${f}`);
    } catch (e) {
      // named at the kawa key, not at the output the field is added to
      if (e instanceof OutputFormatError) throw new LoadFailure('LOAD_ERR_VALIDATE', `kawa: ${e.message}`, r.statefulWhere ?? r.where);
      throw e;
    }
    if (!extraFields.some((x) => x.key === f)) extraFields.push({ key: f, format: `%${f}`, raw: true });
  }
  let output;
  try {
    output = parseOutputFormat(outputText);
    if (extraFields.length) output.extra = extraFields.map((x) => ({ key: x.key, raw: x.raw, parts: parseOutputFormat(x.format).parts }));
    const undefinedStatic = undefinedStaticField(output, outputs.staticFields);
    if (undefinedStatic) throw new OutputFormatError(`unknown filter: ${undefinedStatic.name}`, Math.max(0, undefinedStatic.at - 1));
  } catch (e) {
    if (!(e instanceof OutputFormatError)) throw e;
    if (r.skipIfUnknownFilter && UNKNOWN_FILTER.test(e.message)) {
      warn('LOAD_UNKNOWN_FILTER', e.message, r.outputWhere);
      return undefined;
    }
    throw new LoadFailure(e.code, e.message, r.outputWhere);
  }
  const where = r.conditionWhere;
  const text = substitute(condition, lists, where);
  const ast = resolve(parse(text, where), (name) => macros.get(name)?.ast, used, text, where, budget);
  if (hasUnsafeNaCheck(ast)) warn('LOAD_UNSAFE_NA_CHECK', '', where);
  const undefinedStatic = undefinedStaticField(ast, outputs.staticFields);
  const problem = checkCondition(ast)
    ?? (undefinedStatic && { message: `filter_check called with nonexistent field ${undefinedStatic.name}`, at: undefinedStatic.at });
  if (problem) {
    const at = atOffset(where, text, problem.at);
    if (r.skipIfUnknownFilter && UNKNOWN_FILTER.test(problem.message)) {
      warn('LOAD_UNKNOWN_FILTER', problem.message, at);
      return undefined;
    }
    throw new LoadFailure('LOAD_ERR_COMPILE_CONDITION', problem.message, at);
  }
  for (const w of constantWarnings(ast)) warn('LOAD_COMPILE_CONDITION', w, where);
  const rule: LoadedRule = {
    name: r.name,
    index: r.index,
    desc: r.desc,
    condition: ast,
    conditionText: printExpr(ast),
    output,
    priority: r.priority,
    source: r.source,
    tags: [...r.tags].sort(),
    enabled: r.enabled,
  };
  if (r.stateful) rule.stateful = r.stateful;
  if (r.where.file !== undefined) rule.file = r.where.file;
  if (r.where.line !== undefined) rule.line = r.where.line;
  return rule;
}

function appendMatches(extra: AppendOutput, r: RuleInfo): boolean {
  const m = extra.match ?? {};
  if (m.source !== undefined && m.source !== r.source) return false;
  if (m.rule !== undefined && m.rule !== r.name) return false;
  return (m.tags ?? []).every((t) => r.tags.has(t));
}

function parse(text: string, where: Location): Expr {
  try {
    return parseCondition(text, { maxDepth: MAX_CONDITION_DEPTH });
  } catch (e) {
    if (e instanceof ConditionSyntaxError) throw new LoadFailure('LOAD_ERR_COMPILE_CONDITION', e.message, atOffset(where, text, e.offset));
    throw e;
  }
}

function resolve(ast: Expr, lookup: (name: string) => Expr | undefined, used: Set<string>, text: string, where: Location,
  budget: ExpansionBudget): Expr {
  try {
    return resolveMacros(ast, lookup, used, budget);
  } catch (e) {
    if (e instanceof MacroError) throw new LoadFailure(e.code, e.message, atOffset(where, text, e.at));
    throw e;
  }
}

/**
 * The condition's location with a snippet of the (list-substituted) condition text and a caret at `offset`:
 * after substitution and YAML folding an offset no longer maps to a file column, so the text is shown.
 */
function atOffset(where: Location, text: string, offset: number): Location {
  const from = Math.max(0, offset - 60);
  const to = Math.min(text.length, offset + 60);
  const flat = (s: string) => s.replace(/[\n\r\t]/g, ' ');
  const head = (from > 0 ? '...' : '') + flat(text.slice(from, offset));
  const snippet = `${head}${flat(text.slice(offset, to))}${to < text.length ? '...' : ''}\n${' '.repeat(head.length)}^`;
  return { ...where, snippet: `condition: ${snippet.replace('\n', '\n' + ' '.repeat('condition: '.length))}` };
}
