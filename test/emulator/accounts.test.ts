// Several AWS accounts in one emulator: access keys mapped to accounts (namespaceBy accountAndRegion), the
// quota per account and region, STS AssumeRole into another account through the SDK's own credential provider
// (fromTemporaryCredentials, as kawa's fleet uses it), session expiry, the deny list and log groups created
// and deleted through the control API. Real SDK clients against the real emulator on 127.0.0.1.
import { afterEach, describe, expect, test } from 'vitest';
import {
  CloudWatchLogsClient, CreateLogGroupCommand, CreateLogStreamCommand, DescribeLogGroupsCommand, DescribeLogStreamsCommand, FilterLogEventsCommand,
  PutLogEventsCommand,
} from '@aws-sdk/client-cloudwatch-logs';
import { fromTemporaryCredentials } from '@aws-sdk/credential-providers';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { ConfiguredRetryStrategy } from '@smithy/core/retry';
import { startEmulator, type DeepPartial, type EmulatorConfig, type RunningEmulator } from '../../src/emulator/index.js';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';

const REGION = 'eu-west-1';
const A = '111111111111';
const B = '222222222222';
const KEY_A1 = 'AKIAAAAAAAAAAAAAAAA1';
const KEY_A2 = 'AKIAAAAAAAAAAAAAAAA2';
const KEY_B = 'AKIABBBBBBBBBBBBBBBB';
const ROLE_B = `arn:aws:iam::${B}:role/kawa-reader`;
const ROLE_B_EXT = `arn:aws:iam::${B}:role/with-external-id`;
const GROUP = '/aws/eks/prod/cluster';

type Credentials = { accessKeyId: string; secretAccessKey: string; sessionToken?: string } | ReturnType<typeof fromTemporaryCredentials>;

let emu: RunningEmulator | undefined;
const clients: CloudWatchLogsClient[] = [];
afterEach(async () => {
  for (const c of clients.splice(0)) c.destroy();
  await emu?.close();
  emu = undefined;
});

async function start(config: DeepPartial<EmulatorConfig> = {}): Promise<RunningEmulator> {
  emu = await startEmulator({
    port: 0,
    config: {
      namespaceBy: 'accountAndRegion', defaultRegion: REGION, accounts: { [KEY_A1]: A, [KEY_A2]: A, [KEY_B]: B },
      roles: { [ROLE_B]: { trustedAccounts: [A] }, [ROLE_B_EXT]: { trustedAccounts: [A], externalId: 'fleet-42' } },
      ...config,
    },
  });
  return emu;
}

function logs(credentials: Credentials, attempts = 1): CloudWatchLogsClient {
  const c = new CloudWatchLogsClient({
    endpoint: emu!.url, region: REGION, credentials,
    requestHandler: new NodeHttpHandler({ connectionTimeout: 1_000, requestTimeout: 5_000, throwOnRequestTimeout: true }),
    retryStrategy: new ConfiguredRetryStrategy(attempts, () => 10),
  });
  clients.push(c);
  return c;
}

const base = (accessKeyId: string) => ({ accessKeyId, secretAccessKey: 'secret-of-' + accessKeyId });

/** Credentials of a role, assumed with STS at the emulator by the SDK's provider (refreshed by the client). */
function role(roleArn: string, from = KEY_A1, extra: { ExternalId?: string } = {}) {
  return fromTemporaryCredentials({
    params: { RoleArn: roleArn, RoleSessionName: 'kawa-test', DurationSeconds: 3600, ...extra },
    masterCredentials: base(from),
    clientConfig: { region: REGION, endpoint: emu!.url },
  });
}

