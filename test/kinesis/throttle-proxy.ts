// A loopback proxy in front of kinesalite that throttles GetRecords the way Kinesis does (kinesalite never
// throttles, emulators.md §7): above `readsPerSecond` GetRecords calls in a second, and for every call during a
// burst(ms), it answers 400 ProvisionedThroughputExceededException, which the SDK classifies as throttling.
// kinesalite's shard iterators are opaque, so the limit is for all shards together (the scenario sets it to
// what 5 reads/s per shard allows on its stream).
import { createServer, request, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ThrottleProxy {
  url: string;
  /** GetRecords calls answered with a throttling error. */
  throttled: number;
  /** Throttles every GetRecords for `ms`. */
  burst(ms: number): void;
  /** GetRecords calls answered ExpiredIteratorException (as after a 5-minute output stall). */
  expired: number;
  /** Answers the next `n` GetRecords with ExpiredIteratorException. */
  expireNext(n: number): void;
  close(): Promise<void>;
}

export async function startThrottleProxy(target: string, o: { readsPerSecond: number }): Promise<ThrottleProxy> {
  const to = new URL(target);
  let second = 0;
  let calls = 0;
  let burstUntil = 0;
  let expireLeft = 0;
  const state: ThrottleProxy = {
    url: '', throttled: 0, expired: 0,
    burst: (ms) => (burstUntil = Date.now() + ms),
    expireNext: (n) => (expireLeft = n),
    close: () => new Promise((r) => server.close(() => r())),
  };
  const forward = (req: IncomingMessage, res: ServerResponse, body: Buffer) => {
    const up = request({ host: to.hostname, port: to.port, method: req.method, path: req.url, headers: req.headers }, (r) => {
      res.writeHead(r.statusCode ?? 500, r.headers);
      r.pipe(res);
    });
    up.on('error', () => res.destroy());
    up.end(body);
  };
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      if (String(req.headers['x-amz-target'] ?? '').endsWith('.GetRecords')) {
        const now = Date.now();
        const s = Math.floor(now / 1000);
        if (s !== second) [second, calls] = [s, 0];
        calls++;
        if (expireLeft > 0) {
          expireLeft--;
          state.expired++;
          const payload = JSON.stringify({ __type: 'ExpiredIteratorException', message: 'Iterator expired' });
          res.writeHead(400, { 'content-type': 'application/x-amz-json-1.1', 'content-length': Buffer.byteLength(payload) });
          res.end(payload);
          return;
        }
        if (now < burstUntil || calls > o.readsPerSecond) {
          state.throttled++;
          const payload = JSON.stringify({ __type: 'ProvisionedThroughputExceededException', message: 'Rate exceeded for shard' });
          res.writeHead(400, { 'content-type': 'application/x-amz-json-1.1', 'content-length': Buffer.byteLength(payload) });
          res.end(payload);
          return;
        }
      }
      forward(req, res, body);
    });
  });
  server.keepAliveTimeout = 1000;
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  state.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return state;
}

export interface SwitchProxy {
  url: string;
  /** While true, every request's connection is dropped (the service is unreachable). */
  down: boolean;
  /** While above 0, a request reaches the service and its answer is dropped with the connection (counts down). */
  loseAnswers: number;
  close(): Promise<void>;
}

/** A loopback proxy that can make a service (DynamoDB) unreachable for one client and bring it back. */
export async function startSwitchProxy(target: string): Promise<SwitchProxy> {
  const to = new URL(target);
  const state: SwitchProxy = { url: '', down: false, loseAnswers: 0, close: () => new Promise((r) => server.close(() => r())) };
  const server = createServer((req, res) => {
    if (state.down) {
      req.socket.destroy();
      return;
    }
    const up = request({ host: to.hostname, port: to.port, method: req.method, path: req.url, headers: req.headers }, (r) => {
      if (state.loseAnswers > 0) {
        state.loseAnswers--;
        r.resume();
        req.socket.destroy();
        return;
      }
      res.writeHead(r.statusCode ?? 500, r.headers);
      r.pipe(res);
    });
    up.on('error', () => res.destroy());
    req.pipe(up);
  });
  server.keepAliveTimeout = 100;
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  state.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return state;
}
