// DeleteLogGroup: {logGroupName} → {}; the group's events go with it, later reads get ResourceNotFoundException.
import { Checker, groupNameRule } from '../validate.js';
import { findGroup, type OpHandler } from './common.js';

export const deleteLogGroup: OpHandler = (ctx, body) => {
  const check = new Checker(body);
  const name = check.string('logGroupName', { ...groupNameRule, required: true });
  check.done();
  findGroup(ctx, name!);
  ctx.store.groups(ctx.caller).delete(name!);
  return { body: '{}' };
};
