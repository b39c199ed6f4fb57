// One FilterLogEvents page, whatever it takes: a token from the shared rate limiter, the request (always a
// fresh input object: the SDK's paginator mutates its input, and a stale nextToken would resume the wrong
// pagination), its answer's shape checked (page-shape.ts: a malformed answer is a failed request), and on
// failure the action of errors.ts — the same request again after a full-jitter backoff (throttling, 5xx,
// resets, timeouts, malformed answers), new credentials and an immediate retry when CloudWatch calls a session
// expired that the SDK still believed valid, a slow poll while the log group is missing or the credentials fail,
// TokenInvalidError for the caller to restart its window, a KAWA_ERR_CONFIG error for an invalid query.
// Only an abort (our shutdown) and that configuration error leave the loop.
import { FilterLogEventsCommand, type FilterLogEventsCommandInput, type FilterLogEventsCommandOutput } from '@aws-sdk/client-cloudwatch-logs';
import { KawaError } from '../../core/errors.js';
import { classify, describe, type FailureKind } from './errors.js';
import { checkPage, type CheckedPage } from './page-shape.js';
import { abortError, type RateLimiter } from './rate-limiter.js';

export class TokenInvalidError extends Error {}

export interface LogsClient {
  send(command: FilterLogEventsCommand, options?: { abortSignal?: AbortSignal }): Promise<FilterLogEventsCommandOutput>;
  /** The SDK client's memoized credential provider: `forceRefresh` replaces credentials it still believes valid. */
  config?: { credentials?: (options?: { forceRefresh?: boolean }) => Promise<unknown> };
}

const EXPIRED = new Set(['ExpiredTokenException', 'ExpiredToken', 'RequestExpired']);

export interface PageReaderOptions {
  client: LogsClient;
  limiter: RateLimiter;
  /** Whose turn a request takes at the limiter (the cluster). */
  key?: string;
  signal: AbortSignal;
  /** Full-jitter backoff: random in [0, min(cap, base * 2^attempt)]. */
  backoffBaseMs: number;
  backoffCapMs: number;
  /** Wait between attempts while the log group is missing or the credentials fail. */
  slowPollMs: number;
  /** A backfill does not wait forever: after this many refused attempts the read fails, and at the first
   *  answer that the log group does not exist (default: never, a live source waits for its group). */
  giveUpAfter?: number;
  /** Every attempt's outcome: 'ok' or the failure kind (metrics, health, logs). */
  onOutcome(outcome: 'ok' | FailureKind, error?: unknown): void;
  /** "Now" in ms, for the time a page was asked for. */
  clock: () => number;
}

export interface Page {
  out: CheckedPage;
  /** When the request that answered was sent (the clock's ms): CloudWatch answered from what was searchable
   *  then or later. */
  sentAt: number;
}

export class PageReader {
  constructor(private readonly o: PageReaderOptions) {}

  /** @param admit awaited once, when the first attempt has its token (the page's bytes, budget.ts) */
  async read(input: FilterLogEventsCommandInput, priority: 0 | 1, admit?: () => Promise<void>): Promise<Page> {
    const o = this.o;
    let refused = 0;
    let refreshed = false;
    let admitted = !admit;
    for (let attempt = 0; ; ) {
      await o.limiter.take(priority, o.signal, o.key);
      if (!admitted) {
        await admit!();
        admitted = true;
      }
      const sentAt = o.clock();
      try {
        const out = checkPage(await o.client.send(new FilterLogEventsCommand({ ...input }), { abortSignal: o.signal }), input.nextToken);
        o.limiter.succeeded();
        o.onOutcome('ok');
        return { out, sentAt };
      } catch (e) {
        if (o.signal.aborted) throw abortError();
        const kind = classify(e, input.nextToken !== undefined);
        // CloudWatch says the session expired while the SDK still trusts its expiry time (clock skew, a
        // revoked session): new credentials now and the request again at once, a retry rather than a refusal
        if (kind === 'credentials' && !refreshed && EXPIRED.has((e as Error).name) && await refreshCredentials(o.client)) {
          refreshed = true;
          o.onOutcome('transient', e);
          continue;
        }
        o.onOutcome(kind, e);
        switch (kind) {
          case 'abort':
            throw abortError();
          case 'token':
            throw new TokenInvalidError(describe(e));
          case 'config':
            throw new KawaError('KAWA_ERR_CONFIG', `CloudWatch refused the query on log group ${input.logGroupName}: ${describe(e)}`);
          case 'throttle':
            o.limiter.throttled();
            await sleep(jitter(o.backoffBaseMs, o.backoffCapMs, attempt++), o.signal);
            break;
          case 'transient':
            await sleep(jitter(o.backoffBaseMs, o.backoffCapMs, attempt++), o.signal);
            break;
          default:
            attempt = 0;
            // in a bounded read a missing log group is an answer, not a blip: no retry
            if (++refused >= (o.giveUpAfter ?? Infinity) || (kind === 'notFound' && o.giveUpAfter !== undefined)) {
              throw new KawaError('KAWA_ERR_INPUT_READ', `log group ${input.logGroupName}: ${kind === 'notFound' ? 'not found' : 'access refused'} (${describe(e)}), ${refused} attempt${refused === 1 ? '' : 's'}`);
            }
            await sleep(o.slowPollMs, o.signal);
        }
      }
    }
  }
}

/** Makes the client's memoized credential provider fetch new credentials; false when it cannot. */
async function refreshCredentials(client: LogsClient): Promise<boolean> {
  if (!client.config?.credentials) return false;
  try {
    await client.config.credentials({ forceRefresh: true });
    return true;
  } catch {
    return false;
  }
}

function jitter(base: number, cap: number, attempt: number): number {
  return Math.random() * Math.min(cap, base * 2 ** Math.min(attempt, 20));
}

/** Resolves after ms, or rejects with an AbortError when the signal fires first. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  if (signal?.aborted) return Promise.reject(abortError());
  return new Promise((resolve, reject) => {
    const onAbort = () => {
      clearTimeout(timer);
      reject(abortError());
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
