// DescribeLogGroups: groups in name order, optional literal prefix, pages of limit (1..50, default 50).
import { invalidParameter } from '../aws-error.js';
import { Checker, groupNameRule } from '../validate.js';
import { groupArn, type OpHandler } from './common.js';
import { listOffset, listToken } from './list-token.js';

export const describeLogGroups: OpHandler = (ctx, body) => {
  const check = new Checker(body);
  const prefix = check.string('logGroupNamePrefix', groupNameRule);
  const pattern = check.string('logGroupNamePattern', { min: 0, max: 512 });
  const token = check.string('nextToken', { min: 1 });
  const limit = check.integer('limit', { min: 1, max: 50 }) ?? 50;
  check.done();
  if (prefix !== undefined && pattern !== undefined) throw invalidParameter('LogGroup name prefix and LogGroup name pattern are mutually exclusive parameters.');
  const query = ['groups', ctx.store.namespaceKey(ctx.caller), prefix, pattern];
  const offset = listOffset(token, query);
  // logGroupNamePattern is a case-insensitive substring match in AWS
  const needle = pattern?.toLowerCase();
  const groups = [...ctx.store.groups(ctx.caller).values()]
    .filter((g) => (prefix === undefined || g.name.startsWith(prefix)) && (needle === undefined || g.name.toLowerCase().includes(needle)))
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const page = groups.slice(offset, offset + limit).map((g) => ({
    logGroupName: g.name, creationTime: g.creationTime, metricFilterCount: 0, arn: `${groupArn(ctx, g.name)}:*`,
    storedBytes: g.storedBytes, logGroupClass: 'STANDARD', logGroupArn: groupArn(ctx, g.name),
  }));
  const response: Record<string, unknown> = { logGroups: page };
  if (offset + limit < groups.length) response.nextToken = listToken(offset + limit, query);
  return { body: JSON.stringify(response) };
};
