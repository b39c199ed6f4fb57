// What a kind of source tells the rest of kawa about itself: its command-line flags, how it reads its keys of
// falco.yaml, how the flags apply over them, what it asks of the engine and the outputs, and how it opens.
// Each source folder exports one descriptor and sources/index.ts lists them; the CLI, the configuration
// reader and the runtime loop over that list and never name a source. A new kind of source is one folder
// with its descriptor plus one line in the list.
//
// Descriptors are light: they import configuration code only, and `open` loads the source's own module
// (and whatever SDK it needs) when it runs, so a command that does not use a source never loads it.
import type { ConfigView } from '../core/config-view.js';
import type { Code } from '../core/errors.js';
import type { Logger } from '../core/logger.js';
import type { MetricsRegistry } from '../core/metrics.js';
import type { AlertSink, Source } from '../pipeline/types.js';

/** A command-line flag of `kawa run`, in commander's syntax. */
export interface SourceFlag {
  /** e.g. '--cloudwatch <cluster>', '-e, --events <file>', '--webhook' */
  flags: string;
  description: string;
  /** May be given more than once (the values collect into an array). */
  repeatable?: boolean;
}

/** The values of `kawa run`'s flags, by commander's camelCase names. */
export type FlagValues = Readonly<Record<string, unknown>>;

export interface SourceContext {
  logger: Logger;
  metrics?: MetricsRegistry;
  /** Threads that evaluate (0: the main thread); a file source lets workers read large files themselves. */
  workers: number;
  /** How long a shutdown may take: a source that drains on close keeps within it. */
  shutdownTimeoutMs: number;
  /** Reports input skipped before evaluation (a line over the length limit), with its code and place. */
  report(kind: string, code: Code, origin: string, message: string): void;
}

export interface SourceKind<C = unknown, S extends Source = Source> {
  readonly name: string;
  /** One line for help texts and usage errors. */
  readonly description: string;
  readonly flags: readonly SourceFlag[];
  /** The flag (commander's camelCase key) whose presence selects this source. */
  readonly selector: string;
  /** Whether the configuration file asks for this source (when no flag selects one): a plugin block loaded,
   *  `source.type: kinesis`, ... */
  configSelects(config: C | undefined): boolean;
  /** Runs until stopped (a service: web server, signals, checkpoints), or ends with its input (files, a backfill). */
  service(config: C): boolean;
  /** This source's keys of falco.yaml; undefined when the file does not configure it. */
  readConfig(view: ConfigView): C | undefined;
  /** The configuration to run with: the file's (if any) with the command-line flags over it. */
  applyFlags(base: C | undefined, flags: FlagValues): C;
  /** Worker threads when the user gives no --workers (default 0: the main thread). */
  defaultWorkers?(config: C): Promise<number>;
  /** Engine options this source dictates (the k8saudit-eks plugin's max_event_size). */
  engineOptions?(config: C): { maxEventSize?: number };
  open(config: C, ctx: SourceContext): Promise<S>;
  /** Puts something in front of the outputs, given the opened source (the Kinesis alert table). */
  wrapSink?(source: S, outputs: AlertSink): AlertSink;
}

/** Keeps a descriptor's name literal, so the registry's configuration types follow from it. */
export function defineSource<const N extends string, C, S extends Source>(kind: SourceKind<C, S> & { name: N }): SourceKind<C, S> & { name: N } {
  return kind;
}
