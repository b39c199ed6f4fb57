// The audit webhook source: the Kubernetes API server's webhook backend (--audit-webhook-config-file) POSTs
// audit.k8s.io EventLists here, as it does to the k8saudit plugin's server.
//
//   POST <path>       body: an EventList, an Event, or a JSON array of them (≤ max_body_bytes)
//     200             the events were evaluated and their alerts accepted by the outputs (the batch's ack)
//     400             the body is not JSON, or not an Event/EventList
//     401             a token is configured and the request does not carry it
//     404 / 405       another path / another method
//     413             the body is larger than max_body_bytes
//     503             kawa is shutting down before the request's events were taken (the API server retries)
//
// No event is dropped when the pipeline is busy: a request holds its answer until there is room in the
// source's queue (and then until its batch is acknowledged), so the API server's own buffering and retries
// absorb bursts. TLS with ssl_certificate/ssl_key; client certificates with client_ca.
import { createServer as createHttp, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttps } from 'node:https';
import { timingSafeEqual } from 'node:crypto';
import { KawaError } from '../../errors/codes.js';
import type { Source, SourceBatch } from '../../pipeline/types.js';
import type { Logger } from '../../service/logger.js';
import type { Metrics } from '../../service/metrics.js';
import { readSecretFile, type WebhookConfig } from './config.js';

interface Pending {
  batch: SourceBatch;
  reject(code: number, message: string): void;
}

export class WebhookSource implements Source {
  readonly name = 'webhook';
  private readonly queue: Pending[] = [];
  private closed = false;
  private requests = 0;
  private wakeReader: (() => void) | undefined;
  private roomWaiters: (() => void)[] = [];
  private server!: Server;
  private token: Buffer | undefined;
  url = '';
  port = 0;

  private constructor(private readonly config: WebhookConfig, private readonly logger?: Logger, private readonly metrics?: Metrics) {}

  static async start(config: WebhookConfig, opts: { logger?: Logger; metrics?: Metrics } = {}): Promise<WebhookSource> {
    const source = new WebhookSource(config, opts.logger, opts.metrics);
    await source.listen();
    return source;
  }

