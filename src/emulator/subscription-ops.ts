// PutSubscriptionFilter, DescribeSubscriptionFilters and DeleteSubscriptionFilter (subscription.md §4) for
// Kinesis destinations: `arn:aws:kinesis:<region>:<account>:stream/<name>`, forwarded by subscription.ts
// to the local Kinesis the emulator was started with. Filter patterns are the emulator's subset.
//   Put:      {logGroupName, filterName, filterPattern, destinationArn, roleArn?, distribution?} → {}
//   Describe: {logGroupName, filterNamePrefix?} → {subscriptionFilters: [...]}
//   Delete:   {logGroupName, filterName} → {}
import { AwsError, invalidParameter } from './aws-error.js';
import { findGroup, type OpHandler } from './ops/common.js';
import { subscriptionsOf } from './subscription.js';
import { Checker, groupNameRule } from './validate.js';

const KINESIS_ARN = /^arn:aws[a-z-]*:kinesis:[^:]*:\d{12}:stream\/[A-Za-z0-9_.-]{1,128}$/;
const filterNameRule = { min: 1, max: 512, pattern: /^[^:*]*$/, patternText: '[^:*]*' };

function subscriptions(store: Parameters<typeof subscriptionsOf>[0]) {
  const s = subscriptionsOf(store);
  if (!s) throw invalidParameter('This emulator has no Kinesis endpoint for subscription filters: start it with kinesis (kawa emulator --kinesis URL).');
  return s;
}

export const putSubscriptionFilter: OpHandler = (ctx, body) => {
  const check = new Checker(body);
  const groupName = check.string('logGroupName', { ...groupNameRule, required: true });
  const filterName = check.string('filterName', { ...filterNameRule, required: true });
  const filterPattern = check.string('filterPattern', { min: 0, max: 1024, required: true });
  const destinationArn = check.string('destinationArn', { min: 1, max: 2048, required: true });
  const roleArn = check.string('roleArn', { min: 1, max: 2048 });
  const distribution = check.string('distribution') ?? 'ByLogStream';
  if (distribution !== 'Random' && distribution !== 'ByLogStream') check.add('distribution', distribution, 'Member must satisfy enum value set: [Random, ByLogStream]');
  check.done();
  if (!KINESIS_ARN.test(destinationArn!)) throw invalidParameter('The emulator forwards subscription filters to Kinesis data streams only (arn:aws:kinesis:REGION:ACCOUNT:stream/NAME).');
  const group = findGroup(ctx, groupName!);
  const ok = subscriptions(ctx.store).put(group, {
    filterName: filterName!, filterPattern: filterPattern!, destinationArn: destinationArn!, roleArn,
    distribution: distribution as 'Random' | 'ByLogStream', creationTime: ctx.now,
  });
  if (!ok) throw new AwsError('LimitExceededException', 'Resource limit exceeded.');
  return { body: '{}' };
};

export const describeSubscriptionFilters: OpHandler = (ctx, body) => {
  const check = new Checker(body);
  const groupName = check.string('logGroupName', { ...groupNameRule, required: true });
  const prefix = check.string('filterNamePrefix', filterNameRule);
  check.integer('limit', { min: 1, max: 50 });
  check.string('nextToken', { min: 1 });
  check.done();
  const group = findGroup(ctx, groupName!);
  const filters = (subscriptionsOf(ctx.store)?.list(group) ?? [])
    .filter((f) => prefix === undefined || f.filterName.startsWith(prefix))
    .map((f) => ({
      filterName: f.filterName, logGroupName: group.name, filterPattern: f.filterPattern, destinationArn: f.destinationArn,
      ...(f.roleArn ? { roleArn: f.roleArn } : {}), distribution: f.distribution, creationTime: f.creationTime,
    }));
  return { body: JSON.stringify({ subscriptionFilters: filters }) };
};

export const deleteSubscriptionFilter: OpHandler = (ctx, body) => {
  const check = new Checker(body);
  const groupName = check.string('logGroupName', { ...groupNameRule, required: true });
  const filterName = check.string('filterName', { ...filterNameRule, required: true });
  check.done();
  const group = findGroup(ctx, groupName!);
  if (!subscriptions(ctx.store).delete(group, filterName!)) throw new AwsError('ResourceNotFoundException', 'The specified subscription filter does not exist.');
  return { body: '{}' };
};
