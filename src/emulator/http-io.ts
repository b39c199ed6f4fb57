// Small node:http helpers: a bounded body reader and AWS-style JSON answers.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { randomUUID } from 'node:crypto';

export class BodyTooLargeError extends Error {
  constructor(readonly limit: number) {
    super(`request body larger than ${limit} bytes`);
  }
}

/** The bodies of all requests in flight share this many bytes: concurrent large requests wait their turn. */
export class BodyBudget {
  private used = 0;

  constructor(readonly limit: number) {}

  take(n: number): boolean {
    if (this.used + n > this.limit) return false;
    this.used += n;
    return true;
  }

  release(n: number): void {
    this.used -= n;
  }
}

export class BodyBudgetExhaustedError extends Error {
  constructor(readonly limit: number) {
    super(`the request bodies in flight already hold ${limit} bytes; retry later`);
  }
}

/**
 * Reads the whole body, refusing more than `limit` bytes and more than the shared budget has room for. A
 * refused body is drained unread (not reset), so the client gets the answer the caller sends; the bytes it
 * held go back to the budget once the answer is written (`release`).
 */
export function readBody(req: IncomingMessage, limit: number, budget: BodyBudget): Promise<{ body: Buffer; release: () => void }> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let held = 0;
    const release = () => {
      budget.release(held);
      held = 0;
    };
    const refuse = (e: Error) => {
      req.removeListener('data', onData);
      chunks.length = 0;
      release();
      req.resume();
      reject(e);
    };
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) return refuse(new BodyTooLargeError(limit));
      if (!budget.take(chunk.length)) return refuse(new BodyBudgetExhaustedError(budget.limit));
      held += chunk.length;
      chunks.push(chunk);
    };
    if (Number(req.headers['content-length']) > limit) {
      req.resume();
      reject(new BodyTooLargeError(limit));
      return;
    }
    req.on('data', onData);
    req.on('end', () => resolve({ body: Buffer.concat(chunks), release }));
    req.on('error', (e) => {
      release();
      reject(e);
    });
  });
}

/** Every AWS answer carries the JSON 1.1 content type and a request id. */
export function awsHeaders(extra: Record<string, string> = {}): Record<string, string> {
  return { 'content-type': 'application/x-amz-json-1.1', 'x-amzn-requestid': randomUUID(), ...extra };
}

export function send(res: ServerResponse, status: number, headers: Record<string, string>, body: string | Buffer): void {
  const buf = typeof body === 'string' ? Buffer.from(body, 'utf8') : body;
  res.writeHead(status, { ...headers, 'content-length': String(buf.length) });
  res.end(buf);
}

/**
 * Answers a request whose body was refused while the client may still be uploading it. Ending the answer
 * would let node:http close the connection at once, and the rest of the upload would then meet a reset that
 * can take the unread answer with it on the client's side. So the answer is written whole (its length
 * tells the client it is complete) but ended only once the rest of the body has been drained unread, or the
 * connection is cut after `lingerMs` (a lingering close, bounded).
 */
export function sendRefusal(req: IncomingMessage, res: ServerResponse, status: number, headers: Record<string, string>, body: string, lingerMs: number): void {
  if (req.complete) return send(res, status, { ...headers, connection: 'close' }, body);
  const buf = Buffer.from(body, 'utf8');
  res.writeHead(status, { ...headers, connection: 'close', 'content-length': String(buf.length) });
  res.write(buf);
  const cut = setTimeout(() => req.socket.destroy(), lingerMs).unref();
  req.once('end', () => {
    clearTimeout(cut);
    res.end();
  });
  req.once('close', () => clearTimeout(cut));
  req.resume();
}

export function sendJson(res: ServerResponse, status: number, value: unknown): void {
  send(res, status, { 'content-type': 'application/json' }, JSON.stringify(value));
}
