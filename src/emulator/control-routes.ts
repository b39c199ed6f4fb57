// The control API over HTTP, on reserved paths the AWS SDK never uses (so it shares the port):
//
//   GET  /_emu/health                         {ok, serverTime}
//   GET  /_emu/config        POST /_emu/config {patch}        current / merged configuration (secrets redacted)
//   POST /_emu/reset                          data, stats, log and config back to the start state
//   GET  /_emu/clock         POST /_emu/clock {advanceMs}      server time; advance a virtual clock
//   POST /_emu/events        {group, events:[...]}, or NDJSON lines with ?group=&stream=   direct insert
//   POST /_emu/groups {group, accessKeyId?|account?, region?}   DELETE /_emu/groups (same body, or query)
//   GET  /_emu/denied  POST /_emu/denied {group, account?, region?} | [rules]  DELETE /_emu/denied (filter body or query)
//   POST /_emu/sts/expire {roleArn?}            every STS session (of a role) expires now
//   GET  /_emu/faults  POST /_emu/faults [rules] | {rules}  DELETE /_emu/faults
//   POST /_emu/tokens/invalidate
//   GET  /_emu/generators    POST /_emu/rotate {group?}
//   GET  /_emu/truth?group=&accessKeyId=|account=&region=&messages=1   NDJSON, one stored event per line
//   GET  /_emu/stats
//   GET  /_emu/requests?since=<id>
//
// Errors: 400 {"error": "<KAWA code>", "message": "..."}; unknown path 404; a request a browser made from
// another site (Origin, Sec-Fetch-Site) 403, before its body is read (server.ts).
import type { IncomingMessage, ServerResponse } from 'node:http';
import { KawaError } from '../core/errors.js';
import type { EmulatorControl, NamespacedGroup } from './control.js';
import type { DenyRule, EmulatorConfig, FaultRule } from './config.js';
import { parseEventLines, type InsertRequest } from './insert.js';
import { send, sendJson } from './http-io.js';

export const CONTROL_PREFIX = '/_emu/';

type Handler = (c: EmulatorControl, q: URLSearchParams, body: () => unknown, raw: string, req: IncomingMessage) => unknown;

/** An answer sent as NDJSON lines instead of one JSON value. */
class Ndjson {
  constructor(readonly lines: string[]) {}
}

const routes: Record<string, Handler> = {
  'GET health': (c) => ({ ok: true, serverTime: c.now() }),
  'GET config': (c) => withoutSecrets(c.config()),
  'POST config': (c, _q, body) => withoutSecrets(c.configure(body())),
  'POST reset': (c) => (c.reset(), { ok: true }),
  'GET clock': (c) => ({ serverTime: c.now() }),
  'POST clock': (c, _q, body) => {
    const b = body() as { advanceMs?: unknown };
    if (typeof b?.advanceMs !== 'number') throw new KawaError('KAWA_ERR_USAGE', 'POST /_emu/clock expects {"advanceMs": <ms>}');
    return { serverTime: c.advanceClock(b.advanceMs) };
  },
  'POST events': (c, q, body, raw, req) => {
    // NDJSON lines when the query names the group (curl --data-binary @file works whatever its content type)
    if (q.has('group') || /ndjson|jsonl/.test(req.headers['content-type'] ?? '')) {
      const request: InsertRequest = { group: q.get('group') ?? '', events: parseEventLines(raw, c.now()) };
      for (const k of ['accessKeyId', 'account', 'region'] as const) if (q.has(k)) request[k] = q.get(k)!;
      if (q.has('stream')) request.defaultStream = q.get('stream')!;
      return c.insert(request);
    }
    return c.insert(body() as InsertRequest);
  },
  'POST groups': (c, _q, body) => c.createGroup(body() as NamespacedGroup),
  'DELETE groups': (c, q, body) => c.deleteGroup(fromQuery(q, body) as unknown as NamespacedGroup),
  'GET denied': (c) => c.denied(),
  'POST denied': (c, _q, body) => {
    const b = body();
    return Array.isArray(b) ? c.setDenied(b) : c.deny(b as DenyRule);
  },
  'DELETE denied': (c, q, body) => c.allow(fromQuery(q, body) as Partial<DenyRule>),
  'POST sts/expire': (c, _q, body) => c.expireSessions((body() as { roleArn?: string }).roleArn),
  'GET faults': (c) => c.activeFaults(),
  'POST faults': (c, _q, body) => {
    const b = body() as FaultRule[] | { rules?: FaultRule[] };
    const rules = Array.isArray(b) ? b : b?.rules;
    if (!Array.isArray(rules)) throw new KawaError('KAWA_ERR_USAGE', 'POST /_emu/faults expects an array of fault rules or {"rules": [...]}');
    c.addFaults(rules);
    return c.activeFaults();
  },
  'DELETE faults': (c) => (c.clearFaults(), { ok: true }),
  'POST tokens/invalidate': (c) => (c.invalidateTokens(), { ok: true }),
  'GET generators': (c) => c.generators(),
  'POST rotate': (c, _q, body) => c.rotateStreams((body() as { group?: string } | undefined)?.group),
  'GET stats': (c) => c.stats(),
  'GET truth': (c, q) => new Ndjson(c.truth({
    group: q.get('group') ?? undefined, accessKeyId: q.get('accessKeyId') ?? undefined, account: q.get('account') ?? undefined, region: q.get('region') ?? undefined,
    includeMessages: q.get('messages') === '1',
  }).map((e) => JSON.stringify(e))),
  'GET requests': (c, q) => c.requests(Number(q.get('since') ?? 0)),
};

/** The configuration as the control API shows it: which access keys are strict, never their secrets. */
function withoutSecrets(c: EmulatorConfig): EmulatorConfig {
  return { ...c, secretAccessKeys: Object.fromEntries(Object.keys(c.secretAccessKeys).map((k) => [k, '[redacted]'])) };
}

/** A body's fields, or the query's when the body is empty (DELETE with curl -X DELETE '...?group=...'). */
function fromQuery(q: URLSearchParams, body: () => unknown): Record<string, string> {
  const b = body();
  if (b && typeof b === 'object' && Object.keys(b).length) return b as Record<string, string>;
  return Object.fromEntries(q);
}

export async function handleControl(control: EmulatorControl, req: IncomingMessage, res: ServerResponse, raw: string): Promise<void> {
  const url = new URL(req.url ?? '/', 'http://emulator');
  const path = url.pathname.slice(CONTROL_PREFIX.length).replace(/\/$/, '');
  const q = url.searchParams;
  const route = routes[`${req.method} ${path}`];
  if (!route) {
    sendJson(res, 404, { error: 'KAWA_ERR_USAGE', message: `no control route ${req.method} ${CONTROL_PREFIX}${path}` });
    return;
  }
  const body = () => {
    if (raw.trim() === '') return {};
    try {
      return JSON.parse(raw) as unknown;
    } catch {
      throw new KawaError('KAWA_ERR_INPUT_READ', 'control request body is not valid JSON');
    }
  };
  try {
    const answer = route(control, q, body, raw, req);
    if (answer instanceof Ndjson) send(res, 200, { 'content-type': 'application/x-ndjson' }, answer.lines.length ? `${answer.lines.join('\n')}\n` : '');
    else sendJson(res, 200, answer);
  } catch (e) {
    if (e instanceof KawaError) sendJson(res, 400, { error: e.code, message: e.message });
    else if (e instanceof Error && e.name !== 'Error') sendJson(res, 400, { error: e.name, message: e.message });
    else sendJson(res, 400, { error: 'KAWA_ERR_USAGE', message: e instanceof Error ? e.message : String(e) });
  }
}
