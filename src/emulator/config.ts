// The emulator's knobs (emulator.md §4): one JSON-shaped object, settable at start (config file, flags,
// startEmulator options) and patched at runtime through POST /_emu/config. A patch merges objects key by
// key and replaces arrays; unknown keys are errors so a typo never silently disables a fault.
import { KawaError } from '../core/errors.js';
import { OPERATIONS, isOpName, type OpName } from './types.js';

/** A delay in ms: fixed, uniform in [min, max], or long-tailed (lognormal fitted to median and p99, capped). */
export type Delay = number | { uniform: [number, number] } | { longTail: { medianMs: number; p99Ms: number; maxMs: number } };

export const FAULT_KINDS = [
  'throttle', // 400 ThrottlingException "Rate exceeded" (SDK: throttling class, retried)
  'limitExceeded', // 400 LimitExceededException (SDK: throttling class)
  'tooManyRequests', // 429 TooManyRequestsException (SDK: throttling by status)
  'internalFailure', // 500 InternalFailure
  'serviceUnavailable', // 503 ServiceUnavailableException
  'serviceUnavailable400', // the moto-style trap: 400 ServiceUnavailableException, which the SDK does not retry
  'badGatewayHtml', // 502 with an HTML body (SDK: SyntaxError, still retried)
  'gatewayTimeoutHtml', // 504 with an HTML body
  'emptyBody500', // 500 with no body at all
  'resetBeforeHeaders', // socket destroyed before any byte of the response
  'partialBodyReset', // headers and half of the real body, then the socket is destroyed
  'hang', // never answer (the client's requestTimeout must fire)
  'latency', // delay the real answer by latencyMs, then continue with the next rules
  'accessDenied', // 400 AccessDeniedException
  'expiredToken', // 400 ExpiredTokenException
] as const;
export type FaultKind = (typeof FAULT_KINDS)[number];

/**
 * A fault rule fires on a request when: its op list contains the operation (absent = every op), the server
 * clock is in [fromMs, toMs) (each bound optional), it has count left (absent = unlimited), and a seeded draw
 * is below probability (absent = always). Rules are tried in order; the first firing non-latency rule wins.
 */
export interface FaultRule {
  kind: FaultKind;
  ops?: OpName[];
  count?: number;
  probability?: number;
  fromMs?: number;
  toMs?: number;
  /** Throttles: send `x-amz-retry-after: <ms>` (the SDK waits at least that long). */
  retryAfterMs?: number;
  /** Latency rule: how long to delay. */
  latencyMs?: number;
}

/** Synthetic EKS audit traffic written into a group as the server clock advances. */
export interface GeneratorConfig {
  group: string;
  /** Namespace to write into; defaults to defaultAccessKeyId / defaultRegion. */
  accessKeyId?: string;
  region?: string;
  /** Events per second of server time, over all streams. */
  ratePerSec: number;
  /** Concurrent streams (one per API server instance). */
  streams: number;
  streamPrefix: string;
  /** Replace every stream by a new `<prefix><32 hex>` stream this often (0 = never). */
  rotateEveryMs: number;
  /** Ingestion delay after the event timestamp (before visibility delay applies). */
  ingestDelayMs: number;
  /** First event timestamp; default: server time when the generator starts. */
  startMs?: number;
  /** Messages longer than this many bytes are cut and end with "[Truncated...]" (EKS behaviour). */
  truncateAt: number;
}

export type NamespaceBy = 'accessKeyAndRegion' | 'accountAndRegion' | 'region' | 'none';

/** A role in another (or the same) account, as its trust policy would say. */
export interface RoleConfig {
  /** Accounts whose principals may assume the role (the role's own account is not implied, as in IAM). */
  trustedAccounts: string[];
  /** When set, AssumeRole must pass exactly this ExternalId (the trust policy's sts:ExternalId condition). */
  externalId?: string;
  /**
   * Lifetime of the sessions issued for this role, whatever the request asks (an emulator knob: real STS
   * allows 900 s at least); short values exercise a client's refresh.
   */
  durationSeconds?: number;
}

/** Reads of `group` are refused, for callers of `account` (every account when absent) in `region` (every region when absent). */
export interface DenyRule {
  group: string;
  account?: string;
  region?: string;
}

