// Falco's static_fields (0.42+): `static.<name>` fields whose values the configuration gives. The registry
// resolves any `static.<name>`; which names exist is known only here, where the configuration meets the rules:
// a name the configuration does not define is an unknown field, with Falco's message.
import type { FieldRef } from '../condition/ast.js';
import { STATIC_FIELD } from '../fields/registry.js';
import { fieldRefs } from './field-refs.js';

/** The first `static.<name>` reference whose name `staticFields` does not define. */
export function undefinedStaticField(node: unknown, staticFields: Record<string, string>): FieldRef | undefined {
  for (const f of fieldRefs(node)) {
    if (STATIC_FIELD.test(f.name) && !Object.hasOwn(staticFields, f.name.slice('static.'.length))) return f;
  }
  return undefined;
}

/** Falco's suggested output for the static fields: ` static_<name>=%static.<name>` each, in order. */
export function suggestedStaticOutput(staticFields: Record<string, string>): string {
  return Object.keys(staticFields).map((k) => ` static_${k}=%static.${k}`).join('');
}
