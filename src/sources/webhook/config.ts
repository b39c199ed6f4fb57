// The webhook source's keys in falco.yaml (kawa's own block; also settable with -o webhook.KEY=VALUE, and
// `kawa run --webhook --port N --path P`):
//
//   webhook:
//     listen_address: 127.0.0.1              (default) this host only; 0.0.0.0 for an API server elsewhere,
//                                            with token_file or client_ca
//     listen_port: 9765                 the k8saudit plugin's default
//     path: /k8s-audit
//     ssl_certificate: ""               PEM certificate (chain) file: serve HTTPS
//     ssl_key: ""                       its key (default: the certificate file, when it holds both)
//     client_ca: ""                     require client certificates signed by this CA (mutual TLS)
//     token_file: ""                    require `Authorization: Bearer <the file's content>`
//     max_body_bytes: 12582912          larger requests get 413 (k8saudit's webhookMaxBatchSize)
//     queue: 16                         requests waiting for the pipeline before the next ones wait
//     max_connections: 256              more open connections get 429 with Retry-After (then are closed)
//     max_inflight_bytes: 67108864      request bodies held at once (being read, queued, evaluated); a request
//                                       whose body does not fit gets 429 with Retry-After before it is read
//     request_timeout_ms: 30000         a request whose headers and body have not all arrived by then gets
//                                       408 and its connection is closed (slow-body clients)
import { MAX_CONFIG_FILE_BYTES, readFailure, readUpTo } from '../../core/read-up-to.js';
import { KawaError } from '../../core/errors.js';
import type { ConfigView } from '../../core/config-view.js';

export interface WebhookConfig {
  listenAddress: string;
  listenPort: number;
  path: string;
  sslCertificate?: string;
  sslKey?: string;
  clientCa?: string;
  tokenFile?: string;
  maxBodyBytes: number;
  queue: number;
  /** Open connections at most: more are answered 429 and closed. */
  maxConnections?: number;
  /** Bytes of request bodies held at once: a body that does not fit is refused (429) before it is read. */
  maxInflightBytes?: number;
  /** The whole request (headers and body) must arrive within this, or 408. */
  requestTimeoutMs?: number;
  /** Set from Falco's k8saudit plugin block (which also selects the webhook as the source). */
  plugin?: boolean;
  /** The plugin block's maxEventSize: events larger (compact) are rejected. */
  maxEventSize?: number;
}

export const DEFAULT_MAX_CONNECTIONS = 256;
/** Five bodies of the default max_body_bytes: bursts pass, 60 slow 10 MB POSTs do not pile up 600 MB. */
export const DEFAULT_MAX_INFLIGHT_BYTES = 64 * 1024 * 1024;
export const DEFAULT_REQUEST_TIMEOUT_MS = 30_000;

export function readWebhookConfig(view: ConfigView): WebhookConfig {
  const k = (key: string) => ['webhook', key];
  const optional = (key: string) => view.str(k(key)) || undefined;
  const path = view.str(k('path'), '/k8s-audit');
  if (!path.startsWith('/')) view.fail(k('path'), 'webhook.path must start with /');
  const port = view.num(k('listen_port'), 9765);
  if (port > 65535) view.fail(k('listen_port'), 'webhook.listen_port must be a port number');
  return {
    listenAddress: view.str(k('listen_address'), '127.0.0.1'),
    listenPort: port,
    path,
    sslCertificate: optional('ssl_certificate'),
    sslKey: optional('ssl_key'),
    clientCa: optional('client_ca'),
    tokenFile: optional('token_file'),
    maxBodyBytes: view.num(k('max_body_bytes'), 12 * 1024 * 1024, { min: 1 }),
    queue: view.num(k('queue'), 16, { min: 1 }),
    maxConnections: view.num(k('max_connections'), DEFAULT_MAX_CONNECTIONS, { min: 1 }),
    maxInflightBytes: view.num(k('max_inflight_bytes'), DEFAULT_MAX_INFLIGHT_BYTES, { min: 1 }),
    requestTimeoutMs: view.num(k('request_timeout_ms'), DEFAULT_REQUEST_TIMEOUT_MS, { min: 1 }),
  };
}

export function readSecretFile(path: string, key: string): Buffer {
  try {
    return readUpTo(path, MAX_CONFIG_FILE_BYTES);
  } catch (e) {
    throw new KawaError('KAWA_ERR_CONFIG', `webhook.${key}: cannot read ${path}: ${readFailure(e)}`);
  }
}