export interface EmulatorConfig {
  /** Seed of every probabilistic knob. */
  seed: number;
  /**
   * How state is partitioned: per (access key, region), per (account, region) as in AWS (the account of a
   * key from `accounts`, of session credentials from the role they were issued for), per region, or one
   * shared store. The FilterLogEvents-style quotas are per namespace, so per account and region in
   * 'accountAndRegion'.
   */
  namespaceBy: NamespaceBy;
  /** Namespace used by control-API inserts and generators when none is given. */
  defaultAccessKeyId: string;
  defaultRegion: string;
  /** Account id shown in ARNs, and the account of every access key `accounts` does not list. */
  accountId: string;
  /** Access key id → account id (12 digits): who owns what in 'accountAndRegion', and who may assume which role. */
  accounts: Record<string, string>;
  /** STS AssumeRole: role ARN → who may assume it (sts.ts). */
  roles: Record<string, RoleConfig>;
  /** Log groups whose reads (FilterLogEvents, DescribeLogStreams, GetLogEvents) answer AccessDeniedException. */
  denied: DenyRule[];
  /** Strict mode when non-empty: access key → secret; every request's SigV4 signature is verified and unknown keys are refused. */
  secretAccessKeys: Record<string, string>;
  /** Bounded memory: PutLogEvents and inserts beyond this many events per group fail with EmulatorLimitExceededException. */
  maxEventsPerGroup: number;
  /** Largest accepted event, message UTF-8 bytes + 26 (AWS today 1 MB; legacy 256 KB = 262144). */
  maxEventBytes: number;
  /** Reject PutLogEvents events older than 14 days or more than 2 h in the future, per event, like AWS. */
  putTimeChecks: boolean;
  /** Cut PutLogEvents/insert messages above this many bytes with a "[Truncated...]" suffix (null = never). */
  truncateAt: number | null;
  /** FilterLogEvents endTime inclusive (AWS doc) or exclusive, so fetchers can be tested against both. */
  endTimeInclusive: boolean;
  clock: {
    /** Skew between the emulator ("AWS") and the client. */
    offsetMs: number;
    /** Time only moves through POST /_emu/clock; starts at startMs (default: real now). */
    virtual: boolean;
    startMs: number | null;
  };
  pagination: {
    /** Every pagination starts with this many empty pages that carry a nextToken. */
    emptyPagesBeforeData: number;
    /** Cap on events per page below the requested limit (null = the limit). */
    maxEventsPerPage: number | null;
    /** Cut pages at a seeded random size in [1, limit]. */
    randomPartialPages: boolean;
    /** Candidate events examined per call before the page is returned (null = unbounded). */
    scanBudget: number | null;
    tokenTtlMs: number;
  };
  visibility: {
    /** Default delay between ingestion and visibility. */
    delay: Delay;
    /** Per stream: exact name, or a prefix ending in `*`. */
    streams: Record<string, Delay>;
    /** A whole stream ingests this many ms after its event timestamps: ingestionTime = max(now, timestamp + lag). */
    streamLagMs: Record<string, number>;
  };
  /** DescribeLogStreams last/first timestamps only reflect events ingested at least this long ago. */
  describeLagMs: number;
  /** Token buckets per (namespace, op), requests per second of wall time; over quota → ThrottlingException. */
  quota: Partial<Record<OpName, number>>;
  faults: FaultRule[];
  /** Chaos: probability that a FilterLogEvents page repeats the last event of the previous page. */
  duplicateAcrossPages: number;
  /** Request log ring size. */
  requestLogSize: number;
  generators: GeneratorConfig[];
}

export function defaultConfig(): EmulatorConfig {
  return {
    seed: 1,
    namespaceBy: 'accessKeyAndRegion',
    defaultAccessKeyId: 'test',
    defaultRegion: 'us-east-1',
    accountId: '123456789012',
    accounts: {},
    roles: {},
    denied: [],
    secretAccessKeys: {},
    maxEventsPerGroup: 250_000,
    maxEventBytes: 1_048_576,
    putTimeChecks: true,
    truncateAt: null,
    endTimeInclusive: true,
    clock: { offsetMs: 0, virtual: false, startMs: null },
    pagination: { emptyPagesBeforeData: 0, maxEventsPerPage: null, randomPartialPages: false, scanBudget: null, tokenTtlMs: 24 * 3600_000 },
    visibility: { delay: 0, streams: {}, streamLagMs: {} },
    describeLagMs: 0,
    quota: {},
    faults: [],
    duplicateAcrossPages: 0,
    requestLogSize: 10_000,
    generators: [],
  };
}

