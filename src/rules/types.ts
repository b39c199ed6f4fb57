// What loading rules files produces: the contract between the rules front end (reader, collector,
// resolver) and everything after it (compiler, engine, formatter, CLI).
import type { Expr, Operand } from '../condition/ast.js';
import type { Code, Problem } from '../core/errors.js';
import type { StatefulSpec } from './stateful-spec.js';

/** Falco priorities, most severe first; the index is Falco's priority number. */
export const PRIORITIES = ['Emergency', 'Alert', 'Critical', 'Error', 'Warning', 'Notice', 'Informational', 'Debug'] as const;
/** A Falco priority name. */
export type Priority = (typeof PRIORITIES)[number];

/** A rule's output format, split into literal text and `%` tokens. */
export type OutputPart =
  | { kind: 'text'; text: string }
  /** `%field`, `%field[arg]`, `%transformer(...)`; `width` from `%20field`. `text` is the token as written. */
  | { kind: 'token'; operand: Operand; width?: number; text: string };

/** A rule's output, as written and split into parts. */
export interface OutputFormat {
  /** The output text as written (after trimming and append_output). */
  text: string;
  /** Literal text and field tokens, in order. */
  parts: OutputPart[];
  /** append_output's extra_fields: added to JSON output_fields only, in order. */
  extra?: ExtraField[];
}

/** One of append_output's extra_fields. */
export interface ExtraField {
  /** The output_fields key: the name given, or the field's text for a field given alone. */
  key: string;
  /** A field given alone (`raw`) reports its value as it is (a list as an array); a format, the rendered string. */
  raw: boolean;
  /** The format, parsed. */
  parts: OutputPart[];
}

/** One compiled rule: its condition fully resolved (no macro references, lists substituted, exceptions added). */
export interface LoadedRule {
  /** The rule's name. */
  name: string;
  /** Position in first-definition order across all files: the order events are checked in. */
  index: number;
  /** The rule's description. */
  desc: string;
  /** The resolved condition AST. */
  condition: Expr;
  /** Falco's canonical print of `condition` (rules-language.md 2.3). */
  conditionText: string;
  /** The output format, with append_output applied. */
  output: OutputFormat;
  /** The rule's priority. */
  priority: Priority;
  /** The event source (k8s_audit). */
  source: string;
  /** Sorted, unique. */
  tags: string[];
  /** After the `enabled` key and the `rules:` selection of the configuration. */
  enabled: boolean;
  /** kawa's stateful extension (the rule's `kawa:` key): applied to its matches after evaluation. */
  stateful?: StatefulSpec;
  /** Where the rule was (first) defined. */
  file?: string;
  /** The line of the rule's definition in that file. */
  line?: number;
}

/** The outcome of loading rules files: the compiled rules, with every error and warning. */
export interface LoadResult {
  /** False when any file was Invalid: then `rules` must not be used. */
  ok: boolean;
  /** Coded errors at their places. */
  errors: Problem[];
  /** Coded warnings at their places. */
  warnings: Problem[];
  /**
   * Every rule of a loaded source at or above the minimum priority, in rule order (enabled or not).
   * Rules below the minimum priority are not here at all (Falco never adds them to its ruleset).
   */
  rules: LoadedRule[];
  /** The highest `required_engine_version` the files declare ("x.y.z"). */
  requiredEngineVersion?: string;
  /** Each file loaded or attempted, in order, with Falco's summary status. The load stops at the first Invalid. */
  files?: FileStatus[];
  /** The configuration's static_fields the rules were loaded with: what `static.<name>` gives. */
  staticFields?: Record<string, string>;
  /** The IP lists the rules read (kawa.sourceips.listed[<list>]...), by list name (ip-lists.ts). */
  ipLists?: Record<string, IpList>;
}

/** An IP list, ready for the engine: its ranges sorted, merged and packed (ip-ranges.ts packRanges). */
export interface IpList {
  /** RANGE_BYTES per merged range. */
  ranges: Uint8Array;
  /** Merged ranges in `ranges`. */
  count: number;
  /** Addresses and ranges as written, in the items and the files, before merging. */
  entries: number;
  /** The files the list's `kawa: {files}` named (a reload watches them). */
  files: string[];
}

/** One file's summary status, as Falco's `-V` prints it. */
export interface FileStatus {
  /** The file's name, as it was given. */
  name: string;
  /** Falco's summary: Ok, Ok with warnings, or Invalid. */
  status: 'Ok' | 'Ok, with warnings' | 'Invalid';
}

/** Falco's `rules:` selection entry. */
export type RuleSelection = { enable: { rule?: string; tag?: string } } | { disable: { rule?: string; tag?: string } };

/** Options of a rules load: which sources, priorities and rules are in. */
export interface LoadOptions {
  /** Event sources this engine serves; rules of other sources are skipped with LOAD_UNKNOWN_SOURCE. */
  sources?: string[];
  /** Minimum priority (falco.yaml `priority:`), default Debug. */
  minPriority?: Priority;
  /** Falco's `rules:` enable/disable entries, applied in order. */
  selection?: RuleSelection[];
  /** Falco's `append_output` configuration. */
  appendOutput?: unknown[];
  /** Falco's `static_fields`: the `static.<name>` fields the rules may use, with their values. */
  staticFields?: Record<string, string>;
  /** Rules files larger than this many bytes are refused with LOAD_ERR_FILE_TOO_LARGE (default 16 MiB). */
  maxFileBytes?: number;
}

/** A rules file given as text (for tests and the library API) or read from disk by path. */
export interface RulesInput {
  /** The file's name, as errors name it. */
  name: string;
  /** The file's text. */
  content: string;
  /** Set when the file could not be read (missing, not UTF-8, ...): the load fails at this file. */
  error?: { code: Code; message: string; where?: { line?: number; column?: number } };
}
