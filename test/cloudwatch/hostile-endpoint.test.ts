// A CloudWatch Logs endpoint that answers badly (a broken proxy, a misconfigured endpoint): a real HTTP server on
// 127.0.0.1 and the source's own client (client.ts, with its answer limits). Each bad answer is a failed
// request, retried and said, never a stalled or dead reader: JSON of the wrong shape, a nextToken given back, an
// answer that drips a byte at a time, an answer of unbounded size. A page holding a malformed event keeps its
// other events and counts the one skipped. Then the whole command against such an endpoint.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createLogsClient, MAX_ANSWER_BYTES } from '../../src/sources/cloudwatch/client.js';
import { defaultCloudWatchConfig } from '../../src/sources/cloudwatch/config.js';
import type { FailureKind } from '../../src/sources/cloudwatch/errors.js';
import { PageReader } from '../../src/sources/cloudwatch/page-reader.js';
import { RateLimiter } from '../../src/sources/cloudwatch/rate-limiter.js';
import { defaultKinesisConfig } from '../../src/sources/kinesis/config.js';
import { createDynamoClient, createKinesisClient } from '../../src/sources/kinesis/clients.js';
import { LimitedHttpHandler } from '../../src/sources/aws-http-handler.js';
import { auditMessage, CATCH_ALL } from './harness.js';

type Answer = (req: IncomingMessage, res: ServerResponse, body: Record<string, unknown>) => void;

