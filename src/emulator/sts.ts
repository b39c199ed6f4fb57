// STS, as far as a reader of other accounts' logs needs it: AssumeRole and GetCallerIdentity over the AWS
// query protocol (form-encoded POST `Action=...&Version=2011-06-15`, XML answers, XML errors with a
// Sender/Receiver type), the protocol the AWS SDKs and the AWS CLI speak to real STS.
//
// AssumeRole checks the role's trust as `roles` in the config says (the role exists, the caller's account
// is trusted, the ExternalId matches) and issues session credentials (sts-sessions.ts) that act in the
// role's account until they expire.
import { randomUUID } from 'node:crypto';
import { AwsError } from './aws-error.js';
import { ROLE_ARN, type EmulatorConfig } from './config.js';
import { stsNow } from './identity.js';
import type { StsSessions } from './sts-sessions.js';
import type { Caller } from './types.js';

const XMLNS = 'https://sts.amazonaws.com/doc/2011-06-15/';
export const STS_ACTIONS = ['AssumeRole', 'GetCallerIdentity'] as const;

export class StsError extends Error {
  constructor(readonly code: string, message: string, readonly status = 400, readonly type: 'Sender' | 'Receiver' = 'Sender') {
    super(message);
  }
}

/** The STS names of the authentication errors identity.ts and sigv4.ts raise in CloudWatch Logs' terms. */
const STS_CODES: Record<string, [string, number]> = {
  MissingAuthenticationTokenException: ['MissingAuthenticationToken', 403],
  IncompleteSignatureException: ['IncompleteSignature', 403],
  InvalidSignatureException: ['SignatureDoesNotMatch', 403],
  UnrecognizedClientException: ['InvalidClientTokenId', 403],
  ExpiredTokenException: ['ExpiredToken', 403],
};

export function stsErrorOf(e: unknown): StsError {
  if (e instanceof StsError) return e;
  if (e instanceof AwsError) {
    const [code, status] = STS_CODES[e.type] ?? [e.type, e.status];
    return new StsError(code, e.message, status);
  }
  throw e;
}

