// The shape of falco.yaml as kawa reads it, as a JSON Schema checked with ajv before any key is read: a key
// kawa does not know is a warning at its file and line (a typo in falco.yaml is as easy to make as in
// `-o`, where it is an error), a key Falco uses and kawa does not is said as such, and a value of the wrong
// shape (a mapping where a list is due) is an error. Scalar values (numbers, booleans, strings) are checked
// by the module that reads the key, with its own message; the schema only knows which keys exist where.
import { createRequire } from 'node:module';
import type { ErrorObject, ValidateFunction } from 'ajv';
import { isScalar, type Document, type Node } from 'yaml';
import type { ConfigView } from '../core/config-view.js';
import { KawaError, type Problem } from '../core/errors.js';
import { parseOverride, type PathKey } from '../core/overrides.js';

type Schema = Record<string, unknown>;

const any: Schema = {};
const scalar: Schema = { type: ['string', 'number', 'boolean', 'null'] };
const list = (items: Schema = scalar): Schema => ({ type: ['array', 'null'], items });
const scalarOrList: Schema = { anyOf: [scalar, list()] };
/** A mapping with exactly these keys (values as given; `any` for the ones a reader checks in depth). */
const keys = (props: Record<string, Schema>): Schema => ({ type: ['object', 'null'], properties: props, additionalProperties: false });
const each = (names: string[], schema: Schema = scalar) => Object.fromEntries(names.map((n) => [n, schema]));

const identity = each(['role_arn', 'external_id', 'session_name', 'endpoint', 'use_fips']);

/** Keys of Falco's falco.yaml that kawa does not use: said once each, not as typos. */
export const FALCO_KEYS_NOT_USED = [
  'syslog_output', 'grpc', 'grpc_output', 'metrics', 'engine', 'base_syscalls', 'libs_logger', 'log_stderr', 'log_syslog',
  'output_timeout', 'syscall_event_drops', 'syscall_event_timeouts', 'modern_bpf', 'container_engines', 'falco_libs',
  'capture', 'plugins_hostinfo', 'buffer_format_base64', 'time_format_iso_8601_utc', 'load_plugins_from_cwd',
  'rules_matching', 'json_include_message_property_format', 'static_fields_file',
];

const SCHEMA: Schema = {
  type: ['object', 'null'],
  additionalProperties: false,
  properties: {
    ...each(FALCO_KEYS_NOT_USED, any),
    rules_files: scalarOrList, rules_file: scalarOrList, priority: scalar, rule_matching: scalar,
    rules: list({ type: 'object' }),
    append_output: list({ type: 'object' }),
    static_fields: { type: ['object', 'null'], additionalProperties: scalar },
    config_files: list({ anyOf: [scalar, keys({ path: scalar, strategy: scalar })] }),
    json_output: scalar, time_format_iso_8601: scalar, json_include_output_property: scalar, json_include_tags_property: scalar,
    json_include_output_fields_property: scalar, json_include_message_property: scalar, buffered_outputs: scalar,
    outputs: keys(each(['rate', 'max_burst'])),
    outputs_queue: keys(each(['capacity', 'max_bytes'])),
    stdout_output: keys(each(['enabled'])),
    file_output: keys(each(['enabled', 'filename', 'keep_alive'])),
    program_output: keys(each(['enabled', 'program', 'keep_alive', 'timeout_ms'])),
    http_output: keys({
      ...each(['enabled', 'url', 'user_agent', 'insecure', 'ca_cert', 'ca_bundle', 'ca_path', 'mtls', 'client_cert', 'client_key',
        'compress_uploads', 'keep_alive', 'echo', 'max_consecutive_timeouts', 'timeout_ms', 'retries', 'concurrency']),
      headers: { type: ['object', 'null'], additionalProperties: scalar },
    }),
    webserver: keys(each(['enabled', 'threadiness', 'listen_address', 'listen_port', 'k8s_healthz_endpoint', 'prometheus_metrics_enabled',
      'ssl_enabled', 'ssl_certificate', 'token_file'])),
    log_level: scalar, watch_config_files: scalar, shutdown_timeout_ms: scalar,
    rules_limits: keys(each(['max_file_bytes', 'reload_timeout_ms', 'reload_max_memory_mb'])),
    stateful: keys(each(['state_file', 'max_keys', 'max_values', 'save_interval_ms'])),
    plugins: list({ type: 'object', properties: { name: scalar, library_path: scalar, init_config: any, open_params: scalar }, additionalProperties: false }),
    load_plugins: list(),
    webhook: keys(each(['listen_address', 'listen_port', 'path', 'ssl_certificate', 'ssl_key', 'client_ca', 'token_file', 'max_body_bytes', 'queue',
      'max_connections', 'max_inflight_bytes', 'request_timeout_ms'])),
    cloudwatch: keys({
      ...each(['cluster', 'log_group', 'stream_prefix', 'region', 'profile', 'endpoint', 'sts_endpoint', 'checkpoint', 'checkpoint_interval',
        'skew_ms', 'max_tps', 'request_timeout', 'buffer_bytes', 'max_event_ids', 'discovery_interval']),
      tiers: list(),
      clusters: { anyOf: [scalar, list({ anyOf: [scalar, keys({ ...each(['name', 'region', 'log_group']), ...identity })] })] },
      accounts: list(keys({ ...identity, regions: list() })),
    }),
    source: keys({
      type: scalar,
      kinesis: keys(each(['stream', 'stream_arn', 'stream_name', 'region', 'endpoint', 'initial_position', 'initial_timestamp', 'log_groups',
        'log_stream_prefix', 'poll_idle_ms', 'poll_busy_ms', 'max_records_per_call', 'max_inflight_batches_per_shard'], any)),
      leases: keys(each(['table', 'create_table', 'endpoint', 'worker_id', 'lease_duration_ms', 'renew_interval_ms', 'scan_interval_ms',
        'max_leases_per_worker', 'graceful_handoff', 'checkpoint_interval_ms'])),
      dedup: keys(each(['alert_table', 'create_table', 'alert_ttl_hours', 'recent_event_ids'])),
    }),
  },
};

