// The CloudWatch emulator under hostile requests (issue 15, item 13): an oversized request gets a 413 it can
// read (not a reset), large concurrent bodies share a budget (503 + Retry-After beyond it), a browser page on
// another site cannot drive the control API, and the control API never shows secret access keys.
import { request } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { startEmulator, type RunningEmulator } from '../../src/emulator/index.js';

let emu: RunningEmulator | undefined;
afterEach(async () => {
  await emu?.close();
  emu = undefined;
});

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/**
 * Sends `chunks` one after another (chunked encoding unless `contentLength` is given), pausing `gapMs`
 * between them and before the last until `beforeLast` settles, and resolves with the answer once the
 * connection is closed, or rejects with the socket error a reset gives if no answer came.
 *
 * An answer may come while the body is still being sent (a refusal); waiting for the close keeps the rest
 * of the upload from outliving the test, where the server's close() resets it. A connection of its own
 * (no keep-alive agent) because Node's client can lose a reset that comes as the request finishes on a
 * socket about to go back to the agent: the socket is left without an 'error' listener, and the error is
 * thrown from the event loop.
 */
function post(url: string, path: string, chunks: Buffer[], o: { headers?: Record<string, string>; contentLength?: number; gapMs?: number; beforeLast?: Promise<unknown> } = {}): Promise<Answer> {
  return new Promise((resolve, reject) => {
    let answer: Answer | undefined;
    let failure: Error | undefined;
    const req = request(`${url}${path}`, {
      method: 'POST',
      agent: false,
      headers: { 'content-type': 'application/json', ...(o.contentLength !== undefined ? { 'content-length': String(o.contentLength) } : {}), ...o.headers },
    }, (res) => {
      let body = '';
      res.on('data', (d: Buffer) => (body += d.toString()));
      res.on('error', (e) => (failure ??= e));
      res.on('end', () => (answer = { status: res.statusCode!, headers: res.headers, body }));
    });
    req.on('error', (e) => (failure ??= e));
    req.on('close', () => (answer ? resolve(answer) : reject(failure ?? new Error('the connection closed without an answer'))));
    void (async () => {
      for (const [i, c] of chunks.entries()) {
        if (i === chunks.length - 1) await o.beforeLast;
        if (req.destroyed) return;
        req.write(c);
        if (o.gapMs) await new Promise((r) => setTimeout(r, o.gapMs));
      }
      if (!req.destroyed) req.end();
    })();
  });
}

const MiB = 1024 * 1024;

describe('the emulator under hostile requests', () => {
  it('answers 413 to an oversized request, declared or streamed, and the client reads it', async () => {
    emu = await startEmulator();
    const declared = await post(emu.url, '/', Array.from({ length: 9 }, () => Buffer.alloc(MiB, 0x20)), { contentLength: 9 * MiB, headers: { 'x-amz-target': 'Logs_20140328.PutLogEvents' } });
    expect(declared.status).toBe(413);
    expect(JSON.parse(declared.body)).toMatchObject({ __type: 'RequestEntityTooLargeException' });
    // no length given: the limit is found while reading
    const streamed = await post(emu.url, '/', Array.from({ length: 10 }, () => Buffer.alloc(MiB, 0x20)), { headers: { 'x-amz-target': 'Logs_20140328.PutLogEvents' }, gapMs: 5 });
    expect(streamed.status).toBe(413);
    // and the server still answers
    expect((await fetch(`${emu.url}/_emu/health`)).status).toBe(200);
  });

  it('large bodies in flight share a budget: beyond it 503 with Retry-After, and the room comes back', async () => {
    emu = await startEmulator({ bodiesInFlightBytes: 4 * MiB });
    // a control body holds 3 of the 4 MiB, and sends its last bytes only once a second one was answered
    let answered!: () => void;
    const second = new Promise<void>((r) => (answered = r));
    const first = post(emu.url, '/_emu/events', [...Array.from({ length: 12 }, () => Buffer.alloc(MiB / 4, 0x20)), Buffer.from(' ')], { beforeLast: second });
    await new Promise((r) => setTimeout(r, 300));
    const refused = await post(emu.url, '/_emu/events', [Buffer.alloc(2 * MiB, 0x20)]);
    answered();
    expect(refused.status).toBe(503);
    expect(refused.headers['retry-after']).toBe('1');
    // the first one is read whole (its JSON is blank: a usage error, not a budget refusal)
    expect((await first).status).toBe(400);
    const later = await post(emu.url, '/_emu/events', [Buffer.from(JSON.stringify({ group: '/aws/eks/x/cluster', events: [] }))]);
    expect(later.status).not.toBe(503);
  });

  it('refuses control requests a page on another site makes, and accepts its own and non-browser ones', async () => {
    emu = await startEmulator();
    const host = new URL(emu.url).host;
    const body = [Buffer.from(JSON.stringify({ group: '/aws/eks/x/cluster' }))];
    expect((await post(emu.url, '/_emu/groups', body, { headers: { origin: 'https://evil.example' } })).status).toBe(403);
    expect((await post(emu.url, '/_emu/groups', body, { headers: { 'sec-fetch-site': 'cross-site' } })).status).toBe(403);
    expect((await post(emu.url, '/_emu/groups', body, { headers: { origin: 'null' } })).status).toBe(403);
    expect(emu.control.truth({ group: '/aws/eks/x/cluster' })).toEqual([]);
    expect((await post(emu.url, '/_emu/groups', body, { headers: { origin: `http://${host}` } })).status).toBe(200);
    expect((await post(emu.url, '/_emu/reset', [])).status).toBe(200);
  });

  it('shows which access keys are strict, never their secrets', async () => {
    emu = await startEmulator({ config: { secretAccessKeys: { AKIAEXAMPLE: 'very-secret' } } });
    const shown = await (await fetch(`${emu.url}/_emu/config`)).text();
    expect(shown).not.toContain('very-secret');
    expect(JSON.parse(shown).secretAccessKeys).toEqual({ AKIAEXAMPLE: '[redacted]' });
    const patched = await post(emu.url, '/_emu/config', [Buffer.from(JSON.stringify({ secretAccessKeys: { AKIAOTHER: 'also-secret' } }))]);
    expect(patched.body).not.toContain('also-secret');
  });
});