/** Answers FilterLogEvents with the queued answers in turn (the last one again once the queue is empty). */
async function endpoint(answers: Answer[]): Promise<{ url: string; requests: Record<string, unknown>[]; server: Server }> {
  const requests: Record<string, unknown>[] = [];
  const server = createServer((req, res) => {
    let text = '';
    req.on('data', (c: Buffer) => (text += c.toString()));
    req.on('end', () => {
      const body = JSON.parse(text || '{}') as Record<string, unknown>;
      if (String(req.headers['x-amz-target']).endsWith('.FilterLogEvents')) {
        requests.push(body);
        (answers.length > 1 ? answers.shift()! : answers[0]!)(req, res, body);
      } else {
        json({ logGroups: [] })(req, res, body);
      }
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  servers.push(server);
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, requests, server };
}

const json = (doc: unknown): Answer => (_req, res) => {
  res.writeHead(200, { 'content-type': 'application/x-amz-json-1.1' });
  res.end(typeof doc === 'string' ? doc : JSON.stringify(doc));
};
const GOOD = json({ events: [{ eventId: 'e1', logStreamName: 'kube-apiserver-audit-a', timestamp: 1000, ingestionTime: 1500, message: '{}' }] });

const servers: Server[] = [];
const abort = new AbortController();
afterEach(() => {
  for (const s of servers.splice(0)) s.closeAllConnections(), s.close();
});

function reader(url: string, requestTimeoutS = 10) {
  const outcomes: { kind: 'ok' | FailureKind; error?: string }[] = [];
  const config = { ...defaultCloudWatchConfig('c'), endpoint: url, region: 'us-east-1', credentials: { accessKeyId: 'test', secretAccessKey: 'test' }, requestTimeoutMs: requestTimeoutS * 1000 };
  const r = new PageReader({
    client: createLogsClient(config), limiter: new RateLimiter(1000), signal: abort.signal, backoffBaseMs: 1, backoffCapMs: 5, slowPollMs: 5,
    onOutcome: (kind, e) => outcomes.push({ kind, ...(e ? { error: `${(e as Error).name}: ${(e as Error).message.split('\n')[0]}` } : {}) }), clock: Date.now,
  });
  return { r, outcomes };
}

const INPUT = { logGroupName: '/aws/eks/c/cluster', logStreamNamePrefix: 'kube-apiserver-audit-', startTime: 0 };

describe('a FilterLogEvents answer that is not a page', () => {
  it('is a failed request, retried until a good page comes: a wrong shape, a broken body, a token given back', async () => {
    const ep = await endpoint([
      json({ events: 'x' }), json({ events: [], nextToken: 7 }), json('this is { not json'), json({ events: [], nextToken: 't1' }), GOOD,
    ]);
    const { r, outcomes } = reader(ep.url);
    const page = await r.read({ ...INPUT, nextToken: 't1' }, 0);
    expect(page.out.events.map((e) => e.eventId)).toEqual(['e1']);
    expect(outcomes.map((o) => o.kind)).toEqual(['transient', 'transient', 'transient', 'transient', 'ok']);
    expect(outcomes[0]!.error).toBe('MalformedAnswer: events is a string, not a list');
    expect(outcomes[1]!.error).toBe('MalformedAnswer: nextToken is 7, not a string');
    expect(outcomes[2]!.error).toMatch(/^SyntaxError/);
    expect(outcomes[3]!.error).toBe('MalformedAnswer: the nextToken sent came back: the next page would be this one again');
    // every attempt was the same request
    expect(new Set(ep.requests.map((q) => JSON.stringify(q))).size).toBe(1);
  });

  it('keeps the good events of a page and lists the malformed ones with their reasons', async () => {
    const ok = (id: string, ts: number) => ({ eventId: id, logStreamName: 's', timestamp: ts, message: '{}' });
    const ep = await endpoint([json({
      events: [ok('a', 1), null, { ...ok('b', 2), message: 5 }, { ...ok('c', 3), timestamp: 1.5 }, { ...ok('d', 4), timestamp: -1 }, ok('e', 5),
        { ...ok('f', 6), eventId: 9 }, { ...ok('g', 7), logStreamName: [] }, { ...ok('h', 8), ingestionTime: 'x' }, [], { eventId: 'i', message: '{}' }, { ...ok('j', 1e300) }],
      nextToken: 'next',
    })]);
    const { r } = reader(ep.url);
    const { out } = await r.read(INPUT, 0);
    expect(out.events.map((e) => e.eventId)).toEqual(['a', 'e']);
    expect(out.nextToken).toBe('next');
    expect(out.malformed).toEqual([
      { index: 1, reason: 'the event is null, not an object' },
      { index: 2, reason: 'message is 5, not a string' },
      { index: 3, reason: 'timestamp is 1.5, not whole ms since 1970' },
      { index: 4, reason: 'timestamp is -1, not whole ms since 1970' },
      { index: 6, reason: 'eventId is 9, not a string' },
      { index: 7, reason: 'logStreamName is a list, not a string' },
      { index: 8, reason: 'ingestionTime is a string, not whole ms since 1970' },
      // the SDK's deserializer reads a list where the API has an event as an event of no fields
      { index: 9, reason: 'message is missing, not a string' },
      { index: 10, reason: 'timestamp is missing, not whole ms since 1970' },
      { index: 11, reason: 'timestamp is 1e+300, not whole ms since 1970' },
    ]);
  });
});

describe('the answer limits of the source\'s client', () => {
  it('an answer that drips a byte at a time fails at request_timeout for the whole answer, and the request is sent again', async () => {
    const drip: Answer = (_req, res) => {
      res.writeHead(200, { 'content-type': 'application/x-amz-json-1.1' });
      res.write('{"events":[');
      // a byte every 100 ms: the SDK's own timeout (the longest silence) never fires
      const timer = setInterval(() => res.write(' '), 100);
      res.on('close', () => clearInterval(timer));
    };
    const ep = await endpoint([drip, GOOD]);
    const { r, outcomes } = reader(ep.url, 0.5);
    const started = performance.now();
    const page = await r.read(INPUT, 0);
    expect(page.out.events).toHaveLength(1);
    expect(outcomes.map((o) => o.kind)).toEqual(['transient', 'ok']);
    expect(outcomes[0]!.error).toBe('TimeoutError: 127.0.0.1: no whole answer within 0.5 s');
    // the deadline, not the drip, ended the first attempt (a generous bound for a loaded machine)
    expect(performance.now() - started).toBeLessThan(5000);
  });

  it('an answer longer than the cap fails the request, whether it says its length or streams it', async () => {
    const endless: Answer = (_req, res) => {
      res.writeHead(200, { 'content-type': 'application/x-amz-json-1.1' });
      res.write('{"events":[');
      const chunk = Buffer.alloc(1 << 20, 0x20);
      const more = () => {
        while (!res.destroyed && res.write(chunk));
        if (!res.destroyed) res.once('drain', more);
      };
      more();
    };
    const declared: Answer = (_req, res) => {
      res.writeHead(200, { 'content-type': 'application/x-amz-json-1.1', 'content-length': String(MAX_ANSWER_BYTES + 1) });
      res.write('{"events":[');
    };
    const ep = await endpoint([endless, declared, GOOD]);
    const { r, outcomes } = reader(ep.url);
    const rss = process.memoryUsage().rss;
    const page = await r.read(INPUT, 0);
    expect(page.out.events).toHaveLength(1);
    expect(outcomes.map((o) => o.kind)).toEqual(['transient', 'transient', 'ok']);
    expect(outcomes[0]!.error).toBe(`AnswerTooLarge: 127.0.0.1: an answer longer than ${MAX_ANSWER_BYTES} bytes`);
    expect(outcomes[1]!.error).toBe(outcomes[0]!.error);
    expect(process.memoryUsage().rss - rss).toBeLessThan(256 << 20);
  });

  it('the caller\'s own abort still ends a request at once, as an abort', async () => {
    const silent: Answer = () => undefined;
    const ep = await endpoint([silent]);
    const local = new AbortController();
    const config = { ...defaultCloudWatchConfig('c'), endpoint: ep.url, region: 'us-east-1', credentials: { accessKeyId: 'test', secretAccessKey: 'test' } };
    const { FilterLogEventsCommand } = await import('@aws-sdk/client-cloudwatch-logs');
    const sent = createLogsClient(config).send(new FilterLogEventsCommand(INPUT), { abortSignal: local.signal });
    setTimeout(() => local.abort(), 100);
    await expect(sent).rejects.toMatchObject({ name: 'AbortError' });
  });
});

describe('the Kinesis source\'s clients', () => {
  // the handler's limits are the ones tested above; a drip at DynamoDB costs 5 s per attempt, three attempts
  it('read their answers through the same limited handler (a lease renewal that drips must fail, not hang)', () => {
    const config = defaultKinesisConfig('s');
    config.endpoint = 'http://127.0.0.1:9';
    config.leases.endpoint = 'http://127.0.0.1:9';
    expect(createKinesisClient(config).config.requestHandler).toBeInstanceOf(LimitedHttpHandler);
    expect(createDynamoClient(config).config.requestHandler).toBeInstanceOf(LimitedHttpHandler);
  });
});

describe('kawa run against a CloudWatch endpoint that answers badly', () => {
  it('evaluates the good events, skips the malformed ones with a coded warning, and never fails the pipeline', async () => {
    const now = Date.now();
    const event = (i: number) => ({ eventId: `e${i}`, logStreamName: 'kube-apiserver-audit-a', timestamp: now - 5000 + i, ingestionTime: now, message: auditMessage(i, now - 5000 + i) });
    const ep = await endpoint([
      json({ events: 'x' }),
      json({ events: [event(0), { ...event(1), message: 5 }, null, event(2)] }),
      json({ events: [] }),
    ]);
    const dir = mkdtempSync(join(tmpdir(), 'kawa-cwhostile-'));
    const rules = join(dir, 'rules.yaml');
    writeFileSync(rules, CATCH_ALL);
    const child = spawn(process.execPath, ['bin/kawa.js', 'run', '-r', rules, '--json', '--cloudwatch', 'c', '--region', 'us-east-1', '--endpoint', ep.url,
      '-o', 'webserver.enabled=false'], {
      env: { ...process.env, AWS_ACCESS_KEY_ID: 'test', AWS_SECRET_ACCESS_KEY: 'test', AWS_PROFILE: '' },
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    child.stderr.on('data', (c: Buffer) => (err += c.toString()));
    const exit = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
    for (let i = 0; i < 150 && (out.trim().split('\n').filter(Boolean).length < 2 || !err.includes('KAWA_ERR_SOURCE_MALFORMED')); i++) await new Promise((r) => setTimeout(r, 100));
    child.kill('SIGTERM');
    expect(await exit).toBe(0);
    const alerts = out.trim().split('\n').map((l) => JSON.parse(l) as { output: string });
    expect(alerts.map((a) => a.output.split(' ').slice(-2)[0]).sort()).toEqual(['a-0', 'a-2']);
    const warning = err.split('\n').filter((l) => l.includes('KAWA_ERR_SOURCE_MALFORMED')).map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(warning[0]).toMatchObject({ cluster: 'c', skipped: 2, reason: 'message is 5, not a string' });
    expect(err).not.toContain('the pipeline failed');
  }, 30_000);
});
