// The audit webhook source: the Kubernetes API server's webhook backend (--audit-webhook-config-file) POSTs
// audit.k8s.io EventLists here, as it does to the k8saudit plugin's server.
//
//   POST <path>       body: an EventList, an Event, or a JSON array of them (≤ max_body_bytes)
//     200             the events were evaluated and their alerts accepted by the outputs (the batch's ack)
//     400             the engine found the body not JSON, or not an Event/EventList: the same verdict as for
//                     the same bytes read from a file (the engine parses and classifies every source's payloads)
//     503             the events could not be evaluated (a worker failed twice on them): the API server retries
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
import { AsyncQueue } from '../../core/async-queue.js';
import { KawaError } from '../../core/errors.js';
import type { Evaluation, Source, SourceBatch } from '../../pipeline/types.js';
import type { Logger } from '../../core/logger.js';
import type { MetricsRegistry } from '../../core/metrics.js';
import { webhookMetrics } from './metrics.js';
import { readSecretFile, type WebhookConfig } from './config.js';

interface Pending {
  batch: SourceBatch;
  reject(code: number, message: string): void;
}

/** What the engine's verdict on a whole body means for the API server. */
const BODY_REJECTED: Record<string, string> = {
  parse: 'not valid JSON',
  unrecognized: 'not an audit.k8s.io Event or EventList',
};

export class WebhookSource implements Source {
  readonly name = 'webhook';
  private readonly queue: AsyncQueue<Pending>;
  private closed = false;
  private requests = 0;
  private server!: Server;
  private token: Buffer | undefined;
  url = '';
  port = 0;

  private readonly metrics: ReturnType<typeof webhookMetrics> | undefined;

  private constructor(private readonly config: WebhookConfig, private readonly logger?: Logger, registry?: MetricsRegistry) {
    this.metrics = registry ? webhookMetrics(registry) : undefined;
    this.queue = new AsyncQueue<Pending>({ maxItems: config.queue });
  }

  static async start(config: WebhookConfig, opts: { logger?: Logger; metrics?: MetricsRegistry } = {}): Promise<WebhookSource> {
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
    this.metrics?.requests.inc({ code: String(code) });
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
    const n = ++this.requests;
    const from = req.socket.remoteAddress ?? '?';
    // the engine's verdict on the whole body (settle comes before ack): a body it could not read at all is
    // the client's error; events it rejected one by one inside a good body are reported and counted
    let verdict: { code: number; message: string } | undefined;
    const pending: Pending = {
      batch: {
        data: body,
        offsets: Uint32Array.of(0, body.length),
        count: 1,
        arrivalNs: BigInt64Array.of(BigInt(Date.now()) * 1_000_000n),
        origin: () => `webhook request ${n} from ${from}`,
        settle: (result: Evaluation | undefined) => {
          // undefined: the evaluator gave up on the body (a worker died twice); the API server may retry
          if (!result) verdict = { code: 503, message: 'the events could not be evaluated' };
          const whole = result?.rejections.find((r) => r.payload === 0 && BODY_REJECTED[r.reason]);
          if (whole) verdict = { code: 400, message: BODY_REJECTED[whole.reason]! };
        },
        ack: () => (verdict ? this.reply(res, verdict.code, verdict.message) : this.reply(res, 200, 'ok')),
      },
      reject: (code, message) => this.reply(res, code, message),
    };
    // wait for room rather than drop: the API server keeps the events until we answer
    if (!(await this.queue.put(pending))) this.reply(res, 503, 'shutting down');
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
    for await (const next of this.queue) yield next.batch;
  }

  /** Stops accepting requests; queued ones not yet taken get 503, taken ones are answered on their ack. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const p of this.queue.abandon()) p.reject(503, 'shutting down');
    // idle keep-alive connections close now, busy ones once their answer is sent
    this.server.close();
    this.server.closeIdleConnections();
  }
}
