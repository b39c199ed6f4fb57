// The output keys of falco.yaml, with Falco's defaults:
//
//   json_output, time_format_iso_8601, json_include_*_property   how an alert is written (alerts/format.ts)
//   stdout_output:  {enabled: true}
//   file_output:    {enabled: false, filename: ./events.txt, keep_alive: false}
//   program_output: {enabled: false, program: "...", keep_alive: false, timeout_ms: 10000}
//                   timeout_ms is kawa's own: a write the program does not take within it kills the program
//   http_output:    {enabled: false, url, user_agent, insecure, ca_cert, ca_bundle, ca_path, mtls,
//                    client_cert, client_key, compress_uploads, keep_alive,
//                    kawa's: headers {name: value}, timeout_ms (10000), retries (3), concurrency (2)}
//   outputs:        {rate: 0 (no limit), max_burst: 1000}          the alert token bucket
//   outputs_queue:  {capacity: 0}   alerts each queued output holds; 0 (Falco: unbounded) is 10000 in kawa
//                   max_bytes       kawa's own: characters of formatted alerts each output holds (32 MiB)
//   buffered_outputs: false          true: file and program writes are coalesced instead of per batch
import { redactUrl } from '../core/redact-url.js';
import { OUTPUT_KEYS, setOutputKey, type OutputOptions } from '../alerts/output-options.js';
import type { ConfigView } from '../core/config-view.js';

export interface FileOutputConfig { enabled: boolean; filename: string; keepAlive: boolean }
export interface ProgramOutputConfig {
  enabled: boolean;
  program: string;
  keepAlive: boolean;
  /** kawa's own: the longest one write of alerts to the program may take (it stopped reading: it is killed). */
  timeoutMs: number;
}
export interface HttpOutputConfig {
  enabled: boolean;
  url: string;
  userAgent: string;
  insecure: boolean;
  /** A CA certificate file, a bundle file, a directory of them: added to the public roots. */
  caCert?: string;
  caBundle?: string;
  caPath?: string;
  mtls: boolean;
  clientCert?: string;
  clientKey?: string;
  compressUploads: boolean;
  keepAlive: boolean;
  headers: Record<string, string>;
  timeoutMs: number;
  retries: number;
  concurrency: number;
}

export interface OutputsConfig {
  format: OutputOptions;
  stdout: { enabled: boolean };
  file: FileOutputConfig;
  program: ProgramOutputConfig;
  http: HttpOutputConfig;
  /** Alerts per second refilling the bucket; 0: no limit. */
  rate: number;
  maxBurst: number;
  queueCapacity: number;
  /** Characters of formatted alerts an output's queue holds at most (outputs_queue.max_bytes). */
  queueMaxBytes: number;
  buffered: boolean;
}

export const DEFAULT_QUEUE_CAPACITY = 10_000;
/** 10,000 alerts of 200 KB user agents held 2.1 GB: alerts are counted in bytes too. */
export const DEFAULT_QUEUE_MAX_BYTES = 32 * 1024 * 1024;

export function readOutputsConfig(view: ConfigView): OutputsConfig {
  const format: OutputOptions = {};
  for (const key of OUTPUT_KEYS) if (view.has([key])) setOutputKey(format, key, view.bool([key], false));
  const optional = (path: string[]) => {
    const v = view.str(path);
    return v === undefined || v === '' ? undefined : v;
  };
  const http: HttpOutputConfig = {
    enabled: view.bool(['http_output', 'enabled'], false),
    url: view.str(['http_output', 'url'], ''),
    userAgent: view.str(['http_output', 'user_agent'], 'kawa'),
    insecure: view.bool(['http_output', 'insecure'], false),
    caCert: optional(['http_output', 'ca_cert']),
    caBundle: optional(['http_output', 'ca_bundle']),
    caPath: optional(['http_output', 'ca_path']),
    mtls: view.bool(['http_output', 'mtls'], false),
    clientCert: optional(['http_output', 'client_cert']),
    clientKey: optional(['http_output', 'client_key']),
    compressUploads: view.bool(['http_output', 'compress_uploads'], false),
    keepAlive: view.bool(['http_output', 'keep_alive'], true),
    headers: view.strMap(['http_output', 'headers']),
    timeoutMs: view.num(['http_output', 'timeout_ms'], 10_000, { min: 1 }),
    retries: view.num(['http_output', 'retries'], 3),
    concurrency: view.num(['http_output', 'concurrency'], 2, { min: 1 }),
  };
  if (http.enabled) {
    let url: URL | undefined;
    try {
      url = new URL(http.url);
    } catch {
      /* reported below */
    }
    if (!url || (url.protocol !== 'http:' && url.protocol !== 'https:')) {
      view.fail(['http_output', 'url'], `http_output.url must be an http:// or https:// URL, not ${JSON.stringify(redactUrl(http.url))}`);
    }
    if (http.mtls && (!http.clientCert || !http.clientKey)) view.fail(['http_output', 'mtls'], 'http_output.mtls needs client_cert and client_key');
  }
  const program: ProgramOutputConfig = {
    enabled: view.bool(['program_output', 'enabled'], false),
    program: view.str(['program_output', 'program'], ''),
    keepAlive: view.bool(['program_output', 'keep_alive'], false),
    timeoutMs: view.num(['program_output', 'timeout_ms'], 10_000, { min: 1 }),
  };
  if (program.enabled && !program.program.trim()) view.fail(['program_output', 'program'], 'program_output.program is empty');
  const file: FileOutputConfig = {
    enabled: view.bool(['file_output', 'enabled'], false),
    filename: view.str(['file_output', 'filename'], './events.txt'),
    keepAlive: view.bool(['file_output', 'keep_alive'], false),
  };
  if (file.enabled && !file.filename) view.fail(['file_output', 'filename'], 'file_output.filename is empty');
  return {
    format,
    stdout: { enabled: view.bool(['stdout_output', 'enabled'], true) },
    file,
    program,
    http,
    rate: view.num(['outputs', 'rate'], 0, { fraction: true }),
    maxBurst: view.num(['outputs', 'max_burst'], 1000, { min: 1 }),
    queueCapacity: view.num(['outputs_queue', 'capacity'], 0) || DEFAULT_QUEUE_CAPACITY,
    queueMaxBytes: view.num(['outputs_queue', 'max_bytes'], DEFAULT_QUEUE_MAX_BYTES, { min: 1024 }),
    buffered: view.bool(['buffered_outputs'], false),
  };
}
