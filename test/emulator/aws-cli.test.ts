// The AWS CLI (botocore, an independent client) against the emulator: CloudWatch Logs, and STS (query protocol). CI installs Debian's `awscli`
// (v2, /usr/bin/aws); KAWA_TEST_AWS_CLI names another binary. Skipped, with a message, only when no
// AWS CLI is installed. Each invocation costs a few seconds of Python start-up, so the calls are few.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { execFile, execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { promisify } from 'node:util';
import { CREDENTIALS, emulator, REGION } from './helpers.js';
import type { RunningEmulator } from '../../src/emulator/index.js';

const run = promisify(execFile);

function findAwsCli(): string | undefined {
  const candidates = [process.env.KAWA_TEST_AWS_CLI, '/usr/bin/aws', 'aws'].filter((c): c is string => !!c);
  for (const c of candidates) {
    if (c.includes('/') && !existsSync(c)) continue;
    try {
      execFileSync(c, ['--version'], { stdio: 'pipe', timeout: 30_000 });
      return c;
    } catch {
      // not this one
    }
  }
  return undefined;
}

const AWS = findAwsCli();
if (!AWS) console.warn('test/emulator/aws-cli.test.ts: SKIPPED, no AWS CLI found (apt-get install awscli, or set KAWA_TEST_AWS_CLI)');