const groupNames = async (c: CloudWatchLogsClient) => ((await c.send(new DescribeLogGroupsCommand({}))).logGroups ?? []).map((g) => [g.logGroupName, g.arn]);
const errorOf = (p: Promise<unknown>) => p.then(() => 'no error', (e: Error & { $metadata?: { httpStatusCode?: number } }) => `${e.name} ${e.$metadata?.httpStatusCode ?? ''}: ${e.message}`);
const control = async (method: string, path: string, body?: unknown) => {
  const res = await fetch(`${emu!.url}/_emu/${path}`, { method, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
  return { status: res.status, json: (await res.json()) as any };
};

describe('accounts', () => {
  test('keys of one account share its log groups and ARNs name it; another account sees none of them', async () => {
    await start();
    await logs(base(KEY_A1)).send(new CreateLogGroupCommand({ logGroupName: GROUP }));
    expect(await groupNames(logs(base(KEY_A2)))).toEqual([[GROUP, `arn:aws:logs:${REGION}:${A}:log-group:${GROUP}:*`]]);
    expect(await groupNames(logs(base(KEY_B)))).toEqual([]);
    // the control API names namespaces by account, or by a key of the account
    emu!.control.insert({ group: GROUP, account: B, defaultStream: 's', events: [{ timestamp: Date.now(), message: 'in B' }] });
    expect(await groupNames(logs(base(KEY_B)))).toEqual([[GROUP, `arn:aws:logs:${REGION}:${B}:log-group:${GROUP}:*`]]);
    expect(emu!.control.truth({ account: B }).map((e) => [e.namespace, e.message])).toEqual([[`${B}/${REGION}`, undefined]]);
    expect(emu!.control.truth({ accessKeyId: KEY_B, includeMessages: true }).map((e) => e.message)).toEqual(['in B']);
    expect(emu!.control.truth({ account: A })).toEqual([]);
    // a key nobody listed belongs to accountId
    await logs(base('AKIAUNLISTED')).send(new CreateLogGroupCommand({ logGroupName: '/x' }));
    expect(emu!.control.truth({ account: '123456789012' })).toEqual([]);
    expect(await groupNames(logs(base('AKIAOTHERUNLISTED')))).toEqual([['/x', `arn:aws:logs:${REGION}:123456789012:log-group:/x:*`]]);
  });

  test('an account in a namespace by access key is a usage error; a bad accounts map is a config error', async () => {
    emu = await startEmulator({ port: 0, config: { accounts: { [KEY_A1]: A } } });
    expect(() => emu!.control.truth({ account: A })).toThrow(/"account" names a namespace only with namespaceBy 'accountAndRegion'/);
    expect((await control('GET', `truth?account=${A}`)).status).toBe(400);
    expect(() => emu!.control.configure({ accounts: { k: '12' } })).toThrow('emulator config accounts.k: must be an account id of 12 digits');
    expect(() => emu!.control.configure({ roles: { 'arn:aws:iam::1:role/x': { trustedAccounts: [A] } } })).toThrow(/is not a role ARN/);
    expect(() => emu!.control.configure({ roles: { [ROLE_B]: { trustedAccounts: [A], maxSession: 1 } } })).toThrow(`emulator config roles.${ROLE_B}.maxSession: unknown key`);
    expect(() => emu!.control.configure({ namespaceBy: 'account' as 'none' })).toThrow(/namespaceBy: must be one of 'accessKeyAndRegion', 'accountAndRegion'/);
  });

  test('the quota is per account and region: two keys of one account share it, another account has its own; stats.perAccount has the peaks', async () => {
    await start({ quota: { FilterLogEvents: 2 } });
    for (const key of [KEY_A1, KEY_B]) await logs(base(key)).send(new CreateLogGroupCommand({ logGroupName: GROUP }));
    const read = (key: string) => errorOf(logs(base(key)).send(new FilterLogEventsCommand({ logGroupName: GROUP })));
    // a bucket holds one second of rate: 2 requests, then throttled, whichever key of A asks
    expect([await read(KEY_A1), await read(KEY_A2), await read(KEY_A1)]).toEqual(['no error', 'no error', 'ThrottlingException 400: Rate exceeded']);
    expect([await read(KEY_B), await read(KEY_B)]).toEqual(['no error', 'no error']);
    const stats = emu!.control.stats();
    expect(stats.perAccount[A]).toMatchObject({ requests: 4, throttled: 1, operations: { CreateLogGroup: { requests: 1 }, FilterLogEvents: { requests: 3, throttled: 1, maxRequestsPerSecond: 3 } } });
    expect(stats.perAccount[B]).toMatchObject({ requests: 3, throttled: 0, operations: { FilterLogEvents: { requests: 2, maxRequestsPerSecond: 2 } } });
    expect(stats.perAccount[A]!.maxRequestsPerSecond).toBeGreaterThanOrEqual(3);
    expect(emu!.control.requests().filter((r) => r.op === 'FilterLogEvents').map((r) => r.account)).toEqual([A, A, A, B, B]);
  });
});

describe('STS', () => {
  test('AssumeRole from account A into B: the session reads B\'s log groups, and says who it is', async () => {
    await start();
    emu!.control.insert({ group: GROUP, account: B, defaultStream: 'kube-apiserver-audit-1', events: [{ timestamp: Date.now() - 1000, message: 'event in B' }] });
    const creds = await role(ROLE_B)();
    expect(creds.accessKeyId).toMatch(/^ASIA[A-Z2-7]{16}$/);
    expect(creds.sessionToken).toBeTruthy();
    expect(creds.expiration!.getTime() - Date.now()).toBeGreaterThan(3590_000);
    const cwl = logs(role(ROLE_B));
    const page = await cwl.send(new FilterLogEventsCommand({ logGroupName: GROUP }));
    expect(page.events!.map((e) => e.message)).toEqual(['event in B']);
    const requests = emu!.control.requests();
    expect(requests.map((r) => [r.op, r.status, r.account])).toEqual([['AssumeRole', 200, A], ['AssumeRole', 200, A], ['FilterLogEvents', 200, B]]);
    expect(requests[2]!.accessKeyId).toMatch(/^ASIA/);
    expect(emu!.control.stats().perAccount[B]!.operations.FilterLogEvents!.requests).toBe(1);
  });

  test('AccessDenied when the role is unknown, the caller\'s account is not trusted, or the ExternalId does not match', async () => {
    await start();
    const denied = (roleArn: string, from: string, extra: { ExternalId?: string } = {}) => errorOf(role(roleArn, from, extra)());
    const refused = (from: string, arn: string) => `AccessDenied 403: User: arn:aws:iam::${from === KEY_B ? B : A}:user/${from} is not authorized to perform: sts:AssumeRole on resource: ${arn}`;
    expect(await denied(`arn:aws:iam::${B}:role/nobody`, KEY_A1)).toBe(refused(KEY_A1, `arn:aws:iam::${B}:role/nobody`));
    expect(await denied(ROLE_B, KEY_B)).toBe(refused(KEY_B, ROLE_B));
    expect(await denied(ROLE_B_EXT, KEY_A1)).toBe(refused(KEY_A1, ROLE_B_EXT));
    expect(await denied(ROLE_B_EXT, KEY_A1, { ExternalId: 'fleet-41' })).toBe(refused(KEY_A1, ROLE_B_EXT));
    expect(await denied(ROLE_B_EXT, KEY_A1, { ExternalId: 'fleet-42' })).toBe('no error');
    expect(await errorOf(fromTemporaryCredentials({ params: { RoleArn: ROLE_B, RoleSessionName: 'x' }, masterCredentials: base(KEY_A1), clientConfig: { region: REGION, endpoint: emu!.url } })()))
      .toBe("ValidationError 400: 1 validation error detected: Value 'x' at 'roleSessionName' failed to satisfy constraint: Member must have length greater than or equal to 2");
    expect(await errorOf(fromTemporaryCredentials({ params: { RoleArn: ROLE_B, RoleSessionName: 'xy', DurationSeconds: 60 }, masterCredentials: base(KEY_A1), clientConfig: { region: REGION, endpoint: emu!.url } })()))
      .toBe("ValidationError 400: 1 validation error detected: Value '60' at 'durationSeconds' failed to satisfy constraint: Member must have value greater than or equal to 900");
    expect(emu!.control.stats().operations.AssumeRole).toMatchObject({ requests: 7, errors: { AccessDenied: 4, ValidationError: 2 } });
  });

  test('an expired session answers ExpiredTokenException; the SDK\'s provider refreshes short sessions by itself', async () => {
    await start({ roles: { [ROLE_B]: { trustedAccounts: [A], durationSeconds: 1 } } });
    emu!.control.createGroup({ group: GROUP, account: B });
    const fixed = await role(ROLE_B)();
    expect(fixed.expiration!.getTime() - Date.now()).toBeLessThanOrEqual(1000);
    const stale = logs({ accessKeyId: fixed.accessKeyId, secretAccessKey: fixed.secretAccessKey, sessionToken: fixed.sessionToken });
    expect(await errorOf(stale.send(new DescribeLogStreamsCommand({ logGroupName: GROUP })))).toBe('no error');
    await new Promise((r) => setTimeout(r, 1100));
    expect(await errorOf(stale.send(new DescribeLogStreamsCommand({ logGroupName: GROUP })))).toBe('ExpiredTokenException 400: The security token included in the request is expired');
    // a client with the provider assumes the role again before each use of a session that expires so soon
    const fresh = logs(role(ROLE_B));
    for (let i = 0; i < 3; i++) {
      expect(await errorOf(fresh.send(new DescribeLogStreamsCommand({ logGroupName: GROUP })))).toBe('no error');
      await new Promise((r) => setTimeout(r, 400));
    }
    expect(emu!.control.stats().operations.AssumeRole!.requests).toBeGreaterThanOrEqual(3);
    // a session token that is not the session's, or session credentials the emulator never issued: invalid
    const wrongToken = logs({ accessKeyId: fixed.accessKeyId, secretAccessKey: fixed.secretAccessKey, sessionToken: 'forged' });
    expect(await errorOf(wrongToken.send(new DescribeLogGroupsCommand({})))).toBe('UnrecognizedClientException 400: The security token included in the request is invalid.');
    const foreign = logs({ accessKeyId: 'ASIAFOREIGNFOREIGN00', secretAccessKey: 's', sessionToken: 'from-elsewhere' });
    expect(await errorOf(foreign.send(new DescribeLogGroupsCommand({})))).toBe('UnrecognizedClientException 400: The security token included in the request is invalid.');
  });

  test('POST /_emu/sts/expire ends the sessions of a role now', async () => {
    await start();
    emu!.control.createGroup({ group: GROUP, account: B });
    const creds = await role(ROLE_B)();
    const session = logs({ accessKeyId: creds.accessKeyId, secretAccessKey: creds.secretAccessKey, sessionToken: creds.sessionToken });
    expect(await errorOf(session.send(new DescribeLogStreamsCommand({ logGroupName: GROUP })))).toBe('no error');
    expect((await control('POST', 'sts/expire', { roleArn: `arn:aws:iam::${B}:role/other` })).json).toEqual({ expired: 0 });
    expect((await control('POST', 'sts/expire', { roleArn: ROLE_B })).json).toEqual({ expired: 1 });
    expect(await errorOf(session.send(new DescribeLogStreamsCommand({ logGroupName: GROUP })))).toMatch(/^ExpiredTokenException 400/);
  });

  test('strict mode verifies the signatures of session credentials too', async () => {
    await start({ secretAccessKeys: { [KEY_A1]: base(KEY_A1).secretAccessKey } });
    emu!.control.createGroup({ group: GROUP, account: B });
    expect(await groupNames(logs(role(ROLE_B)))).toEqual([[GROUP, `arn:aws:logs:${REGION}:${B}:log-group:${GROUP}:*`]]);
    const creds = await role(ROLE_B)();
    const badSecret = logs({ accessKeyId: creds.accessKeyId, secretAccessKey: 'not-the-secret', sessionToken: creds.sessionToken });
    expect(await errorOf(badSecret.send(new DescribeLogGroupsCommand({})))).toMatch(/^InvalidSignatureException 403: The request signature we calculated does not match/);
    expect(await errorOf(fromTemporaryCredentials({ params: { RoleArn: ROLE_B, RoleSessionName: 'xy' }, masterCredentials: { accessKeyId: KEY_A1, secretAccessKey: 'wrong' }, clientConfig: { region: REGION, endpoint: emu!.url } })()))
      .toMatch(/^SignatureDoesNotMatch 403/);
  });
});

describe('deny list and log groups through the control API', () => {
  test('a denied group refuses reads (FilterLogEvents, DescribeLogStreams) to its account only, writes go on; lifted at runtime', async () => {
    await start({ denied: [{ group: GROUP, account: B }] });
    emu!.control.createGroup({ group: GROUP, account: A });
    const writerB = logs(base(KEY_B));
    await writerB.send(new CreateLogGroupCommand({ logGroupName: GROUP }));
    await writerB.send(new CreateLogStreamCommand({ logGroupName: GROUP, logStreamName: 's' }));
    await writerB.send(new PutLogEventsCommand({ logGroupName: GROUP, logStreamName: 's', logEvents: [{ timestamp: Date.now(), message: 'written while denied' }] }));
    const reader = logs(role(ROLE_B));
    const refusal = (op: string) => `AccessDeniedException 400: User: arn:aws:sts::${B}:assumed-role/kawa-reader/kawa-test is not authorized to perform: logs:${op} on resource: arn:aws:logs:${REGION}:${B}:log-group:${GROUP}:* because no identity-based policy allows the logs:${op} action`;
    expect(await errorOf(reader.send(new FilterLogEventsCommand({ logGroupName: GROUP })))).toBe(refusal('FilterLogEvents'));
    expect(await errorOf(reader.send(new DescribeLogStreamsCommand({ logGroupName: GROUP })))).toBe(refusal('DescribeLogStreams'));
    // still listed (DescribeLogGroups is not about one group), and account A's group of the same name is readable
    expect((await groupNames(reader)).length).toBe(1);
    expect(await errorOf(logs(base(KEY_A1)).send(new FilterLogEventsCommand({ logGroupName: GROUP })))).toBe('no error');

    expect((await control('GET', 'denied')).json).toEqual([{ group: GROUP, account: B }]);
    expect((await control('POST', 'denied', { group: '/other', region: REGION })).json).toEqual([{ group: GROUP, account: B }, { group: '/other', region: REGION }]);
    expect((await control('POST', 'denied', { grop: '/x' })).json).toEqual({ error: 'KAWA_ERR_CONFIG', message: 'emulator config denied[0].grop: unknown key' });
    expect((await control('DELETE', `denied?group=${encodeURIComponent(GROUP)}`)).json).toEqual([{ group: '/other', region: REGION }]);
    const page = await reader.send(new FilterLogEventsCommand({ logGroupName: GROUP }));
    expect(page.events!.map((e) => e.message)).toEqual(['written while denied']);
    expect((await control('DELETE', 'denied')).json).toEqual([]);
    expect(emu!.control.config().denied).toEqual([]);
  });

  test('a deny list patch keeps fault counters; the whole list can be replaced', async () => {
    await start({ faults: [{ kind: 'throttle', ops: ['DescribeLogGroups'], count: 5 }] });
    await errorOf(logs(base(KEY_A1)).send(new DescribeLogGroupsCommand({})));
    emu!.control.deny({ group: GROUP });
    expect(emu!.control.activeFaults()).toEqual([{ kind: 'throttle', ops: ['DescribeLogGroups'], count: 5, remaining: 4 }]);
    expect((await control('POST', 'denied', [{ group: '/a' }, { group: '/b', account: A }])).json).toEqual([{ group: '/a' }, { group: '/b', account: A }]);
  });

  test('POST and DELETE /_emu/groups create and delete log groups while running', async () => {
    await start();
    const reader = logs(role(ROLE_B));
    expect((await control('POST', 'groups', { group: '/aws/eks/new/cluster', account: B })).json).toEqual({ created: true });
    expect((await control('POST', 'groups', { group: '/aws/eks/new/cluster', accessKeyId: KEY_B })).json).toEqual({ created: false });
    expect((await groupNames(reader)).map(([n]) => n)).toEqual(['/aws/eks/new/cluster']);
    expect((await control('DELETE', `groups?group=/aws/eks/new/cluster&account=${B}`)).json).toEqual({ deleted: true });
    expect(await groupNames(reader)).toEqual([]);
    expect((await control('DELETE', 'groups', { group: '/aws/eks/new/cluster', account: B })).json).toEqual({ deleted: false });
    expect((await control('POST', 'groups', { group: 'bad name!' })).json).toMatchObject({ error: 'KAWA_ERR_USAGE' });
  });
});
