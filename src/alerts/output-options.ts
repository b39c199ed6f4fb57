// The alert-output keys of a Falco configuration (falco.yaml), all booleans:
//   json_output, time_format_iso_8601, json_include_output_property, json_include_tags_property,
//   json_include_output_fields_property, json_include_message_property
// (the rules-side keys, rules_files/priority/rules/append_output/rule_matching, are src/config's). Read from
// the same file, and settable with `-o key=value`.
import { KawaError } from '../core/errors.js';
import type { FormatOptions } from './format.js';

/** How alerts are written: the format options and Falco's json_output. */
export interface OutputOptions extends FormatOptions {
  /** json_output: alerts as JSON objects instead of text lines. */
  jsonOutput?: boolean;
}

const KEYS: Record<string, keyof OutputOptions> = {
  json_output: 'jsonOutput',
  time_format_iso_8601: 'timeFormatIso8601',
  json_include_output_property: 'jsonIncludeOutputProperty',
  json_include_tags_property: 'jsonIncludeTagsProperty',
  json_include_output_fields_property: 'jsonIncludeOutputFieldsProperty',
  json_include_message_property: 'jsonIncludeMessageProperty',
};

export const OUTPUT_KEYS = Object.keys(KEYS);

/**
 * Sets `key` when it is an output key; false when it is not one. A string value ('true'/'false', any case,
 * as `-o` gives) or a YAML boolean is accepted; anything else is a KAWA_ERR_CONFIG error.
 */
export function setOutputKey(opts: OutputOptions, key: string, value: unknown, file?: string): boolean {
  const field = KEYS[key];
  if (!field) return false;
  const b = typeof value === 'string' ? ({ true: true, false: false } as Record<string, boolean>)[value.toLowerCase()] : value;
  if (typeof b !== 'boolean') throw new KawaError('KAWA_ERR_CONFIG', `${key} must be true or false, not ${JSON.stringify(value)}`, file ? { file } : {});
  (opts as Record<string, unknown>)[field] = b;
  return true;
}
