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
//     415             the body is compressed (Content-Encoding other than identity): send it as plain JSON
//     429             full: more than max_connections connections, or the body does not fit in what is left
//                     of max_inflight_bytes; with Retry-After, before the body is read (the API server retries)
//     408             headers and body did not all arrive within request_timeout_ms (slow clients are cut)
//     503             kawa is shutting down before the request's events were taken (the API server retries)
//
// No event is dropped when the pipeline is busy: an admitted request holds its answer until there is room in
// the source's queue (and then until its batch is acknowledged), so the API server's own buffering and
// retries absorb bursts. Memory stays bounded meanwhile: a body is admitted (its declared length, or
// max_body_bytes when it declares none, reserved) only while the bodies held fit in max_inflight_bytes; one
// body is always admitted when none is held, so any body up to max_body_bytes gets through. At shutdown,
// connections without a request being evaluated are closed at once, so an idle or half-sent connection
// cannot hold the process. TLS with ssl_certificate/ssl_key; client certificates with client_ca.
import { createServer as createHttp, STATUS_CODES, type IncomingMessage, type Server, type ServerOptions, type ServerResponse } from 'node:http';
import { createServer as createHttps } from 'node:https';
import { AsyncQueue } from '../../core/async-queue.js';
import { KawaError } from '../../core/errors.js';
import type { Evaluation, Source, SourceBatch } from '../../pipeline/types.js';
import type { Logger } from '../../core/logger.js';
import type { MetricsRegistry } from '../../core/metrics.js';
import { webhookMetrics } from './metrics.js';
import type { Socket } from 'node:net';
import { DEFAULT_MAX_CONNECTIONS, DEFAULT_MAX_INFLIGHT_BYTES, DEFAULT_REQUEST_TIMEOUT_MS, readSecretFile, type WebhookConfig } from './config.js';
import { BearerToken, isLoopback } from '../../core/bearer-token.js';

