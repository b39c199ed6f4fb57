// The Kinesis and DynamoDB clients of the source. Kinesis gets the HTTP/1.1 handler: polling needs no HTTP/2,
// and kinesalite speaks only HTTP/1.1 (the SDK's default HTTP/2 handler fails against it). Few SDK retries:
// the reader's own loop backs off and retries without losing its place. A request timeout fails the request
// (the SDK would only warn), and it is a deadline for the whole answer, whose size is capped too
// (aws-http-handler.ts): a renewal that hangs, or drips, must count as failed.
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { KinesisClient } from '@aws-sdk/client-kinesis';
import { LimitedHttpHandler } from '../aws-http-handler.js';
import type { KinesisConfig } from './config.js';

/** The longest answers read: GetRecords returns up to 10 MiB of data, base64 in JSON; DynamoDB 1 MB a page. */
const MAX_KINESIS_ANSWER_BYTES = 32 << 20;
const MAX_DYNAMODB_ANSWER_BYTES = 16 << 20;

/** Any credentials do for a local emulator; the default chain (which may probe instance metadata) is for AWS. */
const localCredentials = (endpoint?: string) =>
  endpoint && /^https?:\/\/(127\.0\.0\.1|localhost|\[::1\])[:/]/.test(endpoint) ? { credentials: { accessKeyId: 'local', secretAccessKey: 'local' } } : {};

export function createKinesisClient(c: KinesisConfig): KinesisClient {
  return new KinesisClient({
    ...(c.region ? { region: c.region } : c.endpoint ? { region: 'us-east-1' } : {}),
    ...(c.endpoint ? { endpoint: c.endpoint } : {}),
    ...localCredentials(c.endpoint),
    maxAttempts: 3,
    retryMode: 'standard',
    requestHandler: new LimitedHttpHandler({ connectionTimeout: 3000, requestTimeout: 10_000, throwOnRequestTimeout: true }, { deadlineMs: 10_000, maxBytes: MAX_KINESIS_ANSWER_BYTES }),
  });
}

export function createDynamoClient(c: KinesisConfig): DynamoDBClient {
  const endpoint = c.leases.endpoint;
  return new DynamoDBClient({
    ...(c.region ? { region: c.region } : endpoint ? { region: 'us-east-1' } : {}),
    ...(endpoint ? { endpoint } : {}),
    ...localCredentials(endpoint),
    maxAttempts: 3,
    retryMode: 'standard',
    requestHandler: new LimitedHttpHandler({ connectionTimeout: 3000, requestTimeout: 5000, throwOnRequestTimeout: true }, { deadlineMs: 5000, maxBytes: MAX_DYNAMODB_ANSWER_BYTES }),
  });
}
