// http_output: each alert POSTed as Falco's JSON (Content-Type: application/json), one request per alert,
// which is what falcosidekick's "/" endpoint takes as is. A 2xx answer is delivery; 408, 429, 5xx, a network
// error or the timeout are retried with backoff; any other answer is a permanent failure for that alert.
// timeout_ms bounds the whole request, answer included (a receiver that sends a byte every few seconds
// does not hold the output), not only an idle socket.
//
// TLS: the server certificate is verified against the public roots plus ca_cert / ca_bundle / the
// certificates in ca_path (insecure: true turns verification off); mtls sends client_cert / client_key.
// Connections are kept alive (keep_alive) and at most `concurrency` requests are in flight.
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type * as NodeHttp from 'node:http';
import type { Agent as HttpAgent, IncomingMessage } from 'node:http';
import type * as NodeHttps from 'node:https';
import type * as NodeTls from 'node:tls';
import type * as NodeZlib from 'node:zlib';
import { KawaError } from '../core/errors.js';
import { MAX_CONFIG_FILE_BYTES, readFailure, readUpTo } from '../core/read-up-to.js';
import type { HttpOutputConfig } from './config.js';
import { PermanentError, QueuedOutput, type QueuedOutputOptions } from './queued-output.js';
import type { FormattedAlert } from './types.js';
import { lazyBuiltin } from '../core/lazy-builtin.js';

const http = lazyBuiltin<typeof NodeHttp>('node:http');
const https = lazyBuiltin<typeof NodeHttps>('node:https');
const tls = lazyBuiltin<typeof NodeTls>('node:tls');
const zlib = lazyBuiltin<typeof NodeZlib>('node:zlib');

function readPem(path: string, what: string): string {
  try {
    return readUpTo(path, MAX_CONFIG_FILE_BYTES).toString('utf8');
  } catch (e) {
    throw new KawaError('KAWA_ERR_CONFIG', `http_output.${what}: cannot read ${path}: ${readFailure(e)}`);
  }
}

/** The extra CAs configured, or undefined to use the public roots alone. */
function extraCas(c: HttpOutputConfig): string[] | undefined {
  const cas: string[] = [];
  if (c.caCert) cas.push(readPem(c.caCert, 'ca_cert'));
  if (c.caBundle) cas.push(readPem(c.caBundle, 'ca_bundle'));
  if (c.caPath) {
    let names: string[] = [];
    try {
      names = readdirSync(c.caPath);
    } catch {
      // Falco's default ca_path (/etc/falco/certs/) usually does not exist: nothing to add
    }
    for (const n of names.sort()) {
      const p = join(c.caPath, n);
      if (/\.(pem|crt|cer)$/i.test(n) && statSync(p).isFile()) cas.push(readPem(p, 'ca_path'));
    }
  }
  return cas.length ? cas : undefined;
}

export class HttpOutput extends QueuedOutput {
  private readonly url: URL;
  private readonly agent: HttpAgent;
  private readonly headers: Record<string, string>;

  constructor(
    private readonly config: HttpOutputConfig,
    opts: Omit<QueuedOutputOptions, 'chunk' | 'retries' | 'concurrency'>,
  ) {
    super('http', 'json', { ...opts, chunk: 1, retries: config.retries, concurrency: config.concurrency, sendTimeoutMs: config.timeoutMs });
    this.url = new URL(config.url);
    const agentOpts = { keepAlive: config.keepAlive, maxSockets: config.concurrency };
    if (this.url.protocol === 'https:') {
      const cas = extraCas(config);
      this.agent = new (https().Agent)({
        ...agentOpts,
        rejectUnauthorized: !config.insecure,
        ca: cas ? [...tls().rootCertificates, ...cas] : undefined,
        cert: config.mtls ? readPem(config.clientCert!, 'client_cert') : undefined,
        key: config.mtls ? readPem(config.clientKey!, 'client_key') : undefined,
      });
    } else {
      this.agent = new (http().Agent)(agentOpts);
    }
    this.headers = {
      'user-agent': config.userAgent,
      ...Object.fromEntries(Object.entries(config.headers).map(([k, v]) => [k.toLowerCase(), v])),
      'content-type': 'application/json',
    };
    if (config.compressUploads) this.headers['content-encoding'] = 'gzip';
  }

  protected send(chunk: FormattedAlert[], signal: AbortSignal): Promise<void> {
    const body = Buffer.from(chunk[0]!.asJson, 'utf8');
    const payload = this.config.compressUploads ? zlib().gzipSync(body) : body;
    const request = this.url.protocol === 'https:' ? https().request : http().request;
    return new Promise<void>((resolve, reject) => {
      const req = request(this.url, {
        method: 'POST',
        agent: this.agent,
        headers: { ...this.headers, 'content-length': String(payload.length) },
        timeout: this.config.timeoutMs,
      }, (res: IncomingMessage) => {
        res.resume();
        res.on('error', reject);
        res.on('end', () => {
          const status = res.statusCode ?? 0;
          if (status >= 200 && status < 300) resolve();
          else if (status === 408 || status === 429 || status >= 500) reject(new Error(`HTTP ${status}`));
          else reject(new PermanentError(`HTTP ${status}`));
        });
      });
      req.on('timeout', () => req.destroy(new Error(`no answer within ${this.config.timeoutMs} ms`)));
      signal.addEventListener('abort', () => req.destroy(signal.reason as Error), { once: true });
      req.on('error', reject);
      req.end(payload);
    });
  }

  protected async end(): Promise<void> {
    this.agent.destroy();
  }
}
