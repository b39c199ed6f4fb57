// The IAM policies of deploy/iam cannot drift from the code: every AWS API operation kawa's sources call (read
// from the code: each `new XxxCommand(` of an AWS SDK client under src/, and STS AssumeRole behind
// fromTemporaryCredentials) must be allowed by its mode's policy on the resource it acts on, and the policy
// must allow nothing else. A new SDK call in a source file this test does not place fails it, naming the
// file: give the call its resource here and its permission in the policy.
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = process.cwd();
const IAM = join(root, 'deploy', 'iam');

// what envsubst would put in the templates (docs/eks.md)
const VARS: Record<string, string> = {
  REGION: 'eu-west-1', ACCOUNT_ID: '123456789012', CLUSTER: 'prod', STREAM: 'kawa-prod', LEASE_TABLE: 'kawa-prod-leases',
  ALERT_TABLE: 'kawa-prod-alerts', FLEET_ROLE_NAME: 'kawa-reader', KMS_KEY_ARN: 'arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab',
  OIDC_PROVIDER: 'oidc.eks.eu-west-1.amazonaws.com/id/EXAMPLED539D4633E53DE1B71EXAMPLE', NAMESPACE: 'kawa', SERVICE_ACCOUNT: 'kawa',
  KAWA_ROLE_ARN: 'arn:aws:iam::123456789012:role/kawa', EXTERNAL_ID: 'fleet-42',
};

interface Statement { Sid?: string; Effect: string; Action: string | string[]; Resource?: string | string[]; Principal?: unknown; Condition?: Record<string, Record<string, string>> }
interface Policy { Version: string; Statement: Statement[] }

function load(name: string): { text: string; policy: Policy } {
  const template = readFileSync(join(IAM, name), 'utf8');
  const text = template.replace(/\$\{(\w+)\}/g, (_, v: string) => {
    if (!(v in VARS)) throw new Error(`${name}: unknown placeholder \${${v}}`);
    return VARS[v]!;
  });
  return { text, policy: JSON.parse(text) as Policy };
}

const list = (v: string | string[] | undefined) => (v === undefined ? [] : Array.isArray(v) ? v : [v]);
// IAM's wildcards: * any run of characters, ? one; actions compare case-insensitively
const glob = (pattern: string, flags = '') => new RegExp(`^${pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.')}$`, flags);

function allows(policy: Policy, action: string, resource: string): boolean {
  return policy.Statement.some((s) => s.Effect === 'Allow'
    && list(s.Action).some((a) => glob(a, 'i').test(action))
    && list(s.Resource).some((r) => glob(r).test(resource)));
}

