// The shape of a field definition. The table itself is in registry.ts, the only place a field is defined;
// scripts/gen-fields.mjs generates from it what the AssemblyScript side needs (assembly/generated/fields.ts).

/** How the field takes an argument: none, an optional decimal index, or a required key (any string). */
export type ArgKind = 'none' | 'index' | 'key';

/**
 * How a field's value is computed (fields.md §5-8). `path` is a list of object keys from the event root;
 * an array met on the way is walked element by element (or indexed), per the W walker of §5.
 *
 *   scalar         S(path): the value as a string
 *   list           L(path): every element of the array as a string (not an array: an error)
 *   list_index     the array at path, all elements or element [index] (ka.sourceips)
 *   walk_skip      W(path, i), slots as strings, missing slots dropped
 *   walk_strict    W(path, i), a missing slot is an error
 *   repository     walk_strict, then each image cut to its repository (§7.4)
 *   first          W(path, 0) as one scalar (ka.req.container.image)
 *   first_repository  first, cut to its repository
 *   command        CMD §7.5: each slot's string array joined with spaces
 *   host_port      HOSTPORT §7.12
 *   eff            per-container value at path, else the pod-level value at `alt`, else "0"
 *   capabilities   W(path, i), every element of every slot's array (flattened)
 *   volume_type    VOLTYPE §7.7
 *   hostpath_match HOSTPATH §7.8: "true"/"false"
 *   any_true       ANYPRIV §7.6: "true" if any slot is JSON true
 *   rule_attr      RULES §7.9
 *   subjects       SUBJ §7.3, subjects of kind `value`; subjects_ns: namespace:name
 *   uri_param      §7.1
 *   target_pod     §7.2
 *   constant       the constant `value`
 *   json_value / json_obj / json_rawtime   §8
 *   truncated      kawa's own: whether the event was salvaged from a CloudWatch-truncated message
 *   context        kawa's own: the value of the batch's context `value` (cluster, account, region), absent when unknown
 *   static         Falco's static_fields: `static.<name>`, the configured value (the compiled field passes its name)
 *   duplicate_keys kawa's own: "true" if an object under `path` has a key twice (the rules read the first,
 *                  the API server applies the last)
 *   nul_value      kawa's own: "true" if a string of the event holds an escaped NUL character (values are cut there)
 *   ip_listed      kawa's own: the addresses at `path` (or at the argument's JSON pointer) in the argument's IP list
 *                  (the compiler passes the list's packed ranges as the argument: compile/ip-table.ts)
 */
export type RecipeOp =
  | 'scalar' | 'list' | 'list_index' | 'walk_skip' | 'walk_strict' | 'repository' | 'first' | 'first_repository'
  | 'command' | 'host_port' | 'eff' | 'capabilities' | 'volume_type' | 'hostpath_match' | 'any_true'
  | 'rule_attr' | 'subjects' | 'subjects_ns' | 'uri_param' | 'target_pod' | 'constant'
  | 'json_value' | 'json_obj' | 'json_rawtime' | 'truncated' | 'context' | 'static' | 'duplicate_keys' | 'nul_value'
  | 'ip_listed';

/** How one field is extracted, in data the generator turns into WebAssembly tables. */
export interface Recipe {
  /** The extraction step. */
  op: RecipeOp;
  /** Keys from the event root; '' is the identity step (the value itself). */
  path?: string[];
  /** A second path: the pod-level default for 'eff'. */
  alt?: string[];
  /** The subject kind for 'subjects'/'subjects_ns', the constant for 'constant'. */
  value?: string;
}

/** One field of the registry (FIELDS): name, type, argument and how it is extracted. */
export interface FieldDef {
  /** e.g. 'ka.req.pod.containers.image' */
  name: string;
  /** Stable small integer used by the compiled program and the WebAssembly extractors: the table position. */
  id: number;
  /** Every ka.*, json.*, jevt.* field is a string; len() produces uint64. */
  type: 'string' | 'uint64';
  /** True when the field yields a list of values. */
  list: boolean;
  /** The argument the field takes, if any. */
  arg: ArgKind;
  /** What the field is, as `kawa fields` prints it. */
  description: string;
  /** The plugin the field belongs to in Falco: 'k8saudit', 'json', or 'kawa' for kawa's own. */
  plugin: 'k8saudit' | 'json' | 'kawa';
  /** How the value is extracted: a recipe the generator turns into WebAssembly tables. */
  extract: Recipe;
}