describe.skipIf(!AWS)('AWS CLI against the emulator', () => {
  let emu: RunningEmulator;
  beforeAll(async () => {
    // strict mode: botocore's signatures are verified too, an independent check of the SigV4 code
    emu = await emulator({ config: { secretAccessKeys: { [CREDENTIALS.accessKeyId]: CREDENTIALS.secretAccessKey } } });
  });
  afterAll(async () => {
    await emu?.close();
  });

  // async execFile: the emulator runs in this process, a synchronous spawn would block it
  const aws = (...args: string[]) => run(AWS!, ['logs', ...args, '--endpoint-url', emu.url, '--region', REGION, '--output', 'json'], {
    env: {
      ...process.env, AWS_ACCESS_KEY_ID: CREDENTIALS.accessKeyId, AWS_SECRET_ACCESS_KEY: CREDENTIALS.secretAccessKey,
      AWS_CONFIG_FILE: '/dev/null', AWS_SHARED_CREDENTIALS_FILE: '/dev/null', AWS_PAGER: '', AWS_MAX_ATTEMPTS: '1',
    },
    timeout: 60_000,
  }).then((r) => ({ ok: true, out: r.stdout }), (e: { stderr?: string }) => ({ ok: false, out: e.stderr ?? String(e) }));

  test('create-log-group, create-log-stream, put-log-events, filter-log-events (auto-paginated), duplicate error', async () => {
    expect(await aws('create-log-group', '--log-group-name', '/aws/eks/cli/cluster')).toEqual({ ok: true, out: '' });
    expect((await aws('create-log-stream', '--log-group-name', '/aws/eks/cli/cluster', '--log-stream-name', 'kube-apiserver-audit-1')).ok).toBe(true);
    const t = Date.now();
    const put = await aws('put-log-events', '--log-group-name', '/aws/eks/cli/cluster', '--log-stream-name', 'kube-apiserver-audit-1',
      '--log-events', `timestamp=${t},message=first`, `timestamp=${t},message=second`, `timestamp=${t + 1},message=third`);
    expect(put.ok).toBe(true);
    expect(JSON.parse(put.out).nextSequenceToken).toMatch(/^\d+$/);

    const filtered = await aws('filter-log-events', '--log-group-name', '/aws/eks/cli/cluster', '--log-stream-name-prefix', 'kube-apiserver-audit-',
      '--start-time', String(t), '--end-time', String(t + 1), '--page-size', '2');
    expect(filtered.ok).toBe(true);
    const events = JSON.parse(filtered.out).events as { message: string; eventId: string; logStreamName: string }[];
    expect(events.map((e) => e.message)).toEqual(['first', 'second', 'third']);
    expect(events.map((e) => e.eventId)).toEqual(emu.control.truth({ group: '/aws/eks/cli/cluster' }).map((e) => e.eventId));
    // the CLI followed the nextToken of the first page of two
    const filterCalls = emu.control.requests().filter((r) => r.op === 'FilterLogEvents');
    expect(filterCalls.map((r) => r.events)).toEqual([2, 1]);
    expect(filterCalls.every((r) => r.accessKeyId === CREDENTIALS.accessKeyId && r.region === REGION)).toBe(true);

    const dup = await aws('create-log-group', '--log-group-name', '/aws/eks/cli/cluster');
    expect(dup).toEqual({ ok: false, out: expect.stringMatching(/An error occurred \(ResourceAlreadyExistsException\) when calling the CreateLogGroup operation.*: The specified log group already exists/) });
  });

  // last: it turns the emulator into a two-account one
  test('sts assume-role and get-caller-identity (query protocol, XML), then logs with the session; AccessDenied', async () => {
    const A = '111111111111', B = '222222222222';
    const role = `arn:aws:iam::${B}:role/kawa-reader`;
    emu.control.configure({ namespaceBy: 'accountAndRegion', accounts: { [CREDENTIALS.accessKeyId]: A }, roles: { [role]: { trustedAccounts: [A], externalId: 'ext-1' } } });
    emu.control.createGroup({ group: '/aws/eks/b/cluster', account: B });
    const sts = (args: string[], creds: Record<string, string> = {}) => run(AWS!, ['sts', ...args, '--endpoint-url', emu.url, '--region', REGION, '--output', 'json'], {
      env: {
        ...process.env, AWS_ACCESS_KEY_ID: CREDENTIALS.accessKeyId, AWS_SECRET_ACCESS_KEY: CREDENTIALS.secretAccessKey, AWS_SESSION_TOKEN: '',
        AWS_CONFIG_FILE: '/dev/null', AWS_SHARED_CREDENTIALS_FILE: '/dev/null', AWS_PAGER: '', AWS_MAX_ATTEMPTS: '1', ...creds,
      },
      timeout: 60_000,
    }).then((r) => ({ ok: true, out: r.stdout }), (e: { stderr?: string }) => ({ ok: false, out: e.stderr ?? String(e) }));

    const me = await sts(['get-caller-identity']);
    expect(me.ok).toBe(true);
    expect(JSON.parse(me.out)).toEqual({ UserId: CREDENTIALS.accessKeyId, Account: A, Arn: `arn:aws:iam::${A}:user/${CREDENTIALS.accessKeyId}` });

    const refused = await sts(['assume-role', '--role-arn', role, '--role-session-name', 'x1']);
    // newer AWS CLIs insert "(reached max retries: N)" before the colon
    expect(refused.ok).toBe(false);
    expect(refused.out).toContain('An error occurred (AccessDenied) when calling the AssumeRole operation');
    expect(refused.out).toContain(`User: arn:aws:iam::${A}:user/${CREDENTIALS.accessKeyId} is not authorized to perform: sts:AssumeRole on resource: ${role}`);

    const assumed = await sts(['assume-role', '--role-arn', role, '--role-session-name', 'cli-session', '--external-id', 'ext-1']);
    expect(assumed.ok).toBe(true);
    const out = JSON.parse(assumed.out) as { Credentials: { AccessKeyId: string; SecretAccessKey: string; SessionToken: string; Expiration: string }; AssumedRoleUser: { Arn: string; AssumedRoleId: string } };
    expect(out.Credentials.AccessKeyId).toMatch(/^ASIA/);
    expect(Date.parse(out.Credentials.Expiration) - Date.now()).toBeGreaterThan(3500_000);
    expect(out.AssumedRoleUser).toEqual({ Arn: `arn:aws:sts::${B}:assumed-role/kawa-reader/cli-session`, AssumedRoleId: expect.stringMatching(/^AROA[A-Z2-7]{17}:cli-session$/) });

    // the session, in strict mode too (its secret is the emulator's): who it is, and account B's log groups
    const session = { AWS_ACCESS_KEY_ID: out.Credentials.AccessKeyId, AWS_SECRET_ACCESS_KEY: out.Credentials.SecretAccessKey, AWS_SESSION_TOKEN: out.Credentials.SessionToken };
    const who = await sts(['get-caller-identity'], session);
    expect(JSON.parse(who.out)).toEqual({ UserId: out.AssumedRoleUser.AssumedRoleId, Account: B, Arn: out.AssumedRoleUser.Arn });
    const groups = await run(AWS!, ['logs', 'describe-log-groups', '--endpoint-url', emu.url, '--region', REGION, '--output', 'json'], {
      env: { ...process.env, ...session, AWS_CONFIG_FILE: '/dev/null', AWS_SHARED_CREDENTIALS_FILE: '/dev/null', AWS_PAGER: '' }, timeout: 60_000,
    });
    expect(JSON.parse(groups.stdout).logGroups.map((g: { arn: string }) => g.arn)).toEqual([`arn:aws:logs:${REGION}:${B}:log-group:/aws/eks/b/cluster:*`]);
  });
});
