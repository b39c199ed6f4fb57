// Authentication, emulator style: a SigV4 Authorization header is required (so a client that forgot
// credentials fails loudly, as against AWS), its credential scope names the caller's namespace, and the
// signature itself is only checked in strict mode (sigv4.ts).
//
//   Authorization: AWS4-HMAC-SHA256 Credential=<akid>/<yyyymmdd>/<region>/<service>/aws4_request, SignedHeaders=..., Signature=...
import { AwsError } from './aws-error.js';
import type { Caller } from './types.js';

const CREDENTIAL = /^AWS4-HMAC-SHA256\s+Credential=([^/,\s]+)\/(\d{8})\/([^/,\s]+)\/([^/,\s]+)\/aws4_request/;

export function authenticate(header: string | undefined): Caller {
  if (!header) throw new AwsError('MissingAuthenticationTokenException', 'Missing Authentication Token', 403);
  const m = CREDENTIAL.exec(header);
  if (!m) throw new AwsError('IncompleteSignatureException', 'Authorization header requires a SigV4 Credential=<key>/<date>/<region>/logs/aws4_request scope.', 403);
  if (m[4] !== 'logs') throw new AwsError('InvalidSignatureException', `Credential should be scoped to correct service: 'logs'.`, 403);
  return { accessKeyId: m[1]!, region: m[3]! };
}
