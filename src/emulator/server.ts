// The HTTP front: /_emu/* goes to the control API, form-encoded requests (the query protocol) to STS
// (sts.ts), everything else is the CloudWatch Logs AWS JSON 1.1 endpoint.
// Per Logs request: target → operation, SigV4 credential scope → caller and namespace (identity.ts; signature
// checked in strict mode), fault decision (quota, rules, latency), the deny list, then the operation, then the
// answer — possibly mangled by the chosen transport fault — and one request-log entry plus stats.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { randomUUID } from 'node:crypto';
import { credentialOf } from './identity.js';
import { verifySignature } from './sigv4.js';
import { errorXml, runSts, stsErrorOf } from './sts.js';
import { AwsError, serialization } from './aws-error.js';
import type { FaultKind } from './config.js';
import { EmulatorControl } from './control.js';
import { CONTROL_PREFIX, handleControl } from './control-routes.js';
import type { FaultDecision } from './faults.js';
import { awsHeaders, BodyBudget, BodyBudgetExhaustedError, BodyTooLargeError, readBody, send, sendRefusal } from './http-io.js';
import { OPERATION_HANDLERS, type OpContext } from './ops/index.js';
import type { EmulatorState } from './state.js';
import { isOpName, type Caller, type OpName } from './types.js';

const TARGET_PREFIX = 'Logs_20140328.';
/** A 1 MB PutLogEvents batch of escape-heavy text can be several MB of JSON. */
const MAX_AWS_BODY = 8 * 1024 * 1024;
/** Bulk inserts may be large, but not unbounded. */
const MAX_CONTROL_BODY = 256 * 1024 * 1024;
/** All bodies being read at once: one largest control body and a few AWS ones. */
const MAX_BODIES_IN_FLIGHT = MAX_CONTROL_BODY + 8 * MAX_AWS_BODY;
/** A refused upload is drained this long at most, then its connection is cut. */
const REFUSED_DRAIN_MS = 2_000;

export interface RunningServer {
  server: Server;
  port: number;
  url: string;
  close(): Promise<void>;
}

export function startServer(state: EmulatorState, host: string, port: number, bodiesInFlightBytes = MAX_BODIES_IN_FLIGHT): Promise<RunningServer> {
  const control = new EmulatorControl(state);
  const budget = new BodyBudget(bodiesInFlightBytes);
  const sockets = new Set<Socket>();
  const server = createServer((req, res) => {
    handle(state, control, budget, req, res).catch((e: unknown) => {
      // last resort: a bug must not take the server down, and the client must get an answer
      if (!res.headersSent) send(res, 500, awsHeaders(), JSON.stringify({ __type: 'InternalFailure', message: `emulator bug: ${e instanceof Error ? e.message : String(e)}` }));
      else res.destroy();
    });
  });
  server.keepAliveTimeout = 5_000;
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      const address = server.address();
      const actual = typeof address === 'object' && address ? address.port : port;
      const shownHost = host.includes(':') ? `[${host}]` : host;
      resolve({
        server, port: actual, url: `http://${shownHost}:${actual}`,
        // hanging requests never end on their own: destroy every socket so close() returns
        close: () => new Promise<void>((done) => {
          server.close(() => done());
          for (const s of sockets) s.destroy();
        }),
      });
    });
  });
}

async function handle(state: EmulatorState, control: EmulatorControl, budget: BodyBudget, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const isControl = (req.url ?? '/').startsWith(CONTROL_PREFIX);
  // the control API changes state: a page in a browser must not be able to drive it (no CORS, and a
  // cross-site request is refused before its body is read)
  if (isControl && isCrossSite(req)) {
    req.resume();
    send(res, 403, { 'content-type': 'application/json' }, JSON.stringify({ error: 'KAWA_ERR_USAGE', message: 'cross-site requests to the control API are refused' }));
    return;
  }
  let read: { body: Buffer; release: () => void };
  try {
    read = await readBody(req, isControl ? MAX_CONTROL_BODY : MAX_AWS_BODY, budget);
  } catch (e) {
    if (res.headersSent) return;
    if (e instanceof BodyTooLargeError) sendRefusal(req, res, 413, awsHeaders(), JSON.stringify({ __type: 'RequestEntityTooLargeException', message: e.message }), REFUSED_DRAIN_MS);
    else if (e instanceof BodyBudgetExhaustedError) sendRefusal(req, res, 503, awsHeaders({ 'retry-after': '1' }), JSON.stringify({ __type: 'ServiceUnavailableException', message: e.message }), REFUSED_DRAIN_MS);
    return;
  }
  res.on('close', read.release);
  const raw = read.body;
  if (isControl) return handleControl(control, req, res, raw.toString('utf8'));
  if (isStsRequest(req)) return handleSts(state, req, res, raw);
  await handleAws(state, req, res, raw);
}

