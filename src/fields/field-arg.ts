// The one check of a field's argument (`ka.uri.param[pod]`, `ka.req.pod.containers.image[0]`) against what
// the field takes, shared by the condition type checker, the compiler and the extractor (`kawa extract`),
// so that the same argument is accepted or refused everywhere with the same words. The words are Falco's
// (libsinsp's filter check), except the out-of-range index, where Falco has none of its own.
import { findField } from './registry.js';
import type { FieldDef } from './types.js';

/** A valid argument, as the VM and the extractor take it: the key string, or the index (-1n: none). */
export interface FieldArg { key: string | undefined; index: bigint }

const INDEX_LIMIT = 1n << 64n;

/** The argument `arg` (undefined: none written) of `field`, or the problem with it (no prefix: callers
 *  say where). */
export function checkFieldArg(field: FieldDef, arg: string | undefined): FieldArg | { problem: string } {
  const name = field.name;
  if (field.arg === 'none') {
    if (arg !== undefined) return { problem: `field ${name} does not allow nor require an argument but one is provided: ${arg}` };
    return { key: undefined, index: -1n };
  }
  if (field.arg === 'key') {
    if (arg === undefined) return { problem: `field ${name} requires an argument but none provided` };
    return { key: arg, index: -1n };
  }
  if (arg === undefined) return { key: undefined, index: -1n };
  if (!/^[0-9]+$/.test(arg)) return { problem: `field ${name} has an invalid index argument not composed only by digits: ${arg}` };
  if (arg.length > 1 && arg[0] === '0') return { problem: `field ${name} has an invalid index argument starting with 0: ${arg}` };
  const n = BigInt(arg);
  if (n >= INDEX_LIMIT) return { problem: `field ${name} has an invalid index argument larger than 2^64-1: ${arg}` };
  // the plugin reads the index as a signed int: 2^64-1 is its "no index" marker, >= 2^63 is negative
  return { key: undefined, index: BigInt.asIntN(64, n) };
}

/** The list an IP-list field's argument names, and the JSON pointer to the values (absent: the source IPs). */
export interface IpListArg { list: string; pointer?: string }

/** Splits an IP-list field's argument (kawa.sourceips.listed, kawa.ips.listed: docs/ip-lists.md), or says what is wrong with it. */
export function splitIpListArg(field: string, arg: string): IpListArg | { problem: string } {
  // a field with its own path (kawa.sourceips.listed: sourceIPs) takes the list's name alone
  if (findField(field)?.extract.path) return arg ? { list: arg } : { problem: `${field}[] needs the name of a list` };
  const at = arg.indexOf(':/');
  if (at <= 0) return { problem: `${field}[${arg}]: expected <list>:<json pointer>, e.g. ${field}[blocked_ranges:/requestObject/spec/externalIPs]` };
  return { list: arg.slice(0, at), pointer: arg.slice(at + 1) };
}
