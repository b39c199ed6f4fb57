// The shape of a field definition. The table itself is in registry.ts, the only place a field is defined;
// scripts/gen-fields.mjs generates from it what the AssemblyScript side needs (assembly/generated/fields.ts).

/** How the field takes an argument: none, an optional decimal index, or a required key (any string). */
export type ArgKind = 'none' | 'index' | 'key';

export interface FieldDef {
  /** e.g. 'ka.req.pod.containers.image' */
  name: string;
  /** Stable small integer used by the compiled program and the WebAssembly extractors. */
  id: number;
  /** Every ka.*, json.*, jevt.* field is a string; len() produces uint64. */
  type: 'string' | 'uint64';
  list: boolean;
  arg: ArgKind;
  description: string;
  /** The plugin the field belongs to in Falco: 'k8saudit', 'json', or 'kawa' for kawa's own. */
  plugin: 'k8saudit' | 'json' | 'kawa';
  /** How the value is extracted: a recipe the generator turns into WebAssembly tables. */
  extract: unknown;
}