/** A browser names the page that made a request (Origin, Sec-Fetch-Site); curl and the SDKs send neither. */
function isCrossSite(req: IncomingMessage): boolean {
  const site = req.headers['sec-fetch-site'];
  if (site !== undefined && site !== 'same-origin' && site !== 'none') return true;
  const origin = req.headers.origin;
  if (origin === undefined) return false;
  try {
    return new URL(origin).host !== req.headers.host;
  } catch {
    return true;
  }
}

/** The query protocol: no X-Amz-Target, a form body (or an sts credential scope on an empty one). */
function isStsRequest(req: IncomingMessage): boolean {
  if (req.headers['x-amz-target'] !== undefined) return false;
  return /x-www-form-urlencoded/.test(String(req.headers['content-type'] ?? '')) || /Credential=[^/]+\/\d{8}\/[^/]+\/sts\//.test(String(req.headers.authorization ?? ''));
}

function sessionToken(req: IncomingMessage): string | undefined {
  const t = req.headers['x-amz-security-token'];
  return typeof t === 'string' ? t : undefined;
}

function handleSts(state: EmulatorState, req: IncomingMessage, res: ServerResponse, raw: Buffer): void {
  const started = performance.now();
  const arrivedAt = Date.now();
  const params = new URLSearchParams(raw.toString('utf8'));
  for (const [k, v] of new URL(req.url ?? '/', 'http://sts').searchParams) if (!params.has(k)) params.set(k, v);
  let caller: Caller | undefined;
  let outcome: Outcome;
  try {
    const cred = credentialOf(req.headers.authorization, 'sts');
    if (state.strict) verifySignature(req.method ?? 'POST', req.url ?? '/', req.headers, raw, (k) => state.secretOf(k));
    caller = state.identify(cred, sessionToken(req));
    const xml = runSts(state.config, state.sessions, caller, params);
    send(res, 200, { 'content-type': 'text/xml', 'x-amzn-requestid': randomUUID() }, xml);
    outcome = { status: 200, events: 0, bytes: Buffer.byteLength(xml) };
  } catch (e) {
    const err = stsErrorOf(e);
    const xml = errorXml(err);
    send(res, err.status, { 'content-type': 'text/xml', 'x-amzn-requestid': randomUUID() }, xml);
    outcome = { status: err.status, error: err.code, events: 0, bytes: Buffer.byteLength(xml) };
  }
  record(state, req, params.get('Action') ?? '(none)', caller, arrivedAt, started, outcome);
}

interface Outcome {
  status: number;
  error?: string;
  fault?: FaultKind;
  events: number;
  bytes: number;
}

async function handleAws(state: EmulatorState, req: IncomingMessage, res: ServerResponse, raw: Buffer): Promise<void> {
  const started = performance.now();
  const arrivedAt = Date.now();
  const target = String(req.headers['x-amz-target'] ?? '');
  const opName = target.startsWith(TARGET_PREFIX) ? target.slice(TARGET_PREFIX.length) : '';
  const op: OpName | undefined = isOpName(opName) ? opName : undefined;
  let caller: Caller | undefined;
  let outcome: Outcome;
  try {
    if (req.method !== 'POST' || !op) throw new AwsError('UnknownOperationException', op ? 'Only POST is supported.' : `Unknown operation ${target || '(no X-Amz-Target header)'}`);
    const cred = credentialOf(req.headers.authorization, 'logs');
    if (state.strict) verifySignature(req.method!, req.url ?? '/', req.headers, raw, (k) => state.secretOf(k));
    caller = state.identify(cred, sessionToken(req));
    state.catchUp();
    const decision = state.faults.decide(op, state.store.namespaceKey(caller), state.now());
    if (decision.latencyMs > 0) await new Promise((r) => setTimeout(r, decision.latencyMs));
    outcome = await answer(state, op, caller, decision, raw, res);
  } catch (e) {
    outcome = sendError(res, e);
  }
  record(state, req, op ?? (opName || '(none)'), caller, arrivedAt, started, outcome);
}

/** One request-log entry and the stats of one AWS request. */
function record(state: EmulatorState, req: IncomingMessage, op: string, caller: Caller | undefined, arrivedAt: number, started: number, outcome: Outcome): void {
  const sdk = /attempt=(\d+);\s*max=(\d+)/.exec(String(req.headers['amz-sdk-request'] ?? ''));
  const entry = {
    at: arrivedAt, serverTime: state.now(), op, status: outcome.status,
    ...(outcome.error ? { error: outcome.error } : {}), ...(outcome.fault ? { fault: outcome.fault } : {}),
    ...(caller ? { accessKeyId: caller.accessKeyId, region: caller.region, account: caller.account } : {}),
    ...(sdk ? { attempt: Number(sdk[1]), maxAttempts: Number(sdk[2]) } : {}),
    ...(req.headers['amz-sdk-invocation-id'] ? { invocationId: String(req.headers['amz-sdk-invocation-id']) } : {}),
    latencyMs: Math.round((performance.now() - started) * 10) / 10, events: outcome.events, bytes: outcome.bytes,
  };
  state.requestLog.add(entry);
  state.stats.record(entry.op, { atMs: arrivedAt, account: caller?.account, error: outcome.error, fault: outcome.fault, events: outcome.events, bytes: outcome.bytes });
}

