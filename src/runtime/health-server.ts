// The service's web server (Falco's `webserver` keys): liveness on k8s_healthz_endpoint (/healthz), readiness
// on /readyz, Prometheus metrics on /metrics. Liveness answers {"status":"ok"} as Falco's does while the
// process works; readiness is 503 until the rules are loaded and the source runs, and again from the start
// of a shutdown, so a rollout drains traffic (the webhook) before the process stops; also while the source
// cannot read (refused credentials, a missing log group), with the reason. Liveness stays ok then: a restart
// would not fix either, and the source recovers by itself once they are fixed. An output that cannot deliver
// makes liveness say "degraded" (still 200), and readiness fails while every output's circuit is open. With webserver.token_file,
// /metrics (which shows which rules alert) and the source's detail on /readyz need the bearer token; the
// probes' answers do not, since the kubelet sends none.
import { MAX_CONFIG_FILE_BYTES, readFailure, readUpTo } from '../core/read-up-to.js';
import type * as NodeHttp from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type * as NodeHttps from 'node:https';
import { BearerToken } from '../core/bearer-token.js';
import { KawaError } from '../core/errors.js';
import type { MetricsRegistry } from '../core/metrics.js';
import type { WebserverConfig } from '../config/service-config.js';
import { lazyBuiltin } from '../core/lazy-builtin.js';

const http = lazyBuiltin<typeof NodeHttp>('node:http');
const https = lazyBuiltin<typeof NodeHttps>('node:https');

export class Health {
  ready = false;
  /** Set when the pipeline died: liveness fails, so the kubelet restarts the process. */
  failed: string | undefined;
  /** Why the source cannot read now (Source.unhealthy). */
  sourceProblem: () => string | undefined = () => undefined;
  /** The state of the source's parts (Source.detail), shown on /readyz. */
  sourceDetail: () => Record<string, unknown> | undefined = () => undefined;
  /** The outputs that cannot deliver now, with why (liveness: degraded). */
  outputProblems: () => Record<string, string> = () => ({});
  /** Why no output can take an alert now (readiness fails), if so. */
  outputsBlocked: () => string | undefined = () => undefined;

  /** Undefined when ready, else why not. */
  notReady(): string | undefined {
    if (this.failed) return this.failed;
    if (!this.ready) return 'starting or stopping';
    const source = this.sourceProblem();
    if (source) return source;
    // alerts go nowhere: not ready (the webhook's API server keeps its events and retries meanwhile)
    return this.outputsBlocked();
  }
}

export interface ServiceServer {
  readonly url: string;
  readonly port: number;
  close(): Promise<void>;
}

export async function startServiceServer(config: WebserverConfig, health: Health, metrics?: MetricsRegistry): Promise<ServiceServer> {
  const token = config.tokenFile ? BearerToken.fromFile(config.tokenFile, 'webserver.token_file') : undefined;
  const authorized = (req: IncomingMessage) => !token || token.accepts(req.headers.authorization);
  const handler = (req: IncomingMessage, res: ServerResponse) => {
    const path = (req.url ?? '/').split('?')[0];
    const reply = (code: number, body: string, type = 'application/json') => {
      res.writeHead(code, { 'content-type': type, 'content-length': Buffer.byteLength(body) }).end(body);
    };
    if (req.method !== 'GET' && req.method !== 'HEAD') return reply(405, '{"status":"method not allowed"}');
    if (path === config.healthzEndpoint) {
      if (health.failed) return reply(503, JSON.stringify({ status: 'failed', reason: health.failed }));
      // a failing output is degraded, not dead: restarting kawa would not bring its receiver back
      const outputs = health.outputProblems();
      return Object.keys(outputs).length ? reply(200, JSON.stringify({ status: 'degraded', outputs })) : reply(200, '{"status":"ok"}');
    }
    if (path === '/readyz') {
      const reason = health.notReady();
      const detail = authorized(req) ? health.sourceDetail() : undefined;
      const body = reason === undefined ? { status: 'ready', ...(detail ? { source: detail } : {}) } : { status: 'not ready', reason, ...(detail ? { source: detail } : {}) };
      return reply(reason === undefined ? 200 : 503, JSON.stringify(body));
    }
    if (path === '/metrics' && metrics && config.metricsEnabled) {
      if (!authorized(req)) {
        res.setHeader('www-authenticate', 'Bearer');
        return reply(401, '{"status":"missing or wrong bearer token"}');
      }
      metrics.text().then(
        (text) => reply(200, text, metrics.contentType),
        (e: Error) => reply(500, JSON.stringify({ status: e.message })),
      );
      return;
    }
    reply(404, '{"status":"not found"}');
  };
  let server: Server;
  if (config.sslEnabled) {
    let pem: Buffer;
    try {
      pem = readUpTo(config.sslCertificate, MAX_CONFIG_FILE_BYTES);
    } catch (e) {
      throw new KawaError('KAWA_ERR_CONFIG', `webserver.ssl_certificate: cannot read ${config.sslCertificate}: ${readFailure(e)}`);
    }
    server = https().createServer({ key: pem, cert: pem }, handler);
  } else {
    server = http().createServer(handler);
  }
  await new Promise<void>((resolve, reject) => {
    server.once('error', (e: NodeJS.ErrnoException) =>
      reject(new KawaError('KAWA_ERR_CONFIG', `webserver: cannot listen on ${config.listenAddress}:${config.listenPort}: ${e.code ?? e.message}`)));
    server.listen(config.listenPort, config.listenAddress, resolve);
  });
  const port = (server.address() as { port: number }).port;
  const host = config.listenAddress.includes(':') ? `[${config.listenAddress}]` : config.listenAddress;
  return {
    url: `${config.sslEnabled ? 'https' : 'http'}://${host}:${port}`,
    port,
    close: () => new Promise<void>((r) => {
      server.closeAllConnections();
      server.close(() => r());
    }),
  };
}
