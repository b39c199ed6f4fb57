// What every operation handler gets, and the group/stream lookups they share.
import type { EmulatorConfig } from '../config.js';
import { AwsError, groupNotFound, invalidParameter } from '../aws-error.js';
import type { Random } from '../prng.js';
import type { LogGroup, LogStore } from '../store.js';
import type { Caller, OpName, StoredEvent } from '../types.js';
import type { Visibility } from '../visibility.js';
import { Checker, groupNameRule } from '../validate.js';

export interface OpContext {
  caller: Caller;
  config: EmulatorConfig;
  store: LogStore;
  now: number;
  visibility: Visibility;
  /** Seeded randomness for page-shape knobs. */
  random: Random;
  tokenEpoch: number;
  /** Counts an event handed to a client (re-read factor). */
  served(ev: StoredEvent): void;
}

/** An operation's answer: the JSON body text plus what the request log and stats record. */
export interface OpResult {
  body: string;
  events?: number;
}

export type OpHandler = (ctx: OpContext, body: Record<string, unknown>) => OpResult;

/** The 1 MB page / batch limit: Σ(UTF-8 bytes of message + 26). */
export const MAX_PAGE_BYTES = 1_048_576;

const ARN = /^arn:aws[a-z-]*:logs:[^:]*:[^:]*:log-group:([^:]+)(:\*)?$/;

/** Exactly one of logGroupName / logGroupIdentifier (a name or a log-group ARN). */
export function groupNameOf(check: Checker): string | undefined {
  const name = check.string('logGroupName', groupNameRule);
  const identifier = check.string('logGroupIdentifier', { min: 1, max: 2048 });
  if ((name === undefined) === (identifier === undefined)) {
    throw invalidParameter('Should provide either logGroupName or logGroupIdentifier, but not both.');
  }
  if (identifier === undefined) return name;
  const arn = ARN.exec(identifier);
  return arn ? arn[1] : identifier;
}

export function findGroup(ctx: OpContext, name: string): LogGroup {
  const group = ctx.store.groups(ctx.caller).get(name);
  if (!group) throw groupNotFound();
  return group;
}

export function groupArn(ctx: OpContext, name: string): string {
  return `arn:aws:logs:${ctx.caller.region}:${ctx.caller.account}:log-group:${name}`;
}

/**
 * A group to read, unless config `denied` refuses it to this caller: then AccessDeniedException, as AWS
 * answers a principal whose policy does not allow the action on the group (whether or not it exists).
 */
export function readableGroup(ctx: OpContext, op: OpName, name: string): LogGroup {
  const { account, region, arn } = ctx.caller;
  if (ctx.config.denied.some((d) => d.group === name && (d.account === undefined || d.account === account) && (d.region === undefined || d.region === region))) {
    throw new AwsError('AccessDeniedException', `User: ${arn} is not authorized to perform: logs:${op} on resource: ${groupArn(ctx, name)}:* because no identity-based policy allows the logs:${op} action`);
  }
  return findGroup(ctx, name);
}