/** Every AWS operation the code calls: `service:Operation` with the file that calls it. */
function operationsInCode(): { file: string; action: string }[] {
  const SERVICE: Record<string, string> = { 'client-cloudwatch-logs': 'logs', 'client-kinesis': 'kinesis', 'client-dynamodb': 'dynamodb' };
  const out: { file: string; action: string }[] = [];
  const walk = (dir: string): string[] => readdirSync(dir, { withFileTypes: true })
    .flatMap((e) => (e.isDirectory() ? walk(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : []));
  // the emulator is the AWS side of the tests, not a caller of AWS
  for (const path of walk(join(root, 'src')).filter((p) => !p.includes(`${join('src', 'emulator')}`))) {
    const code = readFileSync(path, 'utf8');
    const file = relative(root, path);
    const clients = [...code.matchAll(/from '@aws-sdk\/(client-[\w-]+)'/g)].map((m) => m[1]!);
    for (const m of code.matchAll(/new (\w+)Command\(/g)) {
      const known = clients.filter((c) => SERVICE[c]);
      if (known.length !== 1) throw new Error(`${file}: ${m[1]}Command from ${clients.join(', ') || 'no AWS SDK client'}: cannot tell its service`);
      out.push({ file, action: `${SERVICE[known[0]!]}:${m[1]}` });
    }
    if (/fromTemporaryCredentials\(/.test(code)) out.push({ file, action: 'sts:AssumeRole' });
  }
  return out;
}

const ARN = {
  logGroup: `arn:aws:logs:${VARS.REGION}:${VARS.ACCOUNT_ID}:log-group:/aws/eks/${VARS.CLUSTER}/cluster:*`,
  // AWS authorizes DescribeLogGroups (a listing) against the account's log-group:* form, not one group
  logGroups: `arn:aws:logs:${VARS.REGION}:${VARS.ACCOUNT_ID}:log-group:*`,
  fleetRole: `arn:aws:iam::444455556666:role/${VARS.FLEET_ROLE_NAME}`,
  stream: `arn:aws:kinesis:${VARS.REGION}:${VARS.ACCOUNT_ID}:stream/${VARS.STREAM}`,
  leaseTable: `arn:aws:dynamodb:${VARS.REGION}:${VARS.ACCOUNT_ID}:table/${VARS.LEASE_TABLE}`,
  alertTable: `arn:aws:dynamodb:${VARS.REGION}:${VARS.ACCOUNT_ID}:table/${VARS.ALERT_TABLE}`,
};

/** Where each calling file belongs: the policy that must allow its calls, and the resource they act on. */
function placeOf(file: string, action: string): { policy: string; resource: string } | undefined {
  const f = file.replace(/\\/g, '/');
  if (f.startsWith('src/sources/cloudwatch/')) {
    if (action === 'sts:AssumeRole') return { policy: 'fleet-assume-policy.json', resource: ARN.fleetRole };
    if (action === 'logs:FilterLogEvents') return { policy: 'cloudwatch-policy.json', resource: ARN.logGroup };
    if (action === 'logs:DescribeLogGroups') return { policy: 'cloudwatch-policy.json', resource: ARN.logGroups };
  }
  if (f.startsWith('src/sources/kinesis/')) {
    if (action.startsWith('kinesis:')) return { policy: 'kinesis-policy.json', resource: ARN.stream };
    if (f.startsWith('src/sources/kinesis/leases/')) return { policy: 'kinesis-policy.json', resource: ARN.leaseTable };
    if (f.startsWith('src/sources/kinesis/dedup/')) return { policy: 'kinesis-policy.json', resource: ARN.alertTable };
  }
  return undefined;
}

const calls = operationsInCode();

describe('deploy/iam: the policies allow exactly what the code calls', () => {
  it('finds the calls of both sources in the code', () => {
    const actions = new Set(calls.map((c) => c.action));
    // a floor, so a broken scan cannot pass by finding nothing
    for (const a of ['logs:FilterLogEvents', 'logs:DescribeLogGroups', 'sts:AssumeRole', 'kinesis:GetRecords', 'dynamodb:UpdateItem']) expect(actions).toContain(a);
  });

  it('places every call: a new AWS call needs its permission', () => {
    const unplaced = calls.filter((c) => !placeOf(c.file, c.action)).map((c) => `${c.file}: ${c.action}`);
    expect(unplaced, 'AWS calls with no policy (add the permission to deploy/iam and its place to this test)').toEqual([]);
  });

  it('allows every call on its resource', () => {
    const denied = calls.flatMap((c) => {
      const place = placeOf(c.file, c.action)!;
      return allows(load(place.policy).policy, c.action, place.resource) ? [] : [`${place.policy} denies ${c.action} on ${place.resource} (${c.file})`];
    });
    expect(denied).toEqual([]);
  });

  it('allows nothing more: each allowed action is called on that statement\'s resource', () => {
    for (const name of ['cloudwatch-policy.json', 'fleet-assume-policy.json', 'kinesis-policy.json']) {
      const { policy } = load(name);
      const needed = calls.map((c) => ({ ...c, ...placeOf(c.file, c.action)! })).filter((c) => c.policy === name);
      for (const s of policy.Statement) {
        expect(s.Effect, `${name} ${s.Sid}`).toBe('Allow');
        for (const action of list(s.Action)) {
          expect(action, `${name} ${s.Sid}: wildcard action`).not.toMatch(/[*?]/);
          for (const resource of list(s.Resource)) {
            const used = needed.some((c) => c.action.toLowerCase() === action.toLowerCase() && glob(resource).test(c.resource));
            expect(used, `${name} ${s.Sid}: ${action} on ${resource} is allowed but no code calls it there`).toBe(true);
          }
        }
      }
    }
  });

  it('scopes every resource: no "*" alone, only the cluster log group, stream and tables (the fleet roles by name)', () => {
    const resources = ['cloudwatch-policy.json', 'fleet-assume-policy.json', 'kinesis-policy.json', 'kinesis-kms-policy.json']
      .flatMap((n) => load(n).policy.Statement.flatMap((s) => list(s.Resource)));
    expect(resources.filter((r) => r === '*')).toEqual([]);
    expect(allows(load('cloudwatch-policy.json').policy, 'logs:FilterLogEvents', ARN.logGroup.replace('/prod/', '/other/'))).toBe(false);
    expect(allows(load('kinesis-policy.json').policy, 'dynamodb:Scan', ARN.alertTable)).toBe(false);
    expect(allows(load('kinesis-policy.json').policy, 'dynamodb:DeleteItem', ARN.alertTable)).toBe(false);
    expect(allows(load('fleet-assume-policy.json').policy, 'sts:AssumeRole', 'arn:aws:iam::444455556666:role/admin')).toBe(false);
  });

  it('KMS: only Decrypt, only through Kinesis (the implicit permission GetRecords needs on an SSE-KMS stream)', () => {
    const { policy } = load('kinesis-kms-policy.json');
    expect(policy.Statement.flatMap((s) => list(s.Action))).toEqual(['kms:Decrypt']);
    expect(policy.Statement[0]!.Condition?.StringEquals?.['kms:ViaService']).toBe(`kinesis.${VARS.REGION}.amazonaws.com`);
  });
});

describe('deploy/iam: trust policies', () => {
  it('IRSA: only the kawa service account of the cluster\'s OIDC provider, for STS', () => {
    const { policy } = load('irsa-trust-policy.json');
    const [s] = policy.Statement;
    expect(policy.Statement).toHaveLength(1);
    expect(s!.Action).toBe('sts:AssumeRoleWithWebIdentity');
    expect(s!.Principal).toEqual({ Federated: `arn:aws:iam::${VARS.ACCOUNT_ID}:oidc-provider/${VARS.OIDC_PROVIDER}` });
    expect(s!.Condition?.StringEquals).toEqual({
      [`${VARS.OIDC_PROVIDER}:sub`]: `system:serviceaccount:${VARS.NAMESPACE}:${VARS.SERVICE_ACCOUNT}`,
      [`${VARS.OIDC_PROVIDER}:aud`]: 'sts.amazonaws.com',
    });
  });

  it('EKS Pod Identity: the EKS pods service, from this account and cluster', () => {
    const [s] = load('pod-identity-trust-policy.json').policy.Statement;
    expect(s!.Principal).toEqual({ Service: 'pods.eks.amazonaws.com' });
    expect(list(s!.Action).sort()).toEqual(['sts:AssumeRole', 'sts:TagSession']);
    expect(s!.Condition?.ArnEquals?.['aws:SourceArn']).toBe(`arn:aws:eks:${VARS.REGION}:${VARS.ACCOUNT_ID}:cluster/${VARS.CLUSTER}`);
  });

  it('fleet reader role: only kawa\'s role, with the external id', () => {
    const [s] = load('fleet-reader-trust-policy.json').policy.Statement;
    expect(s!.Principal).toEqual({ AWS: VARS.KAWA_ROLE_ARN });
    expect(s!.Action).toBe('sts:AssumeRole');
    expect(s!.Condition?.StringEquals?.['sts:ExternalId']).toBe(VARS.EXTERNAL_ID);
  });

  it('every file of deploy/iam is a policy this test reads', () => {
    const tested = ['cloudwatch-policy.json', 'fleet-assume-policy.json', 'fleet-reader-trust-policy.json', 'irsa-trust-policy.json',
      'kinesis-kms-policy.json', 'kinesis-policy.json', 'pod-identity-trust-policy.json'];
    expect(readdirSync(IAM).filter((n) => n.endsWith('.json')).sort()).toEqual(tested);
    for (const n of tested) expect(load(n).policy.Version).toBe('2012-10-17');
  });
});