  private async listen(): Promise<void> {
    const c = this.config;
    if (c.tokenFile) this.token = Buffer.from(`Bearer ${readSecretFile(c.tokenFile, 'token_file').toString('utf8').trim()}`);
    const handler = (req: IncomingMessage, res: ServerResponse) => void this.handle(req, res);
    if (c.sslCertificate) {
      const cert = readSecretFile(c.sslCertificate, 'ssl_certificate');
      this.server = createHttps({
        cert,
        key: c.sslKey ? readSecretFile(c.sslKey, 'ssl_key') : cert,
        ...(c.clientCa ? { ca: readSecretFile(c.clientCa, 'client_ca'), requestCert: true, rejectUnauthorized: true } : {}),
      }, handler);
    } else {
      if (c.clientCa) throw new KawaError('KAWA_ERR_CONFIG', 'webhook.client_ca needs TLS: set webhook.ssl_certificate');
      this.server = createHttp(handler);
    }
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', (e: NodeJS.ErrnoException) =>
        reject(new KawaError('KAWA_ERR_CONFIG', `webhook: cannot listen on ${c.listenAddress}:${c.listenPort}: ${e.code ?? e.message}`)));
      this.server.listen(c.listenPort, c.listenAddress, resolve);
    });
    this.port = (this.server.address() as { port: number }).port;
    const host = c.listenAddress === '0.0.0.0' ? '127.0.0.1' : c.listenAddress.includes(':') ? `[${c.listenAddress}]` : c.listenAddress;
    this.url = `${c.sslCertificate ? 'https' : 'http'}://${host}:${this.port}${c.path}`;
    this.logger?.info({ url: this.url, tls: !!c.sslCertificate, client_certificates: !!c.clientCa, token: !!this.token }, 'audit webhook listening');
  }

  private reply(res: ServerResponse, code: number, message: string): void {
    this.metrics?.webhookRequests.inc({ code: String(code) });
    if (res.headersSent || res.destroyed) return;
    const body = JSON.stringify(code === 200 ? { status: 'ok' } : { status: 'error', message });
    res.writeHead(code, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), ...(code === 413 ? { connection: 'close' } : {}) });
    res.end(body);
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const c = this.config;
    if ((req.url ?? '/').split('?')[0] !== c.path) return this.reply(res, 404, `not found; the audit webhook is ${c.path}`);
    if (req.method !== 'POST') return this.reply(res, 405, 'POST audit events here');
    if (this.token && !this.authorized(req.headers.authorization)) {
      res.setHeader('www-authenticate', 'Bearer');
      return this.reply(res, 401, 'missing or wrong bearer token');
    }
    if (this.closed) return this.reply(res, 503, 'shutting down');
    const declared = Number(req.headers['content-length'] ?? 0);
    if (declared > c.maxBodyBytes) {
      res.on('finish', () => req.socket.destroy());
      return this.reply(res, 413, `body larger than ${c.maxBodyBytes} bytes`);
    }
    const body = await this.readBody(req, res);
    if (!body) return;
    const problem = checkBody(body);
    if (problem) return this.reply(res, 400, problem);
    // wait for room rather than drop: the API server keeps the events until we answer
    while (this.queue.length >= c.queue && !this.closed) await new Promise<void>((r) => this.roomWaiters.push(r));
    if (this.closed) return this.reply(res, 503, 'shutting down');
    const n = ++this.requests;
    const from = req.socket.remoteAddress ?? '?';
    this.queue.push({
      batch: {
        data: body,
        offsets: Uint32Array.of(0, body.length),
        count: 1,
        arrivalNs: BigInt64Array.of(BigInt(Date.now()) * 1_000_000n),
        origin: () => `webhook request ${n} from ${from}`,
        ack: () => this.reply(res, 200, 'ok'),
      },
      reject: (code, message) => this.reply(res, code, message),
    });
    this.wakeReader?.();
  }

  private authorized(header: string | undefined): boolean {
    const got = Buffer.from(header ?? '');
    return got.length === this.token!.length && timingSafeEqual(got, this.token!);
  }

  /** The body, or undefined when the request was answered (413) or broke off. */
  private readBody(req: IncomingMessage, res: ServerResponse): Promise<Uint8Array | undefined> {
    const max = this.config.maxBodyBytes;
    return new Promise((resolve) => {
      const chunks: Buffer[] = [];
      let size = 0;
      let done = false;
      req.on('data', (chunk: Buffer) => {
        if (done) return;
        size += chunk.length;
        if (size > max) {
          done = true;
          res.on('finish', () => req.socket.destroy());
          this.reply(res, 413, `body larger than ${max} bytes`);
          resolve(undefined);
          return;
        }
        chunks.push(chunk);
      });
      req.on('end', () => {
        if (done) return;
        done = true;
        resolve(new Uint8Array(Buffer.concat(chunks, size)));
      });
      req.on('error', () => {
        if (!done) resolve(undefined);
        done = true;
      });
    });
  }

  async *[Symbol.asyncIterator](): AsyncIterator<SourceBatch> {
    for (;;) {
      const next = this.queue.shift();
      if (next) {
        this.roomWaiters.shift()?.();
        yield next.batch;
        continue;
      }
      if (this.closed) return;
      await new Promise<void>((r) => (this.wakeReader = r));
      this.wakeReader = undefined;
    }
  }

  /** Stops accepting requests; queued ones not yet taken get 503, taken ones are answered on their ack. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const p of this.queue.splice(0)) p.reject(503, 'shutting down');
    for (const w of this.roomWaiters.splice(0)) w();
    this.wakeReader?.();
    // idle keep-alive connections close now, busy ones once their answer is sent
    this.server.close();
    this.server.closeIdleConnections();
  }
}

/** Why the body is not an audit Event, EventList or array of them (checked before it is queued). */
function checkBody(body: Uint8Array): string | undefined {
  let doc: unknown;
  try {
    doc = JSON.parse(Buffer.from(body.buffer, body.byteOffset, body.length).toString('utf8'));
  } catch (e) {
    return `not valid JSON: ${(e as Error).message}`;
  }
  if (Array.isArray(doc)) return undefined;
  if (doc && typeof doc === 'object') {
    const kind = (doc as { kind?: unknown }).kind;
    if (kind === 'EventList' && Array.isArray((doc as { items?: unknown }).items)) return undefined;
    if (kind === 'Event') return undefined;
  }
  return 'not an audit.k8s.io Event or EventList';
}
