// Which source a run reads: the one whose flag is on the command line (-e, --webhook, --cloudwatch,
// --kinesis: at most one), else the first source in registry order that the configuration file configures
// (`source.type: kinesis`, the k8saudit-eks plugin block); its configuration is the file's with the flags
// over it. Nothing here names a source: it loops over the registry.
import { KawaError } from '../core/errors.js';
import type { FalcoConfig } from '../config/falco-config.js';
import { SOURCE_KINDS, type FlagValues, type SourceKind } from '../sources/index.js';

export interface SelectedSource<C = unknown> {
  kind: SourceKind<C>;
  config: C;
}

const given = (v: unknown) => (Array.isArray(v) ? v.length > 0 : v !== undefined && v !== false && v !== '');

/** The command-line flag that selects a source, as a user types it (`--cloudwatch <cluster>` → `--cloudwatch`). */
export function selectorFlag(kind: SourceKind): string {
  const spec = kind.flags.find((f) => camel(f.flags) === kind.selector)?.flags ?? kind.selector;
  return spec.replace(/\s*<.*>$/, '').replace(/^-\w,\s*/, '');
}

function camel(flags: string): string {
  const long = /--([a-z0-9-]+)/.exec(flags)?.[1] ?? '';
  return long.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());
}

export function selectSource(config: FalcoConfig, flags: FlagValues): SelectedSource {
  const chosen = SOURCE_KINDS.filter((k) => given(flags[k.selector]));
  if (chosen.length > 1) {
    throw new KawaError('KAWA_ERR_USAGE', `${chosen.map(selectorFlag).join(' and ')} are different sources: give one`);
  }
  const configs = config.sources as Record<string, unknown>;
  const kind: SourceKind | undefined = chosen[0] ?? SOURCE_KINDS.find((k) => (k as SourceKind).configSelects(configs[k.name]));
  if (!kind) {
    throw new KawaError('KAWA_ERR_USAGE', `no events: give one source: ${SOURCE_KINDS.map((k) => k.description).join('; ')}`);
  }
  refuseForeignFlags(kind, flags);
  return { kind, config: kind.applyFlags(configs[kind.name], flags) };
}

/** A flag of another source is a usage error, not ignored: `-e FILE --since 1h` does not filter the file by time. */
function refuseForeignFlags(kind: SourceKind, flags: FlagValues): void {
  const own = new Set(kind.flags.map((f) => camel(f.flags)));
  for (const other of SOURCE_KINDS) {
    const foreign = other.flags.find((f) => !own.has(camel(f.flags)) && given(flags[camel(f.flags)]));
    if (!foreign) continue;
    const owners = SOURCE_KINDS.filter((k) => k.flags.some((f) => f.flags === foreign.flags)).map(selectorFlag);
    const flag = foreign.flags.replace(/\s*<.*>$/, '');
    throw new KawaError('KAWA_ERR_USAGE', `${flag} is an option of ${owners.join(' and ')}, not of ${selectorFlag(kind)}, which this run reads`);
  }
}
