// Who a request comes from: its SigV4 credential scope names an access key (and region, and service); the
// key names an account — a long-term key through config `accounts` (else `accountId`), session credentials
// through the role STS issued them for. Session credentials must come with their session token and before
// their expiry, as in AWS.
import { AwsError } from './aws-error.js';
import type { EmulatorConfig } from './config.js';
import type { StsSessions } from './sts-sessions.js';
import type { Caller } from './types.js';

const CREDENTIAL = /^AWS4-HMAC-SHA256\s+Credential=([^/,\s]+)\/(\d{8})\/([^/,\s]+)\/([^/,\s]+)\/aws4_request/;

export interface Credential {
  accessKeyId: string;
  region: string;
  service: string;
}

/** The credential scope of a SigV4 Authorization header (the signature itself is checked by sigv4.ts in strict mode). */
export function credentialOf(header: string | undefined, service: string): Credential {
  if (!header) throw new AwsError('MissingAuthenticationTokenException', 'Missing Authentication Token', 403);
  const m = CREDENTIAL.exec(header);
  if (!m) throw new AwsError('IncompleteSignatureException', `Authorization header requires a SigV4 Credential=<key>/<date>/<region>/${service}/aws4_request scope.`, 403);
  if (m[4] !== service) throw new AwsError('InvalidSignatureException', `Credential should be scoped to correct service: '${service}'.`, 403);
  return { accessKeyId: m[1]!, region: m[3]!, service: m[4]! };
}

/** The time sessions are judged by: the wall clock with the configured skew (a virtual clock does not expire them). */
export const stsNow = (config: EmulatorConfig) => Date.now() + config.clock.offsetMs;

/**
 * The caller behind a credential. Throws ExpiredTokenException for an expired session, and
 * UnrecognizedClientException for a wrong session token, or (when roles are configured, so the emulator is
 * the STS) for session credentials it never issued.
 */
export function identify(config: EmulatorConfig, sessions: StsSessions, cred: Pick<Credential, 'accessKeyId' | 'region'>, sessionToken: string | undefined): Caller {
  const session = sessions.get(cred.accessKeyId);
  const invalid = () => new AwsError('UnrecognizedClientException', 'The security token included in the request is invalid.');
  if (session) {
    if (sessionToken !== session.sessionToken) throw invalid();
    if (stsNow(config) >= session.expiresAt) throw new AwsError('ExpiredTokenException', 'The security token included in the request is expired');
    return { accessKeyId: cred.accessKeyId, region: cred.region, account: session.account, arn: `arn:aws:sts::${session.account}:assumed-role/${session.roleName}/${session.sessionName}` };
  }
  if (sessionToken !== undefined && Object.keys(config.roles).length) throw invalid();
  return longTermCaller(config, cred.accessKeyId, cred.region);
}

/** A caller by long-term access key (also what control-API inserts and generators act as). */
export function longTermCaller(config: EmulatorConfig, accessKeyId: string, region: string): Caller {
  const account = config.accounts[accessKeyId] ?? config.accountId;
  return { accessKeyId, region, account, arn: `arn:aws:iam::${account}:user/${accessKeyId}` };
}