/** Runs the operation unless a fault replaces the answer; returns what was sent. */
async function answer(state: EmulatorState, op: OpName, caller: Caller, decision: FaultDecision, raw: Buffer, res: ServerResponse): Promise<Outcome> {
  const fault = decision.fault;
  if (fault && fault.kind !== 'partialBodyReset') return sendFault(op, fault.kind, fault.retryAfterMs, res, caller);
  let body: Record<string, unknown>;
  try {
    const parsed: unknown = raw.length === 0 ? {} : JSON.parse(raw.toString('utf8'));
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new Error('not an object');
    body = parsed as Record<string, unknown>;
  } catch {
    throw serialization('Request body is not a valid JSON object.');
  }
  const ctx: OpContext = {
    caller, config: state.config, store: state.store, now: state.now(), visibility: state.visibility,
    random: state.pageRandom, tokenEpoch: state.tokenEpoch, served: (e) => state.served(e),
  };
  const result = OPERATION_HANDLERS[op](ctx, body);
  const buf = Buffer.from(result.body, 'utf8');
  if (fault?.kind === 'partialBodyReset') {
    // the full length is announced, half is sent, then the connection dies mid-body
    res.writeHead(200, { ...awsHeaders(), 'content-length': String(buf.length) });
    res.write(buf.subarray(0, buf.length >> 1));
    setImmediate(() => res.destroy());
    return { status: 200, fault: 'partialBodyReset', events: 0, bytes: buf.length >> 1 };
  }
  send(res, 200, awsHeaders(), buf);
  return { status: 200, events: result.events ?? 0, bytes: buf.length };
}

const HTML = (status: number, text: string) => `<html>\r\n<head><title>${status} ${text}</title></head>\r\n<body>\r\n<center><h1>${status} ${text}</h1></center>\r\n</body>\r\n</html>\r\n`;

function sendFault(op: OpName, kind: FaultKind, retryAfterMs: number | undefined, res: ServerResponse, caller: Caller): Outcome {
  const retryHeaders: Record<string, string> = retryAfterMs === undefined ? {} : { 'x-amz-retry-after': String(retryAfterMs) };
  const json = (status: number, type: string, message: string, headers: Record<string, string> = {}): Outcome => {
    const body = JSON.stringify({ __type: type, message });
    send(res, status, awsHeaders(headers), body);
    return { status, error: type, fault: kind, events: 0, bytes: body.length };
  };
  const html = (status: number, text: string): Outcome => {
    send(res, status, { 'content-type': 'text/html' }, HTML(status, text));
    return { status, fault: kind, events: 0, bytes: 0 };
  };
  switch (kind) {
    case 'throttle': return json(400, 'ThrottlingException', 'Rate exceeded', retryHeaders);
    case 'limitExceeded': return json(400, 'LimitExceededException', 'Rate exceeded', retryHeaders);
    case 'tooManyRequests': return json(429, 'TooManyRequestsException', 'Too Many Requests', retryHeaders);
    case 'internalFailure': return json(500, 'InternalFailure', 'The request processing has failed because of an unknown error, exception or failure.');
    case 'serviceUnavailable': return json(503, 'ServiceUnavailableException', 'The service cannot complete the request.');
    case 'serviceUnavailable400': return json(400, 'ServiceUnavailableException', 'The service cannot complete the request.');
    case 'accessDenied': return json(400, 'AccessDeniedException', `User: ${caller.arn} is not authorized to perform: logs:${op}`);
    case 'expiredToken': return json(400, 'ExpiredTokenException', 'The security token included in the request is expired');
    case 'badGatewayHtml': return html(502, 'Bad Gateway');
    case 'gatewayTimeoutHtml': return html(504, 'Gateway Time-out');
    case 'emptyBody500':
      send(res, 500, awsHeaders(), '');
      return { status: 500, fault: kind, events: 0, bytes: 0 };
    case 'resetBeforeHeaders':
      res.socket?.destroy();
      return { status: 0, fault: kind, events: 0, bytes: 0 };
    case 'hang':
      // no answer at all; the socket is destroyed by the client's timeout or by close()
      return { status: 0, fault: kind, events: 0, bytes: 0 };
    default:
      throw new Error(`unhandled fault ${kind}`);
  }
}

function sendError(res: ServerResponse, e: unknown): Outcome {
  if (!(e instanceof AwsError)) throw e;
  const body = JSON.stringify({ __type: e.type, message: e.message });
  send(res, e.status, awsHeaders(e.headers), body);
  return { status: e.status, error: e.type, events: 0, bytes: body.length };
}
