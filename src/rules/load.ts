// The public API of the rules front end: load rules files (as texts, or from disk) into a LoadResult.
// Files are read one after another into one collector and compiled after each file, as Falco does; the
// first failing file stops the load. Warnings are kept from every file up to and including that one.
import type { Expr } from '../condition/ast.js';
import type { Code, Location, Problem } from '../core/errors.js';
import { Collector } from './collector.js';
import { compileAll, compileStandaloneCondition, type AppendOutput } from './compiler.js';
import { readInputs } from './files.js';
import { buildIpLists } from './ip-lists.js';
import { DEFAULT_MAX_FILE_BYTES } from './limits.js';
import { LoadFailure } from './load-failure.js';
import { readRulesFile } from './reader.js';
import { selectRules } from './selection.js';
import { SourceText } from './source-text.js';
import type { FileStatus, IpList, LoadedRule, LoadOptions, LoadResult, RulesInput } from './types.js';
import { checkPluginRequirement, versionText } from './versions.js';

/** The sources kawa serves: rules of any other source are skipped with LOAD_UNKNOWN_SOURCE. */
export const DEFAULT_SOURCES = ['k8s_audit'];

/** Loads rules files given as texts. No file system access but for the files an IP list names (ip-lists.ts). */
export function loadRules(inputs: RulesInput[], opts: LoadOptions = {}): LoadResult {
  const errors: Problem[] = [];
  const warnings: Problem[] = [];
  const seen = new Set<string>();
  const warn = (code: Code, message: string, where: Location) => {
    // each file's compile step re-reports warnings of earlier files' items: keep each once
    const key = JSON.stringify([code, message, where.file, where.line, where.column, where.items]);
    if (seen.has(key)) return;
    seen.add(key);
    warnings.push({ code, message, ...where });
  };
  const collector = new Collector({ sources: opts.sources ?? DEFAULT_SOURCES, warn });
  const files: FileStatus[] = [];
  const outputs = { appendOutput: (opts.appendOutput ?? []) as AppendOutput[], staticFields: opts.staticFields ?? {} };
  let compiled: LoadedRule[] = [];
  for (const input of inputs) {
    const before = warnings.length;
    try {
      if (input.error) throw new LoadFailure(input.error.code, input.error.message, { file: input.name, ...input.error.where });
      readRulesFile(new SourceText(input.name, input.content), collector, warn);
      compiled = compileAll(collector, outputs, warn);
      files.push({ name: input.name, status: warnings.length > before ? 'Ok, with warnings' : 'Ok' });
    } catch (e) {
      if (!(e instanceof LoadFailure)) throw e;
      errors.push(e.problem);
      files.push({ name: input.name, status: 'Invalid' });
      break;
    }
  }
  if (errors.length === 0) {
    for (const req of collector.pluginRequirements) {
      const message = checkPluginRequirement(req.alternatives);
      if (message) errors.push({ code: 'LOAD_ERR_VALIDATE', message, ...req.where });
    }
  }
  let ipLists: Record<string, IpList> = {};
  if (errors.length === 0) {
    try {
      ipLists = buildIpLists(collector, compiled, opts.maxFileBytes ?? DEFAULT_MAX_FILE_BYTES);
    } catch (e) {
      if (!(e instanceof LoadFailure)) throw e;
      errors.push(e.problem);
      // the file whose list does not load is not "Ok" in the summary
      const failed = files.find((f) => f.name === (e.rulesFile ?? e.problem.file));
      if (failed) failed.status = 'Invalid';
    }
  }
  const ok = errors.length === 0;
  const result: LoadResult = {
    ok,
    errors,
    warnings,
    rules: ok ? selectRules(compiled, opts.minPriority ?? 'Debug', opts.selection ?? []) : [],
    files,
  };
  if (opts.staticFields && Object.keys(opts.staticFields).length) result.staticFields = opts.staticFields;
  if (ok && Object.keys(ipLists).length) result.ipLists = ipLists;
  if (collector.requiredEngineVersion) result.requiredEngineVersion = versionText(collector.requiredEngineVersion);
  return result;
}

/**
 * Loads rules files from disk. A directory stands for its *.yaml / *.yml files in name order. A file that
 * cannot be read (missing, unreadable, not UTF-8) fails the load with LOAD_ERR_FILE_READ.
 */
export function loadRulesFiles(paths: string[], opts: LoadOptions = {}): LoadResult {
  return loadRules(readInputs(paths, opts.maxFileBytes), opts);
}

/**
 * Compiles one condition outside any rule, with the macros and lists of `inputs` (rules files as texts):
 * what `kawa eval --condition` needs. `errors` holds the first problem of the files or of the condition.
 */
export function compileCondition(condition: string, inputs: RulesInput[] = [], opts: LoadOptions = {}):
  { ok: true; condition: Expr; warnings: Problem[] } | { ok: false; errors: Problem[]; warnings: Problem[] } {
  const warnings: Problem[] = [];
  const warn = (code: Code, message: string, where: Location) => { warnings.push({ code, message, ...where }); };
  const collector = new Collector({ sources: opts.sources ?? DEFAULT_SOURCES, warn });
  try {
    for (const input of inputs) {
      if (input.error) throw new LoadFailure(input.error.code, input.error.message, { file: input.name, ...input.error.where });
      readRulesFile(new SourceText(input.name, input.content), collector, warn);
    }
    const where = { file: '<condition>', line: 1, column: 1 };
    return { ok: true, condition: compileStandaloneCondition(collector, condition, where), warnings };
  } catch (e) {
    if (!(e instanceof LoadFailure)) throw e;
    return { ok: false, errors: [e.problem], warnings };
  }
}

