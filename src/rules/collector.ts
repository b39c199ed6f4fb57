// The collector: every list, macro and rule read so far, across all files of one load, with Falco's
// define / append / replace semantics (rules-language.md 4.5). One counter numbers every define, append and
// override; each item keeps `index` (counter at its first definition: its place in the ordering) and
// `visibility` (counter at its latest change: which macros and lists it can see).
import type { Location } from '../core/errors.js';
import { LoadFailure } from './load-failure.js';
import { validateException, type ExceptionInfo } from './exceptions.js';
import type { StatefulSpec } from './stateful-spec.js';
import type { Priority } from './types.js';
import { ENGINE_VERSION, parseVersion, compatible, versionText, type PluginRequirement, type Version } from './versions.js';

export interface ListInfo {
  name: string;
  items: string[];
  index: number;
  visibility: number;
  where: Location;
  /** Files of addresses and ranges the list's `kawa:` key names (ip-lists.ts), resolved against its rules file. */
  files: ListFile[];
}

/** One file an IP list names, and where the rules file names it. */
export interface ListFile { path: string; where: Location }

export interface MacroInfo {
  name: string;
  condition: string;
  index: number;
  visibility: number;
  where: Location;
  conditionWhere: Location;
}

export interface RuleInfo {
  name: string;
  condition: string;
  output: string;
  desc: string;
  priority: Priority;
  source: string;
  enabled: boolean;
  tags: Set<string>;
  exceptions: ExceptionInfo[];
  capture: boolean;
  captureDuration: number;
  warnEvttypes: boolean;
  skipIfUnknownFilter: boolean;
  /** The source is not served by this engine: warned once, never compiled. */
  unknownSource: boolean;
  index: number;
  visibility: number;
  where: Location;
  conditionWhere: Location;
  outputWhere: Location;
  /** The `kawa:` key (stateful-spec.ts), on the rule's definition only. */
  stateful?: StatefulSpec;
  statefulWhere?: Location;
}

/** An append or replace of some keys of an existing rule. */
export interface RuleUpdate {
  name: string;
  source?: string;
  condition?: string;
  output?: string;
  desc?: string;
  tags?: string[];
  exceptions?: ExceptionInfo[];
  priority?: Priority;
  enabled?: boolean;
  capture?: boolean;
  captureDuration?: number;
  warnEvttypes?: boolean;
  skipIfUnknownFilter?: boolean;
  where: Location;
  conditionWhere?: Location;
  outputWhere?: Location;
}

export interface CollectorOptions {
  /** Event sources served; a rule of another source is kept but skipped (LOAD_UNKNOWN_SOURCE). */
  sources: string[];
  warn: (code: 'LOAD_UNKNOWN_SOURCE', message: string, where: Location) => void;
}

export class Collector {
  readonly lists = new Map<string, ListInfo>();
  readonly macros = new Map<string, MacroInfo>();
  readonly rules = new Map<string, RuleInfo>();
  readonly pluginRequirements: { alternatives: PluginRequirement[]; where: Location }[] = [];
  requiredEngineVersion: Version | undefined;
  private counter = 0;

  constructor(private readonly opts: CollectorOptions) {}

  private fail(message: string, where: Location): never {
    throw new LoadFailure('LOAD_ERR_VALIDATE', message, where);
  }

  requireEngineVersion(version: Version, where: Location): void {
    const engine = parseVersion(ENGINE_VERSION)!;
    if (!compatible(engine, version)) {
      this.fail(`Rules require engine version ${versionText(version)}, but engine version is ${ENGINE_VERSION}`, where);
    }
    if (!this.requiredEngineVersion || compatible(version, this.requiredEngineVersion)) this.requiredEngineVersion = version;
  }

  requirePlugins(alternatives: PluginRequirement[], where: Location): void {
    const seen = new Set<string>();
    for (const alt of alternatives) {
      if (!parseVersion(alt.version)) this.fail(`Invalid required version '${alt.version}' for plugin '${alt.name}'`, where);
      if (seen.has(alt.name)) this.fail(`Defined multiple alternative version requirements for plugin '${alt.name}'`, where);
      seen.add(alt.name);
    }
    this.pluginRequirements.push({ alternatives, where });
  }

  defineList(name: string, items: string[], where: Location, files: ListFile[] = []): void {
    const id = this.counter++;
    const prev = this.lists.get(name);
    this.lists.set(name, { name, items, index: prev?.index ?? id, visibility: id, where, files });
  }

  appendList(name: string, items: string[], where: Location, files: ListFile[] = []): void {
    const prev = this.lists.get(name);
    if (!prev) this.fail("List uses 'append' or 'override.items: append' but no list by that name already exists", where);
    prev.items = [...prev.items, ...items];
    prev.files = [...prev.files, ...files];
    prev.visibility = this.counter++;
  }

