// The control API over HTTP, on reserved paths the AWS SDK never uses (so it shares the port):
//
//   GET  /_emu/health                         {ok, serverTime}
//   GET  /_emu/config        POST /_emu/config {patch}        current / merged configuration
//   POST /_emu/reset                          data, stats, log and config back to the start state
//   GET  /_emu/clock         POST /_emu/clock {advanceMs}      server time; advance a virtual clock
//   POST /_emu/events        {group, events:[...]}, or NDJSON lines with ?group=&stream=   direct insert
//   GET  /_emu/faults  POST /_emu/faults [rules] | {rules}  DELETE /_emu/faults
//   POST /_emu/tokens/invalidate
//   GET  /_emu/generators    POST /_emu/rotate {group?}
//   GET  /_emu/truth?group=&accessKeyId=&region=&messages=1   NDJSON, one stored event per line
//   GET  /_emu/stats
//   GET  /_emu/requests?since=<id>
//
// Errors: 400 {"error": "<KAWA code>", "message": "..."}; unknown path 404.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { KawaError } from '../core/errors.js';
import type { EmulatorControl } from './control.js';
import type { FaultRule } from './config.js';
import { parseEventLines, type InsertRequest } from './insert.js';
import { send, sendJson } from './http-io.js';

export const CONTROL_PREFIX = '/_emu/';

type Handler = (c: EmulatorControl, q: URLSearchParams, body: () => unknown, raw: string, req: IncomingMessage) => unknown;

const routes: Record<string, Handler> = {
  'GET health': (c) => ({ ok: true, serverTime: c.now() }),
  'GET config': (c) => c.config(),
  'POST config': (c, _q, body) => c.configure(body()),
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
      for (const k of ['accessKeyId', 'region'] as const) if (q.has(k)) request[k] = q.get(k)!;
      if (q.has('stream')) request.defaultStream = q.get('stream')!;
      return c.insert(request);
    }
    return c.insert(body() as InsertRequest);
  },
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
  'GET requests': (c, q) => c.requests(Number(q.get('since') ?? 0)),
};

export async function handleControl(control: EmulatorControl, req: IncomingMessage, res: ServerResponse, raw: string): Promise<void> {
  const url = new URL(req.url ?? '/', 'http://emulator');
  const path = url.pathname.slice(CONTROL_PREFIX.length).replace(/\/$/, '');
  const q = url.searchParams;
  if (req.method === 'GET' && path === 'truth') {
    const lines = control.truth({
      group: q.get('group') ?? undefined, accessKeyId: q.get('accessKeyId') ?? undefined, region: q.get('region') ?? undefined,
      includeMessages: q.get('messages') === '1',
    }).map((e) => JSON.stringify(e));
    send(res, 200, { 'content-type': 'application/x-ndjson' }, lines.length ? `${lines.join('\n')}\n` : '');
    return;
  }
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
    sendJson(res, 200, route(control, q, body, raw, req));
  } catch (e) {
    if (e instanceof KawaError) sendJson(res, 400, { error: e.code, message: e.message });
    else if (e instanceof Error && e.name !== 'Error') sendJson(res, 400, { error: e.name, message: e.message });
    else sendJson(res, 400, { error: 'KAWA_ERR_USAGE', message: e instanceof Error ? e.message : String(e) });
  }
}
