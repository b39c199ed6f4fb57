// The limits a rules load keeps to, so that a rules file (a hot reload included) cannot stop or wedge the
// process: every limit is checked on sizes computed BEFORE the thing is built (a macro that doubles 24 times
// is refused by arithmetic, not by running out of memory). docs/operating.md lists them.

/** Default cap on one rules file's size, in bytes (rules_limits.max_file_bytes). */
export const DEFAULT_MAX_FILE_BYTES = 16 * 1024 * 1024;

/** YAML aliases (`*name`) allowed in one rules file: real rules files use a handful, attacks thousands. */
export const MAX_YAML_ALIASES = 1000;

/** Items of one list after its list references are expanded. */
export const MAX_LIST_ITEMS = 100_000;

/** Characters of one condition after list names are substituted (the text the parser then reads). */
export const MAX_CONDITION_CHARS = 1024 * 1024;

// Falco's whole k8s_audit_rules.yaml expands to under 1,000 condition nodes: the node limits leave a
// hundredfold and more of room, and keep a hostile load to about 100 MB.

/** Nodes (checks, their list values, and/or/not) of one condition after its macros are expanded. */
export const MAX_CONDITION_NODES = 100_000;

/** Nodes of every expanded macro and rule condition of one compile together: bounds the whole load's memory. */
export const MAX_TOTAL_NODES = 1_000_000;

/** Nesting of one expanded condition: and/or/not levels plus macro references, counted together. */
export const MAX_EXPANDED_DEPTH = 1000;

/** Largest `%<width>field` padding width in an output format. */
export const MAX_OUTPUT_WIDTH = 4096;

/** What a compile may still produce: consumed as macros and rules are expanded. */
export class ExpansionBudget {
  nodes = MAX_TOTAL_NODES;
}

/** Size of one YAML document with its aliases expanded: characters of scalars plus one per node. */
export const MAX_YAML_EXPANDED_CHARS = 64 * 1024 * 1024;
