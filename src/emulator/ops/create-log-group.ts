// CreateLogGroup: {logGroupName, kmsKeyId?, tags?, logGroupClass?} → {}; a duplicate is ResourceAlreadyExistsException.
import { AwsError } from '../aws-error.js';
import { LogGroup } from '../store.js';
import { Checker, groupNameRule } from '../validate.js';
import type { OpHandler } from './common.js';

const CLASSES = ['STANDARD', 'INFREQUENT_ACCESS', 'DELIVERY'];

export const createLogGroup: OpHandler = (ctx, body) => {
  const check = new Checker(body);
  const name = check.string('logGroupName', { ...groupNameRule, required: true });
  check.string('kmsKeyId', { max: 256 });
  const cls = check.string('logGroupClass');
  if (cls !== undefined && !CLASSES.includes(cls)) check.add('logGroupClass', cls, `Member must satisfy enum value set: [${CLASSES.join(', ')}]`);
  check.done();
  const groups = ctx.store.groups(ctx.caller);
  if (groups.has(name!)) throw new AwsError('ResourceAlreadyExistsException', 'The specified log group already exists');
  groups.set(name!, new LogGroup(name!, ctx.now, ctx.caller.account));
  return { body: '{}' };
};
