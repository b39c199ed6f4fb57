// A CloudWatch Logs client of the source: the standard AWS credential chain (environment, shared files and
// profiles, web identity/IRSA, container and instance metadata), the profile the configuration names, or the
// credentials a fleet's cluster reads with (clients.ts); request_timeout as a deadline for the whole answer
// and a cap on its size (aws-http-handler.ts); few SDK retries, because the source's own loop retries
// forever without losing its place: it owns the retries, so the SDK makes one attempt and the rate
// limiter sees every request.
import { CloudWatchLogsClient, DescribeLogGroupsCommand } from '@aws-sdk/client-cloudwatch-logs';
import { KawaError } from '../../core/errors.js';
import { LimitedHttpHandler } from '../aws-http-handler.js';
import type { CloudWatchConfig } from './config.js';

/**
 * The longest answer read. A FilterLogEvents page holds at most 1 MB of events; escaped as JSON (a control
 * byte becomes six) and wrapped, it stays far below this.
 */
export const MAX_ANSWER_BYTES = 16 << 20;

export type LogsSdkClient = CloudWatchLogsClient;

export interface ClientOptions {
  maxAttempts?: number;
  /** Where and as whom, for one cluster of a fleet (default: the configuration's). */
  region?: string;
  endpoint?: string;
  useFips?: boolean;
  credentials?: NonNullable<ConstructorParameters<typeof CloudWatchLogsClient>[0]>['credentials'];
}

export function createLogsClient(c: CloudWatchConfig, opts: ClientOptions = {}): CloudWatchLogsClient {
  const credentials = opts.credentials ?? c.credentials;
  const region = opts.region ?? c.region;
  const endpoint = opts.endpoint ?? c.endpoint;
  return new CloudWatchLogsClient({
    ...(credentials ? { credentials } : {}),
    ...(region ? { region } : {}),
    ...(c.profile && !credentials ? { profile: c.profile } : {}),
    ...(endpoint ? { endpoint } : {}),
    ...(opts.useFips ? { useFipsEndpoint: true } : {}),
    maxAttempts: opts.maxAttempts ?? 1,
    retryMode: 'standard',
    requestHandler: new LimitedHttpHandler({ connectionTimeout: 3000, requestTimeout: c.requestTimeoutMs, throwOnRequestTimeout: true },
      { deadlineMs: c.requestTimeoutMs, maxBytes: MAX_ANSWER_BYTES }),
  });
}

/** The region the client will use; KAWA_ERR_CONFIG when neither the configuration nor the AWS environment names one. */
export async function resolveRegion(client: CloudWatchLogsClient): Promise<string> {
  try {
    const region = await client.config.region();
    if (region) return region;
  } catch {
    // the SDK throws when no region is configured anywhere
  }
  throw new KawaError('KAWA_ERR_CONFIG', 'no AWS region for CloudWatch: set init_config.region (or cloudwatch.region, --region, AWS_REGION)');
}

/** The log group's retention in days when CloudWatch says (undefined: never expires, or not allowed to ask). */
export async function retentionDays(client: CloudWatchLogsClient, logGroup: string, signal: AbortSignal): Promise<number | undefined> {
  try {
    const out = await client.send(new DescribeLogGroupsCommand({ logGroupNamePrefix: logGroup, limit: 5 }), { abortSignal: signal });
    return out.logGroups?.find((g) => g.logGroupName === logGroup)?.retentionInDays;
  } catch {
    return undefined;
  }
}