/** Seconds a refused (full) client is told to wait: the pipeline drains a body in well under that. */
const RETRY_AFTER_S = 1;

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
  private token: BearerToken | undefined;
  /**
   * Open connections by peer address: the TCP socket, seen before any TLS, and a TLS request's socket
   * (a wrapper of it) share the peer, so one key names the connection whether or not it is TLS.
   */
  private readonly sockets = new Map<string, Socket>();
  /** Requests taken for evaluation, by connection: at shutdown they get their answer, the others are closed. */
  private readonly evaluating = new Map<string, number>();
  private inflight = 0;
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
    if (c.tokenFile) this.token = BearerToken.fromFile(c.tokenFile, 'webhook.token_file');
    const handler = (req: IncomingMessage, res: ServerResponse) => void this.handle(req, res);
    const timeout = c.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS;
    // node checks the deadline every connectionsCheckingInterval (default 30 s): check often enough to keep it
    const http: ServerOptions = { requestTimeout: timeout, headersTimeout: timeout, connectionsCheckingInterval: Math.min(1000, timeout) };
    if (c.sslCertificate) {
      const cert = readSecretFile(c.sslCertificate, 'ssl_certificate');
      this.server = createHttps({
        ...http,
        cert,
        key: c.sslKey ? readSecretFile(c.sslKey, 'ssl_key') : cert,
        ...(c.clientCa ? { ca: readSecretFile(c.clientCa, 'client_ca'), requestCert: true, rejectUnauthorized: true } : {}),
      }, handler);
    } else {
      if (c.clientCa) throw new KawaError('KAWA_ERR_CONFIG', 'webhook.client_ca needs TLS: set webhook.ssl_certificate');
      this.server = createHttp(http, handler);
    }
    this.server.on('connection', (s: Socket) => {
      const key = peer(s);
      this.sockets.set(key, s);
      this.metrics?.connections.set(this.sockets.size);
      s.once('close', () => {
        this.sockets.delete(key);
        this.metrics?.connections.set(this.sockets.size);
      });
    });
    this.server.on('clientError', (e: NodeJS.ErrnoException, s: Socket) => this.clientError(e, s));
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', (e: NodeJS.ErrnoException) =>
        reject(new KawaError('KAWA_ERR_CONFIG', `webhook: cannot listen on ${c.listenAddress}:${c.listenPort}: ${e.code ?? e.message}`)));
      this.server.listen(c.listenPort, c.listenAddress, resolve);
    });
    this.port = (this.server.address() as { port: number }).port;
    const host = c.listenAddress === '0.0.0.0' ? '127.0.0.1' : c.listenAddress.includes(':') ? `[${c.listenAddress}]` : c.listenAddress;
    this.url = `${c.sslCertificate ? 'https' : 'http'}://${host}:${this.port}${c.path}`;
    const authentication = [c.clientCa && 'client certificate', this.token && 'bearer token'].filter(Boolean).join(' + ') || 'none';
    this.logger?.info({ listen: `${c.listenAddress}:${this.port}`, url: this.url, tls: !!c.sslCertificate, authentication }, 'audit webhook listening');
    if (!isLoopback(c.listenAddress) && authentication === 'none') {
      this.logger?.warn({ listen: `${c.listenAddress}:${this.port}` },
        'audit webhook reachable beyond this host without authentication: anyone who reaches it can post audit events; set webhook.token_file or webhook.client_ca');
    }
  }

  private reply(res: ServerResponse, code: number, message: string, headers: Record<string, string | number> = {}): void {
    this.metrics?.requests.inc({ code: String(code) });
    if (res.headersSent || res.destroyed) return;
    const body = JSON.stringify(code === 200 ? { status: 'ok' } : { status: 'error', message });
    // a closing webhook keeps no connection open after its answer
    const close = code === 413 || code === 429 || this.closed;
    res.writeHead(code, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), ...(close ? { connection: 'close' } : {}), ...headers });
    res.end(body);
  }

  /**
   * 429 with Retry-After, once the body has been read and thrown away (no memory held; request_timeout_ms
   * bounds the time): answering earlier and closing would make a client still sending see a reset, not 429.
   */
  private refuse(req: IncomingMessage, res: ServerResponse, message: string): void {
    req.once('end', () => this.reply(res, 429, message, { 'retry-after': RETRY_AFTER_S }));
    req.resume();
  }

  /**
   * Node's answer to a broken or too slow request, counted: 408 past request_timeout_ms, 431 for headers
   * too large, 400 for anything else the parser refuses; nothing to a client that went away.
   */
  private clientError(e: NodeJS.ErrnoException, s: Socket): void {
    if (e.code !== 'ECONNRESET') {
      const code = e.code === 'ERR_HTTP_REQUEST_TIMEOUT' ? 408 : e.code === 'HPE_HEADER_OVERFLOW' ? 431 : 400;
      this.metrics?.requests.inc({ code: String(code) });
      if (s.writable && s.bytesWritten === 0) s.write(`HTTP/1.1 ${code} ${STATUS_CODES[code]}\r\nConnection: close\r\n\r\n`);
    }
    s.destroy();
  }

  /**
   * Reserves room for the body: its declared length, or max_body_bytes for one without. False when it does
   * not fit; the reservation is freed when the request is answered or its connection closes.
   */
  private admit(req: IncomingMessage, res: ServerResponse): boolean {
    const c = this.config;
    const declared = req.headers['content-length'] !== undefined ? Number(req.headers['content-length']) : c.maxBodyBytes;
    if (this.inflight > 0 && this.inflight + declared > (c.maxInflightBytes ?? DEFAULT_MAX_INFLIGHT_BYTES)) return false;
    this.inflight += declared;
    this.metrics?.inflightBytes.set(this.inflight);
    res.once('close', () => {
      this.inflight -= declared;
      this.metrics?.inflightBytes.set(this.inflight);
    });
    return true;
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const c = this.config;
    if ((req.url ?? '/').split('?')[0] !== c.path) return this.reply(res, 404, `not found; the audit webhook is ${c.path}`);
    if (req.method !== 'POST') return this.reply(res, 405, 'POST audit events here');
    if (this.token && !this.token.accepts(req.headers.authorization)) {
      res.setHeader('www-authenticate', 'Bearer');
      return this.reply(res, 401, 'missing or wrong bearer token');
    }
    if (this.closed) return this.reply(res, 503, 'shutting down');
    const encoding = req.headers['content-encoding'];
    if (encoding !== undefined && encoding.trim().toLowerCase() !== 'identity') {
      // said as what it is, not as "not valid JSON"; the body is left unread, so the connection goes with it
      res.on('finish', () => req.socket.destroy());
      return this.reply(res, 415, `Content-Encoding ${encoding} is not accepted: send the audit events as plain JSON`);
    }
    const declared = Number(req.headers['content-length'] ?? 0);
    if (declared > c.maxBodyBytes) {
      res.on('finish', () => req.socket.destroy());
      return this.reply(res, 413, `body larger than ${c.maxBodyBytes} bytes`);
    }
    const maxConnections = c.maxConnections ?? DEFAULT_MAX_CONNECTIONS;
    if (this.sockets.size > maxConnections) return this.refuse(req, res, `more than ${maxConnections} connections open; retry later`);
    if (!this.admit(req, res)) return this.refuse(req, res, 'request bodies in flight fill webhook.max_inflight_bytes; retry later');
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
          const whole = result?.rejections.find((r) => r.payload === 0 && !r.listItem && BODY_REJECTED[r.reason]);
          if (whole) verdict = { code: 400, message: BODY_REJECTED[whole.reason]! };
        },
        ack: () => (verdict ? this.reply(res, verdict.code, verdict.message) : this.reply(res, 200, 'ok')),
      },
      reject: (code, message) => this.reply(res, code, message),
    };
    // wait for room rather than drop: the API server keeps the events until we answer
    const key = peer(req.socket);
    this.evaluating.set(key, (this.evaluating.get(key) ?? 0) + 1);
    res.once('close', () => {
      const left = this.evaluating.get(key)! - 1;
      if (left) this.evaluating.set(key, left);
      else this.evaluating.delete(key);
    });
    if (!(await this.queue.put(pending))) this.reply(res, 503, 'shutting down');
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
    // connections without a request being evaluated (idle keep-alive, nothing sent yet, a body half sent)
    // close now: none holds work of ours, and an open one would keep the process from exiting. The others
    // close once their answer is sent (reply() adds `connection: close`).
    this.server.close();
    for (const [key, s] of this.sockets) if (!this.evaluating.has(key)) s.destroy();
  }
}

/** A connection's peer, `address:port`: unique among the open connections to one listening socket. */
function peer(s: Socket): string {
  return `${s.remoteAddress}:${s.remotePort}`;
}