/**
 * The most events per second one generator writes: the emulator makes each in about 15 µs on its one thread
 * (one second of 50,000 took 0.6 s here), and a generator beyond what the thread can make would only fall
 * further behind at each catch-up, stalling every request meanwhile.
 */
export const MAX_GENERATOR_RATE = 50_000;
/** The most streams one generator writes at once (an EKS cluster has one per API server instance). */
export const MAX_GENERATOR_STREAMS = 1_000;

export const GENERATOR_DEFAULTS: Omit<GeneratorConfig, 'group'> = {
  ratePerSec: 20, streams: 2, streamPrefix: 'kube-apiserver-audit-', rotateEveryMs: 0, ingestDelayMs: 800, truncateAt: 262_144,
};

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);
const configError = (path: string, message: string) => new KawaError('KAWA_ERR_CONFIG', `emulator config ${path}: ${message}`);

/** Returns base with patch applied; throws KAWA_ERR_CONFIG naming the first bad key. base is not modified. */
export function applyConfigPatch(base: EmulatorConfig, patch: unknown): EmulatorConfig {
  if (!isObject(patch)) throw configError('(root)', 'must be a JSON object');
  const next = structuredClone(base) as unknown as Json;
  mergeInto(next, patch, '', defaultConfig() as unknown as Json);
  const config = next as unknown as EmulatorConfig;
  checkConfig(config);
  return config;
}

/** Keys whose value is a free-form map or a union, checked by checkConfig rather than by the default's shape. */
const FREE_KEYS = new Set(['accounts', 'roles', 'denied', 'secretAccessKeys', 'visibility.streams', 'visibility.streamLagMs', 'visibility.delay', 'quota', 'faults', 'generators', 'clock.startMs', 'pagination.maxEventsPerPage', 'pagination.scanBudget', 'truncateAt']);

function mergeInto(target: Json, patch: Json, prefix: string, shape: Json): void {
  for (const [key, value] of Object.entries(patch)) {
    const path = prefix + key;
    if (!(key in shape)) throw configError(path, 'unknown key');
    if (FREE_KEYS.has(path)) {
      target[key] = structuredClone(value);
      continue;
    }
    const model = shape[key];
    if (isObject(model)) {
      if (!isObject(value)) throw configError(path, 'must be an object');
      mergeInto(target[key] as Json, value, `${path}.`, model);
    } else if (typeof value !== typeof model) {
      throw configError(path, `must be a ${typeof model}`);
    } else {
      target[key] = value;
    }
  }
}