  defineMacro(name: string, condition: string, where: Location, conditionWhere: Location): void {
    const id = this.counter++;
    const prev = this.macros.get(name);
    this.macros.set(name, { name, condition, index: prev?.index ?? id, visibility: id, where, conditionWhere });
  }

  appendMacro(name: string, condition: string, where: Location): void {
    const prev = this.macros.get(name);
    if (!prev) this.fail("Macro uses 'append' or 'override.condition: append' but no macro by that name already exists", where);
    prev.condition = `${prev.condition} ${condition}`;
    prev.visibility = this.counter++;
  }

  /** A full rule definition: replaces everything of an earlier rule of that name but keeps its position. */
  defineRule(info: Omit<RuleInfo, 'index' | 'visibility' | 'unknownSource'>): void {
    const prev = this.rules.get(info.name);
    if (prev && prev.source !== info.source) this.fail('Rule has been re-defined with a different source', info.where);
    const unknownSource = !this.opts.sources.includes(info.source);
    if (unknownSource) this.opts.warn('LOAD_UNKNOWN_SOURCE', `Unknown source ${info.source}, skipping`, info.where);
    for (const ex of info.exceptions) validateException(ex, !unknownSource);
    const id = this.counter++;
    this.rules.set(info.name, { ...info, unknownSource, index: prev?.index ?? id, visibility: id });
  }

  private existingRule(u: RuleUpdate, missing: string): RuleInfo {
    const prev = this.rules.get(u.name);
    if (!prev) this.fail(missing, u.where);
    if (u.source !== undefined && u.source !== '' && u.source !== prev.source) {
      this.fail('Rule has been re-defined with a different source', u.where);
    }
    return prev;
  }

  appendRule(u: RuleUpdate): void {
    const prev = this.existingRule(u, "Rule uses 'append' or 'override.<key>: append' but no rule by that name already exists");
    if (u.condition !== undefined) prev.condition = `${prev.condition} ${u.condition}`;
    if (u.output !== undefined) prev.output = `${prev.output} ${u.output}`;
    if (u.desc !== undefined) prev.desc = `${prev.desc} ${u.desc}`;
    for (const t of u.tags ?? []) prev.tags.add(t);
    for (const ex of u.exceptions ?? []) {
      const existing = prev.exceptions.find((e) => e.name === ex.name);
      if (!existing) {
        if (!entryValid(ex.fields)) this.fail('Rule exception must have fields property with a list of fields', ex.where);
        if (ex.values.length === 0) this.fail('Rule exception must have values property with a list of values', ex.where);
        validateException(ex, !prev.unknownSource);
        prev.exceptions.push(ex);
      } else {
        if (entryValid(ex.fields)) this.fail('Can not append exception fields to existing exception, only values', ex.where);
        if (entryValid(ex.comps)) this.fail('Can not append exception comps to existing exception, only values', ex.where);
        existing.values.push(...ex.values);
      }
    }
    prev.visibility = this.counter++;
  }

  /** override: replace. Replaced exceptions are taken as written, without defaults or validation (Falco). */
  replaceRule(u: RuleUpdate): void {
    const prev = this.existingRule(u, "An 'override.<key>: replace' to a rule was requested but no rule by that name already exists");
    if (u.condition !== undefined) { prev.condition = u.condition; if (u.conditionWhere) prev.conditionWhere = u.conditionWhere; }
    if (u.output !== undefined) { prev.output = u.output; if (u.outputWhere) prev.outputWhere = u.outputWhere; }
    if (u.desc !== undefined) prev.desc = u.desc;
    if (u.tags !== undefined) prev.tags = new Set(u.tags);
    if (u.exceptions !== undefined) prev.exceptions = u.exceptions;
    if (u.priority !== undefined) prev.priority = u.priority;
    if (u.enabled !== undefined) prev.enabled = u.enabled;
    if (u.capture !== undefined) prev.capture = u.capture;
    if (u.captureDuration !== undefined) prev.captureDuration = u.captureDuration;
    if (u.warnEvttypes !== undefined) prev.warnEvttypes = u.warnEvttypes;
    if (u.skipIfUnknownFilter !== undefined) prev.skipIfUnknownFilter = u.skipIfUnknownFilter;
    prev.visibility = this.counter++;
  }

  /** The deprecated standalone `enabled` item: flips the flag only, and takes no counter value. */
  enableRule(name: string, enabled: boolean, where: Location): void {
    const prev = this.rules.get(name);
    if (!prev) this.fail("Rule has 'enabled' key but no rule by that name already exists", where);
    prev.enabled = enabled;
  }
}

/** Falco's entry::is_valid: a non-empty list or a non-empty scalar. */
export function entryValid(e: { isList: boolean; item: string; items: unknown[] }): boolean {
  return e.isList ? e.items.length > 0 : e.item !== '';
}
