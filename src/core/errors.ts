// The one catalogue of kawa's coded errors and warnings. Rules-file codes are Falco's own (falco
// userspace/engine load_result), so tools that read Falco's `-V --json` output can read kawa's. Codes that
// start with KAWA_ are kawa's own, for inputs Falco has no code for (CLI arguments, configuration, events).

/** Falco's rules-file error codes and their descriptions. */
export const LOAD_ERRORS = {
  LOAD_ERR_FILE_READ: 'Could not read file',
  LOAD_ERR_YAML_PARSE: 'Invalid yaml',
  LOAD_ERR_YAML_VALIDATE: 'Error validating internal structure of YAML file',
  LOAD_ERR_COMPILE_CONDITION: 'Error compiling condition',
  LOAD_ERR_COMPILE_OUTPUT: 'Error compiling output',
  LOAD_ERR_VALIDATE: 'Error validating rule/macro/list/exception objects',
  LOAD_ERR_EXTENSION: 'Error in extension item',
} as const;

/**
 * kawa's limits on rules files (Falco has none): a rules file must not be able to stop or wedge the service.
 * Each is checked before the thing it limits is built, so a hostile file fails fast at its place.
 */
export const LOAD_LIMIT_ERRORS = {
  LOAD_ERR_FILE_TOO_LARGE: 'Rules file larger than the maximum file size',
  LOAD_ERR_YAML_ALIASES: 'More YAML aliases than allowed',
  LOAD_ERR_EXPANSION_TOO_LARGE: 'Lists or macros expand beyond the maximum size',
  LOAD_ERR_NESTING_TOO_DEEP: 'Macro references nested beyond the maximum depth',
  LOAD_ERR_OUTPUT_WIDTH: 'Output field width larger than the maximum',
  LOAD_ERR_LOAD_BUDGET: 'Loading the rules took more time or memory than its budget',
} as const;

/** Falco's rules-file warning codes and their descriptions. */
export const LOAD_WARNINGS = {
  LOAD_UNKNOWN_SOURCE: 'A rule has an unknown event source',
  LOAD_UNSAFE_NA_CHECK: 'Comparing a field value with <NA> is unsafe and can lead to unpredictable behavior',
  LOAD_NO_EVTTYPE: 'Condition has no event-type restriction',
  LOAD_BOOL_ARG_NO_QUOTE: 'Boolean field argument has no quotes',
  LOAD_UNKNOWN_FILTER: 'Unknown field or event-type in condition or output',
  LOAD_UNUSED_MACRO: 'Unused macro',
  LOAD_UNUSED_LIST: 'Unused list',
  LOAD_UNKNOWN_ITEM: 'Unknown rules file item',
  LOAD_DEPRECATED_ITEM: 'Used deprecated item',
  LOAD_WARNING_EXTENSION: 'Warning in extension item',
  LOAD_APPEND_NO_VALUES: 'Overriding/appending exception with no values',
  LOAD_EXCEPTION_NAME_NOT_UNIQUE: 'Multiple exceptions defined with the same name',
  LOAD_INVALID_MACRO_NAME: 'Invalid macro name',
  LOAD_INVALID_LIST_NAME: 'Invalid list name',
  LOAD_COMPILE_CONDITION: 'Condition has been compiled with warnings',
  LOAD_UNKNOWN_KEY: 'Unknown key in item',
} as const;

