// Shared test plumbing: an in-process emulator and a real SDK client pointed at it.
import { CloudWatchLogsClient } from '@aws-sdk/client-cloudwatch-logs';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { ConfiguredRetryStrategy } from '@smithy/core/retry';
import { startEmulator, type RunningEmulator, type StartOptions } from '../../src/emulator/index.js';

export const REGION = 'us-west-2';
export const CREDENTIALS = { accessKeyId: 'AKIDKAWATEST', secretAccessKey: 'not-a-secret' };

export async function emulator(options: StartOptions = {}): Promise<RunningEmulator> {
  return startEmulator({ port: 0, ...options, config: { defaultAccessKeyId: CREDENTIALS.accessKeyId, defaultRegion: REGION, ...options.config } });
}

/** A client with fast deterministic retries (attempts incl. the first, 10 ms apart) unless told otherwise. */
export function client(url: string, opts: { attempts?: number; requestTimeout?: number; standardRetries?: boolean } = {}): CloudWatchLogsClient {
  return new CloudWatchLogsClient({
    endpoint: url,
    region: REGION,
    credentials: CREDENTIALS,
    requestHandler: new NodeHttpHandler({ connectionTimeout: 1_000, requestTimeout: opts.requestTimeout ?? 5_000, throwOnRequestTimeout: true }),
    ...(opts.standardRetries ? { maxAttempts: opts.attempts ?? 3 } : { retryStrategy: new ConfiguredRetryStrategy(opts.attempts ?? 5, () => 10) }),
  });
}
