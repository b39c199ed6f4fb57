// The HTTP handler of the sources' AWS clients (CloudWatch Logs, Kinesis, DynamoDB): the SDK's NodeHttpHandler
// with two limits it does not have. Its requestTimeout is the longest silence between two bytes, so an endpoint
// that sends a byte every few seconds holds a request for ever (a reader that stops without a word, a lease
// renewal that neither succeeds nor fails); here the whole answer, headers and body, arrives within a deadline.
// And it reads a body of any size (a broken endpoint's gigabyte of JSON took 1.5 GB before V8 refused to make
// it a string); here a body longer than a cap fails the request. Both are errors the callers already retry as
// a timeout (their name is TimeoutError, or AnswerTooLarge, which no caller treats specially).
import { pipeline, Transform, type Readable } from 'node:stream';
import { NodeHttpHandler, type NodeHttpHandlerOptions } from '@smithy/node-http-handler';

type Handle = NodeHttpHandler['handle'];

export interface AnswerLimits {
  /** The most a request may take, from sending it to the last byte of its answer. */
  deadlineMs: number;
  /** The longest answer body read. */
  maxBytes: number;
}

/** A request failed by a limit of LimitedHttpHandler. */
export class AnswerLimitError extends Error {
  constructor(message: string, override readonly name: 'TimeoutError' | 'AnswerTooLarge') {
    super(message);
  }
}

export class LimitedHttpHandler extends NodeHttpHandler {
  constructor(options: NodeHttpHandlerOptions, private readonly limits: AnswerLimits) {
    super(options);
  }

  override async handle(...[request, options]: Parameters<Handle>): ReturnType<Handle> {
    const { deadlineMs, maxBytes } = this.limits;
    const late = () => new AnswerLimitError(`${request.hostname}: no whole answer within ${deadlineMs / 1000} s`, 'TimeoutError');
    // the caller's signal (shutdown) still aborts; the deadline aborts through this one
    const controller = new AbortController();
    const caller = options?.abortSignal as AbortSignal | undefined;
    const onAbort = () => controller.abort(caller?.reason);
    if (caller?.aborted) onAbort();
    else caller?.addEventListener('abort', onAbort, { once: true });
    let body: Readable | undefined;
    let expired = false;
    const timer = setTimeout(() => {
      expired = true;
      if (body) body.destroy(late());
      else controller.abort();
    }, deadlineMs);
    const settle = () => {
      clearTimeout(timer);
      caller?.removeEventListener('abort', onAbort);
    };
    let out: Awaited<ReturnType<Handle>>;
    try {
      out = await super.handle(request, { ...options, abortSignal: controller.signal });
    } catch (e) {
      settle();
      throw expired && !caller?.aborted ? late() : e;
    }
    const source = out.response.body as Readable | undefined;
    if (!source || typeof source.pipe !== 'function') {
      settle();
      return out;
    }
    const declared = Number(out.response.headers['content-length']);
    if (declared > maxBytes) {
      settle();
      source.destroy();
      throw tooLarge(request.hostname, maxBytes);
    }
    let read = 0;
    const limited = new Transform({
      transform(chunk: Buffer, _encoding, done) {
        read += chunk.length;
        if (read > maxBytes) done(tooLarge(request.hostname, maxBytes));
        else done(null, chunk);
      },
    });
    // an error on either side ends both (and the answer's socket); the limits end with the body
    pipeline(source, limited, settle);
    body = limited;
    out.response.body = limited;
    return out;
  }
}

function tooLarge(host: string, maxBytes: number): AnswerLimitError {
  return new AnswerLimitError(`${host}: an answer longer than ${maxBytes} bytes`, 'AnswerTooLarge');
}