/** A typo in `-o` would otherwise be ignored silently: a top-level key falco.yaml does not have (kawa's or
 *  Falco's) is a usage error. */
export function checkOverrideKeys(overrides: string[]): void {
  const known = SCHEMA.properties as Record<string, unknown>;
  for (const text of overrides) {
    const key = parseOverride(text).path[0] as string;
    if (!(key in known)) throw new KawaError('KAWA_ERR_USAGE', `-o ${key}: not a configuration key (see docs/operating.md)`);
  }
}

/** Loaded and compiled for the first configuration that has keys: ajv's load and the schema's compile take
 *  about 140 ms, a large part of a short run's start-up, and a run without -c has nothing to check. */
let compiled: ValidateFunction | undefined;
function validator(): ValidateFunction {
  if (!compiled) {
    const { Ajv } = createRequire(import.meta.url)('ajv') as typeof import('ajv');
    compiled = new Ajv({ allErrors: true, strict: false }).compile(SCHEMA);
  }
  return compiled;
}

/** Checks the document's shape; returns warnings (unknown keys, Falco keys kawa ignores); throws the first
 *  error of shape as KAWA_ERR_CONFIG at its place. */
export function checkShape(doc: Document, view: ConfigView): Problem[] {
  let data: unknown;
  try {
    data = doc.toJSON();
  } catch (e) {
    // the yaml package's guard against aliases nested to expand without end ("billion laughs")
    throw new KawaError('KAWA_ERR_CONFIG', `YAML aliases expand too far: ${(e as Error).message}`, view.locate((doc.contents as Node | null) ?? undefined, []));
  }
  const warnings: Problem[] = [];
  for (const key of FALCO_KEYS_NOT_USED) {
    if (!(data && typeof data === 'object' && key in data)) continue;
    warnings.push({ code: 'KAWA_WARN_CONFIG_NOT_USED', message: `'${key}' is a Falco key kawa does not use`, ...view.locate(keyNodeOf(doc, [], key), [key]) });
  }
  // an empty configuration (no -c, no -o) has no key to check
  if (data === null || data === undefined) return warnings;
  const validate = validator();
  if (validate(data)) return warnings;
  for (const e of validate.errors ?? []) {
    const path = pathOf(e);
    if (e.keyword === 'additionalProperty' || e.keyword === 'additionalProperties') {
      const key = (e.params as { additionalProperty: string }).additionalProperty;
      const keyNode = keyNodeOf(doc, path, key);
      warnings.push({
        code: 'KAWA_WARN_CONFIG_UNKNOWN_KEY',
        message: `unknown key '${[...path, key].join('.')}' (misspelt? kawa ignores it)`,
        ...view.locate(keyNode, [...path, key]),
      });
    }
  }
  // an error of shape is a wrong type where no branch failed only for an unknown key (anyOf reports every
  // branch: a mapping with a misspelt key also fails the scalar branch, which is not the user's mistake)
  const keyed = (validate.errors ?? []).filter((e) => e.keyword === 'additionalProperties').map((e) => e.instancePath);
  const explained = (path: string) => keyed.some((k) => k === path || k.startsWith(`${path}/`));
  const shape = (validate.errors ?? []).find((e) => e.keyword === 'type' && !explained(e.instancePath));
  if (shape) {
    const path = pathOf(shape);
    const expected = (shape.params as { type: string | string[] }).type;
    const want = (Array.isArray(expected) ? expected : [expected]).filter((t) => t !== 'null').map((t) => (t === 'object' ? 'a mapping' : t === 'array' ? 'a list' : `a ${t}`));
    throw new KawaError('KAWA_ERR_CONFIG', `${path.join('.') || 'the configuration'} must be ${want.join(' or ')}`, view.at(path));
  }
  return warnings;
}

function pathOf(e: ErrorObject): PathKey[] {
  return e.instancePath.split('/').slice(1).map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~')).map((p) => (/^\d+$/.test(p) ? Number(p) : p));
}

/** The key node of `key` in the mapping at `path` (its position is where the typo is). */
function keyNodeOf(doc: Document, path: PathKey[], key: string): Node | undefined {
  const map = path.length ? doc.getIn(path, true) : doc.contents;
  const items = (map as { items?: { key: unknown }[] } | null)?.items ?? [];
  const pair = items.find((p) => isScalar(p.key) && p.key.value === key);
  return pair?.key as Node | undefined;
}
