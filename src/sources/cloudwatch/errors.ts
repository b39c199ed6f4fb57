// What to do about a failed FilterLogEvents call (fetcher-design.md §2.7). Nothing here ends the source
// except a request CloudWatch calls invalid for a reason other than its nextToken: that is a configuration
// bug, and retrying it would only spin.

export type FailureKind =
  /** Our own shutdown. */
  | 'abort'
  /** Rate exceeded: retry the same request later, slow down. */
  | 'throttle'
  /** 5xx, socket errors, timeouts, unparsable answers: retry the same request with backoff. */
  | 'transient'
  /** The nextToken expired or is invalid: read the window again from its start. */
  | 'token'
  /** The log group does not exist (yet): poll slowly, unhealthy. */
  | 'notFound'
  /** Credentials missing, refused or expired: poll slowly, unhealthy, let the SDK's chain refresh. */
  | 'credentials'
  /** The request itself is invalid. */
  | 'config';

const THROTTLING = new Set([
  'ThrottlingException', 'Throttling', 'ThrottledException', 'RequestThrottledException', 'TooManyRequestsException',
  'LimitExceededException', 'RequestLimitExceeded', 'BandwidthLimitExceeded', 'SlowDown', 'RequestThrottled',
]);
const CREDENTIALS = new Set([
  'AccessDeniedException', 'UnrecognizedClientException', 'ExpiredTokenException', 'ExpiredToken', 'InvalidSignatureException',
  'MissingAuthenticationTokenException', 'IncompleteSignature', 'InvalidClientTokenId', 'CredentialsProviderError', 'TokenProviderError',
]);

interface SdkError {
  name?: string;
  message?: string;
  code?: string;
  $metadata?: { httpStatusCode?: number };
}

export function classify(error: unknown, hadToken: boolean): FailureKind {
  const e = (error ?? {}) as SdkError;
  const name = e.name ?? '';
  const status = e.$metadata?.httpStatusCode;
  if (name === 'AbortError') return 'abort';
  if (THROTTLING.has(name) || status === 429) return 'throttle';
  if (name === 'ResourceNotFoundException') return 'notFound';
  if (CREDENTIALS.has(name) || /credential/i.test(name) || status === 403) return 'credentials';
  if (name === 'InvalidParameterException') return hadToken || /token/i.test(e.message ?? '') ? 'token' : 'config';
  // everything else, including unknown errors, is retried: the source must never die of a blip
  return 'transient';
}

/** A short description for logs (never credentials: SDK error messages do not carry them). */
export function describe(error: unknown): string {
  const e = (error ?? {}) as SdkError;
  const status = e.$metadata?.httpStatusCode;
  return `${e.name ?? 'Error'}${status ? ` (HTTP ${status})` : ''}${e.code ? ` ${e.code}` : ''}: ${(e.message ?? String(error)).split('\n')[0]}`;
}
