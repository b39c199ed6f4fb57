// CreateLogStream: {logGroupName, logStreamName} → {}; duplicate → ResourceAlreadyExistsException, no group → ResourceNotFoundException.
import { AwsError } from '../aws-error.js';
import { LogStream } from '../store.js';
import { Checker, groupNameRule, streamNameRule } from '../validate.js';
import { findGroup, type OpHandler } from './common.js';

export const createLogStream: OpHandler = (ctx, body) => {
  const check = new Checker(body);
  const groupName = check.string('logGroupName', { ...groupNameRule, required: true });
  const streamName = check.string('logStreamName', { ...streamNameRule, required: true });
  check.done();
  const group = findGroup(ctx, groupName!);
  if (group.streams.has(streamName!)) throw new AwsError('ResourceAlreadyExistsException', 'The specified log stream already exists');
  group.streams.set(streamName!, new LogStream(streamName!, ctx.now));
  return { body: '{}' };
};