const escape = (s: string) => s.replace(/[&<>"']/g, (c) => `&${({ '&': 'amp', '<': 'lt', '>': 'gt', '"': 'quot', "'": 'apos' } as Record<string, string>)[c]};`);

export function errorXml(e: StsError): string {
  return `<ErrorResponse xmlns="${XMLNS}">\n  <Error>\n    <Type>${e.type}</Type>\n    <Code>${escape(e.code)}</Code>\n    <Message>${escape(e.message)}</Message>\n  </Error>\n  <RequestId>${randomUUID()}</RequestId>\n</ErrorResponse>\n`;
}

function answerXml(action: string, fields: string): string {
  return `<${action}Response xmlns="${XMLNS}">\n  <${action}Result>\n${fields}  </${action}Result>\n  <ResponseMetadata>\n    <RequestId>${randomUUID()}</RequestId>\n  </ResponseMetadata>\n</${action}Response>\n`;
}

/** The action a form body asks for (undefined when none). */
export function actionOf(params: URLSearchParams): string | undefined {
  return params.get('Action') ?? undefined;
}

/** Runs one STS action for an authenticated caller; returns the XML answer or throws StsError. */
export function runSts(config: EmulatorConfig, sessions: StsSessions, caller: Caller, params: URLSearchParams): string {
  const action = actionOf(params);
  switch (action) {
    case 'GetCallerIdentity': {
      const session = sessions.get(caller.accessKeyId);
      const userId = session ? `${session.roleId}:${session.sessionName}` : caller.accessKeyId;
      return answerXml(action, `    <Arn>${escape(caller.arn)}</Arn>\n    <UserId>${escape(userId)}</UserId>\n    <Account>${caller.account}</Account>\n`);
    }
    case 'AssumeRole':
      return assumeRole(config, sessions, caller, params);
    case undefined:
      throw new StsError('MissingAction', 'Missing Action');
    default:
      throw new StsError('InvalidAction', `Could not find operation ${action} for version ${params.get('Version') ?? 'NO_VERSION_SPECIFIED'}`);
  }
}

interface Constraint {
  member: string;
  value: string | undefined;
  pattern?: RegExp;
  min?: number;
  max?: number;
  required?: boolean;
}

/** AWS's "N validation error(s) detected: ..." for the members that break their constraints. */
function validate(constraints: Constraint[]): void {
  const broken: string[] = [];
  for (const c of constraints) {
    const shown = c.value === undefined ? 'null' : `'${c.value}'`;
    if (c.value === undefined) {
      if (c.required) broken.push(`Value null at '${c.member}' failed to satisfy constraint: Member must not be null`);
      continue;
    }
    if (c.min !== undefined && c.value.length < c.min) broken.push(`Value ${shown} at '${c.member}' failed to satisfy constraint: Member must have length greater than or equal to ${c.min}`);
    else if (c.max !== undefined && c.value.length > c.max) broken.push(`Value ${shown} at '${c.member}' failed to satisfy constraint: Member must have length less than or equal to ${c.max}`);
    else if (c.pattern && !c.pattern.test(c.value)) broken.push(`Value ${shown} at '${c.member}' failed to satisfy constraint: Member must satisfy regular expression pattern: ${c.pattern.source}`);
  }
  if (broken.length) throw new StsError('ValidationError', `${broken.length} validation error${broken.length === 1 ? '' : 's'} detected: ${broken.join('; ')}`);
}

function assumeRole(config: EmulatorConfig, sessions: StsSessions, caller: Caller, params: URLSearchParams): string {
  const roleArn = params.get('RoleArn') ?? undefined;
  const sessionName = params.get('RoleSessionName') ?? undefined;
  const externalId = params.get('ExternalId') ?? undefined;
  const duration = params.get('DurationSeconds') ?? undefined;
  validate([
    { member: 'roleArn', value: roleArn, required: true, min: 20, max: 2048 },
    { member: 'roleSessionName', value: sessionName, required: true, min: 2, max: 64, pattern: /^[\w+=,.@-]*$/ },
    { member: 'externalId', value: externalId, min: 2, max: 1224, pattern: /^[\w+=,.@:/-]*$/ },
  ]);
  let seconds = 3600;
  if (duration !== undefined) {
    seconds = Number(duration);
    if (!Number.isInteger(seconds)) throw new StsError('ValidationError', `Value '${duration}' for parameter DurationSeconds is invalid.`);
    if (seconds < 900 || seconds > 43_200) {
      throw new StsError('ValidationError', `1 validation error detected: Value '${duration}' at 'durationSeconds' failed to satisfy constraint: Member must have value ${seconds < 900 ? 'greater than or equal to 900' : 'less than or equal to 43200'}`);
    }
  }
  const role = config.roles[roleArn!];
  const arn = ROLE_ARN.exec(roleArn!);
  // AWS says no more than "not authorized" whether the role is missing, untrusting or wants another ExternalId
  if (!role || !arn || !role.trustedAccounts.includes(caller.account) || (role.externalId !== undefined && externalId !== role.externalId)) {
    throw new StsError('AccessDenied', `User: ${caller.arn} is not authorized to perform: sts:AssumeRole on resource: ${roleArn}`, 403);
  }
  const lifetimeMs = (role.durationSeconds ?? seconds) * 1000;
  const s = sessions.issue({ arn: roleArn!, account: arn[1]!, name: arn[2]! }, sessionName!, lifetimeMs, stsNow(config));
  const expiration = new Date(s.expiresAt).toISOString().replace(/\.\d{3}Z$/, 'Z');
  return answerXml('AssumeRole', [
    '    <AssumedRoleUser>',
    `      <AssumedRoleId>${s.roleId}:${escape(sessionName!)}</AssumedRoleId>`,
    `      <Arn>arn:aws:sts::${s.account}:assumed-role/${escape(s.roleName)}/${escape(sessionName!)}</Arn>`,
    '    </AssumedRoleUser>',
    '    <Credentials>',
    `      <AccessKeyId>${s.accessKeyId}</AccessKeyId>`,
    `      <SecretAccessKey>${s.secretAccessKey}</SecretAccessKey>`,
    `      <SessionToken>${s.sessionToken}</SessionToken>`,
    `      <Expiration>${expiration}</Expiration>`,
    '    </Credentials>',
    '',
  ].join('\n'));
}