/** kawa's own codes: command line, configuration, input data, runtime. */
export const KAWA_ERRORS = {
  KAWA_ERR_USAGE: 'Invalid command-line usage',
  KAWA_ERR_CONFIG: 'Invalid configuration',
  KAWA_ERR_INPUT_READ: 'Could not read input',
  KAWA_ERR_INPUT_DAMAGED: 'Input damaged: read up to the damage, the rest skipped',
  KAWA_ERR_SOURCE_MALFORMED: 'A record of the source is not the shape its API defines (a CloudWatch event whose message is no string, a Kinesis record that is not a subscription message): skipped and counted',
  KAWA_ERR_EVENT_TOO_LARGE: 'Event larger than the maximum event size',
  KAWA_ERR_EVENT_UNRECOGNIZED: 'data not recognized as a k8s audit event',
  KAWA_ERR_EVENT_PARSE: 'Event is not valid JSON',
  KAWA_ERR_EVENT_TIMESTAMP: 'Audit event without a valid stageTimestamp',
  KAWA_ERR_CONDITION: 'Condition does not compile',
  KAWA_ERR_FIELD: 'Invalid field',
  KAWA_ERR_WASM: 'WebAssembly engine failure',
  KAWA_ERR_WORKER: 'A worker thread failed evaluating a batch',
  KAWA_ERR_CHECKPOINT: 'Checkpoint file unreadable or corrupt',
  KAWA_ERR_OUTPUT: 'Alerts could not be delivered by an output',
  KAWA_ERR_STATE_FILE: 'Stateful rules state file unreadable, corrupt or not writable',
  KAWA_ERR_RULES_CACHE: 'Rules cache directory unusable: cannot be created, not a directory, or writable by another user',
} as const;

/** kawa's own warnings: something worth knowing that does not stop anything. */
export const KAWA_WARNINGS = {
  KAWA_WARN_EVENT_NO_AUDIT_ID: 'Audit event without auditID: evaluated, but its ka.* fields are empty (as in Falco)',
  KAWA_WARN_CONFIG_UNKNOWN_KEY: 'A configuration key kawa does not know (misspelt?), ignored',
  KAWA_WARN_CONFIG_NOT_USED: 'A key of Falco\'s configuration that kawa does not use',
  KAWA_WARN_RULES_CACHE: 'The rules cache was not used (the default directory is writable by another user) or an entry could not be kept: the run goes on, loading the rules files',
  KAWA_WARN_NODE: 'A warning of Node.js or of a dependency (a deprecation, the AWS SDK\'s notice about the Node.js version), logged as one of kawa\'s',
} as const;

/** A rules-file error code (Falco's). */
export type LoadErrorCode = keyof typeof LOAD_ERRORS | keyof typeof LOAD_LIMIT_ERRORS;
/** A rules-file warning code (Falco's). */
export type LoadWarningCode = keyof typeof LOAD_WARNINGS;
/** One of kawa's own error codes. */
export type KawaErrorCode = keyof typeof KAWA_ERRORS;
/** One of kawa's own warning codes. */
export type KawaWarningCode = keyof typeof KAWA_WARNINGS;
/** Every code kawa reports. */
export type Code = LoadErrorCode | LoadWarningCode | KawaErrorCode | KawaWarningCode;

/** Where a problem is: a file position and the chain of enclosing items (outermost first). */
export interface Location {
  /** The file, as it was named to kawa. */
  file?: string;
  /** 1-based. */
  line?: number;
  /** 1-based. */
  column?: number;
  /** The chain of enclosing items, outermost first, e.g. a rule named `Create Privileged Pod`. */
  items?: { type: string; name: string }[];
  /** The offending source text, one or a few lines. */
  snippet?: string;
}

/** A coded error or warning with its place, as `kawa validate --json` prints it. */
export interface Problem extends Location {
  /** The code, one of {@link Code}. */
  code: Code;
  /** What is wrong, in words, naming the offending value. */
  message: string;
}

/** An error that carries a code and a place; the CLI prints it without a stack trace. */
export class KawaError extends Error {
  /** The code, one of {@link Code}. */
  readonly code: Code;
  /** Where the problem is; empty when it has no place. */
  readonly location: Location;
  constructor(code: Code, message: string, location: Location = {}) {
    super(message);
    this.name = 'KawaError';
    this.code = code;
    this.location = location;
  }
  /** The error as a plain {@link Problem}. */
  toProblem(): Problem {
    return { code: this.code, message: this.message, ...this.location };
  }
}
