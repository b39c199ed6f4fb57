// The operation table: X-Amz-Target `Logs_20140328.<name>` → handler.
import type { OpName } from '../types.js';
import type { OpHandler } from './common.js';
import { createLogGroup } from './create-log-group.js';
import { createLogStream } from './create-log-stream.js';
import { deleteLogGroup } from './delete-log-group.js';
import { describeLogGroups } from './describe-log-groups.js';
import { describeLogStreams } from './describe-log-streams.js';
import { filterLogEvents } from './filter-log-events.js';
import { getLogEvents } from './get-log-events.js';
import { putLogEvents } from './put-log-events.js';
import { deleteSubscriptionFilter, describeSubscriptionFilters, putSubscriptionFilter } from '../subscription-ops.js';

export const OPERATION_HANDLERS: Record<OpName, OpHandler> = {
  CreateLogGroup: createLogGroup,
  CreateLogStream: createLogStream,
  DeleteLogGroup: deleteLogGroup,
  PutLogEvents: putLogEvents,
  DescribeLogGroups: describeLogGroups,
  DescribeLogStreams: describeLogStreams,
  FilterLogEvents: filterLogEvents,
  GetLogEvents: getLogEvents,
  PutSubscriptionFilter: putSubscriptionFilter,
  DescribeSubscriptionFilters: describeSubscriptionFilters,
  DeleteSubscriptionFilter: deleteSubscriptionFilter,
};

export type { OpContext, OpHandler, OpResult } from './common.js';