function checkConfig(c: EmulatorConfig): void {
  const nonNegative = (path: string, v: unknown, nullable = false) => {
    if (nullable && v === null) return;
    if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) throw configError(path, `must be a number >= 0${nullable ? ' or null' : ''}`);
  };
  if (!NAMESPACE_BY.includes(c.namespaceBy)) throw configError('namespaceBy', `must be one of ${NAMESPACE_BY.map((n) => `'${n}'`).join(', ')}`);
  if (!ACCOUNT_ID.test(c.accountId)) throw configError('accountId', 'must be 12 digits');
  if (!isObject(c.accounts)) throw configError('accounts', 'must map access key ids to account ids');
  for (const [k, v] of Object.entries(c.accounts)) if (typeof v !== 'string' || !ACCOUNT_ID.test(v)) throw configError(`accounts.${k}`, 'must be an account id of 12 digits');
  if (!isObject(c.roles)) throw configError('roles', 'must map role ARNs to {trustedAccounts, externalId?, durationSeconds?}');
  for (const [arn, role] of Object.entries(c.roles)) checkRole(`roles.${arn}`, arn, role);
  checkDenied(c.denied);
  for (const key of ['maxEventsPerGroup', 'maxEventBytes', 'describeLagMs', 'requestLogSize', 'duplicateAcrossPages'] as const) nonNegative(key, c[key]);
  if (c.maxEventBytes < 27) throw configError('maxEventBytes', 'must be at least 27 (26 bytes of overhead + 1)');
  if (c.requestLogSize < 1) throw configError('requestLogSize', 'must be at least 1');
  nonNegative('truncateAt', c.truncateAt, true);
  nonNegative('clock.startMs', c.clock.startMs, true);
  if (c.pagination.maxEventsPerPage !== null && !(Number.isInteger(c.pagination.maxEventsPerPage) && c.pagination.maxEventsPerPage >= 1)) throw configError('pagination.maxEventsPerPage', 'must be an integer >= 1 or null');
  if (c.pagination.scanBudget !== null && !(Number.isInteger(c.pagination.scanBudget) && c.pagination.scanBudget >= 1)) throw configError('pagination.scanBudget', 'must be an integer >= 1 or null');
  nonNegative('pagination.emptyPagesBeforeData', c.pagination.emptyPagesBeforeData);
  nonNegative('pagination.tokenTtlMs', c.pagination.tokenTtlMs);
  checkDelay('visibility.delay', c.visibility.delay);
  if (!isObject(c.visibility.streams)) throw configError('visibility.streams', 'must be an object');
  for (const [k, v] of Object.entries(c.visibility.streams)) checkDelay(`visibility.streams.${k}`, v);
  if (!isObject(c.visibility.streamLagMs)) throw configError('visibility.streamLagMs', 'must be an object');
  for (const [k, v] of Object.entries(c.visibility.streamLagMs)) nonNegative(`visibility.streamLagMs.${k}`, v);
  if (!isObject(c.secretAccessKeys) || !Object.values(c.secretAccessKeys).every((v) => typeof v === 'string')) throw configError('secretAccessKeys', 'must map access key ids to secret strings');
  if (!isObject(c.quota)) throw configError('quota', 'must be an object');
  for (const [k, v] of Object.entries(c.quota)) {
    if (!isOpName(k)) throw configError(`quota.${k}`, `unknown operation (one of ${OPERATIONS.join(', ')})`);
    if (typeof v !== 'number' || !(v > 0)) throw configError(`quota.${k}`, 'must be a number of requests per second > 0');
  }
  if (!Array.isArray(c.faults)) throw configError('faults', 'must be an array');
  c.faults.forEach((f, i) => checkFault(`faults[${i}]`, f));
  if (!Array.isArray(c.generators)) throw configError('generators', 'must be an array');
  c.generators = c.generators.map((g, i) => checkGenerator(`generators[${i}]`, g));
}

const NAMESPACE_BY: readonly NamespaceBy[] = ['accessKeyAndRegion', 'accountAndRegion', 'region', 'none'];
const ACCOUNT_ID = /^\d{12}$/;
/** arn:aws:iam::<account>:role/<path/><name>; groups 1 and 2: the account and the role name. */
export const ROLE_ARN = /^arn:aws[a-z-]*:iam::(\d{12}):role\/(?:[\w+=,.@-]+\/)*([\w+=,.@-]{1,64})$/;

function checkRole(path: string, arn: string, role: unknown): void {
  if (!ROLE_ARN.test(arn)) throw configError(path, 'is not a role ARN (arn:aws:iam::<12 digits>:role/<name>)');
  if (!isObject(role)) throw configError(path, 'must be an object');
  for (const k of Object.keys(role)) if (!['trustedAccounts', 'externalId', 'durationSeconds'].includes(k)) throw configError(`${path}.${k}`, 'unknown key');
  if (!Array.isArray(role.trustedAccounts) || !role.trustedAccounts.every((a) => typeof a === 'string' && ACCOUNT_ID.test(a))) throw configError(`${path}.trustedAccounts`, 'must list account ids of 12 digits');
  if (role.externalId !== undefined && (typeof role.externalId !== 'string' || !role.externalId)) throw configError(`${path}.externalId`, 'must be a non-empty string');
  if (role.durationSeconds !== undefined && !(Number.isInteger(role.durationSeconds) && (role.durationSeconds as number) >= 1)) throw configError(`${path}.durationSeconds`, 'must be an integer >= 1');
}

/** Validates a deny list (config key `denied`, or the control API's /_emu/denied). */
export function checkDenied(denied: unknown): asserts denied is DenyRule[] {
  if (!Array.isArray(denied)) throw configError('denied', 'must be an array of {group, account?, region?}');
  denied.forEach((d: unknown, i) => {
    const path = `denied[${i}]`;
    if (!isObject(d)) throw configError(path, 'must be an object');
    for (const k of Object.keys(d)) if (!['group', 'account', 'region'].includes(k)) throw configError(`${path}.${k}`, 'unknown key');
    if (typeof d.group !== 'string' || !d.group) throw configError(`${path}.group`, 'is required (a log group name)');
    if (d.account !== undefined && (typeof d.account !== 'string' || !ACCOUNT_ID.test(d.account))) throw configError(`${path}.account`, 'must be an account id of 12 digits');
    if (d.region !== undefined && (typeof d.region !== 'string' || !d.region)) throw configError(`${path}.region`, 'must be a region name');
  });
}

export function checkFault(path: string, f: unknown): asserts f is FaultRule {
  if (!isObject(f)) throw configError(path, 'must be an object');
  const known = new Set(['kind', 'ops', 'count', 'probability', 'fromMs', 'toMs', 'retryAfterMs', 'latencyMs']);
  for (const k of Object.keys(f)) if (!known.has(k)) throw configError(`${path}.${k}`, 'unknown key');
  if (!(FAULT_KINDS as readonly unknown[]).includes(f.kind)) throw configError(`${path}.kind`, `must be one of ${FAULT_KINDS.join(', ')}`);
  if (f.ops !== undefined && (!Array.isArray(f.ops) || !f.ops.every((o) => typeof o === 'string' && isOpName(o)))) throw configError(`${path}.ops`, `must list operations among ${OPERATIONS.join(', ')}`);
  for (const k of ['count', 'fromMs', 'toMs', 'retryAfterMs', 'latencyMs']) {
    if (f[k] !== undefined && (typeof f[k] !== 'number' || (f[k] as number) < 0)) throw configError(`${path}.${k}`, 'must be a number >= 0');
  }
  if (f.probability !== undefined && (typeof f.probability !== 'number' || f.probability < 0 || f.probability > 1)) throw configError(`${path}.probability`, 'must be in [0, 1]');
  if (f.kind === 'latency' && typeof f.latencyMs !== 'number') throw configError(`${path}.latencyMs`, 'is required for a latency rule');
}

function checkDelay(path: string, d: unknown): void {
  if (typeof d === 'number' && d >= 0) return;
  if (isObject(d) && Array.isArray(d.uniform) && d.uniform.length === 2 && d.uniform.every((x) => typeof x === 'number' && x >= 0) && d.uniform[0] <= d.uniform[1]) return;
  if (isObject(d) && isObject(d.longTail)) {
    const t = d.longTail;
    if ([t.medianMs, t.p99Ms, t.maxMs].every((x) => typeof x === 'number' && x >= 0) && (t.medianMs as number) > 0 && (t.medianMs as number) <= (t.p99Ms as number)) return;
  }
  throw configError(path, 'must be ms >= 0, {"uniform":[minMs,maxMs]} or {"longTail":{"medianMs":m,"p99Ms":p,"maxMs":x}} with 0 < m <= p');
}

function checkGenerator(path: string, g: unknown): GeneratorConfig {
  if (!isObject(g)) throw configError(path, 'must be an object');
  const full = { ...GENERATOR_DEFAULTS, ...g } as Json;
  const shape = { group: '', accessKeyId: '', region: '', startMs: 0, ...GENERATOR_DEFAULTS } as Json;
  for (const [k, v] of Object.entries(full)) {
    if (!(k in shape)) throw configError(`${path}.${k}`, 'unknown key');
    if (typeof v !== typeof shape[k]) throw configError(`${path}.${k}`, `must be a ${typeof shape[k]}`);
  }
  if (!full.group) throw configError(`${path}.group`, 'is required');
  const rate = full.ratePerSec as number;
  if (!(rate > 0 && rate <= MAX_GENERATOR_RATE)) throw configError(`${path}.ratePerSec`, `must be > 0 and at most ${MAX_GENERATOR_RATE}`);
  const streams = full.streams as number;
  if (!Number.isInteger(streams) || streams < 1 || streams > MAX_GENERATOR_STREAMS) throw configError(`${path}.streams`, `must be an integer from 1 to ${MAX_GENERATOR_STREAMS}`);
  return full as unknown as GeneratorConfig;
}
